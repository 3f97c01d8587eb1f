"""Chromosome layout, background sequence, painting of gene loci, FASTA output and the
measurement of planted features from the final sequence."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pysam

from . import sequence as sq
from .annotation import GeneModel
from .files import atomic_path
from .planted import CPG_WINDOW_BP, DECOY_WINDOW_BP, MOTIFS

LOG = logging.getLogger(__name__)

TELOMERE_N_BP = 10_000
CHROMOSOME_END_PAD_BP = 12_000  # the first/last promoter window (+-10 kb) stays on the chromosome
GAP_N_BLOCK_BP = 5_000
ISOCHORE_BP = 50_000
BACKGROUND_CPG_KEEP = 0.22
MT_LENGTH_BP = {"human": 16_569, "mouse": 16_299}
FASTA_LINE_BP = 60
MOTIF_BY_NAME = {m.name: m for m in MOTIFS}


@dataclass
class Chromosome:
    """One chromosome: codes, soft-mask, and the free intergenic intervals."""

    name: str
    codes: np.ndarray
    soft_mask: np.ndarray
    gaps: list[tuple[int, int]] = field(default_factory=list)  # gene-free intervals
    n_blocks: list[tuple[int, int]] = field(default_factory=list)


def chromosome_names(n_autosomes: int, include_mt: bool) -> list[str]:
    """Ensembl karyotype order: 1..N, X, Y, MT."""
    return [str(i) for i in range(1, n_autosomes + 1)] + ["X", "Y"] + (["MT"] if include_mt else [])


def ucsc_name(ensembl_chrom: str) -> str:
    """UCSC style name of an Ensembl chromosome (MT becomes chrM)."""
    return "chrM" if ensembl_chrom == "MT" else f"chr{ensembl_chrom}"


def layout(
    rng: np.random.Generator,
    models: list[GeneModel],
    chrom_names: list[str],
    config: dict,
    species: str,
) -> dict[str, tuple[int, list, list]]:
    """Place gene loci along chromosomes; set ``model.chrom`` and ``model.anchor``.

    Returns chrom -> (length, gene-free gaps, N-block intervals).
    """
    by_chrom: dict[str, list[GeneModel]] = {name: [] for name in chrom_names}
    for model in models:
        by_chrom[model.design.chrom].append(model)
    result = {}
    for name in chrom_names:
        if name == "MT":
            result[name] = (MT_LENGTH_BP[species], [], [])
            continue
        genes = [by_chrom[name][i] for i in rng.permutation(len(by_chrom[name]))]
        n_block_after = int(rng.integers(len(genes))) if len(genes) > 1 else -1
        cursor = TELOMERE_N_BP + CHROMOSOME_END_PAD_BP
        gaps, n_blocks = [(TELOMERE_N_BP, cursor)], []
        for rank, model in enumerate(genes):
            lo, hi = model.locus_bounds()
            model.chrom = name
            model.anchor = cursor - lo if model.strand == "+" else cursor + hi - lo - 1
            if model.nested_lincrna is not None:
                model.nested_lincrna.chrom, model.nested_lincrna.anchor = name, model.anchor
            locus_end = cursor + hi - lo
            gap = config["min_intergenic_bp"] + int(
                rng.exponential(config["intergenic_spacing_bp"])
            )
            if rank == n_block_after:
                # An assembly gap (N run) between two genes, as in real primary assemblies.
                middle = locus_end + gap // 2
                n_blocks.append((middle, middle + GAP_N_BLOCK_BP))
                gap += GAP_N_BLOCK_BP
            cursor = locus_end + gap
            gaps.append((locus_end, cursor))
        length = cursor + CHROMOSOME_END_PAD_BP + TELOMERE_N_BP
        gaps[-1] = (gaps[-1][0], length - TELOMERE_N_BP)
        if not genes:
            length = 2 * TELOMERE_N_BP + 50_000
            gaps = [(TELOMERE_N_BP, length - TELOMERE_N_BP)]
        n_blocks += [(0, TELOMERE_N_BP), (length - TELOMERE_N_BP, length)]
        result[name] = (length, gaps, n_blocks)
    return result


def background_chromosome(
    rng: np.random.Generator, name: str, length: int, gaps: list, n_blocks: list
) -> Chromosome:
    """CpG-depleted random sequence with isochore GC variation, N runs and soft-masked repeats."""
    n_iso = length // ISOCHORE_BP + 1
    isochore_gc = np.clip(0.41 + rng.normal(0, 0.03, n_iso), 0.33, 0.50)
    gc = np.repeat(isochore_gc, ISOCHORE_BP)[:length]
    codes = sq.random_dna(rng, length, gc)
    sq.deplete_cpg(rng, codes, BACKGROUND_CPG_KEEP)
    soft_mask = np.zeros(length, dtype=bool)
    for start, end in gaps:
        # Repeats (soft-masked, lower case) occupy some intergenic sequence.
        for _ in range(max(0, (end - start) // 4000)):
            repeat_start = int(rng.integers(start, max(start + 1, end - 300)))
            soft_mask[repeat_start : min(end, repeat_start + int(rng.integers(100, 400)))] = True
    for start, end in n_blocks:
        codes[start:end] = sq.N
    return Chromosome(name, codes, soft_mask, list(gaps), list(n_blocks))


def read_locus(chrom: Chromosome, model: GeneModel, lo: int, hi: int) -> np.ndarray:
    """Gene-strand sequence of local interval [lo, hi)."""
    start, end = model.to_genome(lo, hi)
    codes = chrom.codes[start:end]
    return codes.copy() if model.strand == "+" else sq.reverse_complement(codes)


def write_locus(chrom: Chromosome, model: GeneModel, lo: int, local_codes: np.ndarray) -> None:
    """Store gene-strand ``local_codes`` starting at local ``lo`` back into the chromosome."""
    start, end = model.to_genome(lo, lo + local_codes.size)
    chrom.codes[start:end] = (
        local_codes if model.strand == "+" else sq.reverse_complement(local_codes)
    )


class LocusPainter:
    """Writes one gene's designed sequence into its locus (gene strand, local coordinates)."""

    def __init__(self, rng: np.random.Generator, model: GeneModel, codes: np.ndarray, lo: int):
        self.rng, self.model, self.codes, self.lo = rng, model, codes, lo
        self.protected = np.zeros(codes.size, dtype=bool)  # CDS + stop codon: never overwrite
        # Exons of the representative transcript keep their own composition: painting the CpG
        # island over the 5'UTR would make 5'UTR GC a proxy for promoter CpG content.
        self.exonic = np.zeros(codes.size, dtype=bool)
        self.planted = np.zeros(codes.size, dtype=bool)

    def _slice(self, start: int, end: int) -> slice:
        return slice(max(start - self.lo, 0), max(min(end - self.lo, self.codes.size), 0))

    def paint_exons(self) -> None:
        design, rep = self.model.design, self.model.rep
        cds_local_start = rep.tx_to_local(rep.cds_tx[0]) if rep.cds_tx else 10**9
        for tx in self.model.transcripts:
            if tx is rep:
                continue
            for start, end in tx.exons:
                gc = design.gc_utr5 if end <= cds_local_start else design.gc_utr3
                self.codes[self._slice(start, end)] = sq.random_dna(self.rng, end - start, gc)
        if rep.cds_tx is None:
            parts = [(0, rep.length_bp, sq.random_dna(self.rng, rep.length_bp, 0.45))]
        else:
            cds_start, cds_end = rep.cds_tx
            parts = [
                (0, cds_start, sq.random_dna(self.rng, cds_start, design.gc_utr5)),
                (cds_start, cds_end, self.model.orf_codes),
                (
                    cds_end,
                    rep.length_bp,
                    sq.random_dna(self.rng, rep.length_bp - cds_end, design.gc_utr3),
                ),
            ]
        for tx_start, tx_end, part in parts:
            offset = 0
            for start, end in rep.tx_segments(tx_start, tx_end):
                self.codes[self._slice(start, end)] = part[offset : offset + end - start]
                offset += end - start
        if rep.cds_tx is not None:
            for start, end in rep.tx_segments(*rep.cds_tx):
                self.protected[self._slice(start, end)] = True
        for start, end in rep.exons:
            self.exonic[self._slice(start, end)] = True

    def paint_cpg_island(self) -> None:
        """Promoter composition around the TRUE TSS: GC and CpG retention follow cpg_level."""
        level = self.model.design.cpg_level
        tss = self.model.true_tss_local
        region = self._slice(tss + CPG_WINDOW_BP[0], tss + CPG_WINDOW_BP[1])
        size = region.stop - region.start
        island = sq.random_dna(self.rng, size, 0.40 + 0.28 * level)
        sq.deplete_cpg(self.rng, island, 0.12 + 0.88 * level)
        free = ~(self.protected[region] | self.exonic[region])
        self.codes[region][free] = island[free]

    def paint_splice_sites(self) -> None:
        """GT...AG intron ends (skipped where they would touch coding sequence)."""
        donor, acceptor = sq.encode("GT"), sq.encode("AG")
        for tx in self.model.transcripts:
            for (_, intron_start), (intron_end, _) in zip(tx.exons[:-1], tx.exons[1:], strict=True):
                for position, motif in ((intron_start, donor), (intron_end - 2, acceptor)):
                    where = self._slice(position, position + 2)
                    if not self.protected[where].any():
                        self.codes[where] = motif

    def _place(self, motif_codes: np.ndarray, window: tuple[int, int]) -> bool:
        """Write a site at a random free position fully inside the local window."""
        first, last = window[0], window[1] - motif_codes.size
        if last < first:
            return False
        for _ in range(25):
            start = int(self.rng.integers(first, last + 1))
            where = self._slice(start, start + motif_codes.size)
            if where.stop - where.start != motif_codes.size:
                continue
            if self.protected[where].any() or self.planted[where].any():
                continue
            self.codes[where] = motif_codes
            self.planted[where] = True
            return True
        return False

    def plant_motifs(self) -> None:
        tss = self.model.true_tss_local
        for name, n_sites in sorted(self.model.design.motif_sites.items()):
            motif = MOTIF_BY_NAME[name]
            for _ in range(n_sites):
                self._place(
                    sq.encode(motif.consensus), (tss + motif.window_bp[0], tss + motif.window_bp[1])
                )
        for name in self.model.design.decoy_motifs:
            self._place(
                sq.encode(MOTIF_BY_NAME[name].consensus),
                (tss + DECOY_WINDOW_BP[0], tss + DECOY_WINDOW_BP[1]),
            )

    def plant_utr3_sites(self, sites: list[str]) -> None:
        """miRNA sites in the representative 3'UTR, at least 15 nt after the stop codon."""
        rep = self.model.rep
        segments = rep.tx_segments(rep.cds_tx[1] + 15, rep.length_bp)
        for site in sites:
            for start, end in segments:
                if self._place(sq.encode(site), (start, end)):
                    break


def paint_gene(
    rng: np.random.Generator, chrom: Chromosome, model: GeneModel, utr3_sites: list[str]
) -> None:
    """Paint exons, promoter CpG island, splice sites and motifs of one gene."""
    lo, hi = model.locus_bounds()
    painter = LocusPainter(rng, model, read_locus(chrom, model, lo, hi), lo)
    painter.paint_exons()
    painter.paint_cpg_island()
    painter.paint_splice_sites()
    painter.plant_motifs()
    if utr3_sites:
        painter.plant_utr3_sites(utr3_sites)
    write_locus(chrom, model, lo, painter.codes)


def fasta_bytes(chrom: Chromosome, species: str) -> bytes:
    """One FASTA record, Ensembl header, 60 bases a line, soft-masked repeats in lower case."""
    ascii_codes = sq.ASCII_UPPER[chrom.codes]
    lower = chrom.soft_mask & (chrom.codes < sq.N)
    ascii_codes[lower] += 32
    assembly = "GRCh38" if species == "human" else "GRCm38"
    length = chrom.codes.size
    kind = "chromosome"
    header = f">{chrom.name} dna:{kind} {kind}:{assembly}:{chrom.name}:1:{length}:1 REF\n"
    n_full = length // FASTA_LINE_BP
    body = ascii_codes[: n_full * FASTA_LINE_BP].reshape(n_full, FASTA_LINE_BP)
    newline = np.full((n_full, 1), ord("\n"), dtype=np.uint8)
    text = np.hstack([body, newline]).tobytes()
    tail = ascii_codes[n_full * FASTA_LINE_BP :].tobytes()
    return header.encode() + text + (tail + b"\n" if tail else b"")


def write_fasta(path: Path, chromosomes: list[Chromosome], species: str) -> None:
    """Write the genome FASTA and its samtools .fai index, both atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            for chrom in chromosomes:
                handle.write(fasta_bytes(chrom, species))
        pysam.faidx(str(tmp))
        os.replace(f"{tmp}.fai", f"{path}.fai")
    LOG.info("wrote %s (%d bp)", path, sum(c.codes.size for c in chromosomes))


@dataclass
class MeasuredFeatures:
    """Features of one gene measured on the final genome (what the pipeline can recover)."""

    cpg_density: float
    motif_counts: dict[str, int]
    utr5_len_bp: int
    orf_len_bp: int
    intron_len_bp: int
    utr3_len_bp: int
    utr5_gc: float
    orf_gc: float
    utr3_gc: float
    orf_exon_junction_density_per_kb: float
    utr3_site_counts: dict[str, int]


def measure_gene(
    chrom: Chromosome, model: GeneModel, site_sequences: dict[str, str]
) -> MeasuredFeatures:
    """Measure promoter and transcript features of a gene from the genome sequence."""
    tss = model.true_tss_local
    promoter = read_locus(chrom, model, tss + CPG_WINDOW_BP[0], tss + CPG_WINDOW_BP[1])
    cpg_density = sq.count_cpg(promoter) / promoter.size
    motif_counts = {}
    for motif in MOTIFS:
        window = read_locus(chrom, model, tss + motif.window_bp[0], tss + motif.window_bp[1])
        motif_counts[motif.name] = sq.count_occurrences(window, motif.consensus)
    rep = model.rep
    exonic = np.concatenate([read_locus(chrom, model, s, e) for s, e in rep.exons])
    cds = rep.cds_tx or (0, 0)
    utr5, orf, utr3 = exonic[: cds[0]], exonic[cds[0] : cds[1]], exonic[cds[1] :]
    if rep.cds_tx is None:
        utr5, orf, utr3 = exonic[:0], exonic[:0], exonic
    junction_density = rep.exon_junctions_in_orf() / (orf.size / 1000) if orf.size else 0.0
    utr3_sites = {}
    for kind, site in site_sequences.items():
        utr3_sites[kind] = sq.count_occurrences(utr3[15:], site) if rep.cds_tx else 0
    # An 8mer contains a 7mer-m8 and a 7mer-1a; TargetScan counts each site once, as its best type.
    utr3_sites["7mer-m8"] = utr3_sites.get("7mer-m8", 0) - utr3_sites.get("8mer", 0)
    utr3_sites["7mer-1a"] = utr3_sites.get("7mer-1a", 0) - utr3_sites.get("8mer", 0)
    return MeasuredFeatures(
        cpg_density=cpg_density,
        motif_counts=motif_counts,
        utr5_len_bp=int(utr5.size),
        orf_len_bp=int(orf.size),
        intron_len_bp=rep.intron_len_bp,
        utr3_len_bp=int(utr3.size),
        utr5_gc=sq.gc_fraction(utr5),
        orf_gc=sq.gc_fraction(orf),
        utr3_gc=sq.gc_fraction(utr3),
        orf_exon_junction_density_per_kb=junction_density,
        utr3_site_counts=utr3_sites,
    )
