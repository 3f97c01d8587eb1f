"""Shared fixtures: repository paths, the optional ../shared reference folder, Snakemake runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VENV_BIN = Path(sys.executable).parent

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference beside the checkout; tests using it skip when it is absent."""
    reference = SHARED / "reference"
    if not reference.is_dir():
        pytest.skip("../shared/reference is not present (it is not part of the project)")
    return reference


def run_snakemake(args: list[str], cwd: Path, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run the Snakemake CLI of this interpreter's environment on the repository's Snakefile."""
    cmd = [str(VENV_BIN / "snakemake"), "--snakefile", str(REPO / "Snakefile"), *args]
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
