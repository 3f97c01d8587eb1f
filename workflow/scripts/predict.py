"""Score promoters from a FASTA or BED + genome with a model (rule predict)."""

from xpressoflow import predict
from xpressoflow.experiments import threads_for_tensorflow
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        threads_for_tensorflow(smk.threads)
        spec = smk.params.spec
        half_life = smk.input.get("half_life")
        if "fasta" in spec:
            predictions = predict.score_fasta(
                smk.input.model,
                smk.input.fasta,
                half_life=half_life,
                center=spec.get("center", False),
            )
        else:
            predictions = predict.score_bed(
                smk.input.model,
                smk.input.bed,
                smk.input.genome,
                half_life=half_life,
                flank_bp=spec.get("flank_bp"),
            )
        predict.write_predictions(predictions, smk.output[0])


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
