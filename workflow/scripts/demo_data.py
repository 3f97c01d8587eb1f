"""Simulate the built-in demo data set into resources/demo/ (rule demo_data)."""

from pathlib import Path

from xpressoflow.demo import simulate
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        outdir = Path(smk.output.truth).parent
        simulate(outdir, config=dict(smk.params.demo), seed=int(smk.params.seed))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
