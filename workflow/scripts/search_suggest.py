"""Suggest one round of search trials from every finished trial (rule search_suggest)."""

from pathlib import Path

from xpressoflow.logs import redirect_output_to_log
from xpressoflow.model import search_space
from xpressoflow.search import suggest_round
from xpressoflow.smk import optional_input


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        algo = smk.wildcards.algo
        options = {"n_startup_jobs": smk.params.startup} if algo == "tpe" else None
        suggest_round(
            optional_input(smk.input.previous),
            algo,
            int(smk.wildcards.round),
            int(smk.params.k),
            int(smk.params.seed),
            space=search_space(dict(smk.params.ranges)),
            out_dir=Path(smk.output[0]).parent,
            algo_options=options,
        )


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
