"""The demo's proof table (rule demo_checks): test r2 and a regression on the planted features vs
the planted ceilings, search vs manual."""

from xpressoflow.experiments import demo_checks
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        table = demo_checks(
            dict(zip(smk.params.datasets, smk.input.predictions, strict=True)),
            dict(zip(smk.params.datasets, smk.input.datasets, strict=True)),
            smk.input.truth,
            list(smk.input.trials),
            smk.input.manual,
            smk.params.search_dataset,
            smk.output[0],
        )
        print(table.to_string(index=False))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
