"""Ground truth outputs: per-gene planted components, r^2 ceilings, planted effects YAML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .files import write_text
from .planted import planted_effects_document

# dataset -> (species, noise-free signal column, observed label column)
DATASETS = {
    "human": ("human", "signal_log10", "observed_median_log10"),
    "mouse": ("mouse", "signal_log10", "observed_median_log10"),
    "k562": ("human", "signal_k562_log10", "observed_k562_log10"),
    "gm12878": ("human", "signal_gm12878_log10", "observed_gm12878_log10"),
    "mesc": ("mouse", "signal_mesc_log10", "observed_mesc_log10"),
}


def read_truth_genes(truth_dir: str | Path, species: str) -> pd.DataFrame:
    """truth/<species>_genes.tsv (as `write_truth` writes it), indexed by gene_id."""
    return pd.read_csv(Path(truth_dir) / f"{species}_genes.tsv", sep="\t", index_col="gene_id")


def passes_paper_filters(truth: pd.DataFrame) -> pd.Series:
    """Protein-coding, not on chrY, not a histone gene (the paper's gene filters)."""
    return (
        (truth["biotype"] == "protein_coding")
        & (truth["chrom"] != "Y")
        & (truth["category"] != "histone")
    )


def ceiling_rows(truths: dict[str, pd.DataFrame]) -> list[dict]:
    """r^2 ceiling = var(noise-free signal) / var(observed label) over filtered genes.

    ``pearson_r2`` (squared correlation of signal and label) is given alongside; the two agree
    when the noise is independent of the signal (the zero-expression floor breaks that a bit).
    """
    rows = []
    for dataset, (species, signal_column, label_column) in DATASETS.items():
        truth = truths[species]
        keep = passes_paper_filters(truth) & truth[label_column].notna()
        signal = truth.loc[keep, signal_column].to_numpy(dtype=float)
        label = truth.loc[keep, label_column].to_numpy(dtype=float)
        rows.append(
            {
                "dataset": dataset,
                "r2_ceiling": round(float(np.var(signal) / np.var(label)), 4),
                "pearson_r2": round(float(np.corrcoef(signal, label)[0, 1] ** 2), 4),
                "n_genes": int(keep.sum()),
            }
        )
    return rows


def write_truth(
    outdir: Path, truths: dict[str, pd.DataFrame], config: dict, seed: int
) -> list[Path]:
    """Write truth/<sp>_genes.tsv, truth/ceilings.tsv and truth/planted_effects.yaml."""
    written = []
    for species, truth in sorted(truths.items()):
        frame = truth.copy()
        frame["passes_paper_filters"] = passes_paper_filters(frame)
        path = outdir / "truth" / f"{species}_genes.tsv"
        write_text(
            path,
            frame.reset_index().to_csv(
                sep="\t", index=False, float_format="%.6g", lineterminator="\n"
            ),
        )
        written.append(path)
    ceilings = pd.DataFrame(ceiling_rows(truths))
    path = outdir / "truth" / "ceilings.tsv"
    write_text(path, ceilings.to_csv(sep="\t", index=False, lineterminator="\n"))
    written.append(path)
    path = outdir / "truth" / "planted_effects.yaml"
    # The noise levels and sizes live in the config, so record it (and the seed) with the effects.
    document = {**planted_effects_document(), "config": dict(config), "seed": seed}
    write_text(path, yaml.safe_dump(document, sort_keys=True, allow_unicode=True))
    written.append(path)
    return written
