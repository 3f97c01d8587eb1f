"""Size and effect knobs of the demo-data simulator.

Every knob has a default in :data:`DEFAULT_CONFIG`; :data:`TINY_CONFIG` is a small variant
for tests. A user config may override any subset of keys; unknown keys are an error so typos
do not pass silently.

Knobs (all plain JSON-compatible scalars):

``genes_per_species``
    Number of annotated genes per species (protein-coding plus lincRNA; nested lincRNAs that
    share a CAGE peak with a coding gene come on top).
``n_autosomes_human`` / ``n_autosomes_mouse``
    Autosomes per genome; chromosomes are ``1..N``, ``X``, ``Y`` (and ``MT``).
``include_mt``
    Write a gene-free mitochondrial chromosome ``MT``.
``lncrna_fraction``
    Fraction of genes that are non-coding (``lincRNA`` biotype, as in Ensembl v90).
``chry_gene_fraction`` / ``histone_gene_fraction``
    Fraction of protein-coding genes placed on chrY (expression depends on sample sex) and
    replication-dependent histone genes (poly(A)-less, undersampled and noisy).
``intergenic_spacing_bp`` / ``min_intergenic_bp``
    Mean of the exponential extra gap between gene loci, and the minimal gap.
``intron_median_bp``
    Median intron length (log-normal, per-gene scale).
``tss_offset_fraction`` / ``tss_offset_max_bp``
    Fraction of coding genes whose annotated first-exon start differs from the true (CAGE
    p1@) TSS, and the largest offset.
``no_cage_peak_fraction`` / ``secondary_peak_fraction`` / ``shared_peak_fraction`` /
``unannotated_peak_fraction`` / ``cage_alias_name_fraction``
    CAGE peak file realism: genes without any peak, genes with a ``p2@`` peak, coding genes
    whose p1@ peak is shared with a nested lincRNA (``p1@A,p1@B``), extra ``p@chr..`` peaks
    per gene, and peaks named by a previous/alias symbol instead of the current one.
``ortholog_one2one_fraction`` / ``ortholog_one2many_fraction``
    Human coding genes with a one-to-one mouse ortholog, and with two mouse paralogs; the rest
    are species-specific.
``n_encode_files``
    Rows of the mouse ENCODE metadata (>= 16); 12 rows are the paper's exclusion cases, the
    rest pass the selection.
``gene_noise_sd_log10``
    Per-gene biological variation not explained by sequence (shared between orthologs); sets
    the r^2 ceiling of the median datasets.
``cell_type_sd_log10`` / ``sample_noise_sd_log10``
    Per-(gene, cell-type cluster) deviation and per-(gene, sample) noise; they set the
    pairwise sample correlation (paper: mean Spearman ~0.78).
``mesc_noise_sd_log10``
    Extra noise of the mESC expression table (a separate study from ENCODE).
``stretch_enhancer_gene_fraction`` / ``h3k27me3_gene_fraction``
    Coding genes inside a stretch-enhancer or H3K27me3 domain, per human cell line.
``superenhancer_gene_fraction`` / ``polycomb_gene_fraction``
    Mouse coding genes on the mESC super-enhancer and Polycomb lists.
``mirna_target_fraction``
    Mouse coding genes given 1-3 sites of the dominant ESC miRNA family in their 3'UTR.
``half_life_table_fraction``
    Fraction of coding genes measured in the K562 and mESC half-life tables.
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "genes_per_species": 2500,
    "n_autosomes_human": 6,
    "n_autosomes_mouse": 5,
    "include_mt": True,
    "lncrna_fraction": 0.10,
    "chry_gene_fraction": 0.01,
    "histone_gene_fraction": 0.01,
    "intergenic_spacing_bp": 6000,
    "min_intergenic_bp": 2000,
    "intron_median_bp": 900,
    "tss_offset_fraction": 0.55,
    "tss_offset_max_bp": 2000,
    "no_cage_peak_fraction": 0.08,
    "secondary_peak_fraction": 0.30,
    "shared_peak_fraction": 0.01,
    "unannotated_peak_fraction": 0.02,
    "cage_alias_name_fraction": 0.04,
    "ortholog_one2one_fraction": 0.88,
    "ortholog_one2many_fraction": 0.03,
    "n_encode_files": 36,
    "gene_noise_sd_log10": 0.50,
    "cell_type_sd_log10": 0.35,
    "sample_noise_sd_log10": 0.30,
    "mesc_noise_sd_log10": 0.25,
    "stretch_enhancer_gene_fraction": 0.08,
    "h3k27me3_gene_fraction": 0.08,
    "superenhancer_gene_fraction": 0.05,
    "polycomb_gene_fraction": 0.07,
    "mirna_target_fraction": 0.15,
    "half_life_table_fraction": 0.55,
}

TINY_CONFIG: dict[str, Any] = {
    **DEFAULT_CONFIG,
    "genes_per_species": 180,
    "n_autosomes_human": 2,
    "n_autosomes_mouse": 2,
    "intergenic_spacing_bp": 3000,
    "intron_median_bp": 600,
    "n_encode_files": 18,
    "chry_gene_fraction": 0.04,
    "histone_gene_fraction": 0.04,
}


def resolve_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """Return DEFAULT_CONFIG overridden by ``config``; reject unknown keys and bad values."""
    config = dict(config or {})
    unknown = sorted(set(config) - set(DEFAULT_CONFIG))
    if unknown:
        raise ValueError(f"unknown demo config keys: {unknown}")
    merged = {**DEFAULT_CONFIG, **config}
    if merged["genes_per_species"] < 40:
        raise ValueError("genes_per_species must be >= 40")
    if merged["n_encode_files"] < 16:
        raise ValueError("n_encode_files must be >= 16 (12 rows are exclusion cases)")
    if min(merged["n_autosomes_human"], merged["n_autosomes_mouse"]) < 1:
        raise ValueError("need at least one autosome")
    for key, value in merged.items():
        if key.endswith("_fraction") and not 0.0 <= value <= 1.0:
            raise ValueError(f"{key} must be within [0, 1]")
    if merged["ortholog_one2one_fraction"] + merged["ortholog_one2many_fraction"] > 1.0:
        raise ValueError("ortholog fractions sum above 1")
    return merged
