"""Benchmark: training throughput and peak memory of our input pipeline vs a plain port.

Same architecture (model.PAPER_BEST, 10.5 kb window, 8 half-life features), same synthetic
data (random base codes from NumPy, seed 0), each variant in its own subprocess:

  plain_port     the authors' approach: the whole float32 one-hot array (n, 10500, 4) in
                 memory and `model.fit(x, y, batch_size=128)` (Keras' array adapter, shuffle).
  ours           xpressoflow.training.train_model on uint8 codes (tf.data gathers a batch of
                 codes and expands it with tf.one_hot), library defaults (op determinism on,
                 first conv block trained as xpressoflow.fused.OneHotConvPool).
  ours_unfused   the same with fused_first_block=False (the plain Keras Conv1D + MaxPooling1D).
  ours_nondet    the same with deterministic=False.
  ours_threads2  the same with threads=2 (what a Snakemake job with threads: 2 passes).
  pipe_gather    bench copy of make_dataset whose one-hot is a gather from a (5, 4) float
                 table instead of tf.one_hot; trained with model.fit as train_model does.
  pipe_serial    bench copy of make_dataset without parallel map and without prefetch.
  ours_batch256  train_model with batch_size 256 (changes the optimisation, not only speed).
  ours_onednn_off  train_model with TF_ENABLE_ONEDNN_OPTS=0 (TensorFlow's own CPU kernels).
  ours_bf16      train_model under keras.mixed_precision 'mixed_bfloat16' (this CPU has
                 AVX512-BF16/AMX; the output layer stays bfloat16 here: a speed probe only).
  compute_only   model.train_on_batch on one fixed, pre-built batch: the model's own speed,
                 an upper bound for any input pipeline.
  compute_fused  the same for the model with the fused first block.
  input_only     the input pipelines alone, no model (ours, pipe_gather, Keras' array
                 adapter over the float32 array of the plain port), one row each.

Throughput: genes/s of the training steps (validation excluded) over --epochs epochs after one
warm-up epoch, on a subset of --train-genes genes (a whole number of batches keeps every step
the same size). The cores are shared with other work, so wall-clock genes/s drifts with the
load; genes per CPU-second of the child (time.process_time, all its threads) is reported too
and drifts much less, and plain_port and ours run twice (first and last; medians reported).
Peak RSS (ru_maxrss of the child): plain_port and ours with all --genes genes of --stored-bp
codes loaded the way each variant loads them (plain port: float32 one-hot of the 10.5 kb
window; ours: uint8 codes of the stored window, split 80/10/10 into train/valid/test),
training for --rss-steps steps (then ours validates, as train_model does); model_floor is the
same training steps on one pre-built batch with no data set.

Results: bench_out/training_benchmark.tsv and bench_out/training_benchmark.png.
Run: .venv/bin/python bench/bench_training.py [--train-genes 640] [--epochs 3] [--genes 18000]
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
N_FEATURES = 8
# plain_port and ours run first and again last: the median of the two damps drift in the load
# of a shared machine.
THROUGHPUT_VARIANTS = ("plain_port", "ours", "ours_unfused", "ours_nondet", "compute_only",
                       "compute_fused", "ours", "plain_port")
# Knobs measured in earlier runs (docs/performance.md), runnable with --variants.
OTHER_VARIANTS = ("ours_threads2", "pipe_gather", "pipe_serial", "ours_batch256",
                  "ours_onednn_off", "ours_bf16")
# model_floor: the same training steps on one pre-built batch and no data set, i.e. what
# TensorFlow and the model's activations/gradients take at batch 128 whatever the data.
RSS_VARIANTS = ("plain_port", "ours", "model_floor")
ONE_HOT_TABLE = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])


# --------------------------------------------------------------------------- data


def synthetic_codes(n_genes: int, stored_bp: int, seed: int = 0) -> np.ndarray:
    """(n, stored_bp) uint8 codes, uniform A/C/G/T with ~0.1% N; no int64 intermediate."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n_genes, stored_bp), dtype=np.uint8)
    codes.reshape(-1)[rng.integers(0, codes.size, size=codes.size // 1000)] = 4
    return codes


def synthetic_tables(n_genes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    return (rng.normal(size=(n_genes, N_FEATURES)).astype(np.float32),
            rng.normal(size=n_genes).astype(np.float32))


def paper_window_slice(stored_bp: int) -> slice:
    from xpressoflow.model import PAPER_BEST

    flank = stored_bp // 2
    return slice(flank + PAPER_BEST["upstream_bp"], flank + PAPER_BEST["downstream_bp"])


def plain_one_hot(codes: np.ndarray, stored_bp: int, block: int = 500) -> np.ndarray:
    """The plain port's input: float32 one-hot of the paper window, built block by block
    (as if read from the authors' HDF5), so only the (n, 10500, 4) array itself is large."""
    window = paper_window_slice(stored_bp)
    out = np.empty((len(codes), window.stop - window.start, 4), dtype=np.float32)
    for first in range(0, len(codes), block):
        out[first : first + block] = ONE_HOT_TABLE[codes[first : first + block, window]]
    return out


def training_data(codes: np.ndarray, features: np.ndarray, labels: np.ndarray,
                  stored_bp: int, valid_genes: int, test_genes: int = 0):
    """TrainingData over row ranges of one array (views, as if load_split had read them)."""
    from xpressoflow.training import SplitArrays, TrainingData

    n_train = len(codes) - valid_genes - test_genes

    def part(rows: slice) -> SplitArrays:
        return SplitArrays(codes[rows], features[rows], labels[rows],
                           np.arange(len(codes))[rows].astype(str))

    train = part(slice(0, n_train))
    valid = part(slice(n_train, n_train + valid_genes))
    test = part(slice(n_train + valid_genes, None)) if test_genes else None
    return TrainingData(train=train, valid=valid, test=test, flank_bp=stored_bp // 2)


# --------------------------------------------------------------------------- Keras helpers


def callbacks_module():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Seconds of the training steps of each epoch (epoch begin to last batch end), so
        the validation pass that follows is not counted."""

        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []
            self.batches: list[int] = []

            self.cpu_seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start, self._count = time.perf_counter(), 0
            self._cpu_start = time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            self._count += 1
            self._last, self._cpu_last = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(self._last - self._start)
            self.cpu_seconds.append(self._cpu_last - self._cpu_start)
            self.batches.append(self._count)

    class StopAfter(keras.callbacks.Callback):
        def __init__(self, steps: int):
            super().__init__()
            self.steps = steps

        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 >= self.steps:
                self.model.stop_training = True

    return EpochTimer, StopAfter


def bench_dataset(codes, features, labels, stored_bp, batch_size, *, one_hot="tf_one_hot",
                  parallel=True, seed=0):
    """A copy of training.make_dataset with the knobs this benchmark turns."""
    import tensorflow as tf

    window = paper_window_slice(stored_bp)
    with tf.device("/CPU:0"):
        code_tensor = tf.constant(np.ascontiguousarray(codes[:, window]))
        feature_tensor = tf.constant(features)
        label_tensor = tf.constant(labels)
        table = tf.constant(ONE_HOT_TABLE)

    def gather_batch(indices):
        batch_codes = tf.gather(code_tensor, indices)
        if one_hot == "tf_one_hot":
            promoter = tf.one_hot(tf.cast(batch_codes, tf.int32), depth=4, dtype=tf.float32)
        else:
            promoter = tf.gather(table, tf.cast(batch_codes, tf.int32))
        return ({"promoter": promoter, "halflife": tf.gather(feature_tensor, indices)},
                tf.gather(label_tensor, indices))

    dataset = tf.data.Dataset.range(len(codes)).shuffle(len(codes), seed=seed)
    dataset = dataset.batch(batch_size)
    if parallel:
        return (dataset.map(gather_batch, num_parallel_calls=tf.data.AUTOTUNE,
                            deterministic=True).prefetch(tf.data.AUTOTUNE))
    return dataset.map(gather_batch)


def fresh_model(batch_size=None, deterministic=True, fused_first_block=False):
    from xpressoflow.model import PAPER_BEST, build_model
    from xpressoflow.training import compile_model, configure_tensorflow, seed_everything

    configure_tensorflow(None, deterministic)
    seed_everything(0)
    model = build_model(PAPER_BEST, N_FEATURES, fused_first_block=fused_first_block)
    compile_model(model)
    return model


# --------------------------------------------------------------------------- children


def throughput_child(variant: str, args) -> list[dict]:
    """Train `variant` on the subset; genes/s over args.epochs epochs after a warm-up one."""
    from xpressoflow.model import PAPER_BEST

    codes = synthetic_codes(args.train_genes + args.valid_genes, args.stored_bp)
    features, labels = synthetic_tables(len(codes))
    EpochTimer, _ = callbacks_module()
    timer = EpochTimer()
    epochs = 1 + args.epochs
    batch_size = 256 if variant == "ours_batch256" else 128
    if variant == "plain_port":
        n = args.train_genes
        x = plain_one_hot(codes[:n], args.stored_bp)
        model = fresh_model(deterministic=False)  # the authors' script sets no determinism
        model.fit({"promoter": x, "halflife": features[:n]}, labels[:n], batch_size=128,
                  epochs=epochs, callbacks=[timer], verbose=0)
    elif variant.startswith("ours"):
        from xpressoflow.training import train_model

        if variant == "ours_bf16":
            import keras

            keras.mixed_precision.set_global_policy("mixed_bfloat16")

        data = training_data(codes, features, labels, args.stored_bp, args.valid_genes)
        options = {"ours_nondet": {"deterministic": False},
                   "ours_threads2": {"threads": 2},
                   "ours_unfused": {"fused_first_block": False}}.get(variant, {})
        train_model(dict(PAPER_BEST, batch_size=batch_size), data, epochs=epochs,
                    patience=None, callbacks=[timer], **options)
    elif variant.startswith("pipe_"):
        n = args.train_genes
        dataset = bench_dataset(codes[:n], features[:n], labels[:n], args.stored_bp, batch_size,
                                one_hot="gather" if variant == "pipe_gather" else "tf_one_hot",
                                parallel=variant != "pipe_serial")
        model = fresh_model()
        model.fit(dataset, epochs=epochs, shuffle=False, callbacks=[timer], verbose=0)
    elif variant in ("compute_only", "compute_fused"):
        import tensorflow as tf

        model = fresh_model(fused_first_block=variant == "compute_fused")
        batch = ({"promoter": tf.constant(plain_one_hot(codes[:batch_size], args.stored_bp)),
                  "halflife": tf.constant(features[:batch_size])},
                 tf.constant(labels[:batch_size]))
        steps = args.train_genes // batch_size
        for _ in range(epochs):
            start, cpu_start = time.perf_counter(), time.process_time()
            for _ in range(steps):
                loss = model.train_on_batch(*batch)
            float(loss)
            timer.seconds.append(time.perf_counter() - start)
            timer.cpu_seconds.append(time.process_time() - cpu_start)
            timer.batches.append(steps)
    else:
        raise ValueError(variant)
    measured = timer.seconds[1:]
    steps = sum(timer.batches[1:])
    genes = args.train_genes * len(measured)
    return [{"variant": variant, "measurement": "throughput", "n_genes": args.train_genes,
             "batch_size": batch_size, "epochs_timed": len(measured),
             "genes_per_s": genes / sum(measured), "step_ms": 1000 * sum(measured) / steps,
             "genes_per_cpu_s": genes / sum(timer.cpu_seconds[1:]),
             "warmup_epoch_s": timer.seconds[0]}]


def input_only_child(args) -> list[dict]:
    """Input pipelines alone: genes/s of iterating one epoch (after a warm-up epoch)."""
    import tensorflow as tf
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    from xpressoflow.training import configure_tensorflow, make_dataset, seed_everything

    configure_tensorflow(None, True)
    seed_everything(0)  # Keras' adapter shuffles with a random op, which determinism needs seeded
    n = args.input_genes
    codes = synthetic_codes(n, args.stored_bp)
    features, labels = synthetic_tables(n)
    data = training_data(codes, features, labels, args.stored_bp, 0)
    window = (-7000, 3500)
    pipelines = {
        "input_ours": lambda: make_dataset(data.train, data.flank_bp, window=window,
                                           use_half_life=True, batch_size=128,
                                           shuffle_seed=0),
        "input_gather": lambda: bench_dataset(codes, features, labels, args.stored_bp, 128,
                                              one_hot="gather"),
        "input_plain_port": lambda: ArrayDataAdapter(
            {"promoter": plain_one_hot(codes, args.stored_bp), "halflife": features},
            labels, batch_size=128, shuffle=True).get_tf_dataset(),
    }
    rows = []
    for name, build in pipelines.items():
        dataset = build()
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            for inputs, _y in dataset:
                tf.reduce_sum(inputs["promoter"][:, 0, 0]).numpy()
            seconds.append(time.perf_counter() - start)
        rows.append({"variant": name, "measurement": "input_only", "n_genes": n,
                     "batch_size": 128, "epochs_timed": 2,
                     "genes_per_s": 2 * n / sum(seconds[1:]),
                     "step_ms": 1000 * sum(seconds[1:]) / (2 * -(-n // 128))})
        del dataset
    return rows


def rss_child(variant: str, args) -> list[dict]:
    """All args.genes genes loaded as the variant loads them, then args.rss_steps steps."""
    from xpressoflow.model import PAPER_BEST

    _, StopAfter = callbacks_module()
    n = args.genes
    started = time.perf_counter()
    features, labels = synthetic_tables(n)
    if variant == "plain_port":
        # Generated in blocks: only the float32 one-hot array exists in full.
        x = np.empty((n, 10500, 4), dtype=np.float32)
        for first in range(0, n, 1000):
            block = synthetic_codes(min(1000, n - first), args.stored_bp, seed=first)
            x[first : first + len(block)] = plain_one_hot(block, args.stored_bp)
        model = fresh_model(deterministic=False)
        model.fit({"promoter": x, "halflife": features}, labels, batch_size=128, epochs=1,
                  callbacks=[StopAfter(args.rss_steps)], verbose=0)
        resident_mb = x.nbytes / 2**20
    elif variant == "model_floor":
        model = fresh_model()
        batch = ({"promoter": plain_one_hot(synthetic_codes(128, args.stored_bp),
                                            args.stored_bp), "halflife": features[:128]},
                 labels[:128])
        for _ in range(args.rss_steps):
            model.train_on_batch(*batch)
        resident_mb = 0.0
    else:
        from xpressoflow import training

        train_model = training.train_model
        codes = synthetic_codes(n, args.stored_bp)
        data = training_data(codes, features, labels, args.stored_bp,
                             valid_genes=n // 10, test_genes=n // 10)
        train_model(PAPER_BEST, data, epochs=1, patience=None,
                    callbacks=[StopAfter(args.rss_steps)])
        resident_mb = codes.nbytes / 2**20
    return [{"variant": variant, "measurement": "peak_rss", "n_genes": n, "batch_size": 128,
             "data_array_mb": resident_mb, "rss_child_s": time.perf_counter() - started}]


def child(variant: str, args) -> None:
    if args.mode == "throughput":
        rows = (input_only_child(args) if variant == "input_only"
                else throughput_child(variant, args))
    else:
        rows = rss_child(variant, args)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    for row in rows:
        # input_only rows share one child (and its plain-port array): no RSS of their own.
        row["peak_rss_mb"] = peak_mb if row["measurement"] != "input_only" else float("nan")
        row["load_average_1min"] = os.getloadavg()[0]  # other work on the shared cores
    print("RESULT " + json.dumps(rows))


# --------------------------------------------------------------------------- parent


def run_child(variant: str, mode: str, args) -> list[dict]:
    command = [sys.executable, __file__, "--child", variant, "--mode", mode,
               "--train-genes", str(args.train_genes), "--valid-genes", str(args.valid_genes),
               "--epochs", str(args.epochs), "--genes", str(args.genes),
               "--stored-bp", str(args.stored_bp), "--rss-steps", str(args.rss_steps),
               "--input-genes", str(args.input_genes)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if variant == "ours_onednn_off":
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"{variant} ({mode}) failed with exit code {done.returncode}")
    line = next(line for line in done.stdout.splitlines()[::-1] if line.startswith("RESULT "))
    rows = json.loads(line[len("RESULT "):])
    for row in rows:
        row["child_wall_s"] = time.perf_counter() - start
        print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()},
              flush=True)
    return rows


def aggregate_repeats(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per (variant, measurement): medians of repeated runs, the runs listed."""
    keys = ["variant", "measurement"]
    numeric = [c for c in raw.columns if c not in keys and pd.api.types.is_numeric_dtype(raw[c])]
    table = raw.groupby(keys, sort=False)[numeric].median().reset_index()
    table["runs"] = raw.groupby(keys, sort=False).size().to_numpy()
    for column in ("genes_per_s", "genes_per_cpu_s"):
        if column in raw:
            each = raw.groupby(keys, sort=False)[column].agg(
                lambda values: ",".join(f"{v:.1f}" for v in values if pd.notna(v)))
            table[f"{column}_each_run"] = each.to_numpy()
    return table


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trained = table[table["measurement"] == "throughput"]
    piped = table[table["measurement"] == "input_only"]
    rss = table[table["measurement"] == "peak_rss"]
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.4),
                             gridspec_kw={"width_ratios": [len(trained) + 1, len(trained) + 1,
                                                           len(piped) + 1, len(rss) + 1]})

    def bars(ax, frame, column, label, fmt, baseline=None):
        colours = ["tab:grey" if v.startswith(("plain_port", "input_plain")) else "tab:blue"
                   for v in frame["variant"]]
        ax.bar(range(len(frame)), frame[column], color=colours)
        ax.set_xticks(range(len(frame)), frame["variant"], rotation=40, ha="right")
        ax.set_ylabel(label)
        for x, value in enumerate(frame[column]):
            ax.text(x, value, fmt.format(value), ha="center", va="bottom", fontsize=8)
        if baseline is not None:
            ax.axhline(baseline, color="tab:red", ls="--", lw=1)

    if len(trained):
        plain = trained.loc[trained["variant"] == "plain_port", "genes_per_s"]
        bars(axes[0], trained, "genes_per_s", "training throughput (genes/s)", "{:.0f}",
             2 * plain.iloc[0] if len(plain) else None)
        axes[0].set_title(f"training, {int(trained['n_genes'].iloc[0])} genes, "
                          f"{int(trained['epochs_timed'].iloc[0])} epochs timed\n"
                          "(red: 2x plain port target)", fontsize=9)
        plain_cpu = trained.loc[trained["variant"] == "plain_port", "genes_per_cpu_s"]
        bars(axes[1], trained, "genes_per_cpu_s", "genes per CPU-second", "{:.0f}",
             2 * plain_cpu.iloc[0] if len(plain_cpu) else None)
        axes[1].set_title("the same, per CPU-second of the process\n"
                          "(robust to other work on the shared cores)", fontsize=9)
    if len(piped):
        bars(axes[2], piped, "genes_per_s", "input pipeline alone (genes/s)", "{:.0f}")
        axes[2].set_title("input pipelines, no model", fontsize=9)
    if len(rss):
        bars(axes[3], rss, "peak_rss_mb", "peak RSS (MB)", "{:.0f}", 3 * 1024)
        axes[3].set_title(f"{int(rss['n_genes'].iloc[0]):,} genes loaded\n"
                          "(red: 3 GB target)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-genes", type=int, default=640,
                        help="genes trained on for throughput (a multiple of 256 or 128)")
    parser.add_argument("--valid-genes", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the warm-up")
    parser.add_argument("--genes", type=int, default=18000, help="genes loaded for peak RSS")
    parser.add_argument("--stored-bp", type=int, default=20000)
    parser.add_argument("--rss-steps", type=int, default=3)
    parser.add_argument("--input-genes", type=int, default=4096)
    parser.add_argument("--variants", default=",".join(THROUGHPUT_VARIANTS + ("input_only",)),
                        help="comma-separated throughput variants to run")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--mode", choices=["throughput", "rss"], default="throughput")
    args = parser.parse_args()
    if args.child:
        child(args.child, args)
        return
    OUT.mkdir(exist_ok=True)
    started = time.perf_counter()
    rows = []
    for variant in args.variants.split(","):
        rows += run_child(variant, "throughput", args)
    if not args.skip_rss:
        for variant in RSS_VARIANTS:
            rows += run_child(variant, "rss", args)
    table = aggregate_repeats(pd.DataFrame(rows))
    trained = table["measurement"] == "throughput"
    plain = table.loc[trained & (table["variant"] == "plain_port"), "genes_per_s"]
    if len(plain):
        table.loc[trained, "speedup_vs_plain_port"] = (table.loc[trained, "genes_per_s"]
                                                       / plain.iloc[0])
        plain_cpu = table.loc[trained & (table["variant"] == "plain_port"), "genes_per_cpu_s"]
        table.loc[trained, "cpu_speedup_vs_plain_port"] = (
            table.loc[trained, "genes_per_cpu_s"] / plain_cpu.iloc[0])
    table.to_csv(OUT / "training_benchmark.tsv", sep="\t", index=False, float_format="%.3f")
    plot(table, OUT / "training_benchmark.png")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    print(f"total {time.perf_counter() - started:.0f} s; cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
