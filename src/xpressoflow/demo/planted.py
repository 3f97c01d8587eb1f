"""The planted biology: which sequence features set expression, and by how much.

All effects are on the log10(RPKM + 0.1) scale. The promoter effect is a fixed function of the
genome sequence around the TRUE TSS (CpG density and motif counts measured on the final
genome), and the half-life effect a fixed linear function of the eight annotation features the
paper uses, so a model given sequence and annotation can in principle recover both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Motif:
    """A planted transcription-factor site, counted on the gene's (sense) strand."""

    name: str
    consensus: str
    window_bp: tuple[int, int]  # site start..site end relative to the true TSS (0-based)
    weight_log10_per_site: float
    max_sites_counted: int
    planted_fraction_cpg_island: float  # fraction of CpG-island promoters that get sites
    planted_fraction_cpg_poor: float


MOTIFS: tuple[Motif, ...] = (
    Motif("SP1", "GGGGCGGGG", (-150, 50), 0.20, 3, 0.55, 0.20),
    Motif("NRF1", "GCGCATGCGC", (-150, 50), 0.30, 2, 0.35, 0.10),
    Motif("ETS", "CCGGAAGT", (-150, 50), 0.25, 2, 0.45, 0.20),
    Motif("NFY", "CCAATCAG", (-120, -40), 0.25, 2, 0.35, 0.30),
    Motif("TATA", "TATAAAAG", (-35, -20), 0.35, 1, 0.08, 0.35),
)
# Fraction of genes given an extra copy of a motif far upstream (outside its window), where it
# has no effect: a model must learn the position, not just the presence.
DECOY_MOTIF_FRACTION = 0.25
DECOY_WINDOW_BP = (-2200, -700)

CPG_WINDOW_BP = (-500, 500)
CPG_WEIGHT_LOG10_PER_CPG_PER_BP = 18.0
CPG_CENTER_PER_BP = 0.05  # centring constant, so intercepts stay interpretable

# (feature, transform, centre, scale, weight): effect = weight * (transform(x) - centre) / scale
# Centres and scales are close to the simulated means and SDs, so each weight is roughly the
# effect of a one-SD change.
HALF_LIFE_FEATURES: tuple[tuple[str, str, float, float, float], ...] = (
    ("utr5_len_bp", "log10(x+0.1)", 2.18, 0.30, -0.08),
    ("orf_len_bp", "log10(x+0.1)", 3.10, 0.26, -0.14),
    ("intron_len_bp", "log10(x+0.1)", 3.20, 1.60, 0.08),
    ("utr3_len_bp", "log10(x+0.1)", 2.90, 0.40, -0.12),
    ("utr5_gc", "identity", 0.55, 0.095, 0.06),
    ("orf_gc", "identity", 0.52, 0.052, 0.12),
    ("utr3_gc", "identity", 0.42, 0.055, 0.12),
    ("orf_exon_junction_density_per_kb", "identity", 4.7, 4.5, 0.12),
)

INTERCEPT_LOG10 = {"protein_coding": 0.40, "lincRNA": -0.55}

# Human cell-line chromatin domains (applied to the K562 = E123 and GM12878 = E116 samples).
DOMAIN_EFFECT_LOG10 = {"stretch_enhancer": 0.60, "H3K27me3": -0.80}
# mESC gene lists.
SUPERENHANCER_EFFECT_LOG10 = 0.50
POLYCOMB_EFFECT_LOG10 = -0.90

# Cell-specific mRNA stability: log10 half-life = base + link * half_life_effect + specific;
# expression gains beta * specific (longer-lived mRNAs accumulate).
HALF_LIFE_BASE_LOG10_H = 0.55
HALF_LIFE_LINK = 0.5
HALF_LIFE_SPECIFIC_SD_LOG10 = 0.30
HALF_LIFE_EXPRESSION_BETA = 0.9
HALF_LIFE_MEASUREMENT_SD_LOG10 = 0.06

# The dominant ESC miRNA family (miR-291a-3p/294-3p/295-3p/302-3p), seed = nt 2-8.
MIRNA_FAMILY = "miR-291-3p/294-3p/295-3p/302-3p"
MIRNA_REPRESENTATIVE = "mmu-miR-294-3p"
MIRNA_SEED_DNA = "AAGTGCT"
# TargetScan-like mean context++ score per site type (more negative = stronger repression).
MIRNA_SITE_SCORES = {"8mer": -0.31, "7mer-m8": -0.16, "7mer-1a": -0.10}
MIRNA_EXPRESSION_BETA = 0.9  # log10 change per unit of cumulative weighted context++ score

# Quality problems of the paper's filtered gene classes.
HISTONE_UNDERSAMPLING_LOG10 = -1.0
HISTONE_NOISE_SD_LOG10 = 0.8
CHRY_FEMALE_LOG10 = -3.0

# Divergence of a one-to-one mouse ortholog's design from its human gene.
ORTHOLOG_GENE_NOISE_CORRELATION = 0.8
ORTHOLOG_MOTIF_FLIP_PROBABILITY = 0.15
ORTHOLOG_CPG_LEVEL_SD = 0.08


def mirna_site_sequences(seed_dna: str = MIRNA_SEED_DNA) -> dict[str, str]:
    """mRNA-sense site sequences for a seed (nt 2-8 of the miRNA, as DNA)."""
    complement = {"A": "T", "C": "G", "G": "C", "T": "A"}
    site_m8 = "".join(complement[b] for b in reversed(seed_dna))  # pairs with nt 2-8
    return {"8mer": site_m8 + "A", "7mer-m8": site_m8, "7mer-1a": site_m8[1:] + "A"}


def planted_effects_document() -> dict:
    """Everything planted, as a plain dict for ``truth/planted_effects.yaml``."""
    return {
        "scale": "log10(RPKM + 0.1)",
        "tss_convention": "0-based coordinate of the first transcribed base on the gene strand",
        "promoter": {
            "cpg": {
                "window_bp": list(CPG_WINDOW_BP),
                "measure": "CpG dinucleotides per bp in the window around the true TSS",
                "weight_log10_per_cpg_per_bp": CPG_WEIGHT_LOG10_PER_CPG_PER_BP,
                "center_per_bp": CPG_CENTER_PER_BP,
            },
            "motifs": {
                m.name: {
                    "consensus": m.consensus,
                    "strand": "sense (gene strand)",
                    "window_bp": list(m.window_bp),
                    "weight_log10_per_site": m.weight_log10_per_site,
                    "max_sites_counted": m.max_sites_counted,
                    "planted_fraction_cpg_island": m.planted_fraction_cpg_island,
                    "planted_fraction_cpg_poor": m.planted_fraction_cpg_poor,
                }
                for m in MOTIFS
            },
            "decoy_motif_fraction": DECOY_MOTIF_FRACTION,
            "decoy_window_bp": list(DECOY_WINDOW_BP),
        },
        "half_life_features": {
            name: {"transform": transform, "center": center, "scale": scale, "weight": weight}
            for name, transform, center, scale, weight in HALF_LIFE_FEATURES
        },
        "half_life_feature_definitions": {
            "utr5_len_bp": "exonic 5'UTR length of the representative transcript",
            "orf_len_bp": "ORF length including start and stop codons",
            "intron_len_bp": "summed intron length of the representative transcript",
            "utr3_len_bp": "exonic 3'UTR length",
            "gc": "G+C fraction of the exonic 5'UTR, ORF and 3'UTR sequences",
            "orf_exon_junction_density_per_kb": "exon junctions inside the ORF per kb of ORF",
        },
        "intercept_log10": dict(INTERCEPT_LOG10),
        "domains_log10": dict(DOMAIN_EFFECT_LOG10),
        "mesc": {
            "superenhancer_log10": SUPERENHANCER_EFFECT_LOG10,
            "polycomb_log10": POLYCOMB_EFFECT_LOG10,
        },
        "cell_half_life": {
            "base_log10_h": HALF_LIFE_BASE_LOG10_H,
            "link_to_half_life_effect": HALF_LIFE_LINK,
            "specific_sd_log10": HALF_LIFE_SPECIFIC_SD_LOG10,
            "expression_beta": HALF_LIFE_EXPRESSION_BETA,
            "measurement_sd_log10": HALF_LIFE_MEASUREMENT_SD_LOG10,
        },
        "mirna": {
            "family": MIRNA_FAMILY,
            "representative": MIRNA_REPRESENTATIVE,
            "seed_dna": MIRNA_SEED_DNA,
            "site_sequences": mirna_site_sequences(),
            "site_scores": dict(MIRNA_SITE_SCORES),
            "expression_beta_per_cwcs": MIRNA_EXPRESSION_BETA,
        },
        "filtered_gene_classes": {
            "histone_undersampling_log10": HISTONE_UNDERSAMPLING_LOG10,
            "histone_noise_sd_log10": HISTONE_NOISE_SD_LOG10,
            "chrY_female_log10": CHRY_FEMALE_LOG10,
        },
        "orthologs": {
            "gene_noise_correlation": ORTHOLOG_GENE_NOISE_CORRELATION,
            "motif_flip_probability": ORTHOLOG_MOTIF_FLIP_PROBABILITY,
            "cpg_level_sd": ORTHOLOG_CPG_LEVEL_SD,
        },
    }
