"""Choose the configuration every data set is trained with (rule training_hyperparameters)."""

from xpressoflow.experiments import choose_hyperparameters
from xpressoflow.io import read_json
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.smk import input_list


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        manual = read_json(smk.input.manual) if "manual" in smk.input.keys() else None
        trials = input_list(smk.input.trials) if "trials" in smk.input.keys() else []
        choose_hyperparameters(trials, manual, smk.params.architecture, smk.output[0])


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
