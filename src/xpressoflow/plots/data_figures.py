"""Figures about the input data: Figure 2C (expression distributions) and Figure S1."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from scipy import stats  # noqa: E402

from xpressoflow.io import atomic_path  # noqa: E402


def save_figure(fig, pdf_path: str | os.PathLike) -> None:
    """Save as PDF at `pdf_path` and PNG beside it (for the report), atomically."""
    pdf_path = Path(pdf_path)
    with atomic_path(pdf_path, suffix=".pdf") as tmp:
        fig.savefig(tmp, format="pdf", bbox_inches="tight")
    with atomic_path(pdf_path.with_suffix(".png"), suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)


def one_to_one_orthologs(mart_path: str | os.PathLike) -> pd.DataFrame:
    """BioMart export -> human_gene_id, mouse_gene_id of one-to-one orthologs."""
    mart = pd.read_csv(mart_path, sep="\t", dtype=str)
    pairs = mart[mart["Mouse homology type"] == "ortholog_one2one"]
    return pairs.rename(columns={"Gene stable ID": "human_gene_id",
                                 "Mouse gene stable ID": "mouse_gene_id"})[
        ["human_gene_id", "mouse_gene_id"]].drop_duplicates()


def fig2c_expression_distributions(
    human: pd.DataFrame, mouse: pd.DataFrame, orthologs: pd.DataFrame, pdf_path
) -> None:
    """Cumulative distributions of median log10 expression: human, mouse, one-to-one orthologs.

    human/mouse: expression.tsv tables (gene_id, expression_log10).
    """
    curves = {
        f"human (n={len(human):,})": human["expression_log10"],
        f"mouse (n={len(mouse):,})": mouse["expression_log10"],
    }
    h_orth = human[human["gene_id"].isin(orthologs["human_gene_id"])]["expression_log10"]
    m_orth = mouse[mouse["gene_id"].isin(orthologs["mouse_gene_id"])]["expression_log10"]
    curves[f"human 1:1 orthologs (n={len(h_orth):,})"] = h_orth
    curves[f"mouse 1:1 orthologs (n={len(m_orth):,})"] = m_orth
    fig, ax = plt.subplots(figsize=(4.5, 3.5))
    styles = ["-", "-", "--", "--"]
    colours = ["tab:blue", "tab:red", "tab:blue", "tab:red"]
    for (label, values), style, colour in zip(curves.items(), styles, colours, strict=True):
        sns.ecdfplot(x=values.dropna(), ax=ax, label=label, linestyle=style, color=colour)
    ks = stats.ks_2samp(human["expression_log10"], mouse["expression_log10"])
    ax.set_xlabel("median expression, log10(RPKM + 0.1)")
    ax.set_ylabel("cumulative fraction of genes")
    ax.set_title(f"Fig. 2C  human vs mouse KS D = {ks.statistic:.2f}", fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    save_figure(fig, pdf_path)


def roadmap_sample_names() -> pd.DataFrame:
    """EID -> cell type name table shipped with the package."""
    path = resources.files("xpressoflow") / "data" / "roadmap_epigenomes.tsv"
    return pd.read_csv(path, sep="\t", dtype=str)


def figS1_sample_correlations(log10_matrix: pd.DataFrame, pdf_path) -> float:
    """Pairwise Spearman heatmap of the Roadmap samples, clustered, with a correlation
    histogram in the colour-key panel; returns the mean off-diagonal correlation."""
    rho = log10_matrix.corr(method="spearman")
    names = roadmap_sample_names().set_index("eid")["name"]
    labels = [f"{eid} {names.get(eid, '')}".strip() for eid in rho.columns]
    rho.index, rho.columns = labels, labels
    off_diagonal = rho.to_numpy()[~np.eye(len(rho), dtype=bool)]
    mean_rho = float(off_diagonal.mean())
    grid = sns.clustermap(rho, method="average", cmap="viridis", figsize=(14, 14),
                          xticklabels=True, yticklabels=True, dendrogram_ratio=0.12,
                          cbar_pos=(0.02, 0.83, 0.15, 0.12),
                          cbar_kws={"orientation": "horizontal", "label": "Spearman rho"})
    grid.ax_heatmap.tick_params(labelsize=6)
    # Histogram of the correlations drawn inside the colour-key axes, sharing its x axis.
    key = grid.ax_cbar
    hist_ax = key.twinx()
    hist_ax.hist(off_diagonal / 1.0, bins=30, range=key.get_xlim(), color="white",
                 edgecolor="black", linewidth=0.4, alpha=0.8)
    hist_ax.set_yticks([])
    grid.figure.suptitle(f"Figure S1: {len(rho)} Roadmap samples, mean pairwise Spearman "
                         f"rho = {mean_rho:.2f}", y=1.01)
    save_figure(grid.figure, pdf_path)
    return mean_rho
