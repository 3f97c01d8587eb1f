"""Figures about the models: Figure 1B, 1C, 2A, 2B and Figure S2A, S2B.

One function per panel. Each takes tables (or paths, for the model) and an output path stem,
writes `<stem>.pdf` and `<stem>.png` atomically (via data_figures.save_figure) and returns the
statistic(s) it shows, so callers and tests can check the numbers without reading the image.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from matplotlib.ticker import MaxNLocator, StrMethodFormatter  # noqa: E402
from scipy import stats  # noqa: E402

from xpressoflow.plots.data_figures import save_figure  # noqa: E402

ALGO_LABELS = {"tpe": "TPE", "anneal": "Simulated annealing", "rand": "Random search"}
ALGO_COLOURS = {"tpe": "tab:orange", "anneal": "tab:blue", "rand": "tab:grey"}
EXPRESSION_UNITS = "log10(RPKM + 0.1)"
MSE_LABEL = "validation MSE (z-scored expression)"
MANUAL_COLOUR = "tab:green"
BEST_EPOCH_COLOUR = "purple"
# Figure 2B/2D colouring: light blue (low density) to yellow (high density).
DENSITY_CMAP = LinearSegmentedColormap.from_list(
    "xpresso_density", ["#6baed6", "#41b6c4", "#7fcdbb", "#c7e9b4", "#ffe600"])


def _save(fig, out_stem: str | os.PathLike) -> None:
    """Write `<stem>.pdf` and `<stem>.png` (string concatenation keeps dots in the stem)."""
    save_figure(fig, Path(f"{os.fspath(out_stem)}.pdf"))


def _empty_panel(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes,
            fontsize=10, color="dimgrey")
    ax.set_xticks([])
    ax.set_yticks([])


# --------------------------------------------------------------------------- Figure 1B


def search_progress(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials in search order ((round, position) sorted) with `iteration` (1-based) and
    `best_so_far`: running minimum of the losses of ok trials (failed trials count as
    iterations but never lower the minimum; NaN before the first ok trial)."""
    table = trials.sort_values(["round", "position"], kind="stable").reset_index(drop=True)
    ok_loss = pd.to_numeric(table["loss"], errors="coerce").where(table["status"] == "ok")
    table["iteration"] = np.arange(1, len(table) + 1)
    table["best_so_far"] = ok_loss.cummin().ffill()
    return table


def fig1b_search_progress(
    trials: dict[str, pd.DataFrame], manual_loss: float | None, out_stem
) -> dict[str, float]:
    """Best validation MSE found so far vs search iteration, one step line per algorithm,
    with the manual architecture's validation MSE as a horizontal dashed line.

    trials: algorithm ('tpe', 'anneal', ...) -> trials table. Returns algorithm -> final best
    validation MSE (NaN when the algorithm has no successful trial).
    """
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    finals: dict[str, float] = {}
    for algo, table in trials.items():
        label = ALGO_LABELS.get(algo, algo)
        if table is None or table.empty:
            finals[algo] = float("nan")
            continue
        progress = search_progress(table)
        best = progress["best_so_far"]
        final = float(best.iloc[-1]) if best.notna().any() else float("nan")
        finals[algo] = final
        n_failed = int((progress["status"] != "ok").sum())
        colour = ALGO_COLOURS.get(algo)
        if np.isnan(final):
            ax.plot([], [], color=colour, label=f"{label}: no successful trial "
                                                f"({len(progress)} iterations)")
            continue
        found_at = int(progress.loc[best.idxmin(), "iteration"])
        failed_note = f", {n_failed} failed" if n_failed else ""
        ax.step(progress["iteration"], best, where="post", color=colour, linewidth=1.6,
                label=f"{label}: best {final:.3f} at iteration {found_at} "
                      f"({len(progress)} iterations{failed_note})")
        # The final best is annotated in the legend; the dot marks where it was found.
        ax.plot([found_at], [final], marker="o", color=colour, markersize=5, zorder=3)
    if manual_loss is not None and np.isfinite(manual_loss):
        ax.axhline(manual_loss, color=MANUAL_COLOUR, linestyle="--", linewidth=1.2,
                   label=f"best manual architecture: {manual_loss:.3f}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("search iteration (trials, failed ones included)")
    ax.set_ylabel(f"best {MSE_LABEL}\nfound so far")
    ax.set_title("Fig. 1B  hyperparameter search progress", fontsize=9)
    ax.margins(x=0.08)
    # Below the axes: the early, high losses of a search fill the upper part of the panel.
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.17))
    _save(fig, out_stem)
    return finals


# --------------------------------------------------------------------------- Figure S2B


def _windows(trials: pd.DataFrame) -> pd.DataFrame:
    """Successful trials with finite loss and their window (upstream_bp, downstream_bp)."""
    if trials is None or trials.empty:
        return pd.DataFrame(columns=["trial_id", "algo", "loss", "upstream_bp", "downstream_bp"])
    ok = trials[trials["status"] == "ok"].copy()
    ok["loss"] = pd.to_numeric(ok["loss"], errors="coerce")
    ok = ok[np.isfinite(ok["loss"])]
    hparams = [json.loads(text) for text in ok["hparams"]]
    ok["upstream_bp"] = [int(h["upstream_bp"]) for h in hparams]
    ok["downstream_bp"] = [int(h["downstream_bp"]) for h in hparams]
    return ok.sort_values("loss", kind="stable").reset_index(drop=True)


def figS2b_window_vs_loss(
    trials: pd.DataFrame,
    out_stem,
    *,
    manual_loss: float | None = None,
    manual_window_bp: tuple[int, int] = (-1500, 1500),
) -> dict:
    """Promoter window of every successful trial (a horizontal segment from upstream to
    downstream, kb from the TSS) at the height of its validation MSE, coloured by MSE; the
    best trial is highlighted. With `manual_loss`, the manual architecture's window is drawn
    in blue at its MSE with a dashed line, as in the paper.

    Returns {"n_trials", "best_loss", "best_upstream_bp", "best_downstream_bp",
    "best_trial_id"} (NaN / None when there is no successful trial).
    """
    windows = _windows(trials)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    result = {"n_trials": int(len(windows)), "best_loss": float("nan"),
              "best_upstream_bp": None, "best_downstream_bp": None, "best_trial_id": None}
    if windows.empty:
        n_all = 0 if trials is None else len(trials)
        _empty_panel(ax, f"no successful trials\n({n_all} trials, all failed)"
                     if n_all else "no successful trials")
        ax.set_xlabel("promoter window relative to TSS (kb)")
        ax.set_ylabel(MSE_LABEL)
        ax.set_title("Fig. S2B  promoter window vs validation MSE", fontsize=9)
        _save(fig, out_stem)
        return result

    best = windows.iloc[0]
    result.update(best_loss=float(best["loss"]), best_upstream_bp=int(best["upstream_bp"]),
                  best_downstream_bp=int(best["downstream_bp"]),
                  best_trial_id=str(best["trial_id"]))
    losses = windows["loss"].to_numpy(float)
    segments = [[(u / 1000, y), (d / 1000, y)] for u, d, y in
                zip(windows["upstream_bp"], windows["downstream_bp"], losses, strict=True)]
    norm = plt.Normalize(losses.min(), np.quantile(losses, 0.95) if len(losses) > 1
                         else losses.min() + 1e-9)
    lines = LineCollection(segments[::-1], array=losses[::-1], cmap="viridis_r", norm=norm,
                           linewidths=1.2, alpha=0.8)
    ax.add_collection(lines)
    fig.colorbar(lines, ax=ax, label=MSE_LABEL, extend="max" if len(losses) > 1 else "neither")
    ax.plot([best["upstream_bp"] / 1000, best["downstream_bp"] / 1000], [best["loss"]] * 2,
            color="red", linewidth=3, solid_capstyle="butt", zorder=4,
            label=f"best: {best['upstream_bp'] / 1000:+.1f} to "
                  f"{best['downstream_bp'] / 1000:+.1f} kb, MSE {best['loss']:.3f}")
    if manual_loss is not None and np.isfinite(manual_loss):
        up, down = manual_window_bp
        ax.axhline(manual_loss, color="blue", linestyle="--", linewidth=1)
        ax.plot([up / 1000, down / 1000], [manual_loss] * 2, color="blue", linewidth=3,
                solid_capstyle="butt", zorder=4,
                label=f"manual: {up / 1000:+.1f} to {down / 1000:+.1f} kb, "
                      f"MSE {manual_loss:.3f}")
    ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
    ax.set_xlim(-10.5, 10.5)
    low = min(losses.min(), manual_loss if manual_loss is not None and np.isfinite(manual_loss)
              else np.inf)
    high = np.quantile(losses, 0.98) if len(losses) > 10 else losses.max()
    pad = max(0.05 * (high - low), 0.005)
    ax.set_ylim(low - pad, high + 3 * pad)
    ax.set_xlabel("promoter window relative to TSS (kb)")
    ax.set_ylabel(MSE_LABEL)
    ax.set_title(f"Fig. S2B  promoter window vs validation MSE ({len(windows):,} successful "
                 f"trials)", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    _save(fig, out_stem)
    return result


# --------------------------------------------------------------------------- Figure 1C


def fig1c_training_trials(
    histories: dict[int, pd.DataFrame],
    chosen_trial: int,
    out_stem,
    *,
    manual_loss: float | None = None,
) -> dict:
    """Validation MSE per epoch of every independent training trial; the chosen trial drawn
    bold and its best epoch marked by a vertical purple dashed line (Figure 1C). Every trial is
    drawn, including ones that did not converge (the y axis is not clipped).

    Returns {"chosen_trial", "best_epoch", "best_valid_mse", "trial_min_valid_mse": {trial:
    min}}.
    """
    if chosen_trial not in histories:
        raise KeyError(f"chosen trial {chosen_trial!r} not among the histories "
                       f"{sorted(histories)}")
    fig, ax = plt.subplots(figsize=(6.2, 3.8))
    # tab10 without its purple, which is kept for the best-epoch line, plus navy.
    palette = [c for i, c in enumerate(plt.get_cmap("tab10").colors) if i != 4] + ["navy"]
    minima: dict[int, float] = {}
    for index, (trial, history) in enumerate(sorted(histories.items())):
        valid = pd.to_numeric(history["valid_mse"], errors="coerce")
        minima[trial] = float(valid.min()) if valid.notna().any() else float("nan")
        chosen = trial == chosen_trial
        ax.plot(history["epoch"], valid, color=palette[index % len(palette)],
                linewidth=2.2 if chosen else 1.0, alpha=1.0 if chosen else 0.8,
                zorder=3 if chosen else 2, marker="o" if len(history) <= 30 else None,
                markersize=2.5,
                label=f"trial {trial}: min {minima[trial]:.3f}" + (" (chosen)" if chosen else ""))
    chosen_history = histories[chosen_trial]
    chosen_valid = pd.to_numeric(chosen_history["valid_mse"], errors="coerce")
    best_row = chosen_history.loc[chosen_valid.idxmin()]
    best_epoch, best_mse = int(best_row["epoch"]), float(chosen_valid.min())
    ax.axvline(best_epoch, color=BEST_EPOCH_COLOUR, linestyle="--", linewidth=1.2,
               label=f"best model: trial {chosen_trial}, epoch {best_epoch} "
                     f"(MSE {best_mse:.3f})")
    if manual_loss is not None and np.isfinite(manual_loss):
        ax.axhline(manual_loss, color=MANUAL_COLOUR, linestyle="--", linewidth=1.0,
                   label=f"best manual architecture: {manual_loss:.3f}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("training epoch")
    ax.set_ylabel(MSE_LABEL)
    ax.set_title(f"Fig. 1C  {len(histories)} independent training trials", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _save(fig, out_stem)
    return {"chosen_trial": chosen_trial, "best_epoch": best_epoch, "best_valid_mse": best_mse,
            "trial_min_valid_mse": minima}


# --------------------------------------------------------------------------- Figure S2A


def _layer_detail(layer) -> str:
    """Short description of a layer's settings (filters x kernel, pool size, units...)."""
    kind = type(layer).__name__
    try:
        if kind == "Conv1D":
            text = f"{layer.filters} filters x {layer.kernel_size[0]}"
            dilation = layer.dilation_rate[0]
            return text + (f", dilation {dilation}" if dilation != 1 else "")
        if kind == "MaxPooling1D":
            return f"pool {layer.pool_size[0]}"
        if kind == "Dense":
            return f"{layer.units} unit" + ("s" if layer.units != 1 else "")
        if kind == "Activation":
            return getattr(layer.activation, "__name__", "")
        if kind == "Dropout":
            return f"rate {layer.rate:.3g}"
    except (AttributeError, IndexError, TypeError):
        pass
    return ""


def _output_shape(layer) -> str:
    try:
        shape = tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return "?"
    return "(" + ", ".join("None" if s is None else f"{s}" for s in shape[1:]) + ")"


def _parents(layer, previous) -> list[str]:
    """Names of the layers feeding `layer` (the previous layer when Keras does not say)."""
    try:
        nodes = layer._inbound_nodes
        if nodes:
            return [node.operation.name for node in nodes[0].parent_nodes]
    except AttributeError:
        pass
    return [] if previous is None or type(layer).__name__ == "InputLayer" else [previous]


def architecture_table(model) -> pd.DataFrame:
    """One row per layer: name, type, detail, output shape (per example), params, parents."""
    rows, previous = [], None
    for layer in model.layers:
        rows.append({"name": layer.name, "type": type(layer).__name__,
                     "detail": _layer_detail(layer), "output_shape": _output_shape(layer),
                     "params": int(layer.count_params()), "parents": _parents(layer, previous)})
        previous = layer.name
    return pd.DataFrame(rows)


def figS2a_architecture(model_or_path, out_stem) -> int:
    """Vertical block diagram of the network: one box per Keras layer (name, type, settings,
    output shape for one example) with its parameter count to the right; extra inputs (the
    half-life features) sit in a side column joining at the concatenation. Returns the total
    parameter count, shown in the title."""
    if isinstance(model_or_path, str | os.PathLike):
        from xpressoflow.predict import load_model

        model = load_model(model_or_path)
    else:
        model = model_or_path
    table = architecture_table(model)
    total = int(model.count_params())

    # Column 0: the main chain; column 1: inputs other than the first (they feed a merge).
    first_input_seen, columns = False, []
    for kind in table["type"]:
        if kind == "InputLayer":
            columns.append(1 if first_input_seen else 0)
            first_input_seen = True
        else:
            columns.append(0)
    table["column"] = columns
    table["row"] = np.arange(len(table))

    box_w, box_h, row_h, col_x = 3.4, 0.72, 1.0, {0: 0.0, 1: 5.4}
    n_rows = len(table)
    fig_h = 0.62 * n_rows + 1.0
    fig, ax = plt.subplots(figsize=(7.5, fig_h))
    centre = {}
    type_colours = {"InputLayer": "#d9d9d9", "Conv1D": "#9ecae1", "MaxPooling1D": "#c6dbef",
                    "Flatten": "#fdd0a2", "Concatenate": "#fdae6b", "Dense": "#a1d99b",
                    "Activation": "#e5f5e0", "Dropout": "#f0f0f0"}
    for row in table.itertuples():
        x, y = col_x[row.column], -row.row * row_h
        centre[row.name] = (x, y)
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=type_colours.get(row.type, "white"),
                                    edgecolor="black", linewidth=0.8))
        detail = f", {row.detail}" if row.detail else ""
        ax.text(x, y + 0.13, f"{row.type}{detail}", ha="center", va="center", fontsize=7.5,
                fontweight="bold")
        ax.text(x, y - 0.17, f"{row.name}  {row.output_shape}", ha="center", va="center",
                fontsize=7)
        ax.text(x + box_w / 2 + 0.15, y, f"{row.params:,}", ha="left", va="center",
                fontsize=7.5, color="black" if row.params else "grey")
    for row in table.itertuples():
        x1, y1 = centre[row.name]
        for parent in row.parents:
            if parent not in centre:
                continue
            x0, y0 = centre[parent]
            start = (x0, y0 - box_h / 2)
            if x0 != x1:  # side input: leave from its left edge towards the merge box
                start = (x0 - box_w / 2, y0)
            ax.annotate("", xy=(x1 + (box_w / 4 if x0 > x1 else 0), y1 + box_h / 2),
                        xytext=start,
                        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.8,
                                    "shrinkA": 0, "shrinkB": 0})
    ax.text(col_x[0] + box_w / 2 + 0.15, 0.75, "parameters", ha="left", va="center",
            fontsize=7.5, style="italic")
    ax.set_xlim(-box_w / 2 - 0.2, col_x[1] + box_w / 2 + 1.3)
    ax.set_ylim(-(n_rows - 1) * row_h - 0.7, 1.1)
    ax.axis("off")
    ax.set_title(f"Fig. S2A  {model.name}: {total:,} parameters in total", fontsize=9)
    _save(fig, out_stem)
    return total


# --------------------------------------------------------------------------- Figure 2A


def t_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of a Student t confidence interval; low/high NaN for n < 2."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    sem = stats.sem(values)
    if sem == 0:
        return mean, mean, mean
    low, high = stats.t.interval(confidence, len(values) - 1, loc=mean, scale=sem)
    return mean, float(low), float(high)


def subsampling_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Per training-set size: n_draws and mean / 95% t-interval of valid_mse and test_r2."""
    rows = []
    for size, group in summary.groupby("train_size", sort=True):
        row = {"train_size": int(size), "n_draws": int(len(group))}
        for metric in ("valid_mse", "test_r2"):
            mean, low, high = t_interval(group[metric])
            row.update({f"{metric}_mean": mean, f"{metric}_ci_low": low,
                        f"{metric}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def fig2a_subsampling(summary: pd.DataFrame, out_stem) -> pd.DataFrame:
    """Validation MSE (left) and test r^2 (right) vs training-set size: mean with a 95% t
    confidence interval across draws, the individual draws as points. Returns the per-size
    table of `subsampling_summary`."""
    table = subsampling_summary(summary)
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.4))
    panels = [("valid_mse", MSE_LABEL, "validation error"),
              ("test_r2", "test r² (squared Pearson)", "test-set performance")]
    sizes = summary["train_size"].to_numpy(float)
    span = (np.ptp(sizes) if len(sizes) else 0) or max(sizes.max() if len(sizes) else 1, 1)
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.012, 0.012, size=len(summary)) * span
    draws = table["n_draws"] if not table.empty else pd.Series([0])
    draws_text = (f"{draws.min()}" if draws.min() == draws.max()
                  else f"{draws.min()}-{draws.max()}")
    for ax, (metric, ylabel, title) in zip(axes, panels, strict=True):
        if table.empty:
            _empty_panel(ax, "no subsampling results")
            ax.set_title(f"Fig. 2A  {title}", fontsize=9)
        else:
            ax.scatter(sizes + jitter, summary[metric], s=9, color="grey", alpha=0.6,
                       linewidths=0, label=f"draws, best of trials ({draws_text} per size)",
                       zorder=2)
            mean = table[f"{metric}_mean"].to_numpy()
            low = table[f"{metric}_ci_low"].to_numpy()
            high = table[f"{metric}_ci_high"].to_numpy()
            ax.errorbar(table["train_size"], mean,
                        yerr=np.vstack([mean - low, high - mean]), color="black",
                        marker="o", markersize=4, capsize=3, linewidth=1.2,
                        label="mean ± 95% CI (t)", zorder=3)
            last = table.iloc[-1]
            ax.set_title(f"Fig. 2A  {title}\n{int(last['train_size']):,} genes: mean "
                         f"{last[f'{metric}_mean']:.3f}", fontsize=9)
            ax.margins(x=0.06)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel("training set size (genes)")
        ax.set_ylabel(ylabel)
    if not table.empty:
        axes[0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    _save(fig, out_stem)
    return table


# --------------------------------------------------------------------------- Figure 2B


def _density_colours(x: np.ndarray, y: np.ndarray, max_fit: int = 5000) -> np.ndarray:
    """Gaussian KDE density at each point (fitted on at most `max_fit` points)."""
    if len(x) < 3:
        return np.ones(len(x))
    points = np.vstack([x, y])
    fit = points
    if len(x) > max_fit:
        fit = points[:, np.random.default_rng(0).choice(len(x), max_fit, replace=False)]
    try:
        return stats.gaussian_kde(fit)(points)
    except (np.linalg.LinAlgError, ValueError):  # singular: all points on a line
        return np.ones(len(x))


def fig2b_predicted_vs_observed(predictions: dict[str, pd.DataFrame], out_stem) -> dict:
    """Predicted vs observed test-set expression, one panel per species, points coloured by
    density (light blue low to yellow high, as in the paper), r^2 (squared Pearson) and n in
    each panel, equal axes with the y = x line. Returns species -> {"r2", "n"}."""
    species = list(predictions)
    fig, axes = plt.subplots(1, max(len(species), 1), figsize=(3.8 * max(len(species), 1), 3.9),
                             squeeze=False)
    results: dict[str, dict] = {}
    for ax, name in zip(axes[0], species, strict=False):
        table = predictions[name]
        observed = pd.to_numeric(table["expression_log10"], errors="coerce").to_numpy(float)
        predicted = pd.to_numeric(table["predicted_log10"], errors="coerce").to_numpy(float)
        keep = np.isfinite(observed) & np.isfinite(predicted)
        observed, predicted = observed[keep], predicted[keep]
        n = int(len(observed))
        if n < 3 or np.ptp(observed) == 0 or np.ptp(predicted) == 0:
            results[name] = {"r2": float("nan"), "n": n}
            _empty_panel(ax, f"{name}: too few test genes\nto correlate (n = {n})")
        else:
            r = stats.pearsonr(observed, predicted).statistic
            results[name] = {"r2": float(r ** 2), "n": n}
            density = _density_colours(observed, predicted)
            order = np.argsort(density)
            ax.scatter(observed[order], predicted[order], c=density[order], cmap=DENSITY_CMAP,
                       s=6, linewidths=0, rasterized=True)
            low = min(observed.min(), predicted.min())
            high = max(observed.max(), predicted.max())
            pad = 0.05 * (high - low)
            low, high = low - pad, high + pad
            ax.plot([low, high], [low, high], color="grey", linestyle=":", linewidth=0.8)
            ax.set_xlim(low, high)
            ax.set_ylim(low, high)
            ax.set_aspect("equal", adjustable="box")
            ax.text(0.04, 0.96, f"r² = {r ** 2:.2f}\nn = {n:,} test genes",
                    transform=ax.transAxes, ha="left", va="top", fontsize=8.5)
        ax.set_xlabel(f"observed expression, {EXPRESSION_UNITS}")
        ax.set_ylabel(f"predicted expression, {EXPRESSION_UNITS}")
        ax.set_title(f"Fig. 2B  {name} test set", fontsize=9)
    if not species:
        _empty_panel(axes[0][0], "no predictions")
    fig.tight_layout()
    _save(fig, out_stem)
    return results
