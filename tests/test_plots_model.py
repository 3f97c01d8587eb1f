"""Model figure panels (Figures 1B, 1C, 2A, 2B, S2A, S2B) render from synthetic tables in the
pipeline's formats, and return the statistic they show (checked against an independent
computation)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from xpressoflow.plots.model_figures import (
    fig1b_search_progress,
    fig1c_training_trials,
    fig2a_subsampling,
    fig2b_predicted_vs_observed,
    figS2a_architecture,
    figS2b_window_vs_loss,
    search_progress,
)


def assert_written(stem):
    for suffix in (".pdf", ".png"):
        path = stem.parent / f"{stem.name}{suffix}"
        assert path.stat().st_size > 0, path
    # No temporary files left behind by the atomic writes.
    assert not [p for p in stem.parent.iterdir() if p.name.startswith(".")]


def trials_table(algo: str, n: int, seed: int, fail_every: int = 7, k: int = 5) -> pd.DataFrame:
    """Trials table in search.py's format: rounds of k, some failures (loss NaN)."""
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(n):
        round_index, position = divmod(index, k)
        failed = index % fail_every == 3
        upstream = -500 * int(rng.integers(0, 21))
        downstream = 500 * int(rng.integers(1, 21))
        hparams = {"upstream_bp": upstream, "downstream_bp": downstream,
                   "conv_blocks": [{"filters": 64, "kernel_size": 5, "dilation": 1,
                                    "pool_size": 10}],
                   "dense_layers": [{"units": 32, "dropout": 0.1}], "batch_size": 64}
        rows.append({
            "trial_id": f"r{round_index:03d}_p{position:02d}", "round": round_index,
            "position": position, "tid": index, "algo": algo,
            "status": "fail" if failed else "ok",
            "loss": math.nan if failed else 0.40 + 0.3 * rng.random() + 0.2 / (index + 1),
            "best_epoch": 0 if failed else int(rng.integers(1, 10)),
            "epochs_run": 0 if failed else 10, "time_s": float(rng.random() * 100),
            "reason": "conv block 2: max pooling leaves an output length < 1" if failed else "",
            "hparams": json.dumps(hparams, sort_keys=True),
            "hyperopt_vals": json.dumps({"upstream_bp": [upstream]}, sort_keys=True)})
    table = pd.DataFrame(rows)
    # Stored order is not search order: the figure must sort by (round, position).
    return table.sample(frac=1, random_state=seed).reset_index(drop=True)


def test_fig1b_search_progress(tmp_path):
    trials = {"tpe": trials_table("tpe", 60, 1), "anneal": trials_table("anneal", 45, 2)}
    stem = tmp_path / "fig1b"
    finals = fig1b_search_progress(trials, 0.479, stem)
    assert_written(stem)
    for algo, table in trials.items():
        expected = table.loc[table["status"] == "ok", "loss"].min()
        assert finals[algo] == pytest.approx(expected)


def test_search_progress_counts_failures_as_iterations():
    table = pd.DataFrame({"round": [1, 0, 0, 0], "position": [0, 1, 0, 2],
                          "status": ["ok", "ok", "fail", "fail"],
                          "loss": [0.3, 0.5, math.nan, math.nan]})
    progress = search_progress(table)
    assert progress["iteration"].tolist() == [1, 2, 3, 4]
    best = progress["best_so_far"].tolist()
    assert math.isnan(best[0]) and best[1:] == [0.5, 0.5, 0.3]


def test_fig1b_algorithm_without_success(tmp_path):
    failed = trials_table("anneal", 5, 3, fail_every=1)
    failed["status"], failed["loss"] = "fail", math.nan
    finals = fig1b_search_progress({"tpe": trials_table("tpe", 10, 4), "anneal": failed},
                                   None, tmp_path / "fig1b")
    assert math.isnan(finals["anneal"]) and finals["tpe"] > 0
    assert_written(tmp_path / "fig1b")


def test_figS2b_window_vs_loss(tmp_path):
    trials = pd.concat([trials_table("tpe", 60, 1), trials_table("anneal", 45, 2)],
                       ignore_index=True)
    stem = tmp_path / "figS2b"
    result = figS2b_window_vs_loss(trials, stem, manual_loss=0.479)
    assert_written(stem)
    ok = trials[trials["status"] == "ok"]
    best = ok.loc[ok["loss"].idxmin()]
    assert result["n_trials"] == len(ok)
    assert result["best_loss"] == pytest.approx(best["loss"])
    assert result["best_upstream_bp"] == json.loads(best["hparams"])["upstream_bp"]
    assert result["best_downstream_bp"] == json.loads(best["hparams"])["downstream_bp"]


@pytest.mark.parametrize("kind", ["empty", "all_failed"])
def test_figS2b_without_successful_trials(tmp_path, kind):
    trials = trials_table("tpe", 6, 5)
    if kind == "empty":
        trials = trials.iloc[0:0]
    else:
        trials["status"], trials["loss"] = "fail", math.nan
    result = figS2b_window_vs_loss(trials, tmp_path / "figS2b")
    assert result["n_trials"] == 0 and math.isnan(result["best_loss"])
    assert_written(tmp_path / "figS2b")


def test_fig1c_training_trials(tmp_path):
    rng = np.random.default_rng(3)
    histories = {}
    for trial in range(10):
        epochs = np.arange(1, 21)
        if trial == 4:  # did not converge
            valid = 1.0 + 0.02 * rng.normal(size=20)
        else:
            valid = 0.42 + 0.4 * np.exp(-epochs / 4) + 0.002 * (epochs - 12) ** 2 / 10 \
                + 0.01 * rng.normal(size=20)
        histories[trial] = pd.DataFrame({"epoch": epochs, "train_mse": valid - 0.05,
                                         "valid_mse": valid, "seconds": 3.0})
    chosen = min(histories, key=lambda t: histories[t]["valid_mse"].min())
    stem = tmp_path / "fig1c"
    result = fig1c_training_trials(histories, chosen, stem, manual_loss=0.479)
    assert_written(stem)
    chosen_history = histories[chosen]
    assert result["best_epoch"] == int(
        chosen_history.loc[chosen_history["valid_mse"].idxmin(), "epoch"])
    assert result["best_valid_mse"] == pytest.approx(chosen_history["valid_mse"].min())
    assert result["trial_min_valid_mse"][4] > 0.9
    with pytest.raises(KeyError):
        fig1c_training_trials(histories, 99, tmp_path / "bad")


def test_figS2a_architecture_paper_best(tmp_path):
    pytest.importorskip("keras")
    from xpressoflow.model import PAPER_BEST, build_model

    model = build_model(PAPER_BEST)
    stem = tmp_path / "figS2a"
    assert figS2a_architecture(model, stem) == 112_485
    assert_written(stem)
    # A saved .keras file gives the same diagram.
    saved = tmp_path / "model" / "best.keras"
    saved.parent.mkdir()
    model.save(saved)
    assert figS2a_architecture(saved, tmp_path / "model" / "figS2a_file") == 112_485


def test_fig2a_subsampling(tmp_path):
    rng = np.random.default_rng(4)
    rows = []
    for size in (2000, 4000, 6000, 8000, 12000, 16000):
        for draw in range(10):
            rows.append({"train_size": size, "draw": draw,
                         "valid_mse": 0.40 + 600 / size + 0.01 * rng.normal(),
                         "test_r2": 0.59 - 500 / size / 2 + 0.01 * rng.normal()})
    summary = pd.DataFrame(rows)
    stem = tmp_path / "fig2a"
    table = fig2a_subsampling(summary, stem)
    assert_written(stem)
    assert table["train_size"].tolist() == [2000, 4000, 6000, 8000, 12000, 16000]
    for size, group in summary.groupby("train_size"):
        row = table.set_index("train_size").loc[size]
        for metric in ("valid_mse", "test_r2"):
            low, high = stats.t.interval(0.95, len(group) - 1, loc=group[metric].mean(),
                                         scale=stats.sem(group[metric]))
            assert row[f"{metric}_mean"] == pytest.approx(group[metric].mean())
            assert row[f"{metric}_ci_low"] == pytest.approx(low)
            assert row[f"{metric}_ci_high"] == pytest.approx(high)


def test_fig2b_predicted_vs_observed(tmp_path):
    rng = np.random.default_rng(5)
    predictions = {}
    for species, n, noise in (("human", 1000, 0.8), ("mouse", 800, 0.5)):
        observed = np.clip(rng.normal(0.5, 1.0, size=n), -1, None)
        predicted = 0.7 * observed + noise * rng.normal(size=n)
        predictions[species] = pd.DataFrame({
            "gene_id": [f"{species[0].upper()}{i}" for i in range(n)],
            "expression_log10": observed, "predicted_log10": predicted,
            "predicted_z": (predicted - predicted.mean()) / predicted.std()})
    predictions["human"].loc[3, "predicted_log10"] = np.nan  # dropped, not counted
    stem = tmp_path / "fig2b"
    result = fig2b_predicted_vs_observed(predictions, stem)
    assert_written(stem)
    for species, table in predictions.items():
        table = table.dropna()
        r = stats.pearsonr(table["expression_log10"], table["predicted_log10"]).statistic
        assert result[species]["r2"] == pytest.approx(r ** 2)
        assert result[species]["n"] == len(table)
    assert result["human"]["n"] == 999
