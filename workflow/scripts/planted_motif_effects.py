"""Learned vs planted motif effects of a demo model (rule planted_motif_effects)."""

from xpressoflow.experiments import threads_for_tensorflow
from xpressoflow.insertion import demo_planted_motif_effects
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.training import configure_tensorflow


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        configure_tensorflow(threads_for_tensorflow(smk.threads))
        demo_planted_motif_effects(
            smk.input.model,
            smk.input.dataset,
            smk.input.hparams,
            smk.input.truth,
            smk.params.dataset,
            smk.output[0],
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
