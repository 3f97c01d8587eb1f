"""Gene models from an Ensembl GTF: representative transcripts and mRNA half-life features.

Paper (Methods, "Collecting promoter sequences and mRNA half-life features"): protein-coding
genes only, chrY and histone genes removed; per gene the transcript with the longest ORF, then
the longest 5' UTR, then the longest 3' UTR is representative; its 5' UTR, ORF and 3' UTR
lengths and G/C contents, its intron length and its ORF exon junction density are the eight
half-life features, lengths transformed as log10(x + 0.1).

Coordinates are 0-based half-open throughout (GTF start - 1, GTF end).
"""

from __future__ import annotations

import gzip
import logging
import os
import re

import numpy as np
import pandas as pd

from xpressoflow.errors import InputFormatError
from xpressoflow.sequence import chromosome_name_map, open_genome

log = logging.getLogger(__name__)

GTF_FEATURES = {"gene", "transcript", "exon", "CDS", "five_prime_utr", "three_prime_utr"}
_ATTRIBUTE = re.compile(r'(\w+) "([^"]*)"')
_KEPT_ATTRIBUTES = ("gene_id", "transcript_id", "gene_name", "gene_biotype", "transcript_biotype")

HALF_LIFE_FEATURES = [
    "utr5_length_log10",
    "orf_length_log10",
    "intron_length_log10",
    "utr3_length_log10",
    "utr5_gc",
    "orf_gc",
    "utr3_gc",
    "orf_exon_junctions_per_kb",
]
LENGTH_PSEUDOCOUNT_BP = 0.1

# Histone genes (paper: no poly(A) tail, so under-sampled by poly(A)-selected RNA-seq).
# The authors removed gene names containing "HIST" (human) / "Hist" (mouse) in Ensembl v90.
# Later Ensembl/HGNC/MGI releases renamed these replication-dependent histone genes, so the
# same set is matched under both naming schemes (case-insensitive, human and mouse):
#   HIST1H*/HIST2H*/HIST3H*/HIST4H*  (old names)        -> ^HIST\d
#   H1-1..H1-6 (human), H1f1..H1f6 (mouse)  linker histones of the clusters
#   H2AC*, H2BC*, H3C*, H4C*                 cluster core histones
#   H2AW, H2BU1/2, H3-4, H4-16 / H4f16       the former HIST3/HIST4 genes
# Polyadenylated replacement variants (H3-3A/H3F3A, H2AZ1, H1-0/H1F0, ...) never matched
# "HIST" and are kept, as in the paper.
HISTONE_GENE_NAME = re.compile(
    r"^(HIST\d|H1-[1-6]$|H1F[1-6]$|H2AC\d|H2BC\d|H3C\d|H4C\d|H2AW$|H2BU\d$|H3-4$|H4-16$|H4F16$)",
    re.IGNORECASE,
)


def _open_text(path: str | os.PathLike):
    return gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)


def read_gtf(path: str | os.PathLike) -> pd.DataFrame:
    """Rows of the GTF features used here, with 0-based starts and the source line number.

    Malformed lines (not 9 tab-separated columns, non-integer or inverted coordinates, bad
    strand, missing gene_id/transcript_id) raise InputFormatError naming file and line.
    """
    records = []
    with _open_text(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 9:
                raise InputFormatError(path, line_number,
                                       f"expected 9 tab-separated columns, found {len(fields)}")
            feature = fields[2]
            if feature not in GTF_FEATURES:
                continue
            records.append(_parse_gtf_fields(path, line_number, fields))
    columns = ["chrom", "feature", "start", "end", "strand", *_KEPT_ATTRIBUTES, "line"]
    table = pd.DataFrame.from_records(records, columns=columns)
    if table.empty:
        raise InputFormatError(path, None, "no gene/transcript/exon/CDS/UTR rows found")
    return table


def _parse_gtf_fields(path, line_number: int, fields: list[str]) -> tuple:
    chrom, _source, feature, start, end, _score, strand, _frame, attributes = fields
    try:
        start_0, end_0 = int(start) - 1, int(end)
    except ValueError:
        raise InputFormatError(path, line_number,
                               f"start/end are not integers: {start!r}, {end!r}") from None
    if start_0 < 0 or end_0 <= start_0:
        raise InputFormatError(path, line_number, f"invalid interval {start}-{end}")
    if strand not in ("+", "-"):
        raise InputFormatError(path, line_number, f"strand must be + or -, found {strand!r}")
    attrs = dict(_ATTRIBUTE.findall(attributes))
    if "gene_id" not in attrs:
        raise InputFormatError(path, line_number, "attribute gene_id is missing")
    if feature != "gene" and "transcript_id" not in attrs:
        raise InputFormatError(path, line_number, f"{feature} row without transcript_id")
    values = tuple(attrs.get(key, "") for key in _KEPT_ATTRIBUTES)
    return (chrom, feature, start_0, end_0, strand, *values, line_number)


def gene_table(gtf: pd.DataFrame, path: str | os.PathLike = "GTF") -> pd.DataFrame:
    """One row per gene (gene_id, gene_name, gene_biotype, chrom, strand); duplicates are errors."""
    genes = gtf[gtf["feature"] == "gene"]
    if genes.empty:  # GTFs without gene rows: take gene attributes from the transcripts
        genes = gtf[gtf["feature"] == "transcript"].drop_duplicates("gene_id")
    duplicated = genes[genes["gene_id"].duplicated(keep="first")]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise InputFormatError(path, int(first["line"]),
                               f"duplicate gene id {first['gene_id']!r} (one gene row each)")
    return genes[["gene_id", "gene_name", "gene_biotype", "chrom", "strand"]].reset_index(
        drop=True)


def transcript_structures(gtf: pd.DataFrame) -> pd.DataFrame:
    """Per transcript: exon/5'UTR/ORF/3'UTR/intron lengths (bp), CDS exon count, annotated TSS.

    ORF = Ensembl CDS rows (stop codon excluded, as in Ensembl GTFs and the authors' code).
    Also keeps the authors' per-row `end - start` lengths (GTF stop - start, one base short per
    row) so `half_life_features(convention="authors")` can reproduce their published values.
    """
    rows = gtf[gtf["feature"].isin(["exon", "CDS", "five_prime_utr", "three_prime_utr"])].copy()
    rows["length_bp"] = rows["end"] - rows["start"]
    rows["length_authors_bp"] = rows["length_bp"] - 1
    by_feature = rows.pivot_table(index="transcript_id", columns="feature",
                                  values=["length_bp", "length_authors_bp"], aggfunc="sum",
                                  fill_value=0)
    exons = rows[rows["feature"] == "exon"].groupby("transcript_id")
    cds = rows[rows["feature"] == "CDS"].groupby("transcript_id")
    transcripts = gtf[gtf["feature"].isin(["exon", "transcript"])].groupby("transcript_id").agg(
        gene_id=("gene_id", "first"), chrom=("chrom", "first"), strand=("strand", "first"),
        transcript_biotype=("transcript_biotype", "first"), tx_start=("start", "min"),
        tx_end=("end", "max"))
    out = transcripts.join(exons.agg(n_exons=("start", "size"), first_exon_start=("start", "min"),
                                     last_exon_end=("end", "max")))
    out = out.join(cds.agg(n_cds_exons=("start", "size")))

    def feature_sum(values: str, feature: str) -> pd.Series:
        key = (values, feature)
        column = by_feature[key] if key in by_feature.columns else 0
        return pd.Series(column, index=by_feature.index).reindex(out.index, fill_value=0)

    out["exon_bp"] = feature_sum("length_bp", "exon")
    out["utr5_bp"] = feature_sum("length_bp", "five_prime_utr")
    out["orf_bp"] = feature_sum("length_bp", "CDS")
    out["utr3_bp"] = feature_sum("length_bp", "three_prime_utr")
    out["intron_bp"] = (out["last_exon_end"] - out["first_exon_start"]) - out["exon_bp"]
    out["n_cds_exons"] = out["n_cds_exons"].fillna(0).astype(int)
    # Exon junctions inside the ORF: CDS rows are split only at introns.
    out["orf_junctions"] = (out["n_cds_exons"] - 1).clip(lower=0)
    out["utr5_authors_bp"] = feature_sum("length_authors_bp", "five_prime_utr")
    out["orf_authors_bp"] = feature_sum("length_authors_bp", "CDS")
    out["utr3_authors_bp"] = feature_sum("length_authors_bp", "three_prime_utr")
    # authors: (transcript stop - start) - (5'UTR + CDS + 3'UTR), all as GTF stop - start
    out["intron_authors_bp"] = (out["tx_end"] - out["tx_start"] - 1) - (
        out["utr5_authors_bp"] + out["orf_authors_bp"] + out["utr3_authors_bp"])
    # TSS = start of the first exon on the transcript's strand (0-based coordinate of the base).
    out["tss_annotated"] = np.where(out["strand"] == "+", out["first_exon_start"],
                                    out["last_exon_end"] - 1)
    return out.reset_index()


def representative_transcript(structures: pd.DataFrame) -> pd.DataFrame:
    """Per gene the coding transcript with the longest ORF, then 5' UTR, then 3' UTR.

    Remaining ties go to the smallest transcript id, so the choice is deterministic.
    """
    coding = structures[structures["orf_bp"] > 0]
    ranked = coding.sort_values(["gene_id", "orf_bp", "utr5_bp", "utr3_bp", "transcript_id"],
                                ascending=[True, False, False, False, True])
    return ranked.drop_duplicates("gene_id", keep="first").reset_index(drop=True)


def region_intervals(gtf: pd.DataFrame, transcript_ids, feature: str) -> pd.DataFrame:
    """Rows of one feature type (exon, CDS, five_prime_utr, ...) of the given transcripts."""
    keep = (gtf["feature"] == feature) & gtf["transcript_id"].isin(set(transcript_ids))
    return gtf.loc[keep, ["transcript_id", "chrom", "start", "end"]]


def gc_fraction_by_transcript(genome_path, intervals: pd.DataFrame) -> pd.Series:
    """G+C fraction of the spliced sequence of each transcript's intervals (strand-independent)."""
    genome = open_genome(genome_path)
    names = chromosome_name_map(intervals["chrom"].astype(str), genome.references)
    gc_bases: dict[str, int] = {}
    all_bases: dict[str, int] = {}
    for tx, chrom, start, end in intervals.itertuples(index=False):
        if chrom not in names:
            continue
        seq = genome.fetch(names[chrom], int(start), int(end)).upper()
        gc_bases[tx] = gc_bases.get(tx, 0) + seq.count("G") + seq.count("C")
        all_bases[tx] = all_bases.get(tx, 0) + len(seq)
    totals = pd.Series(all_bases, dtype=float)
    return pd.Series(gc_bases, dtype=float) / totals.where(totals > 0)


def half_life_features(
    representative: pd.DataFrame,
    gc: dict[str, pd.Series],
    convention: str = "paper",
) -> pd.DataFrame:
    """The eight half-life features per representative transcript (raw, before z-scoring).

    convention="paper": true lengths; ORF exon junction density = exon junctions inside the
    ORF per kb of ORF (Methods). convention="authors": the published code's arithmetic
    (per-row GTF stop - start lengths; CDS exon count, i.e. junctions + 1, per kb), which
    reproduces the values of the released feature tables (e.g. TSPAN6 9.62).
    A missing UTR has G/C fraction 0 (no bases), as in the released tables.
    """
    if convention not in ("paper", "authors"):
        raise ValueError(f"convention must be 'paper' or 'authors', not {convention!r}")
    suffix = "_authors_bp" if convention == "authors" else "_bp"
    rep = representative.set_index("transcript_id")
    out = pd.DataFrame(index=rep.index)
    for name, column in [("utr5", "utr5"), ("orf", "orf"), ("intron", "intron"),
                         ("utr3", "utr3")]:
        length_bp = rep[column + suffix].clip(lower=0)
        out[f"{name}_length_log10"] = np.log10(length_bp + LENGTH_PSEUDOCOUNT_BP)
    for name in ("utr5", "orf", "utr3"):
        out[f"{name}_gc"] = gc[name].reindex(out.index).fillna(0.0)
    orf_kb = rep["orf" + suffix] / 1000.0
    events = rep["n_cds_exons"] if convention == "authors" else rep["orf_junctions"]
    out["orf_exon_junctions_per_kb"] = events / orf_kb
    return out[HALF_LIFE_FEATURES].reset_index()


def exclusion_reasons(genes: pd.DataFrame, representative: pd.DataFrame) -> pd.Series:
    """Reason each gene is left out ('' = kept), in the paper's order of filters."""
    reason = pd.Series("", index=genes.index, dtype=object)

    def mark(mask, text):
        reason[(reason == "") & mask] = text

    biotype = genes["gene_biotype"].fillna("")
    mark(biotype != "protein_coding", "not protein-coding (biotype " + biotype + ")")
    chrom = genes["chrom"].astype(str).str.removeprefix("chr")
    mark(chrom == "Y", "on chrY (expression depends on donor sex)")
    mark(chrom.isin(["MT", "M"]), "mitochondrial genome")
    mark(genes["gene_name"].fillna("").str.match(HISTONE_GENE_NAME),
         "histone gene (no poly(A) tail; name rule annotation.HISTONE_GENE_NAME)")
    mark(~genes["gene_id"].isin(representative["gene_id"]), "no transcript with a CDS")
    return reason


def prepare_gene_models(
    gtf_path: str | os.PathLike, genome_path: str | os.PathLike, convention: str = "paper"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GTF + genome -> (kept genes with representative transcript and features, excluded)."""
    gtf = read_gtf(gtf_path)
    genes = gene_table(gtf, gtf_path)
    structures = transcript_structures(gtf)
    representative = representative_transcript(structures)
    reasons = exclusion_reasons(genes, representative)
    excluded = genes.loc[reasons != "", ["gene_id", "gene_name"]].assign(
        reason=reasons[reasons != ""])
    kept = genes.loc[reasons == "", ["gene_id", "gene_name"]]
    rep = representative[representative["gene_id"].isin(kept["gene_id"])]
    gc = {
        name: gc_fraction_by_transcript(genome_path,
                                        region_intervals(gtf, rep["transcript_id"], feature))
        for name, feature in [("utr5", "five_prime_utr"), ("orf", "CDS"),
                              ("utr3", "three_prime_utr")]
    }
    features = half_life_features(rep, gc, convention)
    table = kept.merge(
        rep[["gene_id", "transcript_id", "chrom", "strand", "tss_annotated"]], on="gene_id"
    ).merge(features, on="transcript_id")
    log.info("%d genes kept, %d excluded (%s)", len(table), len(excluded),
             excluded["reason"].str.split(" \\(").str[0].value_counts().to_dict())
    return table, excluded.reset_index(drop=True)
