"""Figure 1B: best validation MSE against search iteration, TPE vs simulated annealing."""

import json
from pathlib import Path

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.model_figures import fig1b_search_progress
from xpressoflow.search import read_trials
from xpressoflow.smk import input_list


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        trials = {
            algo: read_trials(path)
            for algo, path in zip(smk.params.algorithms, input_list(smk.input.trials), strict=True)
        }
        manual_loss = json.loads(Path(smk.input.manual).read_text())["loss"]
        fig1b_search_progress(trials, manual_loss, Path(smk.output.pdf).with_suffix(""))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
