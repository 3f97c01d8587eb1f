"""Hyperparameter search in rounds: determinism, resume after a kill, failure records.

A tiny space (windows of at most ±100 bp, 4-8 filters, 1-2 epochs) keeps every trial at about a
second on 2 CPU cores. It has the structure of model.search_space(), so hparams_from_sample
reads its samples.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("hyperopt")

from test_training import planted_motif_data  # noqa: E402

from xpressoflow import search  # noqa: E402
from xpressoflow.search import (  # noqa: E402
    best_trial,
    merge_round,
    read_trials,
    run_search,
    run_trial,
    suggest_round,
    trial_ids,
)

TINY_EPOCHS = 1


def _tiny_conv_block(index: int) -> dict:
    from hyperopt import hp

    return {"filters": 2 ** hp.quniform(f"conv{index}_filters", 2, 3, 1),
            "kernel_size": hp.quniform(f"conv{index}_kernel_size", 3, 6, 1),
            "dilation": hp.quniform(f"conv{index}_dilation", 1, 2, 1),
            "pool_size": hp.quniform(f"conv{index}_pool_size", 10, 50, 10)}


def _tiny_dense_layer(index: int) -> dict:
    from hyperopt import hp

    return {"units": 2 ** hp.quniform(f"dense{index}_units", 2, 3, 1),
            "dropout": hp.uniform(f"dense{index}_dropout", 0.0, 0.2)}


def tiny_space() -> dict:
    """model.search_space()'s structure with ranges for a ±100 bp stored window.

    Two pools of 50 on a 100 bp window leave nothing, so some samples fail, as in the paper.
    """
    from hyperopt import hp

    return {
        "batch_size": 2 ** hp.quniform("batch_size", 4, 5, 1),
        "upstream_bp": hp.quniform("upstream_bp", -100, -50, 50),
        "downstream_bp": hp.quniform("downstream_bp", 50, 100, 50),
        "conv": {"block": _tiny_conv_block(1),
                 "deeper": hp.choice("conv_blocks_after_1",
                                     [None, {"block": _tiny_conv_block(2), "deeper": None}])},
        "dense": {"first": _tiny_dense_layer(1),
                  "second": hp.choice("dense_layers_after_1", [None, _tiny_dense_layer(2)])},
    }


@pytest.fixture(scope="module")
def data():
    return planted_motif_data(n_train=200, n_valid=60, n_test=20)


def _fake_finished_round(tmp_path, algo: str, n_trials: int = 4):
    """A trials TSV of round 0 with made-up losses (no training needed to test suggestions)."""
    records = []
    for trial, params in suggest_round(None, algo, 0, n_trials, seed=1, space=tiny_space()):
        records.append({"trial_id": trial, "round": 0, "position": params["position"],
                        "tid": params["tid"], "algo": algo, "status": "ok",
                        "loss": 0.5 + 0.1 * params["position"], "best_epoch": 1,
                        "epochs_run": 1, "time_s": 0.1, "reason": "",
                        "hparams": json.dumps(params["hparams"]),
                        "hyperopt_vals": json.dumps(params["hyperopt_vals"])})
    records[-1].update(status="fail", loss=float("nan"), reason="made up")
    return merge_round(tmp_path / "trials.tsv", records)


@pytest.mark.parametrize("algo", ["tpe", "anneal"])
def test_suggestions_are_deterministic(tmp_path, algo):
    _fake_finished_round(tmp_path, algo)
    # n_startup_jobs=2: TPE leaves its random start-up phase and uses the posterior.
    options = {"n_startup_jobs": 2} if algo == "tpe" else None

    def suggest(seed):
        return suggest_round(tmp_path / "trials.tsv", algo, 1, 3, seed, space=tiny_space(),
                             algo_options=options, out_dir=tmp_path / f"seed{seed}")

    first, again, other_seed = suggest(5), suggest(5), suggest(6)
    assert first == again
    assert [p["hyperopt_vals"] for _, p in first] != [p["hyperopt_vals"] for _, p in other_seed]
    assert [t for t, _ in first] == trial_ids(1, 3) == ["r001_t00", "r001_t01", "r001_t02"]
    # The three suggestions of one round differ from each other (earlier ones count as running).
    assert len({json.dumps(p["hyperopt_vals"]) for _, p in first}) == 3
    written = json.loads((tmp_path / "seed5" / "r001_t00.json").read_text())
    assert written == first[0][1]


def test_suggestions_ignore_trials_of_the_same_or_later_rounds(tmp_path):
    table = _fake_finished_round(tmp_path, "tpe")
    before = suggest_round(tmp_path / "trials.tsv", "tpe", 0, 2, 9, space=tiny_space())
    assert len(table) == 4  # round 0 is in the table, yet round 0's suggestions do not see it
    assert before == suggest_round(None, "tpe", 0, 2, 9, space=tiny_space())


def test_trials_table_round_trips_to_hyperopt_trials(tmp_path):
    _fake_finished_round(tmp_path, "anneal")
    with open(tmp_path / "trials.pkl", "rb") as handle:
        trials = pickle.load(handle)
    assert len(trials.trials) == 4
    assert [r["status"] for r in trials.results] == ["ok", "ok", "ok", "fail"]
    assert trials.best_trial["tid"] == 0
    best = best_trial(tmp_path / "trials.tsv")
    assert best["trial_id"] == "r000_t00" and best["loss"] == pytest.approx(0.5)
    assert isinstance(best["hparams"]["conv_blocks"], list)


def test_resume_after_kill_reruns_nothing_finished(tmp_path, data, monkeypatch):
    calls: list[str] = []
    real_run_trial = search.run_trial

    def counting_run_trial(params_json, *args, **kwargs):
        trial = json.loads(open(params_json).read())["trial_id"]
        if trial == "r001_t01" and "killed" not in calls:
            calls.append("killed")
            raise KeyboardInterrupt  # the job dies after r001_t00 finished
        calls.append(trial)
        return real_run_trial(params_json, *args, **kwargs)

    monkeypatch.setattr(search, "run_trial", counting_run_trial)
    options = dict(algo="tpe", k=3, seed=2, epochs=TINY_EPOCHS, space=tiny_space(),
                   algo_options={"n_startup_jobs": 2}, threads=1)
    run_search(tmp_path, data, n_rounds=1, **options)
    with pytest.raises(KeyboardInterrupt):
        run_search(tmp_path, data, n_rounds=2, **options)
    finished = tmp_path / "round_001" / "results" / "r001_t00.json"
    mtime_ns = finished.stat().st_mtime_ns
    suggestions_before = (tmp_path / "round_001" / "suggestions" / "r001_t02.json").read_text()

    table = run_search(tmp_path, data, n_rounds=2, **options)

    assert calls == ["r000_t00", "r000_t01", "r000_t02", "r001_t00", "killed",
                     "r001_t01", "r001_t02"]
    assert finished.stat().st_mtime_ns == mtime_ns
    assert (tmp_path / "round_001" / "suggestions" / "r001_t02.json").read_text() == \
        suggestions_before
    assert list(table["trial_id"]) == trial_ids(0, 3) + trial_ids(1, 3)
    assert table["trial_id"].is_unique
    on_disk = read_trials(tmp_path / "trials.tsv")
    assert list(on_disk["trial_id"]) == list(table["trial_id"])
    assert set(on_disk["status"]) <= {"ok", "fail"}
    assert on_disk.loc[on_disk.status == "ok", "loss"].between(0, 10).all()
    # A rerun of a finished search does nothing but re-merge (no duplicates).
    assert len(run_search(tmp_path, data, n_rounds=2, **options)) == 6
    assert calls[-1] == "r001_t02"


def test_anneal_search_runs(tmp_path, data):
    table = run_search(tmp_path, data, algo="anneal", n_rounds=2, k=1, seed=4,
                       epochs=TINY_EPOCHS, space=tiny_space(), threads=1)
    assert list(table["trial_id"]) == ["r000_t00", "r001_t00"]
    assert (tmp_path / "trials.pkl").exists()


def _params(hparams: dict, trial: str = "r000_t00") -> dict:
    return {"trial_id": trial, "round": 0, "position": 0, "tid": 0, "algo": "tpe",
            "hyperopt_vals": {}, "hparams": hparams}


def _hparams(pool_sizes, window=(-100, 100)) -> dict:
    return {"upstream_bp": window[0], "downstream_bp": window[1], "batch_size": 16,
            "conv_blocks": [{"filters": 4, "kernel_size": 3, "dilation": 1, "pool_size": p}
                            for p in pool_sizes],
            "dense_layers": [{"units": 4, "dropout": 0.0}]}


def test_pooling_past_the_sequence_is_a_recorded_failure(tmp_path, data):
    record = run_trial(_params(_hparams([50, 50])), data, TINY_EPOCHS,
                       result_path=tmp_path / "r000_t00.json")
    assert record["status"] == "fail" and "pool" in record["reason"]
    assert json.loads((tmp_path / "r000_t00.json").read_text())["status"] == "fail"
    table = merge_round(tmp_path / "trials.tsv", [tmp_path / "r000_t00.json"])
    assert table.loc[0, "status"] == "fail" and np.isnan(table.loc[0, "loss"])


def test_window_beyond_the_stored_flank_is_a_recorded_failure(data):
    record = run_trial(_params(_hparams([10], window=(-500, 100))), data, TINY_EPOCHS)
    assert record["status"] == "fail" and "does not fit" in record["reason"]


def test_window_that_shift_augmentation_pushes_past_the_flank_is_a_recorded_failure(data):
    fits = (-data.flank_bp + 2, 100)
    assert run_trial(_params(_hparams([10], window=fits)), data, 1)["status"] == "ok"
    record = run_trial(_params(_hparams([10], window=fits)), data, 1, shift_bp=5)
    assert record["status"] == "fail" and "shifted by up to" in record["reason"]


def test_trial_records_carry_their_shift_augmentation(tmp_path, data):
    record = run_trial(_params(_hparams([10])), data, 1, shift_bp=3,
                       result_path=tmp_path / "r000_t00.json")
    assert record["shift_augment_bp"] == 3
    table = merge_round(tmp_path / "trials.tsv", [tmp_path / "r000_t00.json"])
    assert read_trials(tmp_path / "trials.tsv").loc[0, "shift_augment_bp"] == 3
    # tables written before the column existed were searched without shift augmentation
    table.drop(columns="shift_augment_bp").to_csv(tmp_path / "old.tsv", sep="\t", index=False)
    assert read_trials(tmp_path / "old.tsv").loc[0, "shift_augment_bp"] == 0


def test_out_of_memory_is_a_recorded_failure(data, monkeypatch):
    import tensorflow as tf

    def out_of_memory(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    monkeypatch.setattr(search, "train_model", out_of_memory)
    record = run_trial(_params(_hparams([10])), data, TINY_EPOCHS)
    assert record["status"] == "fail" and record["reason"].startswith("out of memory")


def test_nan_loss_is_a_recorded_failure(data):
    # A huge learning rate on unscaled inputs blows the weights up within one epoch.
    record = run_trial(_params(_hparams([10])), data, TINY_EPOCHS, learning_rate=1e30)
    assert record["status"] == "fail" and "NaN" in record["reason"]


def test_merging_twice_keeps_one_row_per_trial(tmp_path):
    records = [{"trial_id": "r000_t00", "round": 0, "position": 0, "tid": 0, "algo": "tpe",
                "status": "ok", "loss": 0.4, "best_epoch": 3, "epochs_run": 10, "time_s": 1.0,
                "reason": "", "hparams": "{}", "hyperopt_vals": "{}"}]
    merge_round(tmp_path / "trials.tsv", records)
    table = merge_round(tmp_path / "trials.tsv", records)
    assert len(table) == 1
    assert isinstance(read_trials(tmp_path / "trials.tsv"), pd.DataFrame)
