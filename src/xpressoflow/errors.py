"""Exceptions for bad input: every message names the file and, where known, the line."""

from __future__ import annotations

import os


class InputFormatError(ValueError):
    """A raw input file is malformed (wrong column count, non-integer coordinate, ...)."""

    def __init__(self, path: str | os.PathLike, line_number: int | None, problem: str):
        self.path = str(path)
        self.line_number = line_number
        self.problem = problem
        where = f"{self.path}, line {line_number}" if line_number is not None else self.path
        super().__init__(f"{where}: {problem}")


class ChromosomeNameError(ValueError):
    """Chromosome names of two sources cannot be matched (e.g. chr1 vs 1 vs NC_000001)."""


class DatasetError(ValueError):
    """Labels, features and sequences cannot be joined into a consistent dataset."""
