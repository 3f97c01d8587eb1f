"""Figure 2C: cumulative distributions of median expression, human vs mouse vs orthologs."""

import pandas as pd

from xpressoflow.expression import restrict_to_analysed_genes
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.data_figures import fig2c_expression_distributions, one_to_one_orthologs


def read_analysed(expression_path, genes_path) -> pd.DataFrame:
    return restrict_to_analysed_genes(
        pd.read_csv(expression_path, sep="\t"), pd.read_csv(genes_path, sep="\t")
    )


def main(inputs, pdf_path):
    fig2c_expression_distributions(
        read_analysed(inputs.human, inputs.human_genes),
        read_analysed(inputs.mouse, inputs.mouse_genes),
        one_to_one_orthologs(inputs.orthologs),
        pdf_path,
    )


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input, snakemake.output.pdf)  # noqa: F821
