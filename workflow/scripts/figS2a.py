"""Figure S2A: the trained model's architecture with parameter counts per layer."""

from pathlib import Path

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.plots.model_figures import figS2a_architecture


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        figS2a_architecture(smk.input.model, Path(smk.output.pdf).with_suffix(""))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
