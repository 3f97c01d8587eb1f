"""Glue for the workflow scripts: reading what Snakemake hands them."""

from __future__ import annotations


def optional_input(value) -> str | None:
    """The one path of an input that may be empty (an input function returning [] or [path]).

    Snakemake gives a named input as a plain string when it holds one file and as a list
    otherwise, so `input.x[0]` would take the first character of a lone path.
    """
    if isinstance(value, str):
        return value or None
    paths = list(value)
    if len(paths) > 1:
        raise ValueError(f"expected at most one input file, got {paths}")
    return paths[0] if paths else None


def input_list(value) -> list[str]:
    """A named input as a list of paths, whether Snakemake gives one path or several."""
    return [value] if isinstance(value, str) else list(value)
