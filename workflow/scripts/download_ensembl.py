"""Download an Ensembl v90 GTF or primary-assembly genome, verified against Ensembl's CHECKSUMS
(BSD sum); the genome is decompressed to genome.fa and indexed (genome.fa.fai)."""

import logging
from pathlib import Path

from xpressoflow.download import (
    download,
    fetch_text,
    gunzip,
    index_fasta,
    parse_ensembl_checksums,
)
from xpressoflow.logs import redirect_output_to_log

log = logging.getLogger("xpressoflow.download")


def main(spec, retry, output, fasta=None):
    checks = {"md5": spec.get("md5")}
    if spec.get("checksums_url"):
        filename = spec["url"].rstrip("/").split("/")[-1]
        checksums = fetch_text(spec["checksums_url"], **retry)
        checks["bsd_sum"] = parse_ensembl_checksums(checksums, filename)
        log.info("expected BSD sum of %s: %s", filename, checks["bsd_sum"])
    if fasta is None:
        download(spec["url"], output, **checks, **retry)
        return
    raw_dir = Path(fasta).parent / ".downloads"
    raw = download(spec["url"], raw_dir / spec["url"].split("/")[-1], **checks, **retry)
    gunzip(raw, fasta)
    index_fasta(fasta)
    raw.unlink()


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(
            dict(snakemake.params.spec),  # noqa: F821
            dict(snakemake.params.retry),  # noqa: F821
            snakemake.output[0],  # noqa: F821
            fasta=snakemake.output.get("fasta"),  # noqa: F821
        )
