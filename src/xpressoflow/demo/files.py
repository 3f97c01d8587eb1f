"""Deterministic, atomic file writers and named random streams.

Every writer goes through a temporary file in the destination folder followed by
``os.replace`` so a crashed run never leaves a half-written input behind. Gzip output uses
``mtime=0`` and an empty stored file name so equal content gives equal bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def stream(seed: int, *names: str) -> np.random.Generator:
    """Independent random stream for one simulation component.

    Keyed by the seed and a stable hash of the component names, so adding a component or
    reordering calls does not change the draws of the others.
    """
    keys = [zlib.crc32(name.encode()) for name in names]
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *keys])


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (UTF-8, no newline translation)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_bytes(path: Path, data: bytes) -> None:
    """Write a binary file atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)


def write_gzip_text(path: Path, text: str) -> None:
    """Write gzip-compressed text atomically with a fixed header (mtime 0, no file name)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
            handle.write(text.encode("utf-8"))


def tsv_text(header: list[str], rows: list[list[object]]) -> str:
    """Tab-separated text with a header line; values are formatted with ``str``."""
    lines = ["\t".join(header)]
    lines.extend("\t".join(str(value) for value in row) for row in rows)
    return "\n".join(lines) + "\n"
