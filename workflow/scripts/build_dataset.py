"""Join labels, half-life features and promoter codes into results/{dataset}/dataset.h5."""

from xpressoflow.dataset import SplitConfig, build_dataset
from xpressoflow.io import atomic_write
from xpressoflow.logs import redirect_output_to_log


def main(inputs, outputs, params):
    excluded = build_dataset(
        inputs.genes,
        inputs.expression,
        inputs.genome,
        outputs.h5,
        params.flank_bp,
        SplitConfig(**params.splits, seed=params.seed),
        inputs.excluded,
        attrs={"dataset": params.dataset, "species": params.species},
    )
    with atomic_write(outputs.excluded) as handle:
        excluded.to_csv(handle, sep="\t", index=False)


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input, snakemake.output, snakemake.params)  # noqa: F821
