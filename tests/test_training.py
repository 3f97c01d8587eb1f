"""Training loop on synthetic promoters whose label is a planted function of a motif count.

Label = number of GGGCGG (an SP1-like GC box) planted in a random 200 bp window + noise, so a
tiny conv net can learn it in a few epochs; everything runs in seconds on 2 CPU cores.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from xpressoflow.sequence import encode_bases  # noqa: E402
from xpressoflow.training import (  # noqa: E402
    MAX_COLLAPSE_RESTARTS,
    NonFiniteLoss,
    SplitArrays,
    TrainingData,
    evaluate,
    make_dataset,
    train_model,
)

MOTIF = "GGGCGG"
FLANK_BP = 100  # stored windows of 200 bp, TSS at index 100
N_HALF_LIFE_FEATURES = 2
# Same seed, same machine, op determinism on: runs agree bit for bit in practice; the
# tolerance only allows for float32 summation order should a kernel ever differ.
SAME_SEED_TOLERANCE = 1e-6

TINY = {
    "upstream_bp": -100,
    "downstream_bp": 100,
    "conv_blocks": [{"filters": 16, "kernel_size": 6, "dilation": 1, "pool_size": 50}],
    "dense_layers": [{"units": 8, "dropout": 0.0}],
    "batch_size": 16,
}
# Faster than the paper's 1e-3 on this tiny problem, so a few epochs show clear learning.
TINY_LEARNING_RATE = 3e-3


def _planted_split(rng: np.random.Generator, n_genes: int, length_bp: int, prefix: str):
    codes = rng.integers(0, 4, size=(n_genes, length_bp), dtype=np.uint8)
    codes[rng.random(codes.shape) < 0.01] = 4  # a few N bases, as in real promoters
    motif = encode_bases(MOTIF)
    counts = rng.poisson(1.5, size=n_genes)
    for gene, count in enumerate(counts):
        for start in rng.choice(length_bp - len(motif), size=count, replace=False):
            codes[gene, start:start + len(motif)] = motif
    labels = counts + rng.normal(0.0, 0.3, size=n_genes)
    features = rng.normal(size=(n_genes, N_HALF_LIFE_FEATURES)).astype(np.float32)
    gene_ids = np.array([f"{prefix}{i:04d}" for i in range(n_genes)])
    return codes, features, labels, gene_ids


def planted_motif_data(n_train: int = 600, n_valid: int = 100, n_test: int = 100,
                       seed: int = 7, hide_test_labels: bool = False) -> TrainingData:
    """TrainingData with labels = planted motif count + noise, z-scored on the training genes."""
    rng = np.random.default_rng(seed)
    raw = {name: _planted_split(rng, n, 2 * FLANK_BP, name)
           for name, n in [("train", n_train), ("valid", n_valid), ("test", n_test)]}
    label_mean, label_std = float(raw["train"][2].mean()), float(raw["train"][2].std())
    splits = {}
    for name, (codes, features, labels, gene_ids) in raw.items():
        labels_z = ((labels - label_mean) / label_std).astype(np.float32)
        if name == "test" and hide_test_labels:
            labels_z = np.full_like(labels_z, np.nan)
        splits[name] = SplitArrays(codes, features, labels_z, gene_ids)
    return TrainingData(**splits, flank_bp=FLANK_BP, label_mean=label_mean, label_std=label_std)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return planted_motif_data()


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """One training run shared by several tests (training is the slow part)."""
    import keras

    out = tmp_path_factory.mktemp("train")
    recorder = _ValidPredictionRecorder(data)
    result = train_model(TINY, data, epochs=12, patience=3, seed=11, threads=1,
                         learning_rate=TINY_LEARNING_RATE, checkpoint_path=out / "model.keras",
                         history_path=out / "history.tsv", callbacks=[recorder])
    assert isinstance(result.model, keras.Model)
    return result, recorder, out


class _ValidPredictionRecorder:
    """Keras callback (built lazily so the module imports without Keras at collection)."""

    def __new__(cls, data):
        import keras

        class Recorder(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.batches = make_dataset(data.valid, data.flank_bp, window=(-100, 100),
                                            use_half_life=True, batch_size=256,
                                            with_labels=False)
                self.predictions = {}

            def on_epoch_end(self, epoch, logs=None):
                self.predictions[epoch + 1] = self.model.predict(self.batches, verbose=0)

        return Recorder()


def test_batches_are_one_hot_with_n_as_zeros(data):
    batches = make_dataset(data.train, data.flank_bp, window=(-50, 50), use_half_life=True,
                           batch_size=16)
    inputs, labels = next(iter(batches))
    promoter = inputs["promoter"].numpy()
    assert promoter.shape == (16, 100, 4) and inputs["halflife"].shape == (16, 2)
    codes = data.train.promoter_codes[:16, 50:150]
    assert np.array_equal(promoter.argmax(-1)[codes < 4], codes[codes < 4])
    assert np.all(promoter[codes == 4] == 0)
    assert np.allclose(labels.numpy(), data.train.labels_z[:16])


def _shift_augmented_epochs(shift_bp: int, seed: int, n_epochs: int):
    """(genes, stored windows, per epoch the offset of every gene's window in batch order)."""
    rng = np.random.default_rng(0)
    n_genes, flank_bp, window = 24, 40, (-10, 15)
    codes = rng.integers(0, 4, size=(n_genes, 2 * flank_bp), dtype=np.uint8)
    split = SplitArrays(codes, np.zeros((n_genes, 1), np.float32),
                        np.arange(n_genes, dtype=np.float32), np.arange(n_genes))
    batches = make_dataset(split, flank_bp, window=window, use_half_life=False, batch_size=5,
                           shuffle_seed=seed, shift_bp=shift_bp)
    epochs = []
    for _ in range(n_epochs):
        offsets = {}
        for inputs, labels in batches:
            seen = inputs["promoter"].numpy().argmax(-1)
            for gene, promoter in zip(labels.numpy().astype(int), seen, strict=True):
                matches = [shift for shift in range(-shift_bp, shift_bp + 1)
                           if np.array_equal(promoter, codes[gene, flank_bp + window[0] + shift:
                                                             flank_bp + window[1] + shift])]
                assert len(matches) == 1, "every window is the gene's own, moved by <= shift"
                offsets[gene] = matches[0]
        assert sorted(offsets) == list(range(n_genes))  # every gene once per epoch
        epochs.append(offsets)
    return epochs


def test_shift_augmentation_moves_each_window_within_the_range_anew_each_epoch():
    first, second = _shift_augmented_epochs(shift_bp=4, seed=5, n_epochs=2)
    assert {-4, 4} <= set(first.values()) | set(second.values())
    assert len(set(first.values())) > 3  # genes get their own offsets
    assert first != second  # drawn anew each epoch
    assert _shift_augmented_epochs(shift_bp=4, seed=5, n_epochs=2) == [first, second]
    (unshifted,) = _shift_augmented_epochs(shift_bp=0, seed=5, n_epochs=1)
    assert set(unshifted.values()) == {0}


def test_shift_augmentation_only_for_training_batches_that_fit(data):
    with pytest.raises(ValueError, match="shuffled training"):
        make_dataset(data.valid, data.flank_bp, window=(-50, 50), use_half_life=True,
                     batch_size=8, shift_bp=3)
    with pytest.raises(ValueError, match="does not fit"):
        make_dataset(data.train, data.flank_bp, window=(-data.flank_bp, 50),
                     use_half_life=True, batch_size=8, shuffle_seed=1, shift_bp=3)


def test_train_model_trains_on_shifted_windows(data):
    inner = {**TINY, "upstream_bp": -95, "downstream_bp": 95}  # room to shift by 5 bp
    plain = train_model(inner, data, epochs=2, patience=None, seed=4, threads=1)
    shifted = train_model(inner, data, epochs=2, patience=None, seed=4, threads=1, shift_bp=5)
    plain_loss = [record.train_mse for record in plain.history]
    shifted_loss = [record.train_mse for record in shifted.history]
    assert plain_loss != pytest.approx(shifted_loss, rel=1e-6)


def test_validation_mse_falls_below_label_variance(trained, data):
    result, _, out = trained
    label_variance = float(np.var(data.valid.labels_z))
    assert result.best_valid_mse < 0.7 * label_variance
    assert result.history[0].valid_mse > result.best_valid_mse
    assert (out / "history.tsv").read_text().startswith("epoch\ttrain_mse\tvalid_mse\tseconds")
    assert result.genes_per_s > 0 and result.wall_time_s > 0


def test_early_stopping_stops_patience_epochs_after_the_best(trained):
    result, _, _ = trained
    valid_mse = [record.valid_mse for record in result.history]
    assert result.best_epoch == int(np.argmin(valid_mse)) + 1
    if result.stopped_early:
        assert result.epochs_run == result.best_epoch + 3
    else:
        assert result.epochs_run == 12


def test_zero_learning_rate_stops_exactly_after_patience(data):
    # Weights never move, so no epoch after the first is strictly better.
    result = train_model(TINY, data, epochs=20, patience=2, seed=3, learning_rate=0.0,
                         threads=1)
    assert (result.best_epoch, result.epochs_run, result.stopped_early) == (1, 3, True)


def test_checkpoint_holds_the_best_epoch_weights(trained, data):
    import keras

    result, recorder, out = trained
    reloaded = keras.models.load_model(out / "model.keras")
    best_epoch_predictions = recorder.predictions[result.best_epoch]
    reloaded_eval = evaluate(reloaded, data, "valid")
    returned_eval = evaluate(result.model, data, "valid")
    np.testing.assert_allclose(reloaded_eval.predictions_z, best_epoch_predictions.ravel(),
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(returned_eval.predictions_z, reloaded_eval.predictions_z,
                               rtol=0, atol=1e-6)
    assert reloaded_eval.mse_z == pytest.approx(result.best_valid_mse, abs=1e-5)
    assert not list(out.glob(".model.keras.*")), "temporary checkpoint files left behind"


def test_same_seed_gives_same_metrics(data):
    first = train_model(TINY, data, epochs=2, patience=None, seed=5, threads=1)
    second = train_model(TINY, data, epochs=2, patience=None, seed=5, threads=1)
    for a, b in zip(first.history, second.history, strict=True):
        assert a.train_mse == pytest.approx(b.train_mse, abs=SAME_SEED_TOLERANCE)
        assert a.valid_mse == pytest.approx(b.valid_mse, abs=SAME_SEED_TOLERANCE)


def test_training_never_reads_test_labels():
    hidden = planted_motif_data(n_train=200, n_valid=60, n_test=40, hide_test_labels=True)
    result = train_model(TINY, hidden, epochs=2, patience=None, seed=1, threads=1)
    assert all(math.isfinite(r.train_mse) and math.isfinite(r.valid_mse)
               for r in result.history)
    test = evaluate(result.model, hidden, "test")
    assert test.n == 40 and np.all(np.isfinite(test.predictions_log10))
    assert math.isnan(test.mse_z) and math.isnan(test.r2)  # only evaluate sees the test split
    # Without a test split at all, training works just the same.
    no_test = TrainingData(hidden.train, hidden.valid, None, hidden.flank_bp)
    assert train_model(TINY, no_test, epochs=1, patience=None, seed=1).epochs_run == 1


def test_evaluate_maps_back_to_log10(trained, data):
    result, _, _ = trained
    valid = evaluate(result.model, data, "valid", hparams=TINY)
    np.testing.assert_allclose(valid.predictions_log10,
                               valid.predictions_z * data.label_std + data.label_mean)
    np.testing.assert_allclose(valid.labels_log10,
                               data.valid.labels_z * data.label_std + data.label_mean, atol=1e-5)
    assert 0.5 < valid.r2 <= 1.0 and valid.n == len(data.valid)
    frame = valid.predictions_frame()
    assert list(frame.gene_id[:2]) == list(data.valid.gene_ids[:2])


def test_nan_labels_in_training_raise_non_finite_loss(data):
    broken = TrainingData(
        SplitArrays(data.train.promoter_codes, data.train.half_life_features,
                    np.full(len(data.train), np.nan, np.float32), data.train.gene_ids),
        data.valid, None, data.flank_bp)
    with pytest.raises(NonFiniteLoss):
        train_model(TINY, broken, epochs=2, patience=None, seed=1)


def _first_hidden_dense(model):
    import keras

    return next(layer for layer in model.layers
                if isinstance(layer, keras.layers.Dense) and layer.name != "expression")


def _kill_hidden_units(model):
    """Every hidden ReLU off for every input: the output no longer depends on the input."""
    layer = _first_hidden_dense(model)
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, np.full_like(bias, -1e6)])


def test_output_bias_is_centred_on_training_labels_and_nothing_else_moves(data):
    from xpressoflow.model import build_model
    from xpressoflow.training import (
        PROBE_GENES,
        ModelFeed,
        centre_output_bias,
        probe_genes,
        seed_everything,
    )

    seed_everything(1)
    model = build_model(TINY, N_HALF_LIFE_FEATURES)
    before = model.get_weights()
    feed = ModelFeed.of_hparams(TINY)
    inputs = centre_output_bias(model, feed, data, seed=1)
    after = model.get_weights()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True))
               if not np.array_equal(a, b)]
    assert changed == [len(after) - 1]  # the output bias only
    # The probe: PROBE_GENES of the 600 training genes.
    probe = probe_genes(data, seed=1)
    labels = probe.labels_z
    assert len(labels) == min(PROBE_GENES, len(data.train))
    assert set(probe.gene_ids) <= set(data.train.gene_ids)
    predictions = np.asarray(model(inputs, training=False)).ravel()
    assert predictions.mean() == pytest.approx(float(np.mean(labels)), abs=1e-5)


def test_probe_genes_are_distinct_training_genes_fixed_by_the_seed(data):
    from xpressoflow.training import PROBE_GENES, probe_genes

    probe = probe_genes(data, seed=3)
    assert len(probe) == PROBE_GENES < len(data.train)
    assert len(set(probe.gene_ids)) == PROBE_GENES
    rows = {gene: i for i, gene in enumerate(data.train.gene_ids)}
    for i, gene in enumerate(probe.gene_ids):  # every array row-aligned with its gene
        np.testing.assert_array_equal(probe.promoter_codes[i],
                                      data.train.promoter_codes[rows[gene]])
        assert probe.labels_z[i] == data.train.labels_z[rows[gene]]
    np.testing.assert_array_equal(probe_genes(data, seed=3).gene_ids, probe.gene_ids)
    assert set(probe_genes(data, seed=4).gene_ids) != set(probe.gene_ids)


def test_a_network_dead_from_the_start_is_restarted(data, monkeypatch):
    from xpressoflow import training

    real_centre = training.centre_output_bias
    calls = []

    def centre_then_kill_first_attempt(model, feed, data_, seed):
        inputs = real_centre(model, feed, data_, seed)
        if not calls:
            _kill_hidden_units(model)
        calls.append(seed)
        return inputs

    monkeypatch.setattr(training, "centre_output_bias", centre_then_kill_first_attempt)
    result = train_model(TINY, data, epochs=3, patience=None, seed=2, threads=1)
    assert result.restarts == 1 and len(set(calls)) == 2  # a new seed for the new start
    assert result.collapsed_epoch is None
    predictions = evaluate(result.model, data, "valid").predictions_z
    assert np.std(predictions) > 1e-3


class _KillAfterEpoch:
    """Keras callback factory: in attempt i (one `fit` each) every hidden unit is killed at
    the end of epoch kill_after[i] (1-based; None: never); live epochs' val_loss recorded."""

    def __new__(cls, kill_after):
        import keras

        class Killer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.attempt = -1
                self.live_valid = []  # per attempt, validation MSE of its live epochs

            def on_train_begin(self, logs=None):
                self.attempt += 1
                self.live_valid.append([])

            def on_epoch_end(self, epoch, logs=None):
                self.live_valid[-1].append(float(logs["val_loss"]))
                if kill_after[self.attempt] == epoch + 1:
                    _kill_hidden_units(self.model)

        return Killer()


def test_a_network_that_dies_later_restarts_and_keeps_the_better_attempt(data):
    killer = _KillAfterEpoch([1, None, None])
    result = train_model(TINY, data, epochs=6, patience=None, seed=3, threads=1,
                         callbacks=[killer])
    first_best = killer.live_valid[0][0]  # attempt 1: epoch 1 live, dead at the end of it
    assert result.restarts == 1 and len(killer.live_valid) == 2
    assert result.best_valid_mse == pytest.approx(min(first_best, *killer.live_valid[1]))
    assert result.best_valid_mse < first_best  # six live epochs beat one here
    assert result.collapsed_epoch is None and result.epochs_run == 6
    assert np.std(evaluate(result.model, data, "valid").predictions_z) > 1e-3


def test_when_every_attempt_dies_the_best_live_epoch_of_all_is_kept(data, tmp_path):
    import keras

    # Attempt 1 learns for 4 epochs before dying, the others die after 1 (or 2) epochs, so
    # the kept epoch (and the checkpoint) comes from the first attempt although later
    # attempts ran after it.
    killer = _KillAfterEpoch([4, 1, 2])
    result = train_model(TINY, data, epochs=8, patience=None, seed=3, threads=1,
                         learning_rate=TINY_LEARNING_RATE, callbacks=[killer],
                         checkpoint_path=tmp_path / "model.keras")
    assert result.restarts == MAX_COLLAPSE_RESTARTS == len(killer.live_valid) - 1
    best_per_attempt = [min(attempt) for attempt in killer.live_valid]
    assert result.best_valid_mse == pytest.approx(min(best_per_attempt))
    assert int(np.argmin(best_per_attempt)) == 0
    assert result.collapsed_epoch == 5 and result.epochs_run == 5
    live = evaluate(result.model, data, "valid").predictions_z
    assert np.std(live) > 1e-3
    saved = keras.models.load_model(tmp_path / "model.keras", compile=False)
    np.testing.assert_allclose(evaluate(saved, data, "valid", hparams=TINY).predictions_z,
                               live, atol=1e-5)


def test_probe_predictions_in_batches_equal_one_call(data):
    from xpressoflow.model import build_model
    from xpressoflow.training import (
        PREDICT_BATCH_SIZE,
        ModelFeed,
        _dataset_for,
        predict_in_batches,
        seed_everything,
    )

    seed_everything(2)
    model = build_model(TINY, N_HALF_LIFE_FEATURES)
    n_genes = 2 * PREDICT_BATCH_SIZE + 44  # a ragged last batch
    inputs, _ = next(iter(_dataset_for(ModelFeed.of_hparams(TINY), data, "train", n_genes)))
    np.testing.assert_allclose(predict_in_batches(model, inputs),
                               np.asarray(model(inputs, training=False)).ravel(), atol=1e-6)
