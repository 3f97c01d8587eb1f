"""Figure 2B: predicted against observed expression on the test genes, human and mouse."""

from pathlib import Path

import pandas as pd

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.model_figures import fig2b_predicted_vs_observed


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        predictions = {
            species: pd.read_csv(smk.input[species], sep="\t") for species in ("human", "mouse")
        }
        fig2b_predicted_vs_observed(predictions, Path(smk.output.pdf).with_suffix(""))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
