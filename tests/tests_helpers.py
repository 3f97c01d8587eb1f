"""Helpers shared by test modules (kept out of conftest so they can be imported by name)."""

from __future__ import annotations

import ast
import re

from conftest import REPO


def declared_figures() -> list[str]:
    """Figure panels declared in rules/common.smk (parsed, so new panels are tested too)."""
    text = (REPO / "rules" / "common.smk").read_text()
    match = re.search(r"^FIGURES = (\[.*?\])", text, flags=re.MULTILINE | re.DOTALL)
    return ast.literal_eval(match.group(1))


def job_counts(snakemake_output: str) -> dict[str, int]:
    """Rule name -> job count from the "Job stats" table Snakemake prints for a (dry) run."""
    table = snakemake_output.split("Job stats:")[1].split("\n\n")[0]
    counts = {}
    for line in table.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].isdigit() and fields[0] != "total":
            counts[fields[0]] = int(fields[1])
    return counts
