"""Figure 2A input: best of trials per training-set size and draw (rule subsampling_summary)."""

from xpressoflow.experiments import subsampling_summary
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        subsampling_summary(list(smk.input), smk.output[0])


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
