"""Planted expression model: per-gene signals and the simulated sample measurements.

Per gene (log10(RPKM + 0.1) scale)::

    signal = intercept + promoter_effect + half_life_effect          (median datasets)
    sample value = signal + gene_noise + cell-type deviation + sample noise (+ cell effects)

``gene_noise`` is biology the sequence does not explain (shared by orthologs); it and the
sample noise set the r^2 ceiling reported in ``truth/ceilings.tsv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .planted import (
    CHRY_FEMALE_LOG10,
    CPG_CENTER_PER_BP,
    CPG_WEIGHT_LOG10_PER_CPG_PER_BP,
    HALF_LIFE_FEATURES,
    HISTONE_NOISE_SD_LOG10,
    HISTONE_UNDERSAMPLING_LOG10,
    INTERCEPT_LOG10,
    MOTIFS,
)

PSEUDOCOUNT = 0.1

# The 57 columns of Roadmap 57epigenomes.RPKM.pc (E000 = universal reference RNA).
ROADMAP_SAMPLES = (
    "E000 E003 E004 E005 E006 E007 E011 E012 E013 E016 E024 E027 E028 E037 E038 E047 E050 E053 "
    "E054 E055 E056 E057 E058 E059 E061 E062 E065 E066 E070 E071 E079 E082 E085 E087 E094 E095 "
    "E096 E097 E098 E100 E104 E105 E106 E109 E112 E113 E114 E116 E117 E118 E119 E120 E121 E122 "
    "E123 E127 E128"
).split()
# Cell-type groups (after the Roadmap groupings) so a clustered heatmap shows structure.
ROADMAP_GROUPS = {
    "ES_derived": "E003 E004 E005 E006 E007 E011 E012 E013 E016 E024",
    "blood_immune": "E037 E038 E047 E050 E062 E112 E113 E116",
    "brain": "E053 E054 E070 E071 E082",
    "epithelial": "E027 E028 E057 E058 E059 E061 E119 E127",
    "mesenchymal": "E055 E056 E120 E121 E122 E128",
    "tissue": "E065 E066 E079 E085 E087 E094 E095 E096 E097 E098 E100 E104 E105 E106 E109",
    "cancer_line": "E114 E117 E118 E123",
}
ROADMAP_CLUSTER = {s: group for group, members in ROADMAP_GROUPS.items() for s in members.split()}
# Donor sex used for chrY genes (E000, a pool of cell lines, is treated as mixed).
ROADMAP_MALE = set(
    "E003 E004 E005 E006 E007 E011 E012 E013 E016 E037 E047 E053 E055 E057 E059 E065 E070 E079 "
    "E085 E094 E095 E100 E104 E106 E109 E112 E114 E118 E120 E121 E128".split()
)
K562_SAMPLE, GM12878_SAMPLE = "E123", "E116"


def _transform(values: np.ndarray, transform: str) -> np.ndarray:
    return np.log10(values + 0.1) if transform.startswith("log10") else values


def counted_motif_sites(truth: pd.DataFrame, motif) -> pd.Series:
    """Sites of `motif` in its window, capped at the number that counts."""
    return np.minimum(truth[f"motif_{motif.name}_count"], motif.max_sites_counted)


def half_life_feature_value(truth: pd.DataFrame, name: str, transform: str,
                            center: float) -> np.ndarray:
    """A half-life feature on the scale its effect is linear in (missing -> the centre)."""
    values = _transform(truth[name].to_numpy(dtype=float), transform)
    return np.nan_to_num(values, nan=center)


def planted_input_features(truth: pd.DataFrame) -> pd.DataFrame:
    """Per gene, every planted quantity a model sees through its inputs (promoter sequence and
    half-life features), on the scale the planted effect is linear in: CpG density, counted
    motif sites, transformed half-life features. The median signals are an affine function of
    these columns (for protein-coding genes); cell-line signals add effects they do not hold.
    """
    columns = {"cpg_density": truth["cpg_density"].to_numpy(dtype=float)}
    for motif in MOTIFS:
        columns[f"{motif.name}_sites"] = counted_motif_sites(truth, motif).to_numpy(dtype=float)
    for name, transform, center, _, _ in HALF_LIFE_FEATURES:
        columns[name] = half_life_feature_value(truth, name, transform, center)
    return pd.DataFrame(columns, index=truth.index)


def promoter_effects(truth: pd.DataFrame) -> pd.DataFrame:
    """CpG and motif effects from the measured promoter features."""
    cpg_effect = CPG_WEIGHT_LOG10_PER_CPG_PER_BP * (truth["cpg_density"] - CPG_CENTER_PER_BP)
    motif_effect = np.zeros(len(truth))
    for motif in MOTIFS:
        counted = counted_motif_sites(truth, motif)
        motif_effect = motif_effect + motif.weight_log10_per_site * counted
    return pd.DataFrame(
        {
            "cpg_effect": cpg_effect,
            "motif_effect": motif_effect,
            "promoter_effect": cpg_effect + motif_effect,
        },
        index=truth.index,
    )


def half_life_effect(truth: pd.DataFrame) -> np.ndarray:
    """Linear effect of the eight half-life features (0 for non-coding genes)."""
    effect = np.zeros(len(truth))
    for name, transform, center, scale, weight in HALF_LIFE_FEATURES:
        values = half_life_feature_value(truth, name, transform, center)
        effect += weight * (values - center) / scale
    return np.where(truth["biotype"] == "protein_coding", effect, 0.0)


def add_signal(truth: pd.DataFrame, config: dict) -> None:
    """Add promoter/half-life effects, gene noise and the noise-free median signal."""
    for column, values in promoter_effects(truth).items():
        truth[column] = values
    truth["half_life_effect"] = half_life_effect(truth)
    truth["intercept"] = truth["biotype"].map(INTERCEPT_LOG10).astype(float)
    truth["signal_log10"] = (
        truth["intercept"] + truth["promoter_effect"] + truth["half_life_effect"]
    )
    truth["gene_noise"] = config["gene_noise_sd_log10"] * truth["gene_noise_z"]


def sample_log10_matrix(
    rng: np.random.Generator,
    truth: pd.DataFrame,
    clusters: list[str],
    males: np.ndarray,
    noise_scale: np.ndarray,
    config: dict,
) -> np.ndarray:
    """log10(RPKM + 0.1)-scale values, genes x samples, before cell-specific effects.

    ``clusters`` names each sample's cell-type group ("mixed" = average of all groups);
    ``males`` flags male donors; ``noise_scale`` inflates the sample noise of poor samples.
    """
    groups = sorted({c for c in clusters if c != "mixed"})
    n_genes = len(truth)
    deviation = rng.normal(0, config["cell_type_sd_log10"], size=(n_genes, len(groups)))
    column_of = {g: i for i, g in enumerate(groups)}
    sample_dev = np.column_stack(
        [deviation.mean(axis=1) if c == "mixed" else deviation[:, column_of[c]] for c in clusters]
    )
    noise = rng.normal(0, 1, size=(n_genes, len(clusters))) * (
        config["sample_noise_sd_log10"] * np.asarray(noise_scale)[None, :]
    )
    base = (truth["signal_log10"] + truth["gene_noise"]).to_numpy()[:, None]
    values = base + sample_dev + noise
    histone = (truth["category"] == "histone").to_numpy()
    values[histone] += HISTONE_UNDERSAMPLING_LOG10 + rng.normal(
        0, HISTONE_NOISE_SD_LOG10, size=(int(histone.sum()), len(clusters))
    )
    chry = (truth["category"] == "chrY").to_numpy()
    female = ~np.asarray(males, dtype=bool)
    mixed = np.array([c == "mixed" for c in clusters])
    chry_values = values[chry]
    chry_values[:, female & ~mixed] = CHRY_FEMALE_LOG10 + rng.normal(
        0, 0.3, size=(int(chry.sum()), int((female & ~mixed).sum()))
    )
    chry_values[:, mixed] -= np.log10(2.0)
    values[chry] = chry_values
    return values


def rpkm_from_log10(values: np.ndarray, decimals: int = 3) -> np.ndarray:
    """Invert log10(x + 0.1), floor at zero and round as the file will store it."""
    return np.round(np.maximum(10.0**values - PSEUDOCOUNT, 0.0), decimals)


def log10_label(rpkm: np.ndarray) -> np.ndarray:
    """The paper's transform of expression values."""
    return np.log10(np.asarray(rpkm, dtype=float) + PSEUDOCOUNT)


def roadmap_matrix(rng: np.random.Generator, truth: pd.DataFrame, config: dict) -> pd.DataFrame:
    """RPKM of protein-coding genes in the 57 Roadmap samples (rows sorted by gene id)."""
    coding = truth[truth["biotype"] == "protein_coding"].sort_index()
    clusters = [ROADMAP_CLUSTER.get(s, "mixed") for s in ROADMAP_SAMPLES]
    males = np.array([s in ROADMAP_MALE for s in ROADMAP_SAMPLES])
    values = sample_log10_matrix(rng, coding, clusters, males, np.ones(len(clusters)), config)
    for sample, column in (
        (K562_SAMPLE, "k562_extra_effect"),
        (GM12878_SAMPLE, "gm12878_extra_effect"),
    ):
        values[:, ROADMAP_SAMPLES.index(sample)] += coding[column].to_numpy()
    return pd.DataFrame(rpkm_from_log10(values), index=coding.index, columns=ROADMAP_SAMPLES)
