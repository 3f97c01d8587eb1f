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
