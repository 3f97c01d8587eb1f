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
