"""Model-ready data sets: labels + half-life features + promoter codes in one HDF5 file.

HDF5 layout (layout_version 1), genes in gene_id order:
  /gene_id                 (n,) str
  /promoter_codes          (n, window_bp) uint8, A=0 C=1 G=2 T=3 N=4, chunked + gzip;
                           upstream first (gene strand); TSS base at index attrs["tss_index"]
                           (= flank_bp) on plus-strand genes, flank_bp - 1 on minus-strand
                           genes (authors' symmetric-BED convention, sequence.window_bounds)
  /half_life_features      (n, k) float32 raw values (lengths log10(bp + 0.1)); attrs["names"]
  /expression_log10        (n,) float64 raw labels, log10(expression + 0.1)
  /splits/<name>/role      (n,) int8: 0 = training, 1 = validation, 2 = test
  /splits/<name>/{feature_mean, feature_std, label_mean, label_std}
                           z-score parameters fitted on that split's TRAINING genes only
  splits: "holdout" (the paper's random 1,000 validation + 1,000 test genes) and
          "fold_00".."fold_09" (10-fold cross-validation: 1/10 test, validation from the rest).

Small data sets: when n < small_dataset_genes (default 15,000) the validation and test sets
are small_dataset_fraction (default 10%) of the genes each instead of 1,000, so e.g. a
2,500-gene demo keeps 80% for training as the paper's 18,377-gene human set roughly does.
"""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import dataclass

import h5py
import numpy as np
import pandas as pd

from xpressoflow.annotation import HALF_LIFE_FEATURES
from xpressoflow.bed import read_bed6
from xpressoflow.errors import DatasetError, InputFormatError
from xpressoflow.expression import log10_expression
from xpressoflow.io import atomic_path
from xpressoflow.sequence import (
    chromosome_name_map,
    iter_promoter_codes,
    open_genome,
    read_fasta_codes,
)

log = logging.getLogger(__name__)

TRAIN, VALID, TEST = 0, 1, 2
LAYOUT_VERSION = 1
CODES_CHUNK_GENES = 64


@dataclass(frozen=True)
class SplitConfig:
    """Split sizes (config block `splits:`)."""

    n_valid: int = 1000
    n_test: int = 1000
    n_folds: int = 10
    small_dataset_genes: int = 15000
    small_dataset_fraction: float = 0.1
    seed: int = 20200101


def split_sizes(n_genes: int, config: SplitConfig) -> tuple[int, int]:
    """(n_valid, n_test): the configured counts, or a fraction of each for small data sets."""
    if n_genes < config.small_dataset_genes:
        size = max(1, round(config.small_dataset_fraction * n_genes))
        return size, size
    return config.n_valid, config.n_test


def holdout_split(n_genes: int, config: SplitConfig) -> np.ndarray:
    """Roles for the paper's random training / validation / test partition."""
    n_valid, n_test = split_sizes(n_genes, config)
    if n_valid + n_test >= n_genes:
        raise DatasetError(f"{n_genes} genes cannot hold {n_valid} validation + {n_test} test")
    order = np.random.default_rng(config.seed).permutation(n_genes)
    role = np.full(n_genes, TRAIN, dtype=np.int8)
    role[order[:n_valid]] = VALID
    role[order[n_valid : n_valid + n_test]] = TEST
    return role


def cross_validation_folds(n_genes: int, config: SplitConfig) -> list[np.ndarray]:
    """Roles per fold: genes dealt into n_folds equal bins; fold k tests bin k, validates on
    n_valid genes of the other bins, trains on the rest. Every gene is tested exactly once."""
    n_valid, _ = split_sizes(n_genes, config)
    order = np.random.default_rng(config.seed + 1).permutation(n_genes)
    test_bin = np.empty(n_genes, dtype=np.int64)
    test_bin[order] = np.arange(n_genes) % config.n_folds
    folds = []
    for fold in range(config.n_folds):
        role = np.full(n_genes, TRAIN, dtype=np.int8)
        role[test_bin == fold] = TEST
        others = order[test_bin[order] != fold]  # random order, test genes left out
        role[others[:n_valid]] = VALID
        folds.append(role)
    return folds


def fit_zscore(values: np.ndarray, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (ddof 0) over training rows only; std 0 becomes 1 (constant columns)."""
    mean = values[train].mean(axis=0)
    std = values[train].std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def write_dataset(
    path: str | os.PathLike,
    gene_ids: list[str],
    code_blocks,
    window_bp: int,
    features: np.ndarray,
    feature_names: list[str],
    labels_log10: np.ndarray,
    split_config: SplitConfig,
    attrs: dict | None = None,
) -> None:
    """Write the HDF5 layout above; code_blocks yields (block, window_bp) uint8 arrays."""
    n = len(gene_ids)
    splits = {"holdout": holdout_split(n, split_config)}
    for fold, role in enumerate(cross_validation_folds(n, split_config)):
        splits[f"fold_{fold:02d}"] = role
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs.update({"layout_version": LAYOUT_VERSION, "window_bp": window_bp,
                         "base_codes": "A=0,C=1,G=2,T=3,N=4", "one_hot_order": "ACGT",
                         **(attrs or {})})
        h5.create_dataset("gene_id", data=np.array(gene_ids, dtype=object),
                          dtype=h5py.string_dtype())
        codes = h5.create_dataset("promoter_codes", shape=(n, window_bp), dtype=np.uint8,
                                  chunks=(max(1, min(n, CODES_CHUNK_GENES)), window_bp),
                                  compression="gzip", compression_opts=1)
        row = 0
        for block in code_blocks:
            codes[row : row + len(block)] = block
            row += len(block)
        if row != n:
            raise DatasetError(f"{row} promoter sequences for {n} genes")
        h5.create_dataset("half_life_features", data=features.astype(np.float32))
        h5["half_life_features"].attrs["names"] = list(feature_names)
        h5.create_dataset("expression_log10", data=labels_log10.astype(np.float64))
        for name, role in splits.items():
            group = h5.create_group(f"splits/{name}")
            group.create_dataset("role", data=role)
            train = role == TRAIN
            group["feature_mean"], group["feature_std"] = fit_zscore(features, train)
            label_mean, label_std = fit_zscore(labels_log10[:, None], train)
            group["label_mean"], group["label_std"] = label_mean[0], label_std[0]


def load_split(path: str | os.PathLike, split: str = "holdout") -> dict:
    """Arrays of one split: {"train"|"valid"|"test": {gene_id, codes, features_z, labels_z}}.

    Codes stay uint8; expand batches with sequence.one_hot. Map predictions back with
    `labels_to_log10`.
    """
    out = {}
    with h5py.File(path, "r") as h5:
        group = h5[f"splits/{split}"]
        role = group["role"][:]
        f_mean, f_std = group["feature_mean"][:], group["feature_std"][:]
        l_mean, l_std = float(group["label_mean"][()]), float(group["label_std"][()])
        gene_ids = h5["gene_id"].asstr()[:]
        codes = h5["promoter_codes"][:]  # one read: h5py fancy indexing row by row is slow
        features = h5["half_life_features"][:]
        labels = h5["expression_log10"][:]
        for name, value in [("train", TRAIN), ("valid", VALID), ("test", TEST)]:
            rows = np.flatnonzero(role == value)
            out[name] = {
                "gene_id": gene_ids[rows],
                "codes": codes[rows],
                "features_z": ((features[rows] - f_mean) / f_std).astype(
                    np.float32),
                "labels_z": (labels[rows] - l_mean) / l_std,
            }
    out["label_mean"], out["label_std"] = l_mean, l_std
    return out


def read_split_labels(path: str | os.PathLike, split: str = "holdout") -> pd.DataFrame:
    """gene_id, role (TRAIN/VALID/TEST) and expression_log10 of one split, without the
    promoter codes (for checks that need the genes and labels only)."""
    with h5py.File(path, "r") as h5:
        return pd.DataFrame({
            "gene_id": h5["gene_id"].asstr()[:],
            "role": h5[f"splits/{split}/role"][:],
            "expression_log10": h5["expression_log10"][:],
        })


def labels_to_log10(labels_z: np.ndarray, split_arrays: dict) -> np.ndarray:
    """z-scored predictions -> log10(expression + 0.1) with the split's training statistics."""
    return np.asarray(labels_z) * split_arrays["label_std"] + split_arrays["label_mean"]


def join_labels_and_genes(
    genes: pd.DataFrame, labels: pd.DataFrame, annotation_excluded: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inner join on gene_id; every gene lost on either side gets an exclusion reason."""
    for table, what in [(genes, "genes"), (labels, "labels")]:
        dup = table["gene_id"][table["gene_id"].duplicated()]
        if not dup.empty:
            raise DatasetError(f"duplicate gene id {dup.iloc[0]!r} in the {what} table")
    labelled = labels.dropna(subset=["expression_log10"])
    joined = genes.merge(labelled[["gene_id", "expression_log10"]], on="gene_id")
    joined = joined.sort_values("gene_id").reset_index(drop=True)
    prior = (annotation_excluded.set_index("gene_id")["reason"].astype(object)
             if annotation_excluded is not None else pd.Series(dtype=object))
    no_label = genes.loc[~genes["gene_id"].isin(labelled["gene_id"]), "gene_id"]
    nan_label = labels.loc[labels["expression_log10"].isna(), "gene_id"]
    no_gene = labels.loc[~labels["gene_id"].isin(genes["gene_id"]), "gene_id"]
    excluded = pd.concat([
        pd.DataFrame({"gene_id": no_label, "reason": "no expression value"}),
        pd.DataFrame({"gene_id": nan_label, "reason": "expression value missing (NA)"}),
        pd.DataFrame({"gene_id": no_gene,
                      "reason": no_gene.map(prior).astype(object).fillna(
                          "not in the gene annotation")}),
    ], ignore_index=True).drop_duplicates("gene_id", keep="first")
    return joined, excluded


def build_dataset(
    genes_path: str | os.PathLike,
    expression_path: str | os.PathLike,
    genome_path: str | os.PathLike,
    out_path: str | os.PathLike,
    flank_bp: int,
    split_config: SplitConfig,
    excluded_genes_path: str | os.PathLike | None = None,
    attrs: dict | None = None,
) -> pd.DataFrame:
    """genes.tsv + expression.tsv + genome -> dataset.h5; returns the genes left out."""
    genes = pd.read_csv(genes_path, sep="\t", dtype={"gene_id": str, "chrom": str})
    labels = pd.read_csv(expression_path, sep="\t", dtype={"gene_id": str})
    for table, path, columns in [(genes, genes_path, ["gene_id", "chrom", "strand", "tss",
                                                      *HALF_LIFE_FEATURES]),
                                 (labels, expression_path, ["gene_id", "expression_log10"])]:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputFormatError(path, 1, f"missing columns {missing}")
    prior = (pd.read_csv(excluded_genes_path, sep="\t", dtype=str)
             if excluded_genes_path else None)
    names = chromosome_name_map(genes["chrom"], open_genome(genome_path).references)
    off_genome = ~genes["chrom"].isin(names)
    excluded_chrom = pd.DataFrame({"gene_id": genes.loc[off_genome, "gene_id"],
                                   "reason": "chromosome " + genes.loc[off_genome, "chrom"]
                                   + " not in the genome"})
    joined, excluded = join_labels_and_genes(genes[~off_genome], labels, prior)
    excluded = pd.concat([excluded_chrom, excluded], ignore_index=True)
    blocks = iter_promoter_codes(genome_path, joined[["chrom", "tss", "strand"]], flank_bp)
    write_dataset(out_path, joined["gene_id"].tolist(), blocks, 2 * flank_bp,
                  joined[HALF_LIFE_FEATURES].to_numpy(float), HALF_LIFE_FEATURES,
                  joined["expression_log10"].to_numpy(float), split_config,
                  {"tss_index": flank_bp, "flank_bp": flank_bp, **(attrs or {})})
    log.info("%d genes in the data set, %d left out", len(joined), len(excluded))
    return excluded


def read_bed_windows(path: str | os.PathLike) -> pd.DataFrame:
    """BED6 promoter windows (name = gene id) -> chrom, start, end, gene_id, strand."""
    bed = read_bed6(path).rename(columns={"name": "gene_id"})
    return bed[["chrom", "start", "end", "gene_id", "strand"]]


def user_promoter_codes(promoters_fasta=None, promoters_bed=None, genome=None):
    """(gene_ids, codes) from a promoter FASTA, or from BED6 windows cut from a genome."""
    if promoters_fasta:
        return read_fasta_codes(promoters_fasta)
    if not (promoters_bed and genome):
        raise DatasetError("give a promoter FASTA, or a promoter BED plus a genome FASTA")
    bed = read_bed_windows(promoters_bed)
    widths = (bed["end"] - bed["start"]).unique()
    if len(widths) != 1:
        raise InputFormatError(promoters_bed, None, f"windows differ in length: {widths[:5]}")
    half = int(widths[0]) // 2
    if int(widths[0]) % 2:
        raise InputFormatError(promoters_bed, None, "window length must be even")
    # window_bounds cuts [tss - half, tss + half) on both strands; invert it.
    table = bed.assign(tss=bed["start"] + half)
    codes = np.concatenate(list(iter_promoter_codes(genome, table, half)))
    return bed["gene_id"].tolist(), codes


def build_user_dataset(
    labels_path: str | os.PathLike,
    out_path: str | os.PathLike,
    promoters_fasta: str | os.PathLike | None = None,
    promoters_bed: str | os.PathLike | None = None,
    genome: str | os.PathLike | None = None,
    half_lives_path: str | os.PathLike | None = None,
    split_config: SplitConfig | None = None,
    pseudocount: float = 0.1,
) -> pd.DataFrame:
    """Bring your own data: promoters + labels (+ half-life features) -> dataset.h5.

    labels: TSV with gene_id and expression_log10 (used as is) or expression (log10(x + 0.1)).
    half lives: TSV with gene_id and numeric feature columns (all used, in file order).
    """
    gene_ids, codes = user_promoter_codes(promoters_fasta, promoters_bed, genome)
    labels = pd.read_csv(labels_path, sep="\t", dtype={"gene_id": str})
    if "expression_log10" not in labels.columns:
        if "expression" not in labels.columns:
            raise InputFormatError(labels_path, 1,
                                   "need a gene_id column and expression or expression_log10")
        labels["expression_log10"] = log10_expression(labels["expression"], pseudocount)
    genes = pd.DataFrame({"gene_id": gene_ids, "row": np.arange(len(gene_ids))})
    feature_names: list[str] = []
    if half_lives_path:
        half_lives = pd.read_csv(half_lives_path, sep="\t", dtype={"gene_id": str})
        feature_names = [c for c in half_lives.columns if c != "gene_id"]
        genes = genes.merge(half_lives, on="gene_id", how="left")
        lacking = genes[feature_names].isna().any(axis=1)
        genes_excluded = pd.DataFrame({"gene_id": genes.loc[lacking, "gene_id"],
                                       "reason": "no half-life features"})
        genes = genes[~lacking]
    else:
        genes_excluded = pd.DataFrame(columns=["gene_id", "reason"])
    joined, excluded = join_labels_and_genes(genes, labels)
    excluded = excluded[~excluded["gene_id"].isin(genes_excluded["gene_id"])]
    rows = joined["row"].to_numpy()
    write_dataset(out_path, joined["gene_id"].tolist(), [codes[rows]], codes.shape[1],
                  joined[feature_names].to_numpy(float).reshape(len(joined), -1),
                  feature_names, joined["expression_log10"].to_numpy(float),
                  split_config or SplitConfig(), {"tss_index": codes.shape[1] // 2,
                                                  "dataset": "user"})
    return pd.concat([genes_excluded, excluded], ignore_index=True)


def add_build_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the bring-your-own-data command (here and `xpressoflow build-dataset`)."""
    parser.add_argument("--labels", required=True,
                        help="TSV: gene_id and expression_log10 (or expression, raw)")
    parser.add_argument("--fasta", help="promoter FASTA, one record per gene, equal lengths")
    parser.add_argument("--bed", help="promoter windows (BED6, name = gene_id)")
    parser.add_argument("--genome", help="genome FASTA for --bed")
    parser.add_argument("--half-lives", help="TSV: gene_id and numeric half-life features")
    parser.add_argument("--out", required=True, help="output dataset.h5")
    parser.add_argument("--excluded", help="TSV of genes left out (default: beside --out)")
    parser.add_argument("--seed", type=int, default=SplitConfig.seed)


def run_build_dataset(args: argparse.Namespace) -> None:
    excluded = build_user_dataset(args.labels, args.out, args.fasta, args.bed, args.genome,
                                  args.half_lives, SplitConfig(seed=args.seed))
    excluded_path = args.excluded or os.path.splitext(args.out)[0] + "_excluded.tsv"
    excluded.to_csv(excluded_path, sep="\t", index=False)


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m xpressoflow.dataset --labels L.tsv (--fasta P.fa | --bed P.bed --genome G.fa)
    [--half-lives H.tsv] --out dataset.h5"""
    parser = argparse.ArgumentParser(description=main.__doc__)
    add_build_dataset_arguments(parser)
    run_build_dataset(parser.parse_args(argv))


if __name__ == "__main__":
    main()
