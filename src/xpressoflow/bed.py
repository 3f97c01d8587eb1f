"""BED reading shared by the promoter, CAGE-peak and prediction inputs.

Errors name the file and the line (InputFormatError), so a user can find the bad record.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pandas as pd

from xpressoflow.errors import InputFormatError

BED6_COLUMNS = ["chrom", "start", "end", "name", "score", "strand"]


def iter_bed_fields(path: str | os.PathLike, min_columns: int,
                    kind: str = "BED") -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each record; blank, comment, track and browser lines skipped."""
    with open(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < min_columns:
                raise InputFormatError(path, line_number, f"expected {kind} (>= {min_columns} "
                                                          f"columns), found {len(fields)}")
            yield line_number, fields


def integer_fields(path, line_number: int, fields: list[str], columns: dict[int, str]) -> list:
    """The given columns as integers; `columns` maps 0-based index -> name for the error."""
    try:
        return [int(fields[index]) for index in columns]
    except ValueError:
        names = "/".join(columns.values())
        raise InputFormatError(path, line_number, f"{names} are not integers") from None


def check_strand(path, line_number: int, strand: str) -> None:
    if strand not in ("+", "-"):
        raise InputFormatError(path, line_number, f"bad strand {strand!r} (expected + or -)")


def read_bed6(path: str | os.PathLike) -> pd.DataFrame:
    """BED6 intervals with a strand: chrom, start, end, name, score, strand (start < end)."""
    records = []
    for line_number, fields in iter_bed_fields(path, 6, "BED6"):
        start, end = integer_fields(path, line_number, fields, {1: "start", 2: "end"})
        check_strand(path, line_number, fields[5])
        if end <= start:
            raise InputFormatError(path, line_number, f"empty interval {start}-{end}")
        records.append((fields[0], start, end, fields[3], fields[4], fields[5]))
    return pd.DataFrame.from_records(records, columns=BED6_COLUMNS)
