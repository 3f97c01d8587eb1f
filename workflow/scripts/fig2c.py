"""Figure 2C: cumulative distributions of median expression, human vs mouse vs orthologs."""

import pandas as pd

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.data_figures import fig2c_expression_distributions, one_to_one_orthologs


def main(inputs, pdf_path):
    fig2c_expression_distributions(
        pd.read_csv(inputs.human, sep="\t"),
        pd.read_csv(inputs.mouse, sep="\t"),
        one_to_one_orthologs(inputs.orthologs),
        pdf_path,
    )


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input, snakemake.output.pdf)  # noqa: F821
