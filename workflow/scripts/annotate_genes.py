"""Representative transcripts, half-life features, TSS and promoter windows of one species."""

from xpressoflow.io import atomic_write
from xpressoflow.logs import redirect_output_to_log
from xpressoflow.tss import prepare_promoter_annotation


def main(inputs, outputs, params):
    genes, excluded, bed = prepare_promoter_annotation(
        inputs.gtf,
        inputs.genome,
        inputs.get("cage"),
        {"hgnc": inputs.get("hgnc"), "mgi": inputs.get("mgi")},
        flank_bp=params.flank_bp,
        use_cage=params.use_cage,
        convention=params.convention,
    )
    with atomic_write(outputs.genes) as handle:
        genes.to_csv(handle, sep="\t", index=False)
    with atomic_write(outputs.excluded) as handle:
        excluded.to_csv(handle, sep="\t", index=False)
    with atomic_write(outputs.bed) as handle:
        bed.to_csv(handle, sep="\t", index=False, header=False)


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(snakemake.input, snakemake.output, snakemake.params)  # noqa: F821
