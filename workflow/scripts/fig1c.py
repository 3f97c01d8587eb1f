"""Figure 1C: validation MSE per epoch of every training trial, the kept epoch marked."""

from pathlib import Path

import pandas as pd

from xpressoflow.experiments import best_trial_record
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.model_figures import fig1c_training_trials
from xpressoflow.smk import input_list


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        histories = {
            int(Path(path).parent.name.split("_")[1]): pd.read_csv(path, sep="\t")
            for path in input_list(smk.input.histories)
        }
        _, chosen = best_trial_record(input_list(smk.input.results))
        fig1c_training_trials(histories, int(chosen["trial"]), Path(smk.output.pdf).with_suffix(""))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
