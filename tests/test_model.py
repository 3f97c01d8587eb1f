"""Model builder, named architectures, Table 1 search space and window cropping."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported

import numpy as np
import pytest
from hyperopt.pyll.stochastic import sample

from xpressoflow.model import (
    MANUAL,
    PAPER_BEST,
    InvalidArchitecture,
    build_model,
    count_params_expected,
    crop_window,
    hparams_from_sample,
    search_space,
    validate_hparams,
)

PUBLISHED_HUMAN = "xpresso/human_trainepoch.11-0.426.h5"


def _conv_params(kernel_size: int, channels_in: int, filters: int) -> int:
    return (kernel_size * channels_in + 1) * filters


def _dense_params(width_in: int, units: int) -> int:
    return (width_in + 1) * units


def test_paper_best_has_the_papers_parameter_count():
    model = build_model(PAPER_BEST, n_half_life_features=8)
    assert model.count_params() == 112_485  # Figure S2A
    assert count_params_expected(PAPER_BEST, 8) == 112_485


def test_valid_padding_would_not_reproduce_the_paper():
    # Only 'same' convolutions keep 10500 -> 350 -> 35 positions; 'valid' loses some.
    assert build_model(dict(PAPER_BEST, padding="valid")).count_params() != 112_485


def test_manual_parameter_count_from_layer_arithmetic():
    # ±1.5 kb = 3000 bp; 'same' conv keeps length; pools 10 then 20 -> 300 -> 15 positions.
    flattened = (3000 // 10 // 20) * 64
    expected = (_conv_params(5, 4, 64) + _conv_params(5, 64, 64)
                + _dense_params(flattened + 8, 100) + _dense_params(100, 1))
    model = build_model(MANUAL, n_half_life_features=8)
    assert model.count_params() == expected
    assert model.inputs[0].shape[1:] == (3000, 4)


def test_builder_reproduces_the_published_model(shared_reference):
    import keras

    published = keras.models.load_model(shared_reference / PUBLISHED_HUMAN, compile=False)
    ours = build_model(PAPER_BEST, n_half_life_features=6)
    assert published.count_params() == ours.count_params() == 112_357
    assert [tuple(w.shape) for w in ours.get_weights()] == [
        tuple(w.shape) for w in published.get_weights()]
    assert [tuple(layer.output.shape) for layer in ours.layers[1:]] == [
        tuple(layer.output.shape) for layer in published.layers[1:]]
    # Same weights -> same function: the layer order and padding match the authors' network.
    ours.set_weights(published.get_weights())
    rng = np.random.default_rng(0)
    promoter = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (2, 10_500))]
    half_life = rng.normal(size=(2, 6)).astype(np.float32)
    np.testing.assert_allclose(ours.predict_on_batch([promoter, half_life]),
                               published.predict_on_batch([promoter, half_life]), rtol=1e-5)


def test_promoter_only_and_half_life_only_variants():
    promoter_only = build_model(dict(MANUAL, use_half_life=False))
    assert [t.name for t in promoter_only.inputs] == ["promoter"]
    assert promoter_only.count_params() == count_params_expected(
        dict(MANUAL, use_half_life=False))
    half_life_only = build_model(dict(MANUAL, use_promoter=False), n_half_life_features=8)
    assert [t.name for t in half_life_only.inputs] == ["halflife"]
    assert half_life_only.count_params() == _dense_params(8, 100) + _dense_params(100, 1)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"upstream_bp": -50, "downstream_bp": 50}, "output length < 1"),
        ({"upstream_bp": 0, "downstream_bp": 0}, "empty promoter window"),
        ({"upstream_bp": -2, "downstream_bp": 2, "padding": "valid"}, "leaves no positions"),
        ({"dense_layers": [{"units": 4, "dropout": 1.0}]}, "dropout"),
        ({"conv_blocks": [{"filters": 4, "kernel_size": 0, "dilation": 1, "pool_size": 5}]},
         "kernel_size"),
    ],
)
def test_impossible_configurations_raise_with_reason(change, reason):
    with pytest.raises(InvalidArchitecture, match=reason) as error:
        validate_hparams(dict(PAPER_BEST, **change))
    assert reason in error.value.reason
    with pytest.raises(InvalidArchitecture):
        build_model(dict(PAPER_BEST, **change))


def test_pooling_past_the_sequence_length_names_the_block():
    # 3000 bp: pools of 100 then 100 leave 30 and then 0 positions, in block 2.
    deep = dict(MANUAL, conv_blocks=[
        {"filters": 16, "kernel_size": 3, "dilation": 1, "pool_size": 100}] * 2)
    with pytest.raises(InvalidArchitecture, match="conv block 2.*30 positions"):
        validate_hparams(deep)


def _check_sample_ranges(hp: dict) -> None:
    assert hp["batch_size"] in (32, 64, 128)
    assert -10_000 <= hp["upstream_bp"] <= 0 and hp["upstream_bp"] % 500 == 0
    assert 0 <= hp["downstream_bp"] <= 10_000 and hp["downstream_bp"] % 500 == 0
    assert 1 <= len(hp["conv_blocks"]) <= 4
    for block in hp["conv_blocks"]:
        assert block["filters"] in (16, 32, 64, 128)
        assert 1 <= block["kernel_size"] <= 10
        assert 1 <= block["dilation"] <= 4
        assert 5 <= block["pool_size"] <= 100 and block["pool_size"] % 5 == 0
    assert 1 <= len(hp["dense_layers"]) <= 2
    for layer in hp["dense_layers"]:
        assert layer["units"] in [2**k for k in range(1, 9)]
        assert 0.0 <= layer["dropout"] <= 1.0


def test_search_space_samples_are_buildable_or_cleanly_invalid():
    space = search_space()
    rng = np.random.default_rng(1)
    valid, invalid_reasons = [], []
    for _ in range(20):
        hp = hparams_from_sample(sample(space, rng=rng))
        _check_sample_ranges(hp)
        try:
            valid.append(validate_hparams(hp))
        except InvalidArchitecture as error:
            invalid_reasons.append(error.reason)
    assert valid, f"no buildable sample; reasons: {invalid_reasons}"
    assert all(reason for reason in invalid_reasons)
    for hp in valid[:2]:  # building is cheap but not free: two are enough
        assert build_model(hp).count_params() == count_params_expected(hp)


def test_search_space_reaches_every_depth():
    space = search_space()
    rng = np.random.default_rng(2)
    depths = {len(hparams_from_sample(sample(space, rng=rng))["conv_blocks"]) for _ in range(60)}
    dense = {len(hparams_from_sample(sample(space, rng=rng))["dense_layers"]) for _ in range(20)}
    assert depths == {1, 2, 3, 4}
    assert dense == {1, 2}


def test_crop_window_matches_the_authors_columns():
    # Authors: ±10 kb windows [TSS-10000, TSS+10000), model input X_promoter[:, 3000:13500].
    codes = np.tile(np.arange(20_000) % 5, (2, 1)).astype(np.uint8)
    cropped = crop_window(codes, 10_000, -7000, 3500)
    np.testing.assert_array_equal(cropped, codes[:, 3000:13500])
    one_hot = np.eye(5, 4, dtype=np.float32)[codes]
    np.testing.assert_array_equal(crop_window(one_hot, 10_000, -7000, 3500),
                                  one_hot[:, 3000:13500])
    assert crop_window(codes[0], 10_000, -1500, 1500).shape == (3000,)
    with pytest.raises(ValueError, match="does not fit"):
        crop_window(codes, 10_000, -10_500, 0)


def test_search_space_can_be_narrowed_for_quick_searches():
    from hyperopt.pyll.stochastic import sample

    from xpressoflow.model import hparams_from_sample, search_space

    ranges = {"upstream_bp": [-2000, -500, 500], "downstream_bp": [0, 1000, 500],
              "filters_exponent": [4, 5, 1], "max_conv_blocks": 2, "max_dense_layers": 1}
    space = search_space(ranges)
    rng = np.random.default_rng(11)
    drawn = [hparams_from_sample(sample(space, rng=rng)) for _ in range(30)]
    assert all(-2000 <= h["upstream_bp"] <= -500 for h in drawn)
    assert all(0 <= h["downstream_bp"] <= 1000 for h in drawn)
    assert all(len(h["conv_blocks"]) <= 2 for h in drawn)
    assert all(len(h["dense_layers"]) == 1 for h in drawn)
    assert all(b["filters"] in (16, 32) for h in drawn for b in h["conv_blocks"])
    # Both depths are reachable, so the narrowing did not collapse the choice.
    assert {len(h["conv_blocks"]) for h in drawn} == {1, 2}


def test_search_ranges_reject_unknown_keys_and_bad_bounds():
    from xpressoflow.model import search_ranges

    with pytest.raises(ValueError, match="unknown search range 'windw'"):
        search_ranges({"windw": [0, 1, 1]})
    with pytest.raises(ValueError, match="upstream_bp"):
        search_ranges({"upstream_bp": [0, -500, 500]})
    with pytest.raises(ValueError, match="max_conv_blocks"):
        search_ranges({"max_conv_blocks": 5})
