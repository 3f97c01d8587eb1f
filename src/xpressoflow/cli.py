"""Command-line interface: `xpressoflow <command> ...` (also `python -m xpressoflow`).

The Snakemake workflow calls the same library functions; the CLI is for users who want one
step on their own data (simulate demo data, build a dataset, score sequences).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from xpressoflow.logs import configure_logging

log = logging.getLogger("xpressoflow")


def _simulate(args: argparse.Namespace) -> None:
    from xpressoflow.demo import DEFAULT_CONFIG, TINY_CONFIG, simulate

    config = dict(TINY_CONFIG if args.tiny else DEFAULT_CONFIG)
    if args.genes_per_species:
        config["genes_per_species"] = args.genes_per_species
    simulate(Path(args.outdir), config=config, seed=args.seed)


def _predict(args: argparse.Namespace) -> None:
    from xpressoflow import predict

    if bool(args.fasta) == bool(args.bed):
        raise ValueError("give exactly one of --fasta or --bed (with --genome)")
    if args.bed and not args.genome:
        raise ValueError("--bed needs --genome (the genome FASTA the windows refer to)")
    if args.fasta:
        predictions = predict.score_fasta(
            args.model,
            args.fasta,
            half_life=args.half_life,
            center=args.center,
            batch_size=args.batch_size,
        )
    else:
        predictions = predict.score_bed(
            args.model,
            args.bed,
            args.genome,
            half_life=args.half_life,
            flank_bp=args.flank_bp,
            batch_size=args.batch_size,
        )
    predict.write_predictions(predictions, args.output)
    log.info("wrote %d predictions to %s", len(predictions), args.output)


def _build_dataset(args: argparse.Namespace) -> None:
    from xpressoflow.dataset import run_build_dataset

    run_build_dataset(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xpressoflow", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    simulate = commands.add_parser(
        "simulate-demo", help="write the built-in simulated genome and sources to a folder"
    )
    simulate.add_argument("outdir", help="output folder (the workflow uses resources/demo)")
    simulate.add_argument("--seed", type=int, default=20200101)
    simulate.add_argument("--tiny", action="store_true", help="the small test configuration")
    simulate.add_argument("--genes-per-species", type=int, default=None)
    simulate.set_defaults(func=_simulate)

    score = commands.add_parser(
        "predict",
        help="score promoter sequences with a trained or the published Xpresso model",
        description="Predict log10 expression (model units) for promoter sequences.",
    )
    score.add_argument("--model", required=True, help=".keras model or published Keras-2 .h5")
    score.add_argument("--fasta", help="FASTA, each record the model's window length")
    score.add_argument(
        "--center",
        action="store_true",
        help="crop/N-pad FASTA records of other lengths around their centre",
    )
    score.add_argument("--bed", help="BED6 windows (name = id, strand used)")
    score.add_argument("--genome", help="genome FASTA (indexed) for --bed")
    score.add_argument(
        "--flank-bp",
        type=int,
        default=None,
        help="BED windows are ±flank around the TSS: crop the model's window",
    )
    score.add_argument(
        "--half-life",
        default=None,
        help="TSV of half-life features by id (missing: zeros = average gene)",
    )
    score.add_argument("--batch-size", type=int, default=256)
    score.add_argument("-o", "--output", required=True, help="output TSV (id, prediction)")
    score.set_defaults(func=_predict)

    from xpressoflow.dataset import add_build_dataset_arguments

    build = commands.add_parser(
        "build-dataset",
        help="turn your own promoters + expression labels into a model-ready dataset.h5",
    )
    add_build_dataset_arguments(build)
    build.set_defaults(func=_build_dataset)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        args.func(args)
    except (OSError, ValueError) as error:
        log.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
