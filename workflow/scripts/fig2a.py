"""Figure 2A: validation MSE and test r2 against the number of training genes."""

from pathlib import Path

import pandas as pd

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.model_figures import fig2a_subsampling


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        summary = pd.read_csv(smk.input.summary, sep="\t")
        fig2a_subsampling(summary, Path(smk.output.pdf).with_suffix(""))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
