"""FANTOM5-style CAGE peak BED9 (UCSC chromosome names)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .annotation import GeneModel
from .files import write_text
from .genome import ucsc_name

ITEM_RGB = {"+": "255,0,0", "-": "0,0,255"}


def _peak(
    rng: np.random.Generator, chrom: str, summit: int, strand: str, name: str, score: int
) -> tuple:
    start = summit - int(rng.integers(2, 20))
    end = summit + 1 + int(rng.integers(2, 20))
    return (ucsc_name(chrom), start, end, name, score, strand, summit, summit + 1, ITEM_RGB[strand])


def cage_peaks(
    rng: np.random.Generator,
    models: list[GeneModel],
    cage_names: dict[str, str],
    gaps: dict[str, list],
    n_unannotated: int,
) -> list[tuple]:
    """p1@ peaks at true TSSs, p2@ secondary peaks, shared and unannotated peaks."""
    nested_hosts = {m.nested_lincrna.gene_id: m for m in models if m.nested_lincrna is not None}
    peaks = []
    for model in models:
        design = model.design
        if not design.has_cage_peak or model.gene_id in nested_hosts:
            continue
        summit = model.genome_position(model.true_tss_local)
        score = int(np.clip(rng.lognormal(5, 1), 1, 1000))
        name = f"p1@{cage_names[model.gene_id]}"
        if model.nested_lincrna is not None:
            name += f",p1@{cage_names[model.nested_lincrna.gene_id]}"
        peaks.append(_peak(rng, model.chrom, summit, model.strand, name, score))
        if design.has_secondary_peak:
            shift = int(rng.integers(30, 400)) * (1 if rng.random() < 0.5 else -1)
            secondary = model.genome_position(model.true_tss_local + shift)
            peaks.append(
                _peak(
                    rng,
                    model.chrom,
                    secondary,
                    model.strand,
                    f"p2@{cage_names[model.gene_id]}",
                    max(1, score // 4),
                )
            )
    chroms = sorted(c for c in gaps if gaps[c])
    for _ in range(n_unannotated):
        chrom = chroms[int(rng.integers(len(chroms)))]
        start, end = gaps[chrom][int(rng.integers(len(gaps[chrom])))]
        if end - start < 200:
            continue
        summit = int(rng.integers(start + 50, end - 50))
        strand = "+" if rng.random() < 0.5 else "-"
        peak = _peak(rng, chrom, summit, strand, "", int(rng.integers(1, 50)))
        name = f"p@{peak[0]}:{peak[1] + 1}..{peak[2]},{strand}"
        peaks.append((*peak[:3], name, *peak[4:]))
    return sorted(peaks, key=lambda p: (p[0], p[1], p[2], p[3]))


def write_cage_bed(path: Path, peaks: list[tuple]) -> None:
    write_text(path, "".join("\t".join(str(v) for v in peak) + "\n" for peak in peaks))
