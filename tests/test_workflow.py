"""The workflow itself: config validation, DAG construction, lint and formatting."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, VENV_BIN, run_snakemake
from snakemake.api import SnakemakeApi
from snakemake.settings.types import (
    ConfigSettings,
    DAGSettings,
    OutputSettings,
    ResourceSettings,
)
from tests_helpers import declared_figures


def dry_run(targets: list[str], configfile: Path, workdir: Path) -> None:
    """Build the DAG for `targets` through the Snakemake API and execute it as a dry run."""
    with SnakemakeApi(OutputSettings(quiet=None)) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(cores=2),
            config_settings=ConfigSettings(configfiles=[configfile]),
            snakefile=REPO / "Snakefile",
            workdir=workdir,
        )
        dag = workflow.dag(DAGSettings(targets=set(targets)))
        dag.execute_workflow(executor="dryrun")


@pytest.mark.parametrize("configfile", ["config.yaml", "configs/test.yaml", "configs/real.yaml"])
def test_default_target_dag_builds(tmp_path, configfile):
    dry_run([], REPO / configfile, tmp_path)


def test_real_config_searches_the_whole_table1_space():
    """--configfile merges onto config.yaml, so the real config must undo the demo narrowing."""
    from xpressoflow.model import TABLE1_RANGES

    real = yaml.safe_load((REPO / "configs" / "real.yaml").read_text())
    ranges = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in real["search"]["ranges"].items()
    }
    assert ranges == TABLE1_RANGES


@pytest.mark.parametrize("fig", declared_figures())
def test_each_figure_is_its_own_target(tmp_path, fig):
    dry_run([f"results/figures/{fig}.pdf"], REPO / "config.yaml", tmp_path)


def test_invalid_config_names_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"source": "demo", "demo": {"genes_per_species": "many"}}))
    result = run_snakemake(["-n", "--configfile", str(bad)], cwd=tmp_path)
    assert result.returncode != 0
    assert "genes_per_species" in result.stdout + result.stderr


def test_unknown_config_key_is_rejected(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"source": "demo", "sead": 3}))
    result = run_snakemake(["-n", "--configfile", str(bad)], cwd=tmp_path)
    assert result.returncode != 0
    assert "sead" in result.stdout + result.stderr


def test_schema_defaults_fill_missing_keys(tmp_path):
    minimal = tmp_path / "minimal.yaml"
    minimal.write_text(yaml.safe_dump({"source": "demo"}))
    result = run_snakemake(
        ["-n", "--configfile", str(minimal), "--print-compilation"], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    dry_run([], minimal, tmp_path)


def test_slurm_profile_dry_run_parses(tmp_path):
    profile = REPO / "profiles" / "slurm"
    result = run_snakemake(["-n", "--profile", str(profile)], cwd=REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_snakemake_lint_is_clean():
    result = run_snakemake(["--lint"], cwd=REPO)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_snakefmt_check():
    snakefmt = VENV_BIN / "snakefmt"
    result = subprocess.run(
        [str(snakefmt), "--check", "Snakefile", "rules"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check():
    ruff = VENV_BIN / "ruff"
    paths = [p for p in ("src", "tests", "workflow", "bench") if (REPO / p).exists()]
    result = subprocess.run([str(ruff), "check", *paths], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_envs_pin_the_same_versions_as_pyproject():
    """envs/*.yaml (conda route) and pyproject.toml (venv route used by CI) must agree."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_pins = {}
    for req in project["dependencies"] + sum(project["optional-dependencies"].values(), []):
        name, version = req.split("==")
        pip_pins[name.lower().replace("-base", "")] = version
    checked = 0
    for env_file in sorted((REPO / "envs").glob("*.yaml")):
        env = yaml.safe_load(env_file.read_text())
        for dep in env["dependencies"]:
            entries = dep["pip"] if isinstance(dep, dict) else [dep]
            for entry in entries:
                sep = "==" if "==" in entry else "="
                if sep not in entry:
                    raise AssertionError(f"{env_file.name}: {entry} is not pinned")
                name, version = entry.split(sep, 1)
                name = name.lower().replace("matplotlib-base", "matplotlib")
                if name in pip_pins:
                    assert version == pip_pins[name], f"{env_file.name}: {name}"
                    checked += 1
    assert checked >= 10


def test_schema_demo_defaults_match_the_simulator():
    """config.schema.yaml's demo: defaults must be the simulator's own defaults."""
    from xpressoflow.demo import DEFAULT_CONFIG

    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    demo = schema["properties"]["demo"]["properties"]
    assert {key: spec["default"] for key, spec in demo.items()} == DEFAULT_CONFIG


def test_test_config_is_the_tiny_simulator_config():
    from xpressoflow.demo import DEFAULT_CONFIG, TINY_CONFIG

    test_config = yaml.safe_load((REPO / "configs" / "test.yaml").read_text())["demo"]
    changed = {k: v for k, v in TINY_CONFIG.items() if v != DEFAULT_CONFIG[k]}
    assert test_config == changed
