"""Training an Xpresso network: input pipeline, training loop with early stopping, evaluation.

Data come in as `TrainingData`: per split, uint8 promoter codes (A=0, C=1, G=2, T=3, N=4),
z-scored half-life features and z-scored labels. Codes stay uint8 in memory (1 byte per base);
only the batch being fed is expanded to one-hot inside the tf.data pipeline (`tf.one_hot` with
depth 4 maps code 4, N, to an all-zero row, as the published models expect).

Training follows the paper's Methods: Adam (learning rate 1e-3), mean squared error on the
z-scored labels, at most 100 epochs, stopped when the validation MSE has not improved for
7 epochs; the weights of the epoch with the lowest validation MSE are kept. The search
objective is the lowest validation MSE within 10 epochs (`patience=None`, no early stop).

Only the training and validation splits are read by `train_model`; the test split is touched
by `evaluate` alone.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xpressoflow.io import atomic_path, atomic_write
from xpressoflow.model import (
    HALF_LIFE_INPUT,
    PROMOTER_INPUT,
    build_model,
    crop_window,
    unfused_copy,
    validate_hparams,
    window_from_model_name,
)

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
PAPER_MAX_EPOCHS = 100
PAPER_PATIENCE_EPOCHS = 7
PAPER_SEARCH_EPOCHS = 10
PAPER_LEARNING_RATE = 1e-3
# Validation and prediction batch: at 256 the paper model's first conv output alone is 1.4 GB,
# which pushed a human-sized run past 4 GB peak RSS (bench/bench_training.py); 128 keeps it
# at ~2.7 GB with no measurable loss of speed.
PREDICT_BATCH_SIZE = 128
# A network whose output no longer depends on its input (every ReLU of the last hidden layer
# off for every gene) cannot recover: no gradient reaches anything but the output bias.
COLLAPSED_OUTPUT_STD = 1e-6
# Training genes used to centre the initial output and to watch for collapse.
PROBE_GENES = 512
# Of those, the genes whose predictions are checked after every epoch: a constant output is
# constant on any genes, and one batch of them costs a quarter of the 512 (on the demo's
# networks the 512-gene check took ~15 % of an epoch).
COLLAPSE_PROBE_GENES = PREDICT_BATCH_SIZE
MAX_COLLAPSE_RESTARTS = 2


class NonFiniteLoss(FloatingPointError):
    """Training produced a NaN or infinite loss (the search records the trial as failed)."""

    def __init__(self, epoch: int):
        self.epoch = epoch
        self.reason = f"NaN or infinite loss in epoch {epoch}"
        super().__init__(self.reason)


# --------------------------------------------------------------------------- data interface


@dataclass(frozen=True)
class SplitArrays:
    """One split's genes, row-aligned.

    promoter_codes: (n, stored_bp) uint8, the stored ±flank window (TSS at index flank_bp).
    half_life_features: (n, n_features) float32, z-scored with training statistics.
    labels_z: (n,) float32, z-scored log10 expression (NaN allowed where labels are hidden).
    gene_ids: (n,) identifiers.
    """

    promoter_codes: np.ndarray
    half_life_features: np.ndarray
    labels_z: np.ndarray
    gene_ids: np.ndarray

    def __post_init__(self):
        n = len(self.promoter_codes)
        sizes = {"half_life_features": len(self.half_life_features),
                 "labels_z": len(self.labels_z), "gene_ids": len(self.gene_ids)}
        mismatched = {name: size for name, size in sizes.items() if size != n}
        if mismatched:
            raise ValueError(f"split arrays are not row-aligned with {n} promoters: {mismatched}")
        if self.promoter_codes.dtype != np.uint8 or self.promoter_codes.ndim != 2:
            raise ValueError("promoter_codes must be a 2-D uint8 array of base codes")

    def __len__(self) -> int:
        return len(self.promoter_codes)

    @property
    def n_half_life_features(self) -> int:
        return int(self.half_life_features.shape[1]) if self.half_life_features.ndim == 2 else 0

    def take(self, rows: np.ndarray) -> SplitArrays:
        """The genes at `rows` (a copy of just those rows)."""
        return SplitArrays(self.promoter_codes[rows], self.half_life_features[rows],
                           self.labels_z[rows], self.gene_ids[rows])


@dataclass(frozen=True)
class TrainingData:
    """Train / validation / test splits plus what is needed to read them.

    flank_bp: index of the TSS in the stored windows (windows are [TSS - flank, TSS + flank)).
    label_mean, label_std: the training statistics that z-scored the labels; predictions are
    mapped back to log10 expression with them.
    """

    train: SplitArrays
    valid: SplitArrays
    test: SplitArrays | None
    flank_bp: int
    label_mean: float = 0.0
    label_std: float = 1.0

    def split(self, name: str) -> SplitArrays:
        if name not in SPLITS:
            raise KeyError(f"unknown split {name!r}; known: {SPLITS}")
        arrays = getattr(self, name)
        if arrays is None:
            raise KeyError(f"this TrainingData has no {name!r} split")
        return arrays

    @property
    def n_half_life_features(self) -> int:
        return self.train.n_half_life_features

    @classmethod
    def from_split_dict(cls, arrays: dict, flank_bp: int) -> TrainingData:
        """From a dict {"train"|"valid"|"test": {gene_id, codes, features_z, labels_z},
        label_mean, label_std} (the shape `dataset.load_split` returns at the time of writing).
        """
        def split_of(name: str) -> SplitArrays | None:
            if name not in arrays:
                return None
            part = arrays[name]
            return SplitArrays(
                promoter_codes=np.asarray(part["codes"], dtype=np.uint8),
                half_life_features=np.asarray(part["features_z"], dtype=np.float32),
                labels_z=np.asarray(part["labels_z"], dtype=np.float32),
                gene_ids=np.asarray(part["gene_id"]),
            )

        return cls(train=split_of("train"), valid=split_of("valid"), test=split_of("test"),
                   flank_bp=int(flank_bp), label_mean=float(arrays.get("label_mean", 0.0)),
                   label_std=float(arrays.get("label_std", 1.0)))


# --------------------------------------------------------------------------- TensorFlow setup


def configure_tensorflow(threads: int | None = None, deterministic: bool = True) -> None:
    """Thread counts and op determinism; call before the first TensorFlow operation.

    TensorFlow fixes its thread pools when the runtime starts, so a later call cannot change
    them; that is logged, not raised, so several trainings in one process (tests) still work.
    """
    import tensorflow as tf

    if threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(int(threads))
            tf.config.threading.set_inter_op_parallelism_threads(int(threads))
        except RuntimeError:
            current = tf.config.threading.get_intra_op_parallelism_threads()
            if current != int(threads):
                log.warning("TensorFlow already started with %s intra-op threads; "
                            "cannot switch to %s", current, threads)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def derived_seed(seed: int, *parts: int) -> int:
    """A 31-bit seed determined by (seed, parts): stable across processes and platforms."""
    return int(np.random.SeedSequence([int(seed), *map(int, parts)]).generate_state(1)[0]
               % (2**31 - 1))


def seed_everything(seed: int) -> None:
    """Python, NumPy and TensorFlow/Keras seeds (Keras' global seed drives initialisers and
    dropout), after clearing Keras' session so layer names and seed state start afresh."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(int(seed))


# --------------------------------------------------------------------------- input pipeline


def model_window(hparams: dict) -> tuple[int, int] | None:
    """(upstream_bp, downstream_bp) of a promoter model, None for half-life-only models."""
    hp = validate_hparams(hparams)
    return (hp["upstream_bp"], hp["downstream_bp"]) if hp["use_promoter"] else None


def cropped_codes(split: SplitArrays, flank_bp: int, window: tuple[int, int]) -> np.ndarray:
    """The model's window out of the stored windows, contiguous so tf.data does not copy twice.

    Raises ValueError if the window does not fit the stored flank.
    """
    upstream_bp, downstream_bp = window
    return np.ascontiguousarray(crop_window(split.promoter_codes, flank_bp, upstream_bp,
                                            downstream_bp, position_axis=-1))


def make_dataset(
    split: SplitArrays,
    flank_bp: int,
    *,
    window: tuple[int, int] | None,
    use_half_life: bool,
    batch_size: int,
    shuffle_seed: int | None = None,
    with_labels: bool = True,
    shift_bp: int = 0,
):
    """tf.data pipeline of ({"promoter": one-hot, "halflife": features}, labels_z) batches.

    The dataset iterates over gene indices and gathers their codes per batch: shuffling indices
    (not whole promoters) keeps the shuffle buffer at 8 bytes per gene, and the one-hot
    expansion happens per batch, so memory stays ~1 byte per stored base.
    `shuffle_seed=None` keeps the gene order (validation, prediction).
    shift_bp > 0 (training batches only, needs shuffle_seed): every gene's window is moved by
    its own random offset in [-shift_bp, +shift_bp] bp, drawn anew each epoch (shift
    augmentation as in Basenji); the labels stay. Raises ValueError if the shifted windows do
    not fit the stored flank.
    """
    import tensorflow as tf

    shift_bp = int(shift_bp)
    if shift_bp < 0 or (shift_bp and shuffle_seed is None):
        raise ValueError("shift_bp must be >= 0 and is only for shuffled training batches")
    if window is None:
        shift_bp = 0  # no promoter input: nothing to shift
    n_genes = len(split)
    tensors = {}
    # tf.data runs on the CPU; pinning the source arrays there keeps them out of GPU memory.
    with tf.device("/CPU:0"):
        if window is not None:
            upstream_bp, downstream_bp = window
            tensors[PROMOTER_INPUT] = tf.constant(cropped_codes(
                split, flank_bp, (upstream_bp - shift_bp, downstream_bp + shift_bp)))
        if use_half_life:
            tensors[HALF_LIFE_INPUT] = tf.constant(split.half_life_features, dtype=tf.float32)
        labels = tf.constant(split.labels_z, dtype=tf.float32) if with_labels else None

    def gather_batch(indices, random_draws=None):
        inputs = {}
        if PROMOTER_INPUT in tensors:
            codes = tf.gather(tensors[PROMOTER_INPUT], indices)
            if shift_bp:
                codes = _shifted_windows(codes, random_draws, shift_bp)
            inputs[PROMOTER_INPUT] = tf.one_hot(tf.cast(codes, tf.int32), depth=4,
                                                dtype=tf.float32)  # N -> zeros
        if HALF_LIFE_INPUT in tensors:
            inputs[HALF_LIFE_INPUT] = tf.gather(tensors[HALF_LIFE_INPUT], indices)
        if labels is None:
            return inputs
        return inputs, tf.gather(labels, indices)

    indices = tf.data.Dataset.range(n_genes)
    if shuffle_seed is not None:
        indices = indices.shuffle(n_genes, seed=int(shuffle_seed), reshuffle_each_iteration=True)
    batches = indices.batch(int(batch_size))
    if shift_bp:
        # A seeded random stream, re-drawn each epoch, zipped batch by batch with the genes.
        draws = tf.data.Dataset.random(seed=derived_seed(int(shuffle_seed), 2),
                                       rerandomize_each_iteration=True).batch(int(batch_size))
        batches = tf.data.Dataset.zip(batches, draws)
    return (batches
            .map(gather_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE))


def _shifted_windows(codes, random_draws, shift_bp: int):
    """Each row's window of length L - 2*shift_bp, starting at its own offset in 0..2*shift_bp
    (codes (n, L) hold the window widened by shift_bp on both sides)."""
    import tensorflow as tf

    n_genes = tf.shape(codes)[0]
    length = tf.shape(codes)[1] - 2 * shift_bp
    starts = tf.cast(tf.math.floormod(random_draws[:n_genes], 2 * shift_bp + 1), tf.int32)
    positions = starts[:, None] + tf.range(length)[None, :]
    return tf.gather(codes, positions, batch_dims=1)


@dataclass(frozen=True)
class ModelFeed:
    """What a model is fed: its promoter window (None: no promoter input) and half-life input."""

    window: tuple[int, int] | None
    use_half_life: bool

    @classmethod
    def of_hparams(cls, hparams: dict) -> ModelFeed:
        hp = validate_hparams(hparams)
        return cls(model_window(hp), hp["use_half_life"])

    @classmethod
    def of_model(cls, model) -> ModelFeed:
        """Inputs told apart by rank (promoter (L, 4), half-life (n,)); window from the name."""
        has_promoter = any(len(tensor.shape) == 3 for tensor in model.inputs)
        has_half_life = any(len(tensor.shape) == 2 for tensor in model.inputs)
        window = window_from_model_name(model.name) if has_promoter else None
        if has_promoter and window is None:
            raise ValueError(f"cannot tell the promoter window of model {model.name!r} from "
                             "its name; pass hparams")
        return cls(window, has_half_life)

    @classmethod
    def of(cls, model, hparams: dict | None = None) -> ModelFeed:
        """From `hparams` when given (they name the window exactly), else from the model."""
        return cls.of_hparams(hparams) if hparams is not None else cls.of_model(model)


def _dataset_for(feed: ModelFeed, data: TrainingData, split_name: str, batch_size: int,
                 shuffle_seed: int | None = None, with_labels: bool = True, shift_bp: int = 0):
    return make_dataset(data.split(split_name), data.flank_bp, window=feed.window,
                        use_half_life=feed.use_half_life, batch_size=batch_size,
                        shuffle_seed=shuffle_seed, with_labels=with_labels, shift_bp=shift_bp)


# --------------------------------------------------------------------------- training loop


@dataclass
class EpochRecord:
    epoch: int  # 1-based
    train_mse: float  # mean over the epoch's batches, in training mode (dropout on)
    valid_mse: float  # whole validation set, inference mode
    seconds: float


@dataclass
class TrainingResult:
    """What `train_model` returns; `model` holds the best epoch's weights."""

    model: object
    history: list[EpochRecord]
    best_epoch: int  # 1-based; 0 if no epoch ran
    best_valid_mse: float
    epochs_run: int
    stopped_early: bool
    wall_time_s: float
    genes_per_s: float
    checkpoint_path: str | None = None
    hparams: dict = field(default_factory=dict)
    restarts: int = 0  # fresh initialisations after a collapsed (dead) attempt
    collapsed_epoch: int | None = None  # the kept attempt stopped here: output constant

    def history_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(record) for record in self.history],
                            columns=["epoch", "train_mse", "valid_mse", "seconds"])

    @property
    def min_valid_mse(self) -> float:
        """The search objective: lowest validation MSE of any epoch run."""
        return self.best_valid_mse


def _save_model_atomically(model, path: str | os.PathLike) -> None:
    # Keras picks the format from the extension, so the temporary file must end in .keras too.
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)


def _best_epoch_callback_class():
    import keras

    class BestEpochTracker(keras.callbacks.Callback):
        """Keeps the best epoch's weights (in memory and as a checkpoint), stops after
        `patience` epochs without a strictly lower validation MSE, and stops on NaN loss.

        One callback rather than Keras' EarlyStopping + ModelCheckpoint: Keras' checkpoint
        writes in place (a kill mid-write leaves a corrupt file that looks finished), and
        EarlyStopping only restores the best weights when it stopped the run itself.
        """

        def __init__(self, patience: int | None, checkpoint_path: str | None,
                     export=lambda model: model, probe_inputs=None,
                     checkpoint_below: float = math.inf):
            super().__init__()
            # Only epochs better than this reach the checkpoint (an earlier attempt's best).
            self.checkpoint_below = checkpoint_below
            self.export = export  # what the checkpoint holds: the plain form of a fused model
            self.probe_inputs = probe_inputs  # training genes watched for a collapsed output
            self.collapsed_epoch: int | None = None
            self.live_epochs = 0  # epochs that ended with an input-dependent output
            self.patience = patience
            self.checkpoint_path = checkpoint_path
            self.best_valid_mse = math.inf
            self.best_epoch = 0
            self.best_weights = None
            self.history: list[EpochRecord] = []
            self.stopped_early = False
            self.non_finite_epoch: int | None = None
            self._epoch_started = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch_started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(float(loss)):
                self.non_finite_epoch = len(self.history) + 1
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            record = EpochRecord(epoch=epoch + 1, train_mse=float(logs.get("loss", math.nan)),
                                 valid_mse=float(logs.get("val_loss", math.nan)),
                                 seconds=time.perf_counter() - self._epoch_started)
            self.history.append(record)
            if not (math.isfinite(record.train_mse) and math.isfinite(record.valid_mse)):
                self.non_finite_epoch = record.epoch
                self.model.stop_training = True
                return
            if self._output_collapsed():
                # Permanent (see COLLAPSED_OUTPUT_STD): stop; the best earlier epoch is kept.
                self.collapsed_epoch = record.epoch
                self.model.stop_training = True
                if self.live_epochs:
                    return
            else:
                self.live_epochs += 1
            if record.valid_mse < self.best_valid_mse:
                self._remember_best(record)
            elif self.patience is not None and record.epoch - self.best_epoch >= self.patience:
                self.stopped_early = True
                self.model.stop_training = True

        def _output_collapsed(self) -> bool:
            if self.probe_inputs is None:
                return False
            predictions = predict_in_batches(self.model, self.probe_inputs)
            return float(np.std(predictions)) < COLLAPSED_OUTPUT_STD

        def _remember_best(self, record: EpochRecord) -> None:
            self.best_valid_mse, self.best_epoch = record.valid_mse, record.epoch
            self.best_weights = self.model.get_weights()
            if self.checkpoint_path and record.valid_mse < self.checkpoint_below:
                _save_model_atomically(self.export(self.model), self.checkpoint_path)

    return BestEpochTracker


def compile_model(model, learning_rate: float = PAPER_LEARNING_RATE, jit_compile=False) -> None:
    """Adam + MSE as in the paper. XLA is off by default: on this project's CPUs it was slower."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="mean_squared_error", jit_compile=jit_compile)


def predict_in_batches(model, inputs: dict) -> np.ndarray:
    """Inference on in-memory inputs, PREDICT_BATCH_SIZE genes at a time: the first conv
    output of 512 genes at once would be 2.75 GB for the paper's architecture."""
    n_genes = len(next(iter(inputs.values())))
    return np.concatenate([
        np.asarray(model({name: value[start:start + PREDICT_BATCH_SIZE]
                          for name, value in inputs.items()}, training=False)).reshape(-1)
        for start in range(0, n_genes, PREDICT_BATCH_SIZE)])


def _fusion_pays_off(hp: dict) -> bool:
    if not hp["use_promoter"]:
        return False
    from xpressoflow.fused import fusion_pays_off
    from xpressoflow.model import window_length_bp

    return fusion_pays_off(hp["batch_size"], window_length_bp(hp),
                           hp["conv_blocks"][0]["filters"])


def probe_genes(data: TrainingData, seed: int) -> SplitArrays:
    """PROBE_GENES training genes drawn with `seed` (all of them if there are fewer), copied
    out first so the probe never stages the whole training split a second time."""
    rows = np.random.default_rng(derived_seed(seed, 1)).permutation(len(data.train))
    return data.train.take(np.sort(rows[:PROBE_GENES]))


def centre_output_bias(model, feed: ModelFeed, data: TrainingData, seed: int):
    """Shift the output bias so the untrained network's mean prediction on PROBE_GENES random
    training genes equals their mean label; returns those genes' inputs (the collapse probe).

    Why: the flattened conv features are all >= 0 and there are thousands of them, so a
    Glorot-initialised network starts with a large offset common to every gene (on the demo,
    a mean prediction of 1.4 z units with a spread of 0.1). Adam's first, sign-like steps then
    remove that offset by pushing whole dense units below zero, and on the demo 2 of 3 seeds
    of the best search configuration ended with every unit dead after the first epoch (demo
    scaled to 6,000 genes per species); with the offset removed at initialisation, the same
    seeds trained.
    Only the bias changes: the initialisation of every weight stays Glorot normal.
    """
    probe = probe_genes(data, seed)
    inputs, labels = next(iter(make_dataset(
        probe, data.flank_bp, window=feed.window, use_half_life=feed.use_half_life,
        batch_size=len(probe))))
    offset = float(np.mean(labels)) - float(np.mean(predict_in_batches(model, inputs)))
    output = model.get_layer("expression")
    kernel, bias = output.get_weights()
    output.set_weights([kernel, bias + offset])
    return inputs


def write_history(result: TrainingResult, history_path: str | os.PathLike) -> None:
    with atomic_write(history_path) as handle:
        result.history_frame().to_csv(handle, sep="\t", index=False, float_format="%.8g")


def train_model(
    hparams: dict,
    data: TrainingData,
    *,
    epochs: int = PAPER_MAX_EPOCHS,
    patience: int | None = PAPER_PATIENCE_EPOCHS,
    seed: int = 0,
    learning_rate: float = PAPER_LEARNING_RATE,
    shift_bp: int = 0,
    checkpoint_path: str | os.PathLike | None = None,
    history_path: str | os.PathLike | None = None,
    threads: int | None = None,
    deterministic: bool = True,
    jit_compile=False,
    fused_first_block: bool | None = None,
    callbacks: Sequence = (),
    verbose: int = 0,
) -> TrainingResult:
    """Train one network on data.train, select the epoch by data.valid; never reads data.test.

    patience: stop after this many epochs without a lower validation MSE (None: run all
    `epochs`, as the search objective does). The returned model carries the best epoch's
    weights; `checkpoint_path` (.keras) is rewritten atomically at every new best epoch.
    Before the first step the output bias is set so the mean prediction on PROBE_GENES
    training genes equals their mean label (`centre_output_bias`). If the output becomes the
    same for every gene (a dead network, which cannot recover), the attempt stops and training
    restarts from a new initialisation (seed derived from `seed`), at most
    MAX_COLLAPSE_RESTARTS times; the result (and the checkpoint) is the best epoch of the
    attempt with the lowest validation MSE, its `history` that attempt's epochs.
    fused_first_block trains the first conv block as `xpressoflow.fused.OneHotConvPool`
    (same function and gradient, ~2x faster steps on CPU for large blocks such as the
    paper's; docs/performance.md); None decides by `fused.fusion_pays_off`. The returned
    model and the checkpoint are always the plain Keras layer graph.
    shift_bp > 0 moves every training gene's window by a random offset in [-shift_bp,
    +shift_bp] bp each epoch (shift augmentation; not in the paper, which trained on fixed
    windows); validation and test windows never move.
    Raises NonFiniteLoss if the loss becomes NaN/inf, InvalidArchitecture for unbuildable
    hparams, ValueError if the window does not fit the stored flank.
    """
    hp = validate_hparams(hparams)
    configure_tensorflow(threads, deterministic)
    if fused_first_block is None:
        fused_first_block = _fusion_pays_off(hp)
    feed = ModelFeed.of_hparams(hp)
    valid_batches = _dataset_for(feed, data, "valid", PREDICT_BATCH_SIZE)

    plain_models = []  # the plain graph, built once and refilled at every best epoch

    def plain_form(trained):
        if not fused_first_block:
            return trained
        if not plain_models:
            plain_models.append(unfused_copy(trained, hp, data.n_half_life_features))
        else:
            plain_models[0].set_weights(trained.get_weights())
        return plain_models[0]

    started = time.perf_counter()
    kept = None  # the tracker of the attempt with the lowest validation MSE so far
    epochs_trained = 0
    for restarts in range(MAX_COLLAPSE_RESTARTS + 1):
        attempt_seed = seed if restarts == 0 else derived_seed(seed, restarts)
        seed_everything(attempt_seed)
        model = build_model(hp, data.n_half_life_features, fused_first_block=fused_first_block)
        compile_model(model, learning_rate, jit_compile)
        train_batches = _dataset_for(feed, data, "train", hp["batch_size"],
                                     shuffle_seed=attempt_seed, shift_bp=shift_bp)
        probe_inputs = {name: values[:COLLAPSE_PROBE_GENES] for name, values in
                        centre_output_bias(model, feed, data, attempt_seed).items()}
        tracker = _best_epoch_callback_class()(
            patience, str(checkpoint_path) if checkpoint_path else None, plain_form,
            probe_inputs, checkpoint_below=kept.best_valid_mse if kept else math.inf)
        # shuffle=False: the tf.data pipeline shuffles (seeded); Keras cannot shuffle a Dataset.
        model.fit(train_batches, validation_data=valid_batches, epochs=int(epochs),
                  shuffle=False, callbacks=[tracker, *callbacks], verbose=verbose)
        epochs_trained += len(tracker.history)
        if tracker.non_finite_epoch is not None:
            raise NonFiniteLoss(tracker.non_finite_epoch)
        if kept is None or tracker.best_valid_mse < kept.best_valid_mse:
            kept = tracker
        if tracker.collapsed_epoch is None or restarts == MAX_COLLAPSE_RESTARTS:
            break
        log.warning("%s (seed %d): output constant for every gene after epoch %d; "
                    "restarting from a new initialisation (%d of %d)", model.name,
                    attempt_seed, tracker.collapsed_epoch, restarts + 1, MAX_COLLAPSE_RESTARTS)
    wall_time_s = time.perf_counter() - started

    if kept.best_weights is not None:  # every attempt has the same architecture
        model.set_weights(kept.best_weights)
    model = plain_form(model)
    epochs_run = len(kept.history)
    result = TrainingResult(
        model=model, history=kept.history, best_epoch=kept.best_epoch,
        best_valid_mse=kept.best_valid_mse, epochs_run=epochs_run,
        stopped_early=kept.stopped_early, wall_time_s=wall_time_s,
        genes_per_s=len(data.train) * epochs_trained / wall_time_s if wall_time_s > 0
        else math.nan,
        checkpoint_path=str(checkpoint_path) if checkpoint_path else None, hparams=hp,
        restarts=restarts, collapsed_epoch=kept.collapsed_epoch)
    if history_path:
        write_history(result, history_path)
    log.info("trained %s: best epoch %d of %d, validation MSE %.4f, %.0f genes/s",
             model.name, result.best_epoch, epochs_run, result.best_valid_mse, result.genes_per_s)
    return result


# --------------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    split: str
    gene_ids: np.ndarray
    predictions_z: np.ndarray
    predictions_log10: np.ndarray
    labels_log10: np.ndarray
    r2: float  # squared Pearson correlation, as the paper reports
    mse_z: float  # in z units, comparable to the paper's validation MSE
    n: int

    def predictions_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"gene_id": self.gene_ids,
                             "expression_log10": self.labels_log10,
                             "predicted_log10": self.predictions_log10,
                             "predicted_z": self.predictions_z})

    def metrics(self) -> dict:
        return {"split": self.split, "n": self.n, "r2": self.r2, "mse_z": self.mse_z}


def squared_pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return math.nan
    if np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1] ** 2)


def predict_split(model, data: TrainingData, split: str, hparams: dict | None = None,
                  batch_size: int = PREDICT_BATCH_SIZE) -> np.ndarray:
    """Predictions in z units for every gene of a split, in the split's order."""
    return predict_arrays(model, data.split(split), data.flank_bp, hparams, batch_size)


def predict_arrays(model, arrays: SplitArrays, flank_bp: int, hparams: dict | None = None,
                   batch_size: int = PREDICT_BATCH_SIZE) -> np.ndarray:
    """Predictions in z units for every gene of `arrays` (stored ±flank_bp windows), in order;
    the model's window and inputs come from `hparams`, else from the model itself."""
    feed = ModelFeed.of(model, hparams)
    batches = make_dataset(arrays, flank_bp, window=feed.window,
                           use_half_life=feed.use_half_life, batch_size=batch_size,
                           with_labels=False)
    return np.asarray(model.predict(batches, verbose=0), dtype=np.float64).reshape(-1)


def evaluate(model, data: TrainingData, split: str = "test", *, hparams: dict | None = None,
             batch_size: int = PREDICT_BATCH_SIZE) -> Evaluation:
    """Predict a split; metrics in z units (MSE) and r² (squared Pearson, unit-free).

    Predictions are also mapped back to log10 expression with data.label_mean/label_std.
    """
    arrays = data.split(split)
    predictions_z = predict_split(model, data, split, hparams, batch_size)
    labels_z = np.asarray(arrays.labels_z, dtype=np.float64)
    return Evaluation(
        split=split, gene_ids=np.asarray(arrays.gene_ids), predictions_z=predictions_z,
        predictions_log10=predictions_z * data.label_std + data.label_mean,
        labels_log10=labels_z * data.label_std + data.label_mean,
        r2=squared_pearson(predictions_z, labels_z),
        mse_z=float(np.mean((predictions_z - labels_z) ** 2)) if len(labels_z) else math.nan,
        n=len(labels_z))


__all__ = [
    "PAPER_LEARNING_RATE", "PAPER_MAX_EPOCHS", "PAPER_PATIENCE_EPOCHS", "PAPER_SEARCH_EPOCHS",
    "EpochRecord", "Evaluation", "ModelFeed", "NonFiniteLoss", "SplitArrays", "TrainingData",
    "TrainingResult", "centre_output_bias", "configure_tensorflow", "derived_seed", "evaluate",
    "make_dataset", "predict_arrays", "predict_split", "probe_genes", "seed_everything",
    "squared_pearson", "train_model", "write_history",
]
