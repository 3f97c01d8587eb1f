"""Figure S1: clustered pairwise Spearman correlations of the 56 Roadmap samples."""

import logging

import pandas as pd

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.data_figures import figS1_sample_correlations


def main(matrix_path, pdf_path):
    matrix = pd.read_csv(matrix_path, sep="\t", index_col=0)
    mean_rho = figS1_sample_correlations(matrix, pdf_path)
    logging.getLogger("figS1").info("mean pairwise Spearman rho %.3f (paper: ~0.78)", mean_rho)


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input.matrix, snakemake.output.pdf)  # noqa: F821
