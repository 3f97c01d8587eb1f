"""Hyperparameter search (TPE or simulated annealing) in rounds, for a static Snakemake DAG.

The paper ran hyperopt's `fmin` for a few hundred trials. Here the same algorithms run as
ROUNDS so every trial is a separate job with files Snakemake knows in advance:

  round r:  suggest_round(trials of rounds < r) -> K suggestion JSONs  (trial ids r{r}_t{j})
            run_trial(each suggestion)          -> K result JSONs
            merge_round(trials TSV, results)    -> trials TSV (+ pickled hyperopt Trials)

Suggestions are asked from hyperopt the way `fmin` asks them (`algo(new_ids, domain, trials,
seed)`), with a `Trials` object rebuilt from the TSV of finished trials. Within a round the
K suggestions are drawn one after another, each earlier one inserted as a still-running
trial, which is what hyperopt does when several workers share one Trials object (running
trials count as infinitely bad for TPE and annealing, which spreads a round's suggestions).

Resume: trial ids and seeds depend only on (seed, round, position); a suggestion uses only
trials of earlier rounds; finished result files are never recomputed (`run_search`, or
Snakemake's own file checks); merging skips trial ids already in the TSV.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import time
from pathlib import Path

import pandas as pd

from xpressoflow.io import atomic_write, read_json, write_json
from xpressoflow.model import InvalidArchitecture, hparams_from_sample, validate_hparams
from xpressoflow.training import (
    PAPER_SEARCH_EPOCHS,
    NonFiniteLoss,
    TrainingData,
    derived_seed,
    model_window,
    train_model,
)

log = logging.getLogger(__name__)

ALGORITHMS = ("tpe", "anneal", "random")
# hyperopt needs integer trial ids; round r, position j gets r * this + j.
MAX_TRIALS_PER_ROUND = 1000
STATUS_OK, STATUS_FAIL = "ok", "fail"
TRIAL_COLUMNS = ["trial_id", "round", "position", "tid", "algo", "status", "loss", "best_epoch",
                 "epochs_run", "restarts", "shift_augment_bp", "time_s", "reason", "hparams",
                 "hyperopt_vals"]


# --------------------------------------------------------------------------- ids and seeds


def trial_id(round_index: int, position: int) -> str:
    """Trial name used in file names: r003_t07 is the 8th suggestion of round 3."""
    return f"r{round_index:03d}_t{position:02d}"


def trial_ids(round_index: int, k: int) -> list[str]:
    """The ids of a round (known before the round runs, so the Snakemake DAG is static)."""
    return [trial_id(round_index, position) for position in range(k)]


def hyperopt_tid(round_index: int, position: int) -> int:
    return round_index * MAX_TRIALS_PER_ROUND + position


# --------------------------------------------------------------------------- trials table


def read_trials(trials_tsv: str | os.PathLike | None) -> pd.DataFrame:
    """Finished trials (empty table when the file does not exist yet, i.e. before round 0)."""
    if trials_tsv is None or not Path(trials_tsv).exists():
        return pd.DataFrame(columns=TRIAL_COLUMNS)
    table = pd.read_csv(trials_tsv, sep="\t", dtype={"trial_id": str, "reason": str,
                                                     "hparams": str, "hyperopt_vals": str},
                        keep_default_na=False, na_values={"loss": ["", "nan", "NaN"]})
    return _with_trial_columns(table)


def _with_trial_columns(table: pd.DataFrame) -> pd.DataFrame:
    """TRIAL_COLUMNS in order; tables and records written before `restarts` or
    `shift_augment_bp` existed get 0 (no restarts and no shift augmentation then)."""
    for column in ("restarts", "shift_augment_bp"):
        if column not in table.columns:
            table = table.assign(**{column: 0})
    return table[TRIAL_COLUMNS]


def write_trials(table: pd.DataFrame, trials_tsv: str | os.PathLike) -> None:
    with atomic_write(trials_tsv) as handle:
        # %.17g keeps losses exact, so a Trials object rebuilt from the TSV is the same one
        # the search had in memory and suggestions stay reproducible.
        table[TRIAL_COLUMNS].to_csv(handle, sep="\t", index=False, float_format="%.17g")


def _hyperopt_result(row) -> dict:
    if row["status"] == STATUS_OK:
        return {"status": STATUS_OK, "loss": float(row["loss"])}
    return {"status": STATUS_FAIL, "failure": str(row["reason"])}


def _trial_doc(trials, tid: int, vals: dict, result: dict, state: int):
    """A hyperopt trial document, as fmin would have stored it (cmd as set by base.Domain)."""
    idxs = {label: [tid] if values else [] for label, values in vals.items()}
    misc = {"tid": tid, "cmd": ("domain_attachment", "FMinIter_Domain"), "workdir": None,
            "idxs": idxs, "vals": vals}
    doc = trials.new_trial_docs([tid], [None], [result], [misc])[0]
    doc["state"] = state
    return doc


def trials_from_table(table: pd.DataFrame):
    """hyperopt.Trials holding the finished trials of the table (failed ones as 'fail')."""
    from hyperopt import JOB_STATE_DONE, Trials

    trials = Trials()
    docs = [_trial_doc(trials, int(row["tid"]), json.loads(row["hyperopt_vals"]),
                       _hyperopt_result(row), JOB_STATE_DONE)
            for _, row in table.sort_values("tid").iterrows()]
    if docs:
        trials.insert_trial_docs(docs)
    trials.refresh()
    return trials


def pickle_trials(table: pd.DataFrame, trials_pickle: str | os.PathLike) -> None:
    with atomic_write(trials_pickle, "wb") as handle:
        pickle.dump(trials_from_table(table), handle)


# --------------------------------------------------------------------------- suggestions


def _suggest_function(algo: str, algo_options: dict | None):
    from functools import partial

    from hyperopt import anneal, rand, tpe

    if algo not in ALGORITHMS:
        raise ValueError(f"unknown search algorithm {algo!r}; known: {ALGORITHMS}")
    function = {"tpe": tpe.suggest, "anneal": anneal.suggest, "random": rand.suggest}[algo]
    return partial(function, **(algo_options or {}))


def _never_called(_params):
    raise RuntimeError("trials are evaluated by run_trial, not by hyperopt")


def _plain_vals(vals: dict) -> dict:
    """hyperopt's {label: [numpy value] or []} as JSON-safe floats/ints (exact round trip)."""
    return {label: [v.item() if hasattr(v, "item") else v for v in values]
            for label, values in sorted(vals.items())}


def hparams_from_vals(space, vals: dict, to_hparams=hparams_from_sample) -> dict:
    """Builder hparams of a suggestion: hyperopt's space_eval, then `to_hparams`."""
    from hyperopt import space_eval

    point = {label: values[0] for label, values in vals.items() if values}
    return to_hparams(space_eval(space, point))


def suggest_round(
    trials_tsv: str | os.PathLike | None,
    algo: str,
    round_index: int,
    k: int,
    seed: int,
    *,
    space=None,
    out_dir: str | os.PathLike | None = None,
    algo_options: dict | None = None,
    to_hparams=hparams_from_sample,
) -> list[tuple[str, dict]]:
    """K suggestions for round `round_index` from the finished trials of earlier rounds.

    Returns [(trial_id, params)], params = {trial_id, round, position, tid, algo, seed,
    hyperopt_vals, hparams}; with `out_dir`, also writes out_dir/<trial_id>.json each.
    Deterministic for the same finished trials, algorithm, options and seed. Trials of this
    or later rounds in the TSV are ignored (a rerun after a merge suggests the same).
    algo_options go to the hyperopt algorithm (e.g. {"n_startup_jobs": 20} for TPE).
    """
    from hyperopt import JOB_STATE_RUNNING
    from hyperopt.base import Domain

    from xpressoflow.model import search_space

    if not 0 < k <= MAX_TRIALS_PER_ROUND:
        raise ValueError(f"k must be in 1..{MAX_TRIALS_PER_ROUND}, got {k}")
    space = search_space() if space is None else space
    finished = read_trials(trials_tsv)
    trials = trials_from_table(finished[finished["round"].astype(int) < round_index])
    domain = Domain(_never_called, space)
    suggest = _suggest_function(algo, algo_options)

    suggestions = []
    for position in range(k):
        tid, algo_seed = hyperopt_tid(round_index, position), derived_seed(seed, round_index,
                                                                             position)
        (doc,) = suggest([tid], domain, trials, algo_seed)
        vals = _plain_vals(doc["misc"]["vals"])
        params = {"trial_id": trial_id(round_index, position), "round": round_index,
                  "position": position, "tid": tid, "algo": algo, "seed": algo_seed,
                  "hyperopt_vals": vals, "hparams": hparams_from_vals(space, vals, to_hparams)}
        suggestions.append((params["trial_id"], params))
        # Pending until run: later suggestions of this round see it, as parallel fmin would.
        trials.insert_trial_docs([_trial_doc(trials, tid, vals, {"status": "new"},
                                             JOB_STATE_RUNNING)])
        trials.refresh()
    if out_dir is not None:
        write_suggestions(suggestions, out_dir)
    return suggestions


def suggestion_path(out_dir: str | os.PathLike, trial: str) -> Path:
    return Path(out_dir) / f"{trial}.json"


def write_suggestions(suggestions: list[tuple[str, dict]], out_dir: str | os.PathLike) -> None:
    for trial, params in suggestions:
        write_json(params, suggestion_path(out_dir, trial))


# --------------------------------------------------------------------------- one trial


def _check_window_fits(hparams: dict, flank_bp: int, shift_bp: int = 0) -> None:
    """A window beyond the stored ±flank (after shift augmentation of up to shift_bp) cannot
    be cut: record it like any unbuildable set."""
    window = model_window(hparams)
    if window is not None and not (-flank_bp <= window[0] - shift_bp
                                   and window[1] + shift_bp <= flank_bp):
        shifted = f" shifted by up to ±{shift_bp} bp" if shift_bp else ""
        raise InvalidArchitecture(f"window {window[0]}..{window[1]} bp{shifted} does not fit "
                                  f"the stored ±{flank_bp} bp around the TSS")


def _failure_reason(error: BaseException) -> str | None:
    """Reason to record for errors that mean 'this configuration fails', else None."""
    import tensorflow as tf

    if isinstance(error, InvalidArchitecture | NonFiniteLoss):
        return error.reason
    if isinstance(error, tf.errors.ResourceExhaustedError | MemoryError):
        first_line = (str(error).strip().splitlines() or [""])[0][:300]
        return f"out of memory: {type(error).__name__}: {first_line}"
    return None


def run_trial(
    params_json: str | os.PathLike | dict,
    data: TrainingData,
    epochs: int = PAPER_SEARCH_EPOCHS,
    *,
    seed: int = 0,
    threads: int | None = None,
    result_path: str | os.PathLike | None = None,
    learning_rate: float | None = None,
    shift_bp: int = 0,
) -> dict:
    """Train one suggested configuration; the loss is the lowest validation MSE in `epochs`.

    shift_bp: shift augmentation of the training windows (`training.train_model`), so the
    search ranks configurations under the same training the final models get.

    Unbuildable architectures, out-of-memory and NaN losses give status 'fail' with a reason
    (the search goes on); other errors propagate, since they are bugs rather than bad
    configurations. Returns the record (TRIAL_COLUMNS) and writes it to `result_path` as JSON.
    """
    params = read_json(params_json) if not isinstance(params_json, dict) else params_json
    record = {"trial_id": params["trial_id"], "round": params["round"],
              "position": params["position"], "tid": params["tid"], "algo": params["algo"],
              "status": STATUS_OK, "loss": math.nan, "best_epoch": 0, "epochs_run": 0,
              "restarts": 0, "shift_augment_bp": int(shift_bp), "time_s": 0.0, "reason": "",
              "hparams": json.dumps(params["hparams"], sort_keys=True),
              "hyperopt_vals": json.dumps(params["hyperopt_vals"], sort_keys=True)}
    started = time.perf_counter()
    options = {} if learning_rate is None else {"learning_rate": learning_rate}
    try:
        hparams = validate_hparams(params["hparams"])
        _check_window_fits(hparams, data.flank_bp, shift_bp)
        result = train_model(hparams, data, epochs=epochs, patience=None, threads=threads,
                             seed=derived_seed(seed, params["tid"]), shift_bp=shift_bp,
                             **options)
        record.update(loss=result.best_valid_mse, best_epoch=result.best_epoch,
                      epochs_run=result.epochs_run, restarts=result.restarts)
    except Exception as error:  # only the failure kinds of _failure_reason are kept
        reason = _failure_reason(error)
        if reason is None:
            raise
        record.update(status=STATUS_FAIL, reason=reason)
        log.warning("trial %s failed: %s", params["trial_id"], reason)
    record["time_s"] = time.perf_counter() - started
    if result_path is not None:
        write_json(record, result_path)
    return record


# --------------------------------------------------------------------------- merging


def merge_round(
    trials_tsv: str | os.PathLike | None,
    new_records: list[dict | str | os.PathLike],
    *,
    output_tsv: str | os.PathLike | None = None,
    trials_pickle: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Append a round's records (dicts or result JSON paths) to the trials table, atomically.

    Records whose trial_id is already in the table are skipped, so merging twice (e.g. after a
    kill between write and bookkeeping) never duplicates a trial. Writes `output_tsv`
    (default: `trials_tsv` in place; Snakemake wants a new file per round) and the pickled
    hyperopt Trials (default: the output path with suffix .pkl).
    """
    output_tsv = Path(output_tsv if output_tsv is not None else trials_tsv)
    table = read_trials(trials_tsv)
    known = set(table["trial_id"])
    records = [read_json(r) if not isinstance(r, dict) else r for r in new_records]
    fresh = [r for r in records if r["trial_id"] not in known]
    if len({r["trial_id"] for r in fresh}) != len(fresh):
        raise ValueError("the new records repeat a trial id")
    if fresh:
        table = pd.concat([table, _with_trial_columns(pd.DataFrame(fresh))], ignore_index=True)
    table = table.sort_values("tid", kind="stable").reset_index(drop=True)
    write_trials(table, output_tsv)
    pickle_trials(table, trials_pickle or output_tsv.with_suffix(".pkl"))
    return table


def best_trial(trials_tsv: str | os.PathLike) -> dict:
    """The successful trial with the lowest loss (ties: earliest), hparams parsed."""
    table = read_trials(trials_tsv)
    ok = table[(table["status"] == STATUS_OK) & table["loss"].notna()]
    if ok.empty:
        raise ValueError(f"no successful trial in {trials_tsv}")
    best = ok.sort_values(["loss", "tid"], kind="stable").iloc[0].to_dict()
    best["hparams"] = json.loads(best["hparams"])
    best["hyperopt_vals"] = json.loads(best["hyperopt_vals"])
    return best


# --------------------------------------------------------------------------- whole search


def round_dir(out_dir: str | os.PathLike, round_index: int) -> Path:
    return Path(out_dir) / f"round_{round_index:03d}"


def run_search(
    out_dir: str | os.PathLike,
    data: TrainingData,
    *,
    algo: str,
    n_rounds: int,
    k: int,
    seed: int,
    epochs: int = PAPER_SEARCH_EPOCHS,
    space=None,
    algo_options: dict | None = None,
    threads: int | None = None,
    learning_rate: float | None = None,
) -> pd.DataFrame:
    """All rounds in one process, with the same files and resume rules as the Snakemake DAG.

    Layout: out_dir/round_RRR/suggestions/<trial>.json, out_dir/round_RRR/results/<trial>.json,
    out_dir/trials.tsv and trials.pkl. Rerun after a kill: existing suggestions are reused and
    existing results are not recomputed.
    """
    trials_tsv = Path(out_dir) / "trials.tsv"
    table = read_trials(trials_tsv)
    for round_index in range(n_rounds):
        suggestions_dir = round_dir(out_dir, round_index) / "suggestions"
        results_dir = round_dir(out_dir, round_index) / "results"
        ids = trial_ids(round_index, k)
        if not all(suggestion_path(suggestions_dir, t).exists() for t in ids):
            suggest_round(trials_tsv, algo, round_index, k, seed, space=space,
                          out_dir=suggestions_dir, algo_options=algo_options)
        result_paths = [results_dir / f"{t}.json" for t in ids]
        for trial, result_path in zip(ids, result_paths, strict=True):
            if not result_path.exists():
                run_trial(suggestion_path(suggestions_dir, trial), data, epochs, seed=seed,
                          threads=threads, result_path=result_path,
                          learning_rate=learning_rate)
        table = merge_round(trials_tsv, result_paths)
    return table


__all__ = [
    "ALGORITHMS", "TRIAL_COLUMNS", "best_trial", "derived_seed", "hparams_from_vals",
    "merge_round", "read_trials", "round_dir", "run_search", "run_trial", "suggest_round",
    "suggestion_path", "trial_id", "trial_ids", "trials_from_table", "write_suggestions",
]
