"""Benchmark: build a human-sized data set (18,000 genes x 20 kb) two ways.

  ours      xpressoflow.dataset.build_dataset: pysam fetch -> uint8 codes via a lookup table,
            streamed in blocks into a chunked gzip HDF5 data set.
  baseline  the straightforward route: per gene a string from pyfaidx, string reverse
            complement, one-hot by comparing characters, into one float32 (n, 20000, 4)
            array kept in memory and written to HDF5.

Each variant runs in its own subprocess; wall time and peak RSS (ru_maxrss of the child) are
written to bench_out/dataset_benchmark.tsv and plotted in bench_out/dataset_benchmark.png.
Inputs: the demo generator scaled up to a human-sized genome (rule demo_data with
demo.genes_per_species raised), annotated by the workflow's own rules.
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
REPO = Path(__file__).resolve().parents[1]


def demo_inputs(folder: Path, n_genes: int, seed: int = 0) -> None:
    """The demo generator scaled up, through the pipeline's own annotation and label steps.

    Simulates enough human genes that `n_genes` pass the paper's filters, runs the workflow up
    to results/human/genes.tsv and expression.tsv, and keeps the first `n_genes` kept genes.
    """
    n_simulated = int(np.ceil(n_genes / 0.85))  # ~12% are lincRNA, chrY or histone genes
    config = folder / "bench_config.yaml"
    config.write_text(f"source: demo\nseed: {seed}\ndemo:\n  genes_per_species: {n_simulated}\n")
    targets = ["results/human/genes.tsv", "results/human/expression.tsv"]
    snakemake = Path(sys.executable).parent / "snakemake"
    subprocess.run([str(snakemake), "--snakefile", str(REPO / "Snakefile"), *targets, "--cores",
                    "2", "--configfile", str(config.resolve()), "--quiet"], cwd=folder, check=True)
    genes = pd.read_csv(folder / "results/human/genes.tsv", sep="\t", dtype={"chrom": str})
    if len(genes) < n_genes:
        raise SystemExit(f"only {len(genes)} genes passed the filters; raise the simulated count")
    genes.head(n_genes).to_csv(folder / "genes.tsv", sep="\t", index=False)
    (folder / "expression.tsv").write_bytes((folder / "results/human/expression.tsv").read_bytes())
    for name in ("genome.fa", "genome.fa.fai"):
        target = folder / name
        if not target.exists():
            target.symlink_to((folder / "resources/demo/human" / name).resolve())


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
    demo_inputs(folder, args.genes)
    print(f"demo inputs built in {time.perf_counter() - t0:.0f} s", flush=True)
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
