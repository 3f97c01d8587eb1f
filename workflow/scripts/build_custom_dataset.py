"""Bring-your-own-data: user promoters + labels -> results/<name>/dataset.h5."""

from xpressoflow.dataset import SplitConfig, build_user_dataset
from xpressoflow.io import atomic_write
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        spec = smk.params.spec
        excluded = build_user_dataset(
            spec["labels"],
            smk.output.h5,
            promoters_fasta=spec.get("fasta"),
            promoters_bed=spec.get("bed"),
            genome=spec.get("genome"),
            half_lives_path=spec.get("half_lives"),
            split_config=SplitConfig(seed=int(smk.params.seed), **smk.params.splits),
        )
        with atomic_write(smk.output.excluded) as handle:
            excluded.to_csv(handle, sep="\t", index=False)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
