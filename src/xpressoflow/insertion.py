"""In-silico insertion: how a trained model's prediction moves when a sequence is written into
every promoter window at a fixed position relative to the TSS.

On the demo data this measures what a network learned of each planted motif: the consensus is
inserted at the centre of the motif's planted window (where one site adds
`weight_log10_per_site` to the planted signal) into test genes that carry no site of it, and,
as a control, far from every planted window (where it adds nothing).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .io import atomic_write
from .sequence import encode_bases
from .training import ModelFeed, SplitArrays, TrainingData, predict_arrays

log = logging.getLogger(__name__)

# Sites of the control placement keep this distance from every planted motif window.
CONTROL_MARGIN_BP = 200


def insert_site(arrays: SplitArrays, flank_bp: int, site: str, position_bp: int) -> SplitArrays:
    """A copy of `arrays` whose windows carry `site` (gene strand) from position_bp (relative
    to the TSS, 0-based) on; the originals are untouched."""
    site_codes = encode_bases(site)
    start = flank_bp + position_bp
    if start < 0 or start + len(site_codes) > arrays.promoter_codes.shape[1]:
        raise ValueError(f"site {site} at {position_bp} bp does not fit the stored "
                         f"±{flank_bp} bp windows")
    codes = arrays.promoter_codes.copy()
    codes[:, start:start + len(site_codes)] = site_codes
    return SplitArrays(codes, arrays.half_life_features, arrays.labels_z, arrays.gene_ids)


def insertion_effect_log10(model, arrays: SplitArrays, flank_bp: int, label_std: float,
                           site: str, position_bp: int, hparams: dict | None = None,
                           baseline_z: np.ndarray | None = None) -> np.ndarray:
    """Per gene: prediction with `site` inserted at position_bp minus without, in log10 units.

    baseline_z: the predictions (z units) of `arrays` as they are, if already at hand.
    Raises ValueError when the site is not inside the model's window (it could not matter).
    """
    feed = ModelFeed.of(model, hparams)
    if feed.window is None:
        raise ValueError("the model has no promoter input")
    upstream_bp, downstream_bp = feed.window
    if not upstream_bp <= position_bp <= downstream_bp - len(site):
        raise ValueError(f"site at {position_bp} bp is outside the model's window "
                         f"{upstream_bp}..{downstream_bp}")
    before = (predict_arrays(model, arrays, flank_bp, hparams) if baseline_z is None
              else baseline_z)
    after = predict_arrays(model, insert_site(arrays, flank_bp, site, position_bp), flank_bp,
                           hparams)
    return (after - before) * label_std


def control_position(window: tuple[int, int], planted_windows: list[tuple[int, int]],
                     site_bp: int) -> int:
    """A site start inside the model window, CONTROL_MARGIN_BP away from every planted window:
    the downstream end if there is room, else the upstream end. Raises ValueError if neither."""
    upstream_bp, downstream_bp = window
    lowest = min(start for start, _ in planted_windows)
    highest = max(end for _, end in planted_windows)
    downstream_site = downstream_bp - site_bp - CONTROL_MARGIN_BP // 4
    if downstream_site >= highest + CONTROL_MARGIN_BP:
        return downstream_site
    upstream_site = upstream_bp + CONTROL_MARGIN_BP // 4
    if upstream_site + site_bp <= lowest - CONTROL_MARGIN_BP:
        return upstream_site
    raise ValueError(f"window {upstream_bp}..{downstream_bp} leaves no room for a control site "
                     f"{CONTROL_MARGIN_BP} bp from the planted windows")


def planted_motif_effects(model, data: TrainingData, truth: pd.DataFrame, split: str = "test",
                          hparams: dict | None = None) -> pd.DataFrame:
    """Learned vs planted effect of every planted demo motif (one row per motif and placement).

    truth: the demo's truth/<species>_genes.tsv indexed by gene_id (motif_<name>_count columns).
    Only genes of `split` without a site of the motif are used, so one inserted site adds
    exactly the planted weight to their planted signal. `ratio` = learned / planted.
    """
    from .demo.planted import MOTIFS

    arrays = data.split(split)
    feed = ModelFeed.of(model, hparams)
    baseline_z = predict_arrays(model, arrays, data.flank_bp, hparams)  # once for all motifs
    windows = [motif.window_bp for motif in MOTIFS]
    rows = []
    for motif in MOTIFS:
        counts = truth.loc[arrays.gene_ids, f"motif_{motif.name}_count"].to_numpy()
        without = np.flatnonzero(counts == 0)
        genes = arrays.take(without)
        site_bp = len(motif.consensus)
        centre = (motif.window_bp[0] + motif.window_bp[1]) // 2 - site_bp // 2
        placements = [("planted_window", centre, motif.weight_log10_per_site)]
        try:
            placements.append(("control", control_position(feed.window, windows, site_bp), 0.0))
        except ValueError as error:
            log.warning("%s: no control placement: %s", motif.name, error)
        for placement, position_bp, planted in placements:
            effects = insertion_effect_log10(model, genes, data.flank_bp, data.label_std,
                                             motif.consensus, position_bp, hparams,
                                             baseline_z[without])
            rows.append({"motif": motif.name, "consensus": motif.consensus,
                         "placement": placement, "position_bp": position_bp,
                         "n_genes": len(without), "learned_log10": float(np.mean(effects)),
                         "learned_sd_log10": float(np.std(effects)),
                         "planted_log10": planted,
                         "ratio": float(np.mean(effects)) / planted if planted else np.nan})
    return pd.DataFrame(rows)


def demo_planted_motif_effects(model_path, dataset_h5, hparams_json, truth_dir, dataset: str,
                               out_tsv) -> pd.DataFrame:
    """planted_motif_effects of a trained demo model on its data set's test genes -> out_tsv."""
    from .demo.truth import DATASETS as TRUTH_COLUMNS
    from .demo.truth import read_truth_genes
    from .experiments import load_training_data
    from .io import read_json
    from .predict import load_model

    truth = read_truth_genes(truth_dir, TRUTH_COLUMNS[dataset][0])
    table = planted_motif_effects(load_model(model_path), load_training_data(dataset_h5),
                                  truth, "test", read_json(hparams_json)["hparams"])
    table.insert(0, "dataset", dataset)
    with atomic_write(out_tsv) as handle:
        table.to_csv(handle, sep="\t", index=False, float_format="%.4f")
    for row in table.itertuples():
        log.info("%s %-5s %-14s learned %+.3f log10, planted %+.2f", dataset, row.motif,
                 row.placement, row.learned_log10, row.planted_log10)
    return table


__all__ = ["control_position", "demo_planted_motif_effects", "insert_site",
           "insertion_effect_log10", "planted_motif_effects"]
