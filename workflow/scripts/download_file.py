"""Download one configured public file into resources/real/ (formats of docs/formats.md)."""

from pathlib import Path

from xpressoflow.download import fetch_source
from xpressoflow.logs import redirect_output_to_log


def main(spec, retry, output):
    dest = Path(output)
    fetch_source(spec, dest, download_dir=dest.parent / ".downloads" / dest.name, **retry)


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(dict(snakemake.params.spec), dict(snakemake.params.retry), snakemake.output[0])  # noqa: F821
