"""Keep the trial with the lowest validation MSE as the data set's model (rule final_model)."""

from xpressoflow.experiments import select_final_model
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        select_final_model(
            smk.params.dataset,
            list(smk.input),
            smk.output.model,
            smk.output.metrics,
            smk.output.predictions,
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
