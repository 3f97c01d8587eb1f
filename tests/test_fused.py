"""The fused first conv block computes the plain Keras block's function and gradient."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from test_training import TINY, planted_motif_data  # noqa: E402

from xpressoflow import fused  # noqa: E402
from xpressoflow.fused import OneHotConvPool  # noqa: E402
from xpressoflow.model import PAPER_BEST, build_model, unfused_copy  # noqa: E402
from xpressoflow.training import train_model  # noqa: E402

# float32 sums in a different order (conv kernel gradient vs masked sums): relative error
# ~1e-6 of the gradient's scale.
RELATIVE_TOLERANCE = 1e-5


def _random_onehot(rng, n_genes, length, n_fraction=0.02):
    codes = rng.integers(0, 4, size=(n_genes, length))
    codes[rng.random(codes.shape) < n_fraction] = 4  # N: all-zero one-hot row
    return tf.one_hot(codes, 4)


def _plain_and_fused(rng, filters, kernel_size, dilation, pool_size, length):
    conv = keras.layers.Conv1D(filters, kernel_size, dilation_rate=dilation, padding="same",
                               activation="relu")
    conv.build((None, length, 4))
    # A non-zero bias, so bias-after-pooling is really exercised.
    conv.bias.assign(rng.normal(0.0, 0.3, size=filters).astype("float32"))
    block = OneHotConvPool(filters, kernel_size, pool_size, dilation)
    block.build((None, length, 4))
    block.set_weights(conv.get_weights())
    return conv, keras.layers.MaxPooling1D(pool_size), block


@pytest.mark.parametrize(("kernel_size", "dilation", "pool_size", "length", "n_genes"), [
    (6, 1, 30, 1050, 5),    # the paper's first block, shortened
    (9, 2, 7, 1003, 3),     # dilation; length not a multiple of the pool (tail dropped)
    (1, 1, 5, 103, 4),      # kernel 1: only 5 distinct values, so ties in almost every window
    (10, 4, 100, 2000, 2),  # the largest Table 1 kernel and dilation
])
def test_fused_block_matches_keras_block_and_its_gradient(monkeypatch, kernel_size, dilation,
                                                          pool_size, length, n_genes):
    # Chunks of 2 genes: several chunks and a padded last one in every case.
    monkeypatch.setattr(fused, "CHUNK_BYTES", 2 * length * 16 * 4)
    rng = np.random.default_rng(kernel_size * 100 + dilation)
    conv, pool, block = _plain_and_fused(rng, 16, kernel_size, dilation, pool_size, length)
    onehot = _random_onehot(rng, n_genes, length)
    upstream = tf.constant(rng.normal(size=(n_genes, length // pool_size, 16)), tf.float32)

    with tf.GradientTape() as tape:
        plain_out = pool(conv(onehot))
        plain_loss = tf.reduce_sum(plain_out * upstream)
    plain_grads = tape.gradient(plain_loss, conv.trainable_variables)
    with tf.GradientTape() as tape:
        fused_out = block(onehot, training=True)
        fused_loss = tf.reduce_sum(fused_out * upstream)
    fused_grads = tape.gradient(fused_loss, block.trainable_variables)

    np.testing.assert_array_equal(fused_out.shape, plain_out.shape)
    np.testing.assert_allclose(fused_out, plain_out, rtol=0, atol=1e-6)
    np.testing.assert_allclose(block(onehot, training=False), plain_out, rtol=0, atol=1e-6)
    for plain_grad, fused_grad in zip(plain_grads, fused_grads, strict=True):
        scale = float(tf.reduce_max(tf.abs(plain_grad)))
        assert scale > 0
        np.testing.assert_allclose(fused_grad, plain_grad, rtol=0,
                                   atol=RELATIVE_TOLERANCE * scale)


def test_packed_windows_hold_each_tap_and_read_padding_as_n():
    onehot = tf.one_hot([[0, 1, 2, 3, 4]], 4)  # A C G T N
    packed = fused.packed_windows(onehot, 3, 1).numpy()[0]
    taps = [[(value >> (3 * tap)) & 7 for tap in range(3)] for value in packed]
    # SAME padding of a 3-tap kernel: one base left and right; A=1 ... T=4, N/padding=0.
    assert taps == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 0]]


def test_fused_model_has_the_plain_models_weights_and_function():
    fused_model = build_model(PAPER_BEST, 8, fused_first_block=True)
    assert isinstance(fused_model.layers[1], OneHotConvPool)
    assert fused_model.count_params() == 112_485
    plain = unfused_copy(fused_model, PAPER_BEST, 8)
    assert [type(layer).__name__ for layer in plain.layers[1:3]] == ["Conv1D", "MaxPooling1D"]
    rng = np.random.default_rng(3)
    inputs = {"promoter": _random_onehot(rng, 4, 10_500),
              "halflife": tf.constant(rng.normal(size=(4, 8)), tf.float32)}
    np.testing.assert_allclose(fused_model(inputs, training=False), plain(inputs), atol=1e-5)


def test_fused_and_plain_training_follow_the_same_path(tmp_path):
    """Same seed: same initial weights and (up to float rounding) the same updates, so the
    loss curves agree; the model and checkpoint handed back are the plain layer graph."""
    data = planted_motif_data(n_train=200, n_valid=60, n_test=20)
    runs = {}
    for fused_first_block in (True, False):
        runs[fused_first_block] = train_model(
            TINY, data, epochs=3, patience=None, seed=4, threads=1,
            fused_first_block=fused_first_block,
            checkpoint_path=tmp_path / f"fused_{fused_first_block}.keras")
    for a, b in zip(runs[True].history, runs[False].history, strict=True):
        assert a.train_mse == pytest.approx(b.train_mse, rel=1e-3)
        assert a.valid_mse == pytest.approx(b.valid_mse, rel=1e-3)
    assert not any(isinstance(layer, OneHotConvPool) for layer in runs[True].model.layers)
    reloaded = keras.models.load_model(tmp_path / "fused_True.keras")
    assert [type(layer).__name__ for layer in reloaded.layers[1:3]] == ["Conv1D",
                                                                        "MaxPooling1D"]


def test_kernels_too_long_to_pack_are_refused():
    with pytest.raises(ValueError, match="kernel_size"):
        fused.packed_windows(tf.zeros((1, 20, 4)), fused.MAX_FUSED_KERNEL + 1, 1)


@pytest.mark.parametrize("change", [{"padding": "valid"},
                                    {"conv_blocks": [{"filters": 8, "kernel_size": 12,
                                                      "dilation": 1, "pool_size": 50}]}])
def test_blocks_the_fused_layer_cannot_take_are_built_plain(change):
    model = build_model(dict(TINY, **change), 2, fused_first_block=True)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert "OneHotConvPool" not in kinds and "Conv1D" in kinds


def test_training_fuses_large_first_blocks_only(monkeypatch):
    from xpressoflow import training

    built = []
    real_build = training.build_model

    def recording_build(hp, n, **options):
        built.append(options.get("fused_first_block"))
        return real_build(hp, n, **options)

    monkeypatch.setattr(training, "build_model", recording_build)
    data = planted_motif_data(n_train=64, n_valid=32, n_test=8)
    # TINY: 16 genes x 200 bp x 16 filters, far below FUSED_MIN_CONV_BYTES -> plain.
    train_model(TINY, data, epochs=1, patience=None, seed=1, threads=1)
    monkeypatch.setattr(fused, "FUSED_MIN_CONV_BYTES", 1)
    train_model(TINY, data, epochs=1, patience=None, seed=1, threads=1)
    assert built == [False, True]
    assert fused.fusion_pays_off(128, 10_500, 128)  # the paper's architecture
