"""One training trial: final models, cross-validation folds and Figure 2A subsamples
(rules train_trial, cv_trial, subsample_trial)."""

from pathlib import Path

from xpressoflow.experiments import threads_for_tensorflow, train_trial
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        wildcards = dict(smk.wildcards)
        train_trial(
            smk.input.dataset,
            smk.input.hparams,
            Path(smk.output.result).parent,
            split=smk.params.split,
            trial=int(wildcards["trial"]),
            draw=int(wildcards.get("draw", 0)),
            train_fraction=float(wildcards["fraction"]) if "fraction" in wildcards else None,
            seed=int(smk.params.seed),
            max_epochs=int(smk.params.max_epochs),
            patience=int(smk.params.patience),
            learning_rate=float(smk.params.learning_rate),
            shift_bp=int(smk.params.shift_bp),
            threads=threads_for_tensorflow(smk.threads),
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
