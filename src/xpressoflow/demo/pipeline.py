"""Order of the simulation steps and the writing of every output file."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from . import auxiliary, cage, chromatin, encode, expression
from .design import human_designs, mouse_designs
from .files import stream, write_gzip_text, write_text
from .genome import ucsc_name, write_fasta
from .names import histone_names, riken_symbols
from .planted import (
    DOMAIN_EFFECT_LOG10,
    HALF_LIFE_EXPRESSION_BETA,
    MIRNA_EXPRESSION_BETA,
    POLYCOMB_EFFECT_LOG10,
    SUPERENHANCER_EFFECT_LOG10,
)
from .species import SpeciesBuild, build_species, gene_coordinates, gtf_text
from .truth import write_truth

LOG = logging.getLogger(__name__)


def simulate_species_pair(outdir: Path, config: dict, seed: int) -> list[Path]:
    """Run every step; return written paths."""
    human_gene_designs = human_designs(stream(seed, "human", "design"), config)
    mouse_gene_designs = mouse_designs(stream(seed, "mouse", "design"), human_gene_designs, config)
    written: list[Path] = []
    builds = {}
    for species, designs in (("human", human_gene_designs), ("mouse", mouse_gene_designs)):
        build = build_species(seed, species, designs, config)
        expression.add_signal(build.truth, config)
        written += write_genome_and_annotation(outdir / species, build)
        builds[species] = build
    written += human_outputs(outdir / "human", builds["human"], builds["mouse"], config, seed)
    written += mouse_outputs(outdir / "mouse", builds["mouse"], config, seed)
    written += write_truth(outdir, {s: b.truth for s, b in builds.items()}, config, seed)
    return written


def write_genome_and_annotation(folder: Path, build: SpeciesBuild) -> list[Path]:
    LOG.info("%s: writing genome and annotation", build.species)
    write_fasta(folder / "genome.fa", build.chromosomes, build.species)
    write_gzip_text(folder / "annotation.gtf.gz", gtf_text(build))
    return [folder / "genome.fa", folder / "genome.fa.fai", folder / "annotation.gtf.gz"]


def _chrom_sizes(build: SpeciesBuild) -> list[tuple[str, int]]:
    return [(ucsc_name(c.name), int(c.codes.size)) for c in build.chromosomes]


def _cage(
    folder: Path, build: SpeciesBuild, cage_names: dict[str, str], config: dict, seed: int
) -> Path:
    n_unannotated = int(round(len(build.models) * config["unannotated_peak_fraction"]))
    peaks = cage.cage_peaks(
        stream(seed, build.species, "cage"), build.models, cage_names, build.gaps, n_unannotated
    )
    cage.write_cage_bed(folder / "cage_peaks.bed", peaks)
    return folder / "cage_peaks.bed"


def _domain_effects(truth: pd.DataFrame, cell: str, domain_genes: dict[str, str]) -> None:
    kinds = pd.Series(domain_genes, dtype=object).reindex(truth.index).fillna("")
    truth[f"{cell}_domain"] = kinds
    truth[f"{cell}_domain_effect"] = kinds.map({**DOMAIN_EFFECT_LOG10, "": 0.0}).astype(float)


def human_outputs(
    folder: Path, human: SpeciesBuild, mouse: SpeciesBuild, config: dict, seed: int
) -> list[Path]:
    """Cell-line effects, Roadmap matrix and all human auxiliary files."""
    truth, written = human.truth, []
    models = human.by_id
    for cell, domain_cell in (("k562", "K562"), ("gm12878", "GM12878")):
        rng = stream(seed, "human", f"domains-{cell}")
        genes = chromatin.pick_domain_genes(rng, truth, config)
        _domain_effects(truth, cell, genes)
        path = folder / f"chromatin_domains_{domain_cell}.bed"
        chromatin.write_domains(path, chromatin.domain_intervals(rng, models, genes, human.gaps))
        written.append(path)
    half_life = auxiliary.cell_half_life(stream(seed, "human", "k562-half-life"), truth)
    truth["k562_log10_half_life"] = half_life[:, 0]
    truth["k562_half_life_effect"] = HALF_LIFE_EXPRESSION_BETA * half_life[:, 1]
    truth["k562_extra_effect"] = truth["k562_domain_effect"] + truth["k562_half_life_effect"]
    truth["gm12878_extra_effect"] = truth["gm12878_domain_effect"]
    truth["signal_k562_log10"] = truth["signal_log10"] + truth["k562_extra_effect"]
    truth["signal_gm12878_log10"] = truth["signal_log10"] + truth["gm12878_extra_effect"]

    LOG.info("human: Roadmap RPKM matrix")
    matrix = expression.roadmap_matrix(stream(seed, "human", "roadmap"), truth, config)
    labels = expression.log10_label(matrix.to_numpy())
    truth["observed_median_log10"] = pd.Series(np.median(labels, axis=1), index=matrix.index)
    for cell, sample in (("k562", "E123"), ("gm12878", "E116")):
        truth[f"observed_{cell}_log10"] = pd.Series(
            labels[:, expression.ROADMAP_SAMPLES.index(sample)], index=matrix.index
        )
    path = folder / "57epigenomes.RPKM.pc.gz"
    write_gzip_text(
        path,
        matrix.rename_axis("gene_id")
        .reset_index()
        .to_csv(sep="\t", index=False, float_format="%.3f", lineterminator="\n"),
    )
    written.append(path)

    rng = stream(seed, "human", "names")
    current = {
        g: (n if c != "histone" else _hgnc_histone(n))
        for g, n, c in zip(truth.index, truth["gene_name"], truth["category"], strict=True)
    }
    hgnc, cage_names = auxiliary.human_hgnc(rng, truth, current)
    truth["cage_name"] = pd.Series(cage_names)
    auxiliary.write_table(folder / "hgnc_complete_set.txt", hgnc)
    written.append(folder / "hgnc_complete_set.txt")
    written.append(_cage(folder, human, cage_names, config, seed))

    rows = auxiliary.ortholog_rows(truth, mouse.truth)
    write_text(
        folder / "mart_orthologs.txt",
        auxiliary.tsv_text(["Gene stable ID", "Mouse gene stable ID", "Mouse homology type"], rows),
    )
    written.append(folder / "mart_orthologs.txt")
    mouse_partner = {r[0]: r[1] for r in rows if r[2] == "ortholog_one2one"}
    truth["mouse_ortholog_one2one"] = pd.Series(mouse_partner).reindex(truth.index).fillna("")

    rng = stream(seed, "human", "k562-half-life-table")
    measured = auxiliary.measured_genes(rng, truth, config["half_life_table_fraction"])
    truth["in_k562_half_life_table"] = truth.index.isin(measured)
    write_text(folder / "K562_half_lives.txt", auxiliary.k562_half_life_table(rng, truth, measured))
    written.append(folder / "K562_half_lives.txt")

    rng = stream(seed, "human", "sure")
    coding = truth[~truth["is_nested_lincrna"]]
    entries = chromatin.sure_entries(rng, human.models, coding["promoter_effect"].to_dict())
    for strand, label in (("+", "plus"), ("-", "minus")):
        path = folder / f"SuRE_K562_{label}.bw"
        chromatin.write_sure_bigwig(path, _chrom_sizes(human), entries[strand])
        written.append(path)
    return written


def _hgnc_histone(old_symbol: str) -> str:
    """HGNC 2020 name of a HIST1 gene generated by names.histone_names."""
    for old, new in histone_names(200):
        if old == old_symbol:
            return new
    return old_symbol


def mouse_outputs(folder: Path, mouse: SpeciesBuild, config: dict, seed: int) -> list[Path]:
    """mESC effects, ENCODE quantifications, mESC table and mouse auxiliary files."""
    truth, written = mouse.truth, []
    rng = stream(seed, "mouse", "mesc-lists")
    superenhancer, polycomb = auxiliary.mesc_gene_lists(rng, truth, config)
    truth["superenhancer"] = truth.index.isin(sorted(superenhancer))
    truth["polycomb"] = truth.index.isin(sorted(polycomb))
    for name, genes in (
        ("superenhancer_genes.txt", superenhancer),
        ("polycomb_genes.txt", polycomb),
    ):
        text = auxiliary.symbol_list_text(rng, [truth.at[g, "gene_name"] for g in sorted(genes)])
        write_text(folder / name, text)
        written.append(folder / name)
    context = stream(seed, "mouse", "mirna-context").uniform(0.6, 1.4, size=len(truth))
    truth["mir294_cwcs"] = [
        auxiliary.cumulative_weighted_context_score(
            {"8mer": r.mir294_8mer, "7mer-m8": r.mir294_7mer_m8, "7mer-1a": r.mir294_7mer_1a}, c
        )
        if r.biotype == "protein_coding"
        else 0.0
        for r, c in zip(truth.itertuples(), context, strict=True)
    ]
    truth["mir294_cwcs"] = truth["mir294_cwcs"].round(3)
    truth["mirna_effect"] = MIRNA_EXPRESSION_BETA * truth["mir294_cwcs"]
    half_life = auxiliary.cell_half_life(stream(seed, "mouse", "mesc-half-life"), truth)
    truth["mesc_log10_half_life"] = half_life[:, 0]
    truth["mesc_half_life_effect"] = HALF_LIFE_EXPRESSION_BETA * half_life[:, 1]
    truth["superenhancer_effect"] = SUPERENHANCER_EFFECT_LOG10 * truth["superenhancer"]
    truth["polycomb_effect"] = POLYCOMB_EFFECT_LOG10 * truth["polycomb"]
    truth["signal_mesc_log10"] = (
        truth["signal_log10"]
        + truth["superenhancer_effect"]
        + truth["polycomb_effect"]
        + truth["mirna_effect"]
        + truth["mesc_half_life_effect"]
    )

    rng = stream(seed, "mouse", "names")
    truth["mgi_symbol"] = truth["gene_name"]
    renamed = truth.index[truth["cage_name_kind"] == "mgi"]
    if len(renamed):
        truth.loc[renamed, "mgi_symbol"] = riken_symbols(rng, len(renamed), set(truth["gene_name"]))
    truth["cage_name"] = truth["mgi_symbol"]
    auxiliary.write_table(
        folder / "MGI_Gene_Model_Coord.rpt",
        auxiliary.mouse_mgi(rng, truth, gene_coordinates(mouse)),
    )
    written.append(folder / "MGI_Gene_Model_Coord.rpt")
    written.append(_cage(folder, mouse, truth["cage_name"].to_dict(), config, seed))

    written += _encode(folder, mouse, config, seed)

    rng = stream(seed, "mouse", "mesc-expression")
    noise = rng.normal(
        0, np.hypot(config["cell_type_sd_log10"], config["mesc_noise_sd_log10"]), size=len(truth)
    )
    mesc = truth["signal_mesc_log10"] + truth["gene_noise"] + noise
    rpkm = expression.rpkm_from_log10(mesc.to_numpy())
    truth["observed_mesc_log10"] = expression.log10_label(rpkm)
    table = pd.DataFrame(
        {"gene_id": truth.index, "gene_name": truth["gene_name"], "expression_rpkm": rpkm}
    )
    write_text(
        folder / "mESC_expression.txt",
        table.to_csv(sep="\t", index=False, float_format="%.3f", lineterminator="\n"),
    )
    written.append(folder / "mESC_expression.txt")

    rng = stream(seed, "mouse", "mesc-half-life-table")
    measured = auxiliary.measured_genes(rng, truth, config["half_life_table_fraction"])
    truth["in_mesc_half_life_table"] = truth.index.isin(measured)
    write_text(folder / "mESC_half_lives.txt", auxiliary.mesc_half_life_table(rng, truth, measured))
    write_text(
        folder / "miRNA_counts.txt",
        auxiliary.mirna_counts_text(stream(seed, "mouse", "mirna-counts")),
    )
    write_text(
        folder / "targetscan_summary_counts.txt",
        auxiliary.targetscan_text(stream(seed, "mouse", "targetscan"), truth),
    )
    written += [
        folder / "mESC_half_lives.txt",
        folder / "miRNA_counts.txt",
        folder / "targetscan_summary_counts.txt",
    ]
    return written


def _encode(folder: Path, mouse: SpeciesBuild, config: dict, seed: int) -> list[Path]:
    """ENCODE metadata and RSEM TSVs; sets the mouse median label in the truth table."""
    LOG.info("mouse: ENCODE quantifications")
    truth, written = mouse.truth, []
    rng = stream(seed, "mouse", "encode")
    files = encode.encode_files(rng, config["n_encode_files"])
    encode.write_metadata(folder / "encode" / "metadata.tsv", files)
    written.append(folder / "encode" / "metadata.tsv")
    models = mouse.by_id
    truth["encode_gene_version"] = [
        models[g].version + (1 if rng.random() < 0.2 else 0) for g in truth.index
    ]
    transcripts = {
        g: sorted((t.transcript_id, t.version) for t in models[g].transcripts) for g in truth.index
    }
    lengths = {g: float(np.mean([t.length_bp for t in models[g].transcripts])) for g in truth.index}
    values = encode.quantification_log10(rng, truth, files, config)
    truth["observed_median_log10"] = encode.passing_median_label(values, files)
    with_tsv = [f for f in files if f.has_tsv]
    for column, encode_file in enumerate(with_tsv):
        accession = encode_file.metadata["File accession"]
        path = folder / "encode" / f"{accession}.tsv"
        write_text(path, encode.rsem_table(rng, truth, values[:, column], transcripts, lengths))
        written.append(path)
    return written
