"""TSS per gene: annotated first-exon start, recentred onto the gene's FANTOM5 p1@ CAGE peak.

Paper: "The best peak corresponding to each promoter, labeled with the keyword 'p1@', was
extracted. HUGO gene names or gene name synonyms were converted into Ensembl IDs ...  if [a
dominant CAGE peak existed], the TSS was re-centered to the coordinates of the CAGE peak."
The peak summit (BED thickStart, 0-based) is used as the TSS base.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from xpressoflow.bed import check_strand, integer_fields, iter_bed_fields
from xpressoflow.sequence import chromosome_name_map

log = logging.getLogger(__name__)


def read_cage_peaks(path: str | os.PathLike) -> pd.DataFrame:
    """FANTOM5 BED9 peaks -> chrom, start, end, name, strand, summit (0-based thickStart)."""
    records = []
    for line_number, fields in iter_bed_fields(path, 8, "BED9"):
        start, end, summit = integer_fields(path, line_number, fields,
                                            {1: "start", 2: "end", 6: "thickStart"})
        check_strand(path, line_number, fields[5])
        records.append((fields[0], start, end, fields[3], fields[5], summit))
    return pd.DataFrame.from_records(
        records, columns=["chrom", "start", "end", "name", "strand", "summit"])


def p1_peaks(peaks: pd.DataFrame) -> pd.DataFrame:
    """One row per (p1@ peak, gene symbol); shared peaks 'p1@A,p1@B' give one row per gene."""
    named = peaks.assign(label=peaks["name"].str.split(",")).explode("label")
    named = named[named["label"].str.startswith("p1@")]
    return named.assign(symbol=named["label"].str.removeprefix("p1@")).reset_index(drop=True)


def read_hgnc_symbols(path: str | os.PathLike) -> pd.DataFrame:
    """HGNC complete set -> symbol, ensembl_gene_id, kind (official / previous / alias)."""
    hgnc = pd.read_csv(path, sep="\t", dtype=str, usecols=lambda c: c in {
        "symbol", "ensembl_gene_id", "alias_symbol", "prev_symbol"})
    hgnc = hgnc.dropna(subset=["ensembl_gene_id"])
    parts = [hgnc[["symbol", "ensembl_gene_id"]].assign(kind="official")]
    for column, kind in [("prev_symbol", "previous"), ("alias_symbol", "alias")]:
        if column in hgnc:
            synonyms = hgnc[[column, "ensembl_gene_id"]].dropna()
            synonyms = synonyms.assign(symbol=synonyms[column].str.split("|")).explode("symbol")
            parts.append(synonyms[["symbol", "ensembl_gene_id"]].assign(kind=kind))
    return pd.concat(parts, ignore_index=True).rename(columns={"ensembl_gene_id": "gene_id"})


def read_mgi_symbols(path: str | os.PathLike) -> pd.DataFrame:
    """MGI_Gene_Model_Coord.rpt -> symbol, gene_id, kind=official."""
    mgi = pd.read_csv(path, sep="\t", dtype=str, index_col=False)
    mgi.columns = [c.split(". ", 1)[-1].strip() for c in mgi.columns]
    mgi = mgi.dropna(subset=["Ensembl gene id"])
    return pd.DataFrame({"symbol": mgi["marker symbol"], "gene_id": mgi["Ensembl gene id"],
                         "kind": "official"})


def symbol_to_gene_id(genes: pd.DataFrame, name_tables: list[pd.DataFrame]) -> pd.Series:
    """Map gene symbols to Ensembl gene ids of `genes` (unambiguous matches only).

    Priority: the Ensembl gene name (BioMart), then official HGNC/MGI symbols, then previous
    symbols, then aliases; a symbol pointing to several genes at its best level is dropped.
    """
    levels = [genes[["gene_name", "gene_id"]].rename(columns={"gene_name": "symbol"})
              .assign(kind="ensembl")]
    levels += name_tables
    table = pd.concat(levels, ignore_index=True).dropna()
    table = table[table["gene_id"].isin(genes["gene_id"]) & (table["symbol"] != "")]
    priority = {"ensembl": 0, "official": 1, "previous": 2, "alias": 3}
    table = table.assign(priority=table["kind"].map(priority)).drop_duplicates(
        ["symbol", "gene_id"])
    best = table[table["priority"] == table.groupby("symbol")["priority"].transform("min")]
    unique = best.groupby("symbol")["gene_id"].nunique() == 1
    best = best[best["symbol"].isin(unique[unique].index)]
    return best.drop_duplicates("symbol").set_index("symbol")["gene_id"]


def recentre_tss(
    genes: pd.DataFrame,
    peaks: pd.DataFrame | None,
    symbol_map: pd.Series | None,
    use_cage: bool = True,
) -> pd.DataFrame:
    """Add cage_peak, tss_cage, tss (used) and recentred to `genes` (chrom, strand, tss_annotated).

    A p1@ peak recentres a gene only on the same chromosome (names reconciled, chr1 <-> 1) and
    strand; with several candidate peaks the one closest to the annotated TSS wins.
    """
    out = genes.copy()
    out["cage_peak"] = ""
    out["tss_cage"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if use_cage and peaks is not None and len(peaks):
        p1 = p1_peaks(peaks)
        p1 = p1.assign(gene_id=p1["symbol"].map(symbol_map)).dropna(subset=["gene_id"])
        names = chromosome_name_map(p1["chrom"], out["chrom"].astype(str).unique())
        p1 = p1.assign(chrom=p1["chrom"].map(names)).dropna(subset=["chrom"])
        hits = p1.merge(out[["gene_id", "chrom", "strand", "tss_annotated"]],
                        on=["gene_id", "chrom", "strand"])
        hits = hits.assign(distance_bp=(hits["summit"] - hits["tss_annotated"]).abs())
        best = hits.sort_values(["gene_id", "distance_bp"]).drop_duplicates("gene_id")
        best = best.set_index("gene_id")
        matched = out["gene_id"].isin(best.index)
        out.loc[matched, "cage_peak"] = out.loc[matched, "gene_id"].map(best["label"])
        out.loc[matched, "tss_cage"] = out.loc[matched, "gene_id"].map(best["summit"]).astype(
            "Int64")
    out["recentred"] = out["tss_cage"].notna() if use_cage else False
    out["tss"] = np.where(out["recentred"], out["tss_cage"].fillna(-1).astype(np.int64),
                          out["tss_annotated"]).astype(np.int64)
    log.info("TSS recentred to a p1@ CAGE peak for %d of %d genes (%.1f%%)",
             int(out["recentred"].sum()), len(out), 100 * out["recentred"].mean())
    return out


def promoters_bed(genes: pd.DataFrame, flank_bp: int) -> pd.DataFrame:
    """BED6 of the ±flank_bp windows (same interval convention as sequence.window_bounds)."""
    from xpressoflow.sequence import window_bounds

    start, end = window_bounds(genes["tss"].to_numpy(), genes["strand"].to_numpy(), flank_bp)
    # BED cannot start below 0; sequence extraction pads such windows with N instead.
    return pd.DataFrame({"chrom": genes["chrom"], "start": np.maximum(start, 0), "end": end,
                         "name": genes["gene_id"], "score": 0, "strand": genes["strand"]})


def prepare_promoter_annotation(
    gtf_path: str | os.PathLike,
    genome_path: str | os.PathLike,
    cage_path: str | os.PathLike | None,
    name_table_paths: dict[str, str | os.PathLike],
    flank_bp: int,
    use_cage: bool = True,
    convention: str = "paper",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """GTF + genome (+ CAGE, name tables) -> (genes.tsv table, excluded genes, promoters BED).

    name_table_paths: {"hgnc": path} for human, {"mgi": path} for mouse (either may be absent).
    """
    from xpressoflow.annotation import prepare_gene_models

    genes, excluded = prepare_gene_models(gtf_path, genome_path, convention)
    tables = []
    if name_table_paths.get("hgnc"):
        tables.append(read_hgnc_symbols(name_table_paths["hgnc"]))
    if name_table_paths.get("mgi"):
        tables.append(read_mgi_symbols(name_table_paths["mgi"]))
    peaks = read_cage_peaks(cage_path) if (use_cage and cage_path) else None
    symbol_map = symbol_to_gene_id(genes, tables) if peaks is not None else None
    genes = recentre_tss(genes, peaks, symbol_map, use_cage)
    columns = ["gene_id", "gene_name", "chrom", "strand", "transcript_id", "tss_annotated",
               "cage_peak", "tss_cage", "tss", "recentred"]
    genes = genes[columns + [c for c in genes.columns if c not in columns]]
    return genes, excluded, promoters_bed(genes, flank_bp)
