"""Build one species: gene models, laid-out genome, painted sequence, measured features."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import names
from .annotation import GeneModel, build_gene_model, gene_gtf_rows, nested_lincrna
from .design import GeneDesign
from .files import stream
from .genome import (
    Chromosome,
    background_chromosome,
    chromosome_names,
    layout,
    measure_gene,
    paint_gene,
)
from .planted import MIRNA_SEED_DNA, MOTIFS, mirna_site_sequences

LOG = logging.getLogger(__name__)
PREFIX = {
    "human": {"gene": "ENSG", "transcript": "ENST"},
    "mouse": {"gene": "ENSMUSG", "transcript": "ENSMUST"},
}
SITE_TYPES = ("8mer", "7mer-m8", "7mer-1a")


@dataclass
class SpeciesBuild:
    """Everything simulated for one species before expression is drawn."""

    species: str
    models: list[GeneModel]  # every gene (nested lincRNAs included)
    chromosomes: list[Chromosome]
    gaps: dict[str, list] = field(default_factory=dict)
    truth: pd.DataFrame | None = None

    @property
    def by_id(self) -> dict[str, GeneModel]:
        return {m.gene_id: m for m in self.models}


def _nested_design(host: GeneDesign, index: int, symbol: str) -> GeneDesign:
    return GeneDesign(
        index=index,
        species=host.species,
        biotype="lincRNA",
        category="regular",
        symbol=symbol,
        chrom=host.chrom,
        strand=host.strand,
        cpg_level=host.cpg_level,
        motif_sites={m.name: 0 for m in MOTIFS},
        has_cage_peak=False,
        gene_noise_z=0.0,
    )


def build_models(seed: int, species: str, designs: list[GeneDesign]) -> list[GeneModel]:
    """Gene models for all designs, plus nested lincRNAs that share a host's CAGE peak."""
    rng = stream(seed, species, "models")
    n_nested = sum(d.shares_peak_with_lincrna for d in designs)
    gene_ids = names.stable_ids(rng, PREFIX[species]["gene"], len(designs) + n_nested)
    taken = {d.symbol for d in designs}
    nested_symbols = names.lincrna_symbols(
        rng, n_nested, "LINC" if species == "human" else "Gm", taken
    )
    models, nested = [], []
    for design, gene_id in zip(designs, gene_ids[: len(designs)], strict=True):
        model = build_gene_model(rng, design, gene_id)
        if design.shares_peak_with_lincrna:
            index = len(designs) + len(nested)
            symbol = nested_symbols[len(nested)]
            partner = nested_lincrna(
                rng,
                model,
                gene_ids[index],
                symbol,
                lambda s, d=design, i=index: _nested_design(d, i, s),
            )
            model.nested_lincrna = partner
            nested.append(partner)
        models.append(model)
    _name_transcripts(rng, species, models + nested)
    return models + nested


def _name_transcripts(rng: np.random.Generator, species: str, models: list[GeneModel]) -> None:
    all_tx = [tx for model in sorted(models, key=lambda m: m.gene_id) for tx in model.transcripts]
    ids = sorted(names.stable_ids(rng, PREFIX[species]["transcript"], len(all_tx)))
    for tx, tx_id in zip(all_tx, ids, strict=True):
        tx.transcript_id, tx.version = tx_id, int(rng.integers(1, 10))


def _mirna_sites(rng: np.random.Generator, designs: list[GeneDesign], fraction: float) -> dict:
    """Sites of the dominant ESC miRNA family planted into mouse 3'UTRs (design index -> sites)."""
    sequences = mirna_site_sequences(MIRNA_SEED_DNA)
    planted = {}
    for design in designs:
        if (
            design.biotype == "protein_coding"
            and design.category == "regular"
            and (rng.random() < fraction)
        ):
            n_sites = int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
            kinds = rng.choice(SITE_TYPES, size=n_sites, p=[0.3, 0.4, 0.3])
            planted[design.index] = [sequences[str(k)] for k in kinds]
    return planted


def build_species(seed: int, species: str, designs: list[GeneDesign], config: dict) -> SpeciesBuild:
    """Lay out, paint and measure one species' genome."""
    models = build_models(seed, species, designs)
    top_level = [m for m in models if m.design.index < len(designs)]
    n_autosomes = config[f"n_autosomes_{species}"]
    chrom_names = chromosome_names(n_autosomes, config["include_mt"])
    placed = layout(stream(seed, species, "layout"), top_level, chrom_names, config, species)
    LOG.info(
        "%s: %d genes on %d chromosomes, %.1f Mb",
        species,
        len(models),
        len(chrom_names),
        sum(v[0] for v in placed.values()) / 1e6,
    )
    background_rng = stream(seed, species, "background")
    chromosomes = [
        background_chromosome(background_rng, name, *placed[name]) for name in chrom_names
    ]
    by_name = {c.name: c for c in chromosomes}
    sites = (
        _mirna_sites(stream(seed, species, "mirna"), designs, config["mirna_target_fraction"])
        if species == "mouse"
        else {}
    )
    paint_rng = stream(seed, species, "paint")
    for model in sorted(top_level, key=lambda m: m.gene_id):
        paint_gene(paint_rng, by_name[model.chrom], model, sites.get(model.design.index, []))
    build = SpeciesBuild(species, models, chromosomes, {n: placed[n][1] for n in chrom_names})
    build.truth = measured_truth(build)
    return build


def measured_truth(build: SpeciesBuild) -> pd.DataFrame:
    """Per-gene truth table: layout, design and features measured on the final genome."""
    site_sequences = mirna_site_sequences(MIRNA_SEED_DNA)
    by_name = {c.name: c for c in build.chromosomes}
    nested_ids = {m.nested_lincrna.gene_id for m in build.models if m.nested_lincrna is not None}
    rows = []
    for model in build.models:
        design, rep = model.design, model.rep
        features = measure_gene(by_name[model.chrom], model, site_sequences)
        row = {
            "gene_id": model.gene_id,
            "gene_name": design.symbol,
            "biotype": design.biotype,
            "category": design.category,
            "chrom": model.chrom,
            "strand": model.strand,
            "true_tss": model.genome_position(model.true_tss_local),
            "annotated_tss": model.genome_position(rep.exons[0][0]),
            "tss_offset_bp": model.true_tss_local - rep.exons[0][0],
            "representative_transcript": f"{rep.transcript_id}.{rep.version}",
            "n_transcripts": len(model.transcripts),
            "has_cage_peak": bool(design.has_cage_peak or model.nested_lincrna is not None),
            "is_nested_lincrna": model.gene_id in nested_ids,
            "cpg_level_design": design.cpg_level,
            "cpg_density": features.cpg_density,
        }
        for motif in MOTIFS:
            row[f"motif_{motif.name}_planted"] = design.motif_sites.get(motif.name, 0)
            row[f"motif_{motif.name}_count"] = features.motif_counts[motif.name]
        row.update(
            {
                "utr5_len_bp": features.utr5_len_bp,
                "orf_len_bp": features.orf_len_bp,
                "intron_len_bp": features.intron_len_bp,
                "utr3_len_bp": features.utr3_len_bp,
                "utr5_gc": features.utr5_gc,
                "orf_gc": features.orf_gc,
                "utr3_gc": features.utr3_gc,
                "orf_exon_junction_density_per_kb": features.orf_exon_junction_density_per_kb,
                "mir294_8mer": features.utr3_site_counts["8mer"],
                "mir294_7mer_m8": features.utr3_site_counts["7mer-m8"],
                "mir294_7mer_1a": features.utr3_site_counts["7mer-1a"],
                "gene_noise_z": design.gene_noise_z,
                "cage_name_kind": design.cage_name_kind,
                "homology_type": design.homology_type,
                "ortholog_of": -1 if design.ortholog_of is None else design.ortholog_of,
                "design_index": design.index,
            }
        )
        rows.append(row)
    truth = pd.DataFrame(rows).set_index("gene_id").sort_index()
    return truth


def gtf_text(build: SpeciesBuild) -> str:
    """The whole annotation GTF (genes sorted by chromosome, then start)."""
    from .annotation import GTF_HEADER

    order = {c.name: i for i, c in enumerate(build.chromosomes)}
    rng = stream(0, build.species, "gtf-ids")
    exon_counter, protein_counter = (
        [int(rng.integers(100000, 200000))],
        [int(rng.integers(100000, 200000))],
    )

    def gene_start(model: GeneModel) -> int:
        span = (
            min(t.exons[0][0] for t in model.transcripts),
            max(t.exons[-1][1] for t in model.transcripts),
        )
        return model.to_genome(*span)[0]

    lines = list(GTF_HEADER[build.species])
    for model in sorted(build.models, key=lambda m: (order[m.chrom], gene_start(m), m.gene_id)):
        lines.extend(gene_gtf_rows(model, build.species, {}, exon_counter, protein_counter))
    return "\n".join(lines) + "\n"


def gene_coordinates(build: SpeciesBuild) -> dict[str, tuple[str, int, int, str]]:
    """gene_id -> (chrom, start0, end, strand) of the gene span."""
    coords = {}
    for model in build.models:
        span = (
            min(t.exons[0][0] for t in model.transcripts),
            max(t.exons[-1][1] for t in model.transcripts),
        )
        start, end = model.to_genome(*span)
        coords[model.gene_id] = (model.chrom, start, end, model.strand)
    return coords
