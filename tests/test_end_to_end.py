"""A small end-to-end run of the whole workflow on the tiny demo configuration."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, run_snakemake
from tests_helpers import declared_figures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """Run the default target once on configs/test.yaml; the tests below inspect the result."""
    workdir = tmp_path_factory.mktemp("e2e")
    shutil.copy(REPO / "configs" / "test.yaml", workdir / "config.yaml")
    result = run_snakemake(["--cores", "2", "--configfile", "config.yaml"], cwd=workdir)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return workdir


def test_every_figure_is_written(finished_run):
    for fig in declared_figures():
        pdf = finished_run / "results" / "figures" / f"{fig}.pdf"
        assert pdf.stat().st_size > 1000, fig
        assert pdf.read_bytes().startswith(b"%PDF")


def test_every_job_wrote_its_log(finished_run):
    logs = list((finished_run / "logs").rglob("*.log"))
    assert logs
    assert (finished_run / "logs" / "demo_data.log").read_text().strip()


def test_nothing_left_to_do_and_single_figure_rebuilds_alone(finished_run):
    result = run_snakemake(["-n", "--configfile", "config.yaml"], cwd=finished_run)
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr

    (finished_run / "results" / "figures" / "figS1.pdf").unlink()
    result = run_snakemake(
        ["results/figures/figS1.pdf", "-n", "--configfile", "config.yaml"], cwd=finished_run
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "demo_data" not in out.split("Job stats:")[1].split("Reasons:")[0]


def test_report_is_generated(finished_run):
    run_snakemake(["--cores", "1", "--configfile", "config.yaml"], cwd=finished_run)
    result = run_snakemake(
        ["--configfile", "config.yaml", "--report", "results/report.html"], cwd=finished_run
    )
    assert result.returncode == 0, result.stderr[-3000:]
    html = (finished_run / "results" / "report.html").read_text(errors="replace")
    assert "figS1" in html
