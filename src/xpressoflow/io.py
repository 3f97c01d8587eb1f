"""Small file helpers: atomic writes so a failed step never leaves a file a later run trusts."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=suffix if suffix is not None else ".tmp", dir=path.parent
    )
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_kwargs):
    """Open a temporary file for writing; it replaces `path` only when the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode, **open_kwargs) as handle:
        yield handle


def _json_scalar(value):
    """NumPy scalars (from metrics and seeds) as the plain numbers JSON knows."""
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_json(payload: dict, path: str | os.PathLike) -> None:
    """Indented, key-sorted JSON, written atomically."""
    with atomic_write(path) as handle:
        json.dump(payload, handle, indent=1, sort_keys=True, default=_json_scalar)


def read_json(path: str | os.PathLike) -> dict:
    with open(path) as handle:
        return json.load(handle)
