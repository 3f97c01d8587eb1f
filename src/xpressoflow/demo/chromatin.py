"""Human cell-line chromatin: stretch-enhancer / H3K27me3 domains and stranded SuRE bigWigs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig

from .annotation import GeneModel
from .files import atomic_path, write_text
from .genome import ucsc_name

DOMAIN_TYPES = ("stretch_enhancer", "H3K27me3")
SURE_HALF_WINDOW_BP = 1000
SURE_BIN_BP = 50


def pick_domain_genes(
    rng: np.random.Generator, truth: pd.DataFrame, config: dict
) -> dict[str, str]:
    """gene_id -> domain type for one cell line (disjoint sets of coding genes)."""
    coding = truth.index[(truth["biotype"] == "protein_coding") & (truth["category"] == "regular")]
    order = rng.permutation(len(coding))
    n_se = int(round(len(coding) * config["stretch_enhancer_gene_fraction"]))
    n_k27 = int(round(len(coding) * config["h3k27me3_gene_fraction"]))
    chosen = {}
    for rank, position in enumerate(order[: n_se + n_k27]):
        chosen[coding[position]] = DOMAIN_TYPES[0] if rank < n_se else DOMAIN_TYPES[1]
    return dict(sorted(chosen.items()))


def domain_intervals(
    rng: np.random.Generator,
    models: dict[str, GeneModel],
    domain_genes: dict[str, str],
    gaps: dict[str, list],
) -> list[tuple]:
    """BED4 rows: one domain around each chosen gene's TSS (inside its own locus, so it
    overlaps no other coding gene) plus gene-free decoy domains in intergenic gaps."""
    rows = []
    for gene_id, kind in domain_genes.items():
        model = models[gene_id]
        lo, hi = model.locus_bounds()
        tss = model.true_tss_local
        local = (
            max(lo, tss - int(rng.integers(1500, 2400))),
            min(hi, tss + int(rng.integers(1500, 6000))),
        )
        start, end = model.to_genome(*local)
        rows.append((ucsc_name(model.chrom), start, end, kind))
    for chrom in sorted(gaps):
        for start, end in gaps[chrom]:
            if end - start > 6000 and rng.random() < 0.15:
                width = int(rng.integers(2000, end - start - 1000))
                first = start + int(rng.integers(300, end - start - width - 300))
                rows.append(
                    (ucsc_name(chrom), first, first + width, DOMAIN_TYPES[int(rng.integers(2))])
                )
    return sorted(rows)


def write_domains(path: Path, rows: list[tuple]) -> None:
    write_text(path, "".join(f"{c}\t{s}\t{e}\t{n}\n" for c, s, e, n in rows))


def sure_entries(
    rng: np.random.Generator, models: list[GeneModel], promoter_effect: dict[str, float]
) -> dict[str, list[tuple]]:
    """Binned SuRE signal around each gene's true TSS on its own strand.

    SuRE measures isolated-promoter activity, so it tracks the planted promoter effect
    (plus assay noise), not the half-life or chromatin effects.
    """
    entries: dict[str, list[tuple]] = {"+": [], "-": []}
    for model in models:
        if model.gene_id not in promoter_effect:
            continue
        activity = 10 ** (0.7 * promoter_effect[model.gene_id] + rng.normal(0, 0.25))
        tss = model.genome_position(model.true_tss_local)
        starts = np.arange(tss - SURE_HALF_WINDOW_BP, tss + SURE_HALF_WINDOW_BP, SURE_BIN_BP)
        distance = np.abs(starts + SURE_BIN_BP / 2 - tss)
        values = activity * np.where(distance < 500, 1.0, 0.3) * rng.lognormal(0, 0.2, starts.size)
        for start, value in zip(starts, values, strict=True):
            entries[model.strand].append((ucsc_name(model.chrom), int(start), float(value)))
    return entries


def write_sure_bigwig(path: Path, chrom_sizes: list[tuple[str, int]], entries: list[tuple]) -> None:
    """bigWig with fixed-width bins (pyBigWig); chromosomes in header order."""
    order = {name: i for i, (name, _) in enumerate(chrom_sizes)}
    entries = sorted(entries, key=lambda e: (order[e[0]], e[1]))
    with atomic_path(path) as tmp:
        handle = pyBigWig.open(str(tmp), "w")
        handle.addHeader(chrom_sizes, maxZooms=4)
        for name, _ in chrom_sizes:
            chrom_entries = [e for e in entries if e[0] == name]
            if not chrom_entries:
                continue
            handle.addEntries(
                [name] * len(chrom_entries),
                [e[1] for e in chrom_entries],
                ends=[e[1] + SURE_BIN_BP for e in chrom_entries],
                values=[e[2] for e in chrom_entries],
            )
        handle.close()
