"""Gene models (transcripts, exons, CDS) and the Ensembl-style GTF.

Coordinates inside a gene model are *local*: 0 is the annotated TSS (first base of the
representative transcript) and positions grow in the direction of transcription, whatever the
strand. ``GeneModel.anchor`` maps local to genome coordinates once the locus is laid out.
Intervals are 0-based half-open throughout; the GTF writer converts to 1-based closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design import GeneDesign
from .sequence import encode, random_orf

UPSTREAM_BUFFER_BP = 2600  # room for the CpG window and far-upstream decoy motifs
DOWNSTREAM_BUFFER_BP = 500
MIN_EXON_BP = 40


@dataclass
class Transcript:
    """One transcript; ``exons`` are local (start, end) in transcription order."""

    kind: str  # canonical, short_utr5_long_utr3, short_utr3, internal_atg, noncoding
    exons: list[tuple[int, int]]
    cds_tx: tuple[int, int] | None = None  # transcript coords of ATG..stop codon end
    transcript_id: str = ""
    version: int = 1
    name: str = ""
    biotype: str = "protein_coding"
    source: str = "ensembl_havana"

    @property
    def length_bp(self) -> int:
        return sum(end - start for start, end in self.exons)

    @property
    def orf_len_bp(self) -> int:
        return 0 if self.cds_tx is None else self.cds_tx[1] - self.cds_tx[0]

    @property
    def utr5_len_bp(self) -> int:
        return 0 if self.cds_tx is None else self.cds_tx[0]

    @property
    def utr3_len_bp(self) -> int:
        return 0 if self.cds_tx is None else self.length_bp - self.cds_tx[1]

    @property
    def intron_len_bp(self) -> int:
        return (self.exons[-1][1] - self.exons[0][0]) - self.length_bp

    def exon_tx_starts(self) -> np.ndarray:
        """Transcript coordinate of each exon's first base."""
        lengths = np.array([end - start for start, end in self.exons])
        return np.concatenate([[0], np.cumsum(lengths)[:-1]])

    def tx_to_local(self, tx_pos: int) -> int:
        """Local coordinate of transcript position ``tx_pos``."""
        starts = self.exon_tx_starts()
        exon = int(np.searchsorted(starts, tx_pos, side="right") - 1)
        return self.exons[exon][0] + (tx_pos - int(starts[exon]))

    def tx_segments(self, tx_start: int, tx_end: int) -> list[tuple[int, int]]:
        """Local intervals covering transcript interval [tx_start, tx_end), in order."""
        pieces = []
        for (start, end), exon_tx in zip(self.exons, self.exon_tx_starts(), strict=True):
            lo = max(tx_start, int(exon_tx))
            hi = min(tx_end, int(exon_tx) + end - start)
            if lo < hi:
                pieces.append((start + lo - int(exon_tx), start + hi - int(exon_tx)))
        return pieces

    def exon_junctions_in_orf(self) -> int:
        """Exon-exon junctions lying strictly inside the ORF."""
        if self.cds_tx is None:
            return 0
        junctions = self.exon_tx_starts()[1:]
        return int(np.count_nonzero((junctions > self.cds_tx[0]) & (junctions < self.cds_tx[1])))


@dataclass
class GeneModel:
    """A gene laid out in local coordinates, plus its sequence plan."""

    design: GeneDesign
    gene_id: str
    version: int
    transcripts: list[Transcript]
    true_tss_local: int
    orf_codes: np.ndarray | None = None  # ORF of the canonical transcript (gene strand)
    nested_lincrna: GeneModel | None = None  # partner sharing this gene's p1@ CAGE peak
    chrom: str = ""
    anchor: int = 0
    representative: int = 0

    @property
    def strand(self) -> str:
        return self.design.strand

    @property
    def symbol(self) -> str:
        return self.design.symbol

    @property
    def biotype(self) -> str:
        return self.design.biotype

    def locus_bounds(self) -> tuple[int, int]:
        """Local [lo, hi) that this gene owns on the chromosome (buffers included)."""
        starts = [t.exons[0][0] for t in self.transcripts] + [0, self.true_tss_local]
        ends = [t.exons[-1][1] for t in self.transcripts] + [self.true_tss_local + 1]
        return min(starts) - UPSTREAM_BUFFER_BP, max(ends) + DOWNSTREAM_BUFFER_BP

    def to_genome(self, local_start: int, local_end: int) -> tuple[int, int]:
        """Genome interval (0-based half-open) of a local interval."""
        if self.strand == "+":
            return self.anchor + local_start, self.anchor + local_end
        return self.anchor - local_end + 1, self.anchor - local_start + 1

    def genome_position(self, local: int) -> int:
        """Genome coordinate of one local base."""
        return self.anchor + local if self.strand == "+" else self.anchor - local

    @property
    def rep(self) -> Transcript:
        return self.transcripts[self.representative]


def representative_index(transcripts: list[Transcript]) -> int:
    """The paper's rule: longest ORF, then longest 5'UTR, then longest 3'UTR (then first)."""
    keys = [(t.orf_len_bp, t.utr5_len_bp, t.utr3_len_bp, -i) for i, t in enumerate(transcripts)]
    return max(range(len(transcripts)), key=lambda i: keys[i])


def _breakpoints(rng: np.random.Generator, design: GeneDesign, coding_end: int) -> list[int]:
    """Transcript positions where exons end; all inside 5'UTR + ORF so the 3'UTR is terminal.

    Never split the start or stop codon (each then has a single GTF row).
    """
    wanted = design.n_exons - 1
    if wanted <= 0 or coding_end < 2 * MIN_EXON_BP + 2:
        return []
    candidates = rng.choice(
        np.arange(MIN_EXON_BP, coding_end - MIN_EXON_BP + 1),
        size=min(wanted * 2, coding_end - 2 * MIN_EXON_BP + 1),
        replace=False,
    )
    forbidden = {design.utr5_len_bp + 1, design.utr5_len_bp + 2, coding_end - 2, coding_end - 1}
    chosen: list[int] = []
    for position in candidates:
        if len(chosen) == wanted:
            break
        if int(position) in forbidden:
            continue
        if all(abs(int(position) - other) >= MIN_EXON_BP for other in chosen):
            chosen.append(int(position))
    return sorted(chosen)


def _exons_from_lengths(
    exon_lengths: list[int], intron_lengths: list[int]
) -> list[tuple[int, int]]:
    exons, cursor = [], 0
    for i, length in enumerate(exon_lengths):
        exons.append((cursor, cursor + length))
        cursor += length + (intron_lengths[i] if i < len(intron_lengths) else 0)
    return exons


def _intron_lengths(rng: np.random.Generator, design: GeneDesign, count: int) -> list[int]:
    draws = rng.lognormal(np.log(design.intron_median_bp), 0.8, size=count)
    return [int(x) for x in np.clip(draws, 70, 30000)]


def canonical_transcript(rng: np.random.Generator, design: GeneDesign) -> Transcript:
    """The designed representative transcript (coding or non-coding)."""
    if design.biotype != "protein_coding":
        total = int(rng.integers(400, 3000))
        cuts = (
            sorted(
                rng.choice(
                    np.arange(100, total - 100), size=design.n_exons - 1, replace=False
                ).tolist()
            )
            if design.n_exons > 1
            else []
        )
        bounds = [0, *cuts, total]
        lengths = [b - a for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        exons = _exons_from_lengths(lengths, _intron_lengths(rng, design, len(lengths) - 1))
        return Transcript("noncoding", exons, None, biotype="lincRNA", source="havana")
    orf_len = design.orf_codons * 3
    coding_end = design.utr5_len_bp + orf_len
    total = coding_end + design.utr3_len_bp
    bounds = [0, *_breakpoints(rng, design, coding_end), total]
    lengths = [b - a for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    exons = _exons_from_lengths(lengths, _intron_lengths(rng, design, len(lengths) - 1))
    return Transcript("canonical", exons, (design.utr5_len_bp, coding_end))


def _short_utr5_long_utr3(rng: np.random.Generator, main: Transcript) -> Transcript | None:
    """Same ORF, shorter 5'UTR, longer 3'UTR: a 'longest transcript' rule would pick it."""
    first_start, first_end = main.exons[0]
    utr_in_first = min(first_end - first_start, main.utr5_len_bp)
    exons = list(main.exons)
    if utr_in_first >= 6:
        shift = int(rng.integers(1, utr_in_first - 2))
        exons[0] = (first_start + shift, first_end)
        removed = shift
    elif len(exons) > 1 and main.utr5_len_bp > first_end - first_start:
        removed = first_end - first_start
        exons = exons[1:]
    else:
        return None
    extension = int(rng.integers(100, 1500))
    exons[-1] = (exons[-1][0], exons[-1][1] + extension)
    cds = main.cds_tx
    return Transcript("short_utr5_long_utr3", exons, (cds[0] - removed, cds[1] - removed))


def _short_utr3(rng: np.random.Generator, main: Transcript) -> Transcript | None:
    """Same ORF and 5'UTR, earlier polyadenylation: decided by the 3'UTR tie-break."""
    if main.utr3_len_bp < 60:
        return None
    shrink = int(rng.integers(20, main.utr3_len_bp - 20))
    exons = list(main.exons)
    exons[-1] = (exons[-1][0], exons[-1][1] - shrink)
    return Transcript("short_utr3", exons, main.cds_tx)


def _internal_atg(rng: np.random.Generator, main: Transcript) -> tuple[Transcript, int] | None:
    """Upstream alternative first exon spliced into a later exon; ORF from an in-frame ATG.

    Its 5'UTR is long and its TSS lies upstream of the canonical one, so 'longest 5'UTR' or
    'most upstream TSS' rules pick the wrong TSS; the ORF-first rule does not.
    Returns the transcript and the ORF codon index where an ATG must be written.
    """
    cds_start, cds_end = main.cds_tx
    starts = main.exon_tx_starts()
    for exon in range(1, len(main.exons)):
        exon_tx = int(starts[exon])
        exon_len = main.exons[exon][1] - main.exons[exon][0]
        first_codon = max(1, -(-(exon_tx + 10 - cds_start) // 3))
        atg_tx = cds_start + 3 * first_codon
        if exon_tx > cds_start and atg_tx + 3 <= exon_tx + exon_len and atg_tx + 3 < cds_end - 3:
            gap = int(rng.integers(300, 2500))
            first_len = int(rng.integers(80, 300))
            upstream = (main.exons[0][0] - gap - first_len, main.exons[0][0] - gap)
            exons = [upstream, *main.exons[exon:]]
            shift = exon_tx - first_len
            return Transcript("internal_atg", exons, (atg_tx - shift, cds_end - shift)), first_codon
    return None


def build_gene_model(rng: np.random.Generator, design: GeneDesign, gene_id: str) -> GeneModel:
    """Transcripts, the true TSS and the ORF sequence plan for one gene."""
    main = canonical_transcript(rng, design)
    transcripts = [main]
    internal_atg_codons: list[int] = []
    builders = (_short_utr5_long_utr3, _short_utr3, _internal_atg)
    for _ in range(design.n_alternatives):
        if design.biotype != "protein_coding":
            alt = _short_utr3_noncoding(rng, main)
        else:
            result = builders[int(rng.integers(len(builders)))](rng, main)
            if isinstance(result, tuple):
                alt, codon = result
                internal_atg_codons.append(codon)
            else:
                alt = result
        if alt is not None and all(alt.exons != t.exons for t in transcripts):
            transcripts.append(alt)
    # Ensembl lists transcripts in no particular order: do not let "first" mean "canonical".
    order = rng.permutation(len(transcripts))
    transcripts = [transcripts[i] for i in order]
    model = GeneModel(design, gene_id, int(rng.integers(1, 16)), transcripts, 0)
    model.representative = representative_index(transcripts)
    model.true_tss_local = _feasible_tss_offset(model)
    if design.biotype == "protein_coding":
        orf = random_orf(rng, design.orf_codons, design.gc_orf)
        for codon in internal_atg_codons:
            orf[3 * codon : 3 * codon + 3] = encode("ATG")
        model.orf_codes = orf
    return model


def _short_utr3_noncoding(rng: np.random.Generator, main: Transcript) -> Transcript | None:
    last_start, last_end = main.exons[-1]
    if last_end - last_start < 200:
        return None
    exons = list(main.exons)
    exons[-1] = (last_start, last_end - int(rng.integers(50, last_end - last_start - 100)))
    return Transcript("noncoding", exons, None, biotype="lincRNA", source="havana")


def _feasible_tss_offset(model: GeneModel) -> int:
    """Requested offset, flipped upstream if the true TSS would land too close to the ORF.

    Planted motifs reach +50 bp downstream of the true TSS and must not touch the CDS.
    """
    offset = model.design.tss_offset_bp
    rep = model.rep
    if offset <= 0:
        return offset
    limit = rep.tx_to_local(rep.cds_tx[0]) - 80 if rep.cds_tx else rep.exons[0][1] - 60
    if rep.cds_tx is None:
        return -offset
    return offset if offset <= limit else -offset


def nested_lincrna(
    rng: np.random.Generator, host: GeneModel, gene_id: str, symbol: str, design_factory
) -> GeneModel:
    """A lincRNA starting at the host's true TSS on the same strand (shares its p1@ peak)."""
    design = design_factory(symbol)
    start = host.true_tss_local
    exon = Transcript(
        "noncoding",
        [(start, start + int(rng.integers(300, 900)))],
        None,
        biotype="lincRNA",
        source="havana",
    )
    model = GeneModel(design, gene_id, int(rng.integers(1, 6)), [exon], start)
    return model


# ----------------------------------------------------------------------------------- GTF
GTF_HEADER = {
    "human": [
        "#!genome-build GRCh38.p10",
        "#!genome-version GRCh38",
        "#!genome-date 2013-12",
        "#!genome-build-accession NCBI:GCA_000001405.25",
        "#!genebuild-last-updated 2017-06",
    ],
    "mouse": [
        "#!genome-build GRCm38.p5",
        "#!genome-version GRCm38",
        "#!genome-date 2012-01",
        "#!genome-build-accession NCBI:GCA_000001635.7",
        "#!genebuild-last-updated 2017-07",
    ],
}
ID_PREFIX = {
    "human": {"exon": "ENSE", "protein": "ENSP"},
    "mouse": {"exon": "ENSMUSE", "protein": "ENSMUSP"},
}


def _attributes(pairs: list[tuple[str, object]]) -> str:
    return " ".join(f'{key} "{value}";' for key, value in pairs)


def _gtf_row(
    chrom: str,
    source: str,
    feature: str,
    interval: tuple[int, int],
    strand: str,
    frame: str,
    attributes: str,
) -> str:
    start, end = interval
    return f"{chrom}\t{source}\t{feature}\t{start + 1}\t{end}\t.\t{strand}\t{frame}\t{attributes}"


def gene_gtf_rows(
    model: GeneModel, species: str, exon_ids: dict, next_exon: list[int], protein_numbers: list[int]
) -> list[str]:
    """GTF rows of one gene in Ensembl order (gene, then each transcript's features)."""
    design = model.design
    gene_source = "ensembl_havana" if design.biotype == "protein_coding" else "havana"
    gene_attrs = [
        ("gene_id", model.gene_id),
        ("gene_version", model.version),
        ("gene_name", design.symbol),
        ("gene_source", gene_source),
        ("gene_biotype", design.biotype),
    ]
    span_local = (
        min(t.exons[0][0] for t in model.transcripts),
        max(t.exons[-1][1] for t in model.transcripts),
    )
    chrom, strand = model.chrom, model.strand
    rows = [
        _gtf_row(
            chrom,
            gene_source,
            "gene",
            model.to_genome(*span_local),
            strand,
            ".",
            _attributes(gene_attrs),
        )
    ]
    for number, tx in enumerate(model.transcripts, start=1):
        tx_attrs = (
            gene_attrs[:2]
            + [("transcript_id", tx.transcript_id), ("transcript_version", tx.version)]
            + gene_attrs[2:]
            + [
                ("transcript_name", f"{design.symbol}-{200 + number}"),
                ("transcript_source", tx.source),
                ("transcript_biotype", tx.biotype),
            ]
        )
        tags = [("tag", "basic"), ("transcript_support_level", str(1 + number % 3))]
        rows.append(
            _gtf_row(
                chrom,
                tx.source,
                "transcript",
                model.to_genome(tx.exons[0][0], tx.exons[-1][1]),
                strand,
                ".",
                _attributes(tx_attrs + tags),
            )
        )
        protein = None
        if tx.cds_tx is not None:
            protein_numbers[0] += int(1 + (protein_numbers[0] % 7))
            protein = f"{ID_PREFIX[species]['protein']}{protein_numbers[0]:011d}"
        rows.extend(
            _transcript_feature_rows(
                model, tx, species, tx_attrs, tags, protein, exon_ids, next_exon
            )
        )
    return rows


def _transcript_feature_rows(model, tx, species, tx_attrs, tags, protein, exon_ids, next_exon):
    chrom, strand, source = model.chrom, model.strand, tx.source
    rows: list[str] = []
    utr_rows: list[str] = []
    cds_tx = tx.cds_tx
    exon_tx_starts = tx.exon_tx_starts()
    for exon_number, ((start, end), exon_tx) in enumerate(
        zip(tx.exons, exon_tx_starts, strict=True), start=1
    ):
        key = (start, end)
        if key not in exon_ids:
            next_exon[0] += int(1 + next_exon[0] % 5)
            exon_ids[key] = f"{ID_PREFIX[species]['exon']}{next_exon[0]:011d}"
        attrs = tx_attrs[:4] + [("exon_number", exon_number)] + tx_attrs[4:]
        exon_attrs = attrs + [("exon_id", exon_ids[key]), ("exon_version", 1)] + tags
        rows.append(
            _gtf_row(
                chrom,
                source,
                "exon",
                model.to_genome(start, end),
                strand,
                ".",
                _attributes(exon_attrs),
            )
        )
        if cds_tx is None:
            continue
        exon_tx = int(exon_tx)
        exon_tx_end = exon_tx + end - start
        cds_lo, cds_hi = max(cds_tx[0], exon_tx), min(cds_tx[1] - 3, exon_tx_end)
        protein_attrs = attrs + [("protein_id", protein), ("protein_version", 1)] + tags
        if cds_lo < cds_hi:
            phase = (3 - (cds_lo - cds_tx[0]) % 3) % 3
            local = (start + cds_lo - exon_tx, start + cds_hi - exon_tx)
            rows.append(
                _gtf_row(
                    chrom,
                    source,
                    "CDS",
                    model.to_genome(*local),
                    strand,
                    str(phase),
                    _attributes(protein_attrs),
                )
            )
        if exon_tx <= cds_tx[0] < exon_tx_end:
            local = (start + cds_tx[0] - exon_tx, start + cds_tx[0] - exon_tx + 3)
            rows.append(
                _gtf_row(
                    chrom,
                    source,
                    "start_codon",
                    model.to_genome(*local),
                    strand,
                    "0",
                    _attributes(attrs + tags),
                )
            )
        if exon_tx <= cds_tx[1] - 3 < exon_tx_end:
            local = (start + cds_tx[1] - 3 - exon_tx, start + cds_tx[1] - exon_tx)
            rows.append(
                _gtf_row(
                    chrom,
                    source,
                    "stop_codon",
                    model.to_genome(*local),
                    strand,
                    "0",
                    _attributes(attrs + tags),
                )
            )
        for feature, lo, hi in (
            ("five_prime_utr", exon_tx, min(exon_tx_end, cds_tx[0])),
            ("three_prime_utr", max(exon_tx, cds_tx[1]), exon_tx_end),
        ):
            if lo < hi:
                local = (start + lo - exon_tx, start + hi - exon_tx)
                utr_rows.append(
                    _gtf_row(
                        chrom,
                        source,
                        feature,
                        model.to_genome(*local),
                        strand,
                        ".",
                        _attributes(tx_attrs + tags),
                    )
                )
    return rows + utr_rows
