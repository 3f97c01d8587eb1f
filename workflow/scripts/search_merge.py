"""Append a round's trial results to the cumulative trials table (rule search_merge)."""

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.search import merge_round
from xpressoflow.smk import optional_input


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        merge_round(
            optional_input(smk.input.previous),
            list(smk.input.results),
            output_tsv=smk.output.trials,
            trials_pickle=smk.output.pickle,
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
