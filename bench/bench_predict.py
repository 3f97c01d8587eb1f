"""Benchmark: prediction throughput of the CLI path vs a naive baseline.

Model: the published human Xpresso model (/work/shared/reference/xpresso/
human_trainepoch.11-0.426.h5) if present, else build_model(PAPER_BEST, 6) with random weights
(same shapes and cost). Inputs are synthetic: a FASTA of --sequences random 10.5 kb promoters
and the same number of 10.5 kb BED6 windows (both strands) on a random genome.

  ours_fasta   xpressoflow.predict.score_fasta: pysam reads records in batches of 256,
               codes via a lookup table, one-hot per batch, predict_on_batch.
  naive_fasta  the straightforward route: FASTA parsed in Python, per sequence a string
               one-hot (np.array(list(seq)) == "ACGT"), one float32 (n, 10500, 4) array,
               model.predict on the whole array (Keras' default batch size, 32).
  ours_bed     xpressoflow.predict.score_bed on BED windows + genome FASTA.
  naive_bed    pyfaidx string per window, string reverse complement on '-', string one-hot,
               one array, model.predict.

Each variant runs in its own subprocess; the model load is timed apart from the scoring
(sequences/s excludes it); sequences per CPU-second of the child (all threads) is reported
too, as the cores are shared with other work. Predictions of each variant are compared with
ours_fasta's (max |difference|) as a sanity check.
Results: bench_out/predict_benchmark.tsv and .png.
Run: .venv/bin/python bench/bench_predict.py [--sequences 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path("bench_out")
PUBLISHED_MODEL = Path("/work/shared/reference/xpresso/human_trainepoch.11-0.426.h5")
WINDOW_BP = 10500
VARIANTS = ("ours_fasta", "naive_fasta", "ours_bed", "naive_bed")


def synthesise_inputs(folder: Path, n_sequences: int, seed: int = 0) -> None:
    """promoters.fa (n x 10.5 kb), genome.fa (random chromosomes) and windows.bed."""
    import pysam

    rng = np.random.default_rng(seed)
    lut = np.frombuffer(b"ACGT", dtype=np.uint8)

    def write_record(handle, name: str, seq: np.ndarray) -> None:
        lines = len(seq) // 60 * 60
        body = np.hstack([seq[:lines].reshape(-1, 60),
                          np.full((lines // 60, 1), ord("\n"), np.uint8)]).tobytes()
        tail = seq[lines:].tobytes() + b"\n" if len(seq) > lines else b""
        handle.write(f">{name}\n".encode() + body + tail)

    with open(folder / "promoters.fa", "wb") as handle:
        for i in range(n_sequences):
            write_record(handle, f"seq{i}", lut[rng.integers(0, 4, WINDOW_BP, dtype=np.uint8)])
    chrom_bp, n_chroms = 5_000_040, 4
    with open(folder / "genome.fa", "wb") as handle:
        for c in range(n_chroms):
            write_record(handle, f"chr{c + 1}", lut[rng.integers(0, 4, chrom_bp, np.uint8)])
    pysam.faidx(str(folder / "genome.fa"))
    starts = rng.integers(0, chrom_bp - WINDOW_BP, n_sequences)
    bed = pd.DataFrame({"chrom": [f"chr{c}" for c in rng.integers(1, n_chroms + 1, n_sequences)],
                        "start": starts, "end": starts + WINDOW_BP,
                        "name": [f"win{i}" for i in range(n_sequences)], "score": 0,
                        "strand": rng.choice(["+", "-"], n_sequences)})
    bed.to_csv(folder / "windows.bed", sep="\t", header=False, index=False)


def naive_one_hot(seq: str) -> np.ndarray:
    return (np.array(list(seq.upper()))[:, None] == np.array(list("ACGT"))).astype(np.float32)


def naive_predict(model, one_hots: list[np.ndarray]) -> np.ndarray:
    promoter = np.stack(one_hots)
    n_half_life = next(int(t.shape[1]) for t in model.inputs if len(t.shape) == 2)
    inputs = {"promoter": promoter,
              "half_life": np.zeros((len(promoter), n_half_life), np.float32)}
    order = ["promoter" if len(t.shape) == 3 else "half_life" for t in model.inputs]
    return np.asarray(model.predict([inputs[name] for name in order], verbose=0)).reshape(-1)


def run_naive_fasta(model, folder: Path) -> np.ndarray:
    one_hots, seq = [], []
    with open(folder / "promoters.fa") as handle:
        for line in handle:
            if line.startswith(">"):
                if seq:
                    one_hots.append(naive_one_hot("".join(seq)))
                seq = []
            else:
                seq.append(line.strip())
    if seq:
        one_hots.append(naive_one_hot("".join(seq)))
    return naive_predict(model, one_hots)


def run_naive_bed(model, folder: Path) -> np.ndarray:
    import pyfaidx

    genome = pyfaidx.Fasta(str(folder / "genome.fa"))
    complement = str.maketrans("ACGTNacgtn", "TGCANtgcan")
    one_hots = []
    with open(folder / "windows.bed") as handle:
        for line in handle:
            chrom, start, end, _name, _score, strand = line.rstrip("\n").split("\t")
            seq = str(genome[chrom][int(start) : int(end)])
            if strand == "-":
                seq = seq.translate(complement)[::-1]
            one_hots.append(naive_one_hot(seq))
    return naive_predict(model, one_hots)


def child(variant: str, folder: Path, model_path: str) -> None:
    from xpressoflow.predict import load_model, score_bed, score_fasta

    started = time.perf_counter()
    if model_path:
        model = load_model(model_path)
    else:
        from xpressoflow.model import PAPER_BEST, build_model

        model = build_model(PAPER_BEST, 6)
    load_s = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    if variant == "ours_fasta":
        values = score_fasta(model, folder / "promoters.fa")["prediction"].to_numpy()
    elif variant == "ours_bed":
        values = score_bed(model, folder / "windows.bed", folder / "genome.fa")[
            "prediction"].to_numpy()
    elif variant == "naive_fasta":
        values = run_naive_fasta(model, folder)
    else:
        values = run_naive_bed(model, folder)
    score_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    np.save(folder / f"{variant}.npy", values)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"variant": variant, "sequences": len(values),
                                  "model_load_s": load_s, "score_s": score_s,
                                  "sequences_per_s": len(values) / score_s,
                                  "sequences_per_cpu_s": len(values) / cpu_s,
                                  "peak_rss_mb": peak_mb,
                                  "load_average_1min": os.getloadavg()[0]}))


def plot(table: pd.DataFrame, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
    colours = ["tab:grey" if v.startswith("naive") else "tab:blue" for v in table["variant"]]
    for ax, column, label, fmt in [(axes[0], "sequences_per_s", "sequences/s (load excluded)",
                                    "{:.0f}"),
                                   (axes[1], "peak_rss_mb", "peak RSS (MB)", "{:.0f}")]:
        ax.bar(range(len(table)), table[column], color=colours)
        ax.set_xticks(range(len(table)), table["variant"], rotation=25, ha="right")
        ax.set_ylabel(label)
        for x, value in enumerate(table[column]):
            ax.text(x, value, fmt.format(value), ha="center", va="bottom", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sequences", type=int, default=4000)
    parser.add_argument("--model", default=str(PUBLISHED_MODEL) if PUBLISHED_MODEL.exists()
                        else "", help="Keras model file ('' builds PAPER_BEST, random weights)")
    parser.add_argument("--workdir", default="bench_out/predict_inputs")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--child")
    args = parser.parse_args()
    folder = Path(args.workdir)
    if args.child:
        child(args.child, folder, args.model)
        return
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    synthesise_inputs(folder, args.sequences)
    print(f"inputs synthesised in {time.perf_counter() - started:.0f} s", flush=True)
    rows = []
    for variant in args.variants.split(","):
        done = subprocess.run([sys.executable, __file__, "--child", variant, "--workdir",
                               str(folder), "--model", args.model], capture_output=True,
                              text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            raise RuntimeError(f"{variant} failed with exit code {done.returncode}")
        line = next(x for x in done.stdout.splitlines()[::-1] if x.startswith("RESULT "))
        rows.append(json.loads(line[len("RESULT "):]))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["model"] = Path(args.model).name if args.model else "PAPER_BEST (random weights)"
    table["window_bp"] = WINDOW_BP
    reference = {"fasta": np.load(folder / "ours_fasta.npy")} if "ours_fasta" in set(
        table["variant"]) else {}
    if "ours_bed" in set(table["variant"]):
        reference["bed"] = np.load(folder / "ours_bed.npy")
    table["max_abs_diff_vs_ours"] = [
        float(np.max(np.abs(np.load(folder / f"{v}.npy") - reference[v.split("_")[1]])))
        if v.split("_")[1] in reference else np.nan for v in table["variant"]]
    for kind in ("fasta", "bed"):
        naive = table.loc[table["variant"] == f"naive_{kind}", "sequences_per_s"]
        rows_of_kind = table["variant"].str.endswith(kind)
        if len(naive):
            table.loc[rows_of_kind, "speedup_vs_naive"] = (
                table.loc[rows_of_kind, "sequences_per_s"] / naive.iloc[0])
    OUT.mkdir(exist_ok=True)
    table.to_csv(OUT / "predict_benchmark.tsv", sep="\t", index=False, float_format="%.4g")
    plot(table, OUT / "predict_benchmark.png",
         f"{args.sequences:,} sequences x {WINDOW_BP:,} bp, {table['model'].iloc[0]}")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    print(f"total {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
