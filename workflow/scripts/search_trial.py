"""Train one suggested configuration for the search (rule search_trial)."""

from xpressoflow.experiments import load_training_data, threads_for_tensorflow
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.search import run_trial


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        run_trial(
            smk.input.suggestion,
            load_training_data(smk.input.dataset),
            int(smk.params.epochs),
            seed=int(smk.params.seed),
            threads=threads_for_tensorflow(smk.threads),
            result_path=smk.output[0],
            shift_bp=int(smk.params.shift_bp),
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
