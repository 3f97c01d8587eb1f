"""Per-gene designs: the latent choices (promoter architecture, transcript sizes, GC, noise,
naming quirks) from which annotation, genome sequence and expression are built.

Human designs are drawn first; mouse one-to-one orthologs are perturbed copies, so orthologs
share promoter architecture and expression; species-specific genes are drawn independently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from . import names
from .planted import (
    DECOY_MOTIF_FRACTION,
    MOTIFS,
    ORTHOLOG_CPG_LEVEL_SD,
    ORTHOLOG_GENE_NOISE_CORRELATION,
    ORTHOLOG_MOTIF_FLIP_PROBABILITY,
)

SPECIES = ("human", "mouse")
CPG_ISLAND_FRACTION = 0.65  # of coding promoters (real: ~60-70%)


@dataclass
class GeneDesign:
    """Latent description of one gene; ``index`` is its position in the species list."""

    index: int
    species: str
    biotype: str  # protein_coding or lincRNA
    category: str  # regular, histone or chrY
    symbol: str
    chrom: str = ""
    strand: str = "+"
    cpg_level: float = 0.5  # 0 = CpG-poor promoter, 1 = strong CpG island
    motif_sites: dict[str, int] = field(default_factory=dict)
    decoy_motifs: list[str] = field(default_factory=list)
    utr5_len_bp: int = 100
    orf_codons: int = 300
    utr3_len_bp: int = 500
    n_exons: int = 5
    intron_median_bp: float = 900.0
    gc_utr5: float = 0.55
    gc_orf: float = 0.5
    gc_utr3: float = 0.42
    n_alternatives: int = 0
    gene_noise_z: float = 0.0
    tss_offset_bp: int = 0  # requested |offset|*sign; the gene model may flip the sign
    has_cage_peak: bool = True
    has_secondary_peak: bool = False
    shares_peak_with_lincrna: bool = False
    cage_name_kind: str = "symbol"  # symbol, alias, previous (human) / mgi (mouse)
    ortholog_of: int | None = None  # human gene index for mouse genes
    homology_type: str = ""  # ortholog_one2one, ortholog_one2many or empty


def _draw_motif_sites(rng: np.random.Generator, cpg_island: bool) -> dict[str, int]:
    sites = {}
    for motif in MOTIFS:
        planted = (
            motif.planted_fraction_cpg_island if cpg_island else motif.planted_fraction_cpg_poor
        )
        sites[motif.name] = int(rng.random() < planted) * (1 + int(rng.random() < 0.3))
        sites[motif.name] = min(sites[motif.name], motif.max_sites_counted)
    return sites


def _draw_tss_offset(rng: np.random.Generator, fraction: float, max_bp: int) -> int:
    """Signed offset true TSS - annotated TSS: mostly tens of bp, sometimes up to ``max_bp``."""
    if rng.random() >= fraction:
        return 0
    kind = rng.random()
    if kind < 0.55:
        magnitude = rng.integers(10, 100)
    elif kind < 0.85:
        magnitude = rng.integers(100, 500)
    else:
        magnitude = rng.integers(500, max(max_bp, 501))
    return int(magnitude) * (1 if rng.random() < 0.5 else -1)


def draw_design(
    rng: np.random.Generator,
    index: int,
    species: str,
    biotype: str,
    category: str,
    symbol: str,
    config: dict,
) -> GeneDesign:
    """Draw one gene's latent design."""
    gene = GeneDesign(
        index=index, species=species, biotype=biotype, category=category, symbol=symbol
    )
    coding = biotype == "protein_coding"
    cpg_island = coding and rng.random() < CPG_ISLAND_FRACTION
    gene.cpg_level = float(rng.beta(6, 2) if cpg_island else rng.beta(2, 6))
    if category == "histone":
        gene.cpg_level = float(rng.beta(5, 3))
    gene.motif_sites = _draw_motif_sites(rng, gene.cpg_level > 0.5)
    if rng.random() < DECOY_MOTIF_FRACTION:
        gene.decoy_motifs = [MOTIFS[int(rng.integers(len(MOTIFS)))].name]
    gene.strand = "+" if rng.random() < 0.5 else "-"
    gene.utr5_len_bp = int(np.clip(rng.lognormal(np.log(150), 0.7), 15, 1500))
    gene.orf_codons = int(np.clip(rng.lognormal(np.log(420), 0.6), 60, 2500))
    gene.utr3_len_bp = int(np.clip(rng.lognormal(np.log(800), 0.9), 40, 6000))
    gene.n_exons = int(np.clip(rng.geometric(1 / 8), 1, 25))
    gene.intron_median_bp = float(config["intron_median_bp"] * rng.lognormal(0, 0.5))
    gene.gc_utr5 = float(np.clip(rng.normal(0.56, 0.06), 0.3, 0.8))
    gene.gc_orf = float(np.clip(rng.normal(0.51, 0.05), 0.35, 0.68))
    gene.gc_utr3 = float(np.clip(rng.normal(0.42, 0.05), 0.30, 0.60))
    gene.n_alternatives = int(rng.choice(5, p=[0.30, 0.25, 0.20, 0.15, 0.10]))
    gene.gene_noise_z = float(rng.normal())
    offset_fraction = config["tss_offset_fraction"] * (1.0 if coding else 0.5)
    gene.tss_offset_bp = _draw_tss_offset(rng, offset_fraction, config["tss_offset_max_bp"])
    gene.has_cage_peak = rng.random() >= config["no_cage_peak_fraction"]
    gene.has_secondary_peak = (
        gene.has_cage_peak and rng.random() < config["secondary_peak_fraction"]
    )
    if category == "histone":
        # Replication-dependent histone genes: intronless, short UTRs, one transcript.
        gene.n_exons, gene.n_alternatives = 1, 0
        gene.utr5_len_bp = int(rng.integers(20, 70))
        gene.orf_codons = int(rng.integers(100, 160))
        gene.utr3_len_bp = int(rng.integers(40, 120))
        gene.tss_offset_bp = 0
    if not coding:
        gene.n_exons = int(rng.integers(1, 5))
        gene.n_alternatives = int(rng.random() < 0.3)
        gene.motif_sites = {m.name: 0 for m in MOTIFS}
    if coding and category == "regular":
        if rng.random() < config["cage_alias_name_fraction"]:
            gene.cage_name_kind = ("alias", "previous")[int(rng.integers(2))]
    return gene


def _choose_shared_peaks(
    rng: np.random.Generator, genes: list[GeneDesign], fraction: float
) -> None:
    """Pick exactly round(fraction * n) coding genes (at least one) whose p1@ peak is shared
    with a nested lincRNA, so even tiny data sets contain a ``p1@A,p1@B`` name."""
    eligible = [
        g
        for g in genes
        if g.biotype == "protein_coding" and g.category == "regular" and g.has_cage_peak
    ]
    if fraction <= 0 or not eligible:
        return
    count = max(1, int(round(fraction * len(eligible))))
    for position in rng.permutation(len(eligible))[:count]:
        eligible[int(position)].shares_peak_with_lincrna = True


def _chromosome_weights(n_autosomes: int) -> np.ndarray:
    """Larger-numbered autosomes are smaller, as in real karyotypes."""
    weights = np.arange(n_autosomes, 0, -1, dtype=float) + n_autosomes
    return weights / weights.sum()


def _assign_chromosomes(
    rng: np.random.Generator,
    genes: list[GeneDesign],
    n_autosomes: int,
    histone_chrom: str,
    x_fraction: float = 0.05,
) -> None:
    autosomes = [str(i) for i in range(1, n_autosomes + 1)]
    weights = _chromosome_weights(n_autosomes)
    for gene in genes:
        if gene.category == "chrY":
            gene.chrom = "Y"
        elif gene.category == "histone":
            gene.chrom = histone_chrom
        elif not gene.chrom:
            gene.chrom = "X" if rng.random() < x_fraction else str(rng.choice(autosomes, p=weights))


def gene_counts(config: dict) -> dict[str, int]:
    """How many genes of each class one species gets."""
    total = int(config["genes_per_species"])
    n_lincrna = int(round(total * config["lncrna_fraction"]))
    n_coding = total - n_lincrna
    n_histone = max(2, int(round(n_coding * config["histone_gene_fraction"])))
    n_chry = max(3, int(round(n_coding * config["chry_gene_fraction"])))
    return {"coding": n_coding, "lincrna": n_lincrna, "histone": n_histone, "chry": n_chry}


def human_designs(rng: np.random.Generator, config: dict) -> list[GeneDesign]:
    """All human gene designs (coding genes first, then lincRNAs)."""
    counts = gene_counts(config)
    taken: set[str] = set()
    n_regular = counts["coding"] - counts["histone"] - counts["chry"]
    histones = names.histone_names(counts["histone"])
    symbols = (
        names.human_symbols(rng, n_regular, taken)
        + [old for old, _new in histones]
        + names.chry_symbols(counts["chry"])
    )
    categories = (
        ["regular"] * n_regular + ["histone"] * counts["histone"] + ["chrY"] * counts["chry"]
    )
    genes = [
        draw_design(rng, i, "human", "protein_coding", cat, sym, config)
        for i, (cat, sym) in enumerate(zip(categories, symbols, strict=True))
    ]
    taken.update(symbols)
    for symbol in names.lincrna_symbols(rng, counts["lincrna"], "LINC", taken):
        genes.append(draw_design(rng, len(genes), "human", "lincRNA", "regular", symbol, config))
    _choose_shared_peaks(rng, genes, config["shared_peak_fraction"])
    histone_chrom = str(min(6, config["n_autosomes_human"]))
    _assign_chromosomes(rng, genes, config["n_autosomes_human"], histone_chrom)
    _assign_orthology(rng, genes, config)
    return genes


def _assign_orthology(rng: np.random.Generator, genes: list[GeneDesign], config: dict) -> None:
    """Label human coding genes one2one / one2many / none (histone and chrY: one2one)."""
    coding = [g for g in genes if g.biotype == "protein_coding"]
    regular = [g for g in coding if g.category == "regular"]
    n_one2many = int(round(len(coding) * config["ortholog_one2many_fraction"]))
    n_one2one = int(round(len(coding) * config["ortholog_one2one_fraction"])) - (
        len(coding) - len(regular)
    )
    order = rng.permutation(len(regular))
    for rank, position in enumerate(order):
        gene = regular[position]
        if rank < max(n_one2one, 0):
            gene.homology_type = "ortholog_one2one"
        elif rank < max(n_one2one, 0) + n_one2many:
            gene.homology_type = "ortholog_one2many"
    for gene in coding:
        if gene.category != "regular":
            gene.homology_type = "ortholog_one2one"


def _perturbed_copy(
    rng: np.random.Generator,
    human: GeneDesign,
    index: int,
    symbol: str,
    divergence: float,
    config: dict,
) -> GeneDesign:
    """A mouse gene derived from a human design; ``divergence`` 1 = one-to-one ortholog."""
    gene = copy.deepcopy(human)
    gene.index, gene.species, gene.symbol, gene.chrom = index, "mouse", symbol, ""
    gene.ortholog_of = human.index
    gene.cpg_level = float(
        np.clip(human.cpg_level + rng.normal(0, ORTHOLOG_CPG_LEVEL_SD * divergence), 0.01, 0.99)
    )
    flip = min(1.0, ORTHOLOG_MOTIF_FLIP_PROBABILITY * divergence)
    for motif in MOTIFS:
        if rng.random() < flip:
            gene.motif_sites[motif.name] = 0 if gene.motif_sites[motif.name] else 1
    length_sd = 0.15 * divergence
    gene.utr5_len_bp = int(np.clip(human.utr5_len_bp * rng.lognormal(0, length_sd), 15, 1500))
    gene.utr3_len_bp = int(np.clip(human.utr3_len_bp * rng.lognormal(0, length_sd), 40, 6000))
    if human.category != "histone":
        gene.orf_codons = int(np.clip(human.orf_codons * rng.lognormal(0, length_sd), 60, 2500))
    gene.intron_median_bp = human.intron_median_bp * float(rng.lognormal(-0.1, 0.2))
    gene.gc_utr5 = float(np.clip(human.gc_utr5 + rng.normal(0, 0.02 * divergence), 0.3, 0.8))
    gene.gc_orf = float(np.clip(human.gc_orf + rng.normal(0, 0.02 * divergence), 0.35, 0.68))
    gene.gc_utr3 = float(np.clip(human.gc_utr3 + rng.normal(0, 0.02 * divergence), 0.3, 0.6))
    rho = max(0.0, 1.0 - (1.0 - ORTHOLOG_GENE_NOISE_CORRELATION) * divergence)
    gene.gene_noise_z = float(rho * human.gene_noise_z + np.sqrt(1 - rho**2) * rng.normal())
    gene.strand = "+" if rng.random() < 0.5 else "-"
    # Annotation and CAGE quirks are independent in the two species.
    gene.tss_offset_bp = (
        0
        if human.category == "histone"
        else _draw_tss_offset(rng, config["tss_offset_fraction"], config["tss_offset_max_bp"])
    )
    gene.has_cage_peak = rng.random() >= config["no_cage_peak_fraction"]
    gene.has_secondary_peak = (
        gene.has_cage_peak and rng.random() < config["secondary_peak_fraction"]
    )
    gene.shares_peak_with_lincrna = False
    gene.cage_name_kind = "symbol"
    if human.category == "regular" and rng.random() < config["cage_alias_name_fraction"]:
        gene.cage_name_kind = "mgi"
    gene.homology_type = human.homology_type
    gene.decoy_motifs = list(human.decoy_motifs)
    return gene


def mouse_designs(
    rng: np.random.Generator, human: list[GeneDesign], config: dict
) -> list[GeneDesign]:
    """Mouse designs: perturbed copies of human orthologs plus mouse-specific genes."""
    counts = gene_counts(config)
    genes: list[GeneDesign] = []
    taken: set[str] = set()
    for human_gene in human:
        if human_gene.homology_type == "ortholog_one2one":
            symbol = names.mouse_symbol_of(human_gene.symbol)
            taken.add(symbol)
            genes.append(_perturbed_copy(rng, human_gene, len(genes), symbol, 1.0, config))
        elif human_gene.homology_type == "ortholog_one2many":
            base = names.mouse_symbol_of(human_gene.symbol)
            for suffix in ("a", "b"):  # two diverged paralogs
                taken.add(base + suffix)
                genes.append(
                    _perturbed_copy(rng, human_gene, len(genes), base + suffix, 3.0, config)
                )
    n_specific = max(0, counts["coding"] - len(genes))
    for symbol in names.riken_symbols(rng, n_specific, taken):
        genes.append(
            draw_design(rng, len(genes), "mouse", "protein_coding", "regular", symbol, config)
        )
    for symbol in names.lincrna_symbols(rng, counts["lincrna"], "Gm", taken):
        genes.append(draw_design(rng, len(genes), "mouse", "lincRNA", "regular", symbol, config))
    for gene in genes:
        if gene.biotype == "protein_coding" and gene.ortholog_of is None:
            gene.homology_type = ""
        if gene.ortholog_of is not None and human[gene.ortholog_of].chrom == "X":
            gene.chrom = "X"  # the X chromosome is conserved between human and mouse
    _choose_shared_peaks(rng, genes, config["shared_peak_fraction"])
    _assign_chromosomes(rng, genes, config["n_autosomes_mouse"], str(config["n_autosomes_mouse"]))
    return genes
