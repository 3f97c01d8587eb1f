"""Command line: ``python -m xpressoflow.demo OUTDIR --seed N [--tiny]``."""

from __future__ import annotations

import argparse
import logging
import sys

from . import DEFAULT_CONFIG, TINY_CONFIG, simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m xpressoflow.demo", description="Write the simulated demo data set."
    )
    parser.add_argument("outdir", help="output folder, e.g. resources/demo")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--tiny", action="store_true", help="small test-sized data set")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    written = simulate(args.outdir, dict(TINY_CONFIG if args.tiny else DEFAULT_CONFIG), args.seed)
    print(f"wrote {len(written)} files under {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
