"""Built-in demo data: a simulated human and mouse with planted, known biology.

``simulate(outdir, config, seed)`` writes, under ``outdir``, the same files in the same formats
as the real public sources (docs/formats.md) plus ``truth/`` with the planted answer.
Everything is deterministic for a given seed and config (byte-identical files).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from .config import DEFAULT_CONFIG, TINY_CONFIG, resolve_config
from .pipeline import simulate_species_pair

__all__ = ["DEFAULT_CONFIG", "TINY_CONFIG", "simulate"]

LOG = logging.getLogger(__name__)


def simulate(outdir: str | Path, config: dict[str, Any] | None = None, seed: int = 0) -> list[Path]:
    """Simulate the demo data set into ``outdir``; return the written file paths (sorted).

    ``config`` overrides keys of :data:`DEFAULT_CONFIG` (see :mod:`xpressoflow.demo.config`).
    """
    started = time.perf_counter()
    resolved = resolve_config(config)
    written = simulate_species_pair(Path(outdir), resolved, int(seed))
    LOG.info("demo data: %d files in %.1f s", len(written), time.perf_counter() - started)
    return sorted(written)
