"""Median log10 expression labels of one data set (human, mouse, k562, gm12878, mesc)."""

from xpressoflow.expression import expression_labels
from xpressoflow.io import atomic_write
from xpressoflow.logs import redirect_output_to_log


def main(inputs, output, params):
    paths = {key: inputs[key] for key in ("roadmap", "encode_dir", "mesc") if key in inputs.keys()}
    labels = expression_labels(
        params.dataset,
        paths,
        params.roadmap_exclude_samples,
        params.pseudocount,
        params.quantile_normalize_mouse,
    )
    with atomic_write(output) as handle:
        labels.to_csv(handle, sep="\t", index=False)


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input, snakemake.output[0], snakemake.params)  # noqa: F821
