"""Benchmark: build a human-sized data set (18,000 genes x 20 kb) two ways.

  ours      xpressoflow.dataset.build_dataset: pysam fetch -> uint8 codes via a lookup table,
            streamed in blocks into a chunked gzip HDF5 data set.
  baseline  the straightforward route: per gene a string from pyfaidx, string reverse
            complement, one-hot by comparing characters, into one float32 (n, 20000, 4)
            array kept in memory and written to HDF5.

Each variant runs in its own subprocess; wall time and peak RSS (ru_maxrss of the child) are
written to bench_out/dataset_benchmark.tsv and plotted in bench_out/dataset_benchmark.png.
Run: .venv/bin/python bench/bench_dataset.py [--genes 18000] [--flank-bp 10000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path("bench_out")


def synthesise_inputs(folder: Path, n_genes: int, flank_bp: int, seed: int = 0) -> None:
    """Random genome (chromosomes of ~50 Mb), genes.tsv and expression.tsv."""
    from xpressoflow.annotation import HALF_LIFE_FEATURES

    rng = np.random.default_rng(seed)
    chrom_bp = 60 * 833_333  # ~50 Mb in whole 60-base FASTA lines
    n_chroms = max(1, int(np.ceil(n_genes * 2.2 * flank_bp / chrom_bp)))
    lut = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(folder / "genome.fa", "wb") as handle:
        for c in range(n_chroms):
            seq = lut[rng.integers(0, 4, chrom_bp, dtype=np.uint8)]
            newlines = np.full((chrom_bp // 60, 1), ord("\n"), np.uint8)
            handle.write(f">{c + 1}\n".encode())
            handle.write(np.hstack([seq.reshape(-1, 60), newlines]).tobytes())
    chrom = rng.integers(1, n_chroms + 1, n_genes).astype(str)
    genes = pd.DataFrame({
        "gene_id": [f"ENSG{i:011d}" for i in range(n_genes)], "chrom": chrom,
        "strand": rng.choice(["+", "-"], n_genes),
        "tss": rng.integers(-flank_bp // 2, chrom_bp + flank_bp // 2, n_genes)})
    for name in HALF_LIFE_FEATURES:
        genes[name] = rng.normal(size=n_genes)
    genes.to_csv(folder / "genes.tsv", sep="\t", index=False)
    pd.DataFrame({"gene_id": genes["gene_id"], "expression_log10": rng.normal(size=n_genes)}
                 ).to_csv(folder / "expression.tsv", sep="\t", index=False)


def run_ours(folder: Path, flank_bp: int) -> None:
    from xpressoflow.dataset import SplitConfig, build_dataset

    build_dataset(folder / "genes.tsv", folder / "expression.tsv", folder / "genome.fa",
                  folder / "ours.h5", flank_bp, SplitConfig())


def run_baseline(folder: Path, flank_bp: int) -> None:
    import h5py
    import pyfaidx

    genes = pd.read_csv(folder / "genes.tsv", sep="\t", dtype={"chrom": str})
    genome = pyfaidx.Fasta(str(folder / "genome.fa"), sequence_always_upper=True)
    width = 2 * flank_bp
    one_hot = np.zeros((len(genes), width, 4), dtype=np.float32)
    complement = str.maketrans("ACGTN", "TGCAN")
    bases = np.array(list("ACGT"))
    for i, gene in enumerate(genes.itertuples()):
        length = len(genome[gene.chrom])
        start, end = gene.tss - flank_bp, gene.tss + flank_bp
        seq = ("N" * max(0, -start) + str(genome[gene.chrom][max(start, 0) : min(end, length)])
               + "N" * max(0, end - length))
        if gene.strand == "-":
            seq = seq.translate(complement)[::-1]
        one_hot[i] = (np.array(list(seq))[:, None] == bases).astype(np.float32)
    with h5py.File(folder / "baseline.h5", "w") as h5:
        h5["promoter_one_hot"] = one_hot


def child(variant: str, folder: Path, flank_bp: int) -> None:
    start = time.perf_counter()
    {"ours": run_ours, "baseline": run_baseline}[variant](folder, flank_bp)
    wall_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"variant": variant, "wall_s": wall_s, "peak_rss_mb": peak_mb}))


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    for ax, column, label in [(axes[0], "wall_s", "wall time (s)"),
                              (axes[1], "peak_rss_mb", "peak RSS (MB)")]:
        ax.bar(table["variant"], table[column], color=["tab:blue", "tab:grey"])
        ax.set_ylabel(label)
        for x, value in enumerate(table[column]):
            ax.text(x, value, f"{value:.0f}", ha="center", va="bottom")
    fig.suptitle(f"{table['n_genes'].iloc[0]:,} genes x {table['window_bp'].iloc[0]:,} bp")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--genes", type=int, default=18000)
    parser.add_argument("--flank-bp", type=int, default=10000)
    parser.add_argument("--workdir", default="bench_out/dataset_inputs")
    parser.add_argument("--child", choices=["ours", "baseline"])
    args = parser.parse_args()
    folder = Path(args.workdir)
    if args.child:
        child(args.child, folder, args.flank_bp)
        return
    folder.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    synthesise_inputs(folder, args.genes, args.flank_bp)
    print(f"inputs synthesised in {time.perf_counter() - t0:.0f} s", flush=True)
    rows = []
    for variant in ("ours", "baseline"):
        done = subprocess.run([sys.executable, __file__, "--child", variant, "--genes",
                               str(args.genes), "--flank-bp", str(args.flank_bp),
                               "--workdir", str(folder)], capture_output=True, text=True,
                              check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).assign(n_genes=args.genes, window_bp=2 * args.flank_bp)
    ours, base = table.set_index("variant").loc["ours"], table.set_index("variant").loc["baseline"]
    table["speedup_vs_baseline"] = base["wall_s"] / table["wall_s"]
    table["memory_fraction_of_baseline"] = table["peak_rss_mb"] / base["peak_rss_mb"]
    table.to_csv(OUT / "dataset_benchmark.tsv", sep="\t", index=False, float_format="%.3f")
    plot(table, OUT / "dataset_benchmark.png")
    print(table.to_string(index=False))
    print(f"speed-up {base['wall_s'] / ours['wall_s']:.1f}x, memory "
          f"{ours['peak_rss_mb'] / base['peak_rss_mb']:.2f} of baseline")


if __name__ == "__main__":
    main()
