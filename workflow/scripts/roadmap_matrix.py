"""Per-sample log10(RPKM + 0.1) of the 56 Roadmap epigenomes (Figure S1 input)."""

from xpressoflow.expression import roadmap_log10_matrix
from xpressoflow.io import atomic_write
from xpressoflow.logs import redirect_output_to_log


def main(roadmap_path, output, params):
    matrix = roadmap_log10_matrix(roadmap_path, params.exclude, params.pseudocount)
    with atomic_write(output) as handle:
        matrix.to_csv(handle, sep="\t", float_format="%.5g")


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input.roadmap, snakemake.output[0], snakemake.params)  # noqa: F821
