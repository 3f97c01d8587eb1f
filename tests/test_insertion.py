"""In-silico insertion (xpressoflow.insertion) against a hand-built network whose response to
one motif is known exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")

from xpressoflow.demo.planted import MOTIFS  # noqa: E402
from xpressoflow.insertion import (  # noqa: E402
    control_position,
    insert_site,
    insertion_effect_log10,
    planted_motif_effects,
)
from xpressoflow.sequence import encode_bases  # noqa: E402
from xpressoflow.training import SplitArrays, TrainingData  # noqa: E402

FLANK_BP = 600
WINDOW = (-500, 500)
HPARAMS = {"upstream_bp": WINDOW[0], "downstream_bp": WINDOW[1],
           "conv_blocks": [{"filters": 1, "kernel_size": 8, "dilation": 1, "pool_size": 10}],
           "dense_layers": [{"units": 1, "dropout": 0.0}], "batch_size": 8}
SP1 = next(motif for motif in MOTIFS if motif.name == "SP1")
WEIGHT_Z = 0.5  # the hand-built network's output per SP1 site present, in z units
LABEL_STD = 0.8


def motif_detector(site: str, weight: float, *, n_features: int = 2):
    """Output = weight if `site` occurs anywhere in the window (exact match), else 0."""
    import keras

    promoter = keras.Input((WINDOW[1] - WINDOW[0], 4), name="promoter")
    half_life = keras.Input((n_features,), name="halflife")
    matches = keras.layers.Conv1D(
        1, len(site), activation="relu",
        kernel_initializer=lambda shape, dtype=None: np.eye(4)[encode_bases(site)][:, :, None],
        bias_initializer=keras.initializers.Constant(-(len(site) - 1)))(promoter)
    present = keras.layers.GlobalMaxPooling1D()(matches)
    unused = keras.layers.Dense(1, kernel_initializer="zeros", use_bias=False)(half_life)
    output = keras.layers.Add()([keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant(weight), use_bias=False)(present),
        unused])
    return keras.Model([promoter, half_life], output)


def random_split(n_genes: int, seed: int = 0) -> SplitArrays:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n_genes, 2 * FLANK_BP), dtype=np.uint8)
    return SplitArrays(codes, rng.normal(size=(n_genes, 2)).astype(np.float32),
                       np.zeros(n_genes, np.float32),
                       np.array([f"G{i:03d}" for i in range(n_genes)]))


def test_insert_site_writes_the_site_at_its_position_on_a_copy():
    arrays = random_split(4)
    inserted = insert_site(arrays, FLANK_BP, "ACGTN", -2)
    assert np.all(inserted.promoter_codes[:, FLANK_BP - 2:FLANK_BP + 3] == encode_bases("ACGTN"))
    untouched = np.ones(2 * FLANK_BP, bool)
    untouched[FLANK_BP - 2:FLANK_BP + 3] = False
    assert np.array_equal(inserted.promoter_codes[:, untouched],
                          arrays.promoter_codes[:, untouched])
    assert not np.array_equal(inserted.promoter_codes, arrays.promoter_codes)  # a copy
    with pytest.raises(ValueError, match="does not fit"):
        insert_site(arrays, FLANK_BP, "ACGT", FLANK_BP - 2)


def test_insertion_effect_is_the_networks_response_in_log10_units():
    arrays = random_split(16)
    model = motif_detector(SP1.consensus, WEIGHT_Z)
    effects = insertion_effect_log10(model, arrays, FLANK_BP, LABEL_STD, SP1.consensus, -60,
                                     HPARAMS)
    np.testing.assert_allclose(effects, WEIGHT_Z * LABEL_STD, atol=1e-5)
    with pytest.raises(ValueError, match="outside the model's window"):
        insertion_effect_log10(model, arrays, FLANK_BP, LABEL_STD, SP1.consensus, 495, HPARAMS)


def test_planted_motif_effects_compare_each_motif_with_its_planted_weight():
    n_genes = 40
    test = random_split(n_genes)
    data = TrainingData(train=random_split(8, 1), valid=random_split(8, 2), test=test,
                        flank_bp=FLANK_BP, label_mean=1.0, label_std=LABEL_STD)
    truth = pd.DataFrame({f"motif_{motif.name}_count": 0 for motif in MOTIFS},
                         index=test.gene_ids)
    truth.iloc[:10, truth.columns.get_loc("motif_SP1_count")] = 1  # these already carry SP1
    model = motif_detector(SP1.consensus, WEIGHT_Z)
    table = planted_motif_effects(model, data, truth, "test", HPARAMS).set_index(
        ["motif", "placement"])
    assert len(table) == 2 * len(MOTIFS)
    sp1 = table.loc[("SP1", "planted_window")]
    assert sp1["n_genes"] == n_genes - 10
    assert sp1["learned_log10"] == pytest.approx(WEIGHT_Z * LABEL_STD, abs=1e-5)
    assert sp1["ratio"] == pytest.approx(WEIGHT_Z * LABEL_STD / SP1.weight_log10_per_site,
                                         rel=1e-4)
    # This network counts SP1 anywhere, so the control placement moves it just as much.
    assert table.loc[("SP1", "control"), "learned_log10"] == pytest.approx(
        WEIGHT_Z * LABEL_STD, abs=1e-5)
    assert np.isnan(table.loc[("SP1", "control"), "ratio"])
    others = table.drop(index="SP1", level="motif")
    np.testing.assert_allclose(others["learned_log10"], 0.0, atol=1e-6)
    assert set(others["n_genes"]) == {n_genes}


def test_control_sites_keep_away_from_every_planted_window():
    planted = [(-150, 50), (-35, -20)]
    assert control_position((-500, 1000), planted, 8) == 1000 - 8 - 50
    assert control_position((-1000, 200), planted, 8) == -1000 + 50
    with pytest.raises(ValueError, match="no room"):
        control_position((-300, 200), planted, 8)
