"""Figure S2B: promoter window against best validation MSE across search trials."""

from pathlib import Path

import pandas as pd

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.model_figures import figS2b_window_vs_loss
from xpressoflow.search import read_trials
from xpressoflow.smk import input_list


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        trials = pd.concat(
            [read_trials(path) for path in input_list(smk.input.trials)], ignore_index=True
        )
        figS2b_window_vs_loss(trials, Path(smk.output.pdf).with_suffix(""))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
