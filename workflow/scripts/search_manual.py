"""The manual architecture under the search's objective, for Figure 1B (rule
search_manual_baseline)."""

from xpressoflow.experiments import load_training_data, threads_for_tensorflow
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.model import MANUAL
from xpressoflow.search import run_trial

# Outside the search's trial ids (round * 1000 + position), so its seed differs from theirs.
MANUAL_TID = 999_999


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        params = {
            "trial_id": "manual",
            "round": 0,
            "position": 0,
            "tid": MANUAL_TID,
            "algo": "manual",
            "hyperopt_vals": {},
            "hparams": MANUAL,
        }
        run_trial(
            params,
            load_training_data(smk.input.dataset),
            int(smk.params.epochs),
            seed=int(smk.params.seed),
            threads=threads_for_tensorflow(smk.threads),
            result_path=smk.output[0],
            shift_bp=int(smk.params.shift_bp),
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
