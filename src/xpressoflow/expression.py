"""Expression labels: Roadmap RPKM matrix, ENCODE RSEM gene quantifications, the mESC table.

Paper (Methods): median across samples per gene, then y -> log10(y + 0.1). Roadmap: the 56
epigenomes (E000, the universal reference, left out as in the authors' process_RNAseq.R).
Mouse: ENCODE RNA-seq samples chosen by `xpressoflow.encode.select_gene_quantifications`; quantile
normalisation before the median is optional (paper: 0.9996 correlation with and without).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from xpressoflow.errors import InputFormatError

log = logging.getLogger(__name__)

# Single-cell-line data sets: Roadmap column of each (EG.name.txt).
ROADMAP_CELL_LINE_SAMPLE = {"k562": "E123", "gm12878": "E116"}
RSEM_VALUE_COLUMN = "FPKM"  # the authors used column 7 (FPKM) of the RSEM tables


def _require_columns(table: pd.DataFrame, columns: Iterable[str], path) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputFormatError(path, 1, f"missing columns {missing} in header "
                                        f"{list(table.columns)[:8]}")


def _check_unique_ids(ids: pd.Series, path) -> None:
    duplicated = ids[ids.duplicated()]
    if not duplicated.empty:
        # +2: one header line, 1-based line numbers
        raise InputFormatError(path, int(duplicated.index[0]) + 2,
                               f"duplicate gene id {duplicated.iloc[0]!r}")


def read_roadmap_matrix(path: str | os.PathLike) -> pd.DataFrame:
    """57epigenomes.RPKM.pc(.gz) -> genes x samples RPKM (index gene_id)."""
    table = pd.read_csv(path, sep="\t", dtype={"gene_id": str})
    _require_columns(table, ["gene_id"], path)
    _check_unique_ids(table["gene_id"], path)
    values = table.set_index("gene_id")
    bad = values.apply(pd.to_numeric, errors="coerce").isna() & values.notna()
    if bad.to_numpy().any():
        row = int(np.flatnonzero(bad.to_numpy().any(axis=1))[0])
        raise InputFormatError(path, row + 2, "non-numeric RPKM value")
    return values.astype(float)


def read_rsem_gene_table(path: str | os.PathLike, value_column: str = RSEM_VALUE_COLUMN):
    """One ENCODE RSEM genes.results TSV -> Series gene_id (version stripped) -> value.

    Spike-ins (gSpikein_ERCC-..., anything not an Ensembl id) are dropped.
    """
    table = pd.read_csv(path, sep="\t", dtype={"gene_id": str})
    _require_columns(table, ["gene_id", value_column], path)
    table = table[table["gene_id"].str.startswith("ENS")]
    gene_id = table["gene_id"].str.replace(r"\.\d+$", "", regex=True)
    _check_unique_ids(gene_id, path)
    return pd.Series(table[value_column].to_numpy(float), index=gene_id.to_numpy(),
                     name=Path(path).name.split(".")[0])


def encode_sample_paths(encode_dir: str | os.PathLike) -> list[Path]:
    """RSEM files (<dir>/<File accession>.tsv) chosen from <dir>/metadata.tsv by the paper's
    ENCODE criteria (xpressoflow.encode.select_gene_quantifications)."""
    from xpressoflow import encode  # the ENCODE selection lives with the download code

    metadata_path = Path(encode_dir) / "metadata.tsv"
    selected = encode.select_gene_quantifications(encode.read_metadata(metadata_path))
    accessions = selected["File accession"]
    folder = Path(metadata_path).parent
    paths = [folder / f"{accession}.tsv" for accession in accessions]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"{metadata_path}: selected ENCODE files missing: {missing[:5]}")
    return paths


def read_encode_matrix(paths: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Genes x samples matrix of the RSEM tables (genes missing from a file are errors)."""
    columns = [read_rsem_gene_table(path) for path in paths]
    matrix = pd.concat(columns, axis=1, join="outer")
    if matrix.isna().to_numpy().any():
        sample = matrix.columns[matrix.isna().any().to_numpy()][0]
        raise InputFormatError(sample, None, "gene set differs from the other RSEM tables")
    return matrix


def read_mesc_table(path: str | os.PathLike) -> pd.Series:
    """mESC table (gene_id, gene_name, expression_rpkm) -> Series gene_id -> RPKM."""
    table = pd.read_csv(path, sep="\t", dtype={"gene_id": str})
    _require_columns(table, ["gene_id", "expression_rpkm"], path)
    _check_unique_ids(table["gene_id"], path)
    return table.set_index("gene_id")["expression_rpkm"].astype(float)


def quantile_normalize(matrix: pd.DataFrame) -> pd.DataFrame:
    """Give every sample (column) the same distribution: the mean of the sorted columns."""
    values = matrix.to_numpy(float)
    reference = np.sort(values, axis=0).mean(axis=1)
    ranks = values.argsort(axis=0).argsort(axis=0)
    return pd.DataFrame(reference[ranks], index=matrix.index, columns=matrix.columns)


def log10_expression(values, pseudocount: float = 0.1):
    """y -> log10(y + pseudocount) (paper: reduces the right skew)."""
    return np.log10(values + pseudocount)


def median_log10_expression(matrix: pd.DataFrame, pseudocount: float = 0.1) -> pd.Series:
    """Median over samples, then log10(median + pseudocount)."""
    return log10_expression(matrix.median(axis=1), pseudocount)


def roadmap_samples(matrix: pd.DataFrame, exclude: Iterable[str]) -> pd.DataFrame:
    """The Roadmap matrix without the excluded columns (E000 -> the paper's 56 epigenomes)."""
    unknown = sorted(set(exclude) - set(matrix.columns))
    if unknown:
        log.warning("excluded Roadmap samples not in the matrix: %s", unknown)
    return matrix.drop(columns=[c for c in exclude if c in matrix.columns])


def expression_labels(
    dataset: str,
    paths: dict[str, str | os.PathLike],
    roadmap_exclude_samples: Iterable[str] = ("E000",),
    pseudocount: float = 0.1,
    quantile_normalize_mouse: bool = False,
) -> pd.DataFrame:
    """Labels of one data set: gene_id, expression_raw (median RPKM/FPKM), expression_log10.

    paths: "roadmap" (human, k562, gm12878), "encode_dir" (mouse: folder with metadata.tsv),
    "mesc" (mesc).
    """
    if dataset == "human":
        matrix = roadmap_samples(read_roadmap_matrix(paths["roadmap"]), roadmap_exclude_samples)
        raw, n_samples = matrix.median(axis=1), matrix.shape[1]
    elif dataset in ROADMAP_CELL_LINE_SAMPLE:
        matrix = read_roadmap_matrix(paths["roadmap"])
        sample = ROADMAP_CELL_LINE_SAMPLE[dataset]
        if sample not in matrix.columns:
            raise InputFormatError(paths["roadmap"], 1, f"column {sample} ({dataset}) missing")
        raw, n_samples = matrix[sample], 1
    elif dataset == "mouse":
        matrix = read_encode_matrix(encode_sample_paths(paths["encode_dir"]))
        if quantile_normalize_mouse:
            matrix = quantile_normalize(matrix)
        raw, n_samples = matrix.median(axis=1), matrix.shape[1]
    elif dataset == "mesc":
        raw, n_samples = read_mesc_table(paths["mesc"]), 1
    else:
        raise ValueError(f"unknown data set {dataset!r}")
    log.info("%s: %d genes, median over %d samples", dataset, len(raw), n_samples)
    return pd.DataFrame({"gene_id": raw.index, "expression_raw": raw.to_numpy(),
                         "expression_log10": log10_expression(raw.to_numpy(), pseudocount),
                         "n_samples": n_samples})


def roadmap_log10_matrix(
    path: str | os.PathLike, exclude: Iterable[str] = ("E000",), pseudocount: float = 0.1
) -> pd.DataFrame:
    """Per-sample log10(RPKM + pseudocount) of the 56 epigenomes (Figure S1 input)."""
    matrix = roadmap_samples(read_roadmap_matrix(path), exclude)
    return log10_expression(matrix, pseudocount)


def restrict_to_analysed_genes(expression: pd.DataFrame, genes: pd.DataFrame) -> pd.DataFrame:
    """Expression rows of the genes that pass the paper's filters (results/<species>/genes.tsv:
    protein-coding, not on chrY, not histone), as in the models' data sets."""
    return expression[expression["gene_id"].isin(genes["gene_id"])].reset_index(drop=True)
