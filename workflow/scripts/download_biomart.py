"""Ensembl v90 BioMart export of human -> mouse orthologs (docs/formats.md mart_orthologs.txt)."""

from xpressoflow.download import biomart_url, download, strip_biomart_completion_stamp
from xpressoflow.io import atomic_path
from xpressoflow.logs import redirect_output_to_log


def main(spec, retry, output):
    url = biomart_url(spec["martservice"], spec["query"])
    with atomic_path(output) as tmp:
        download(url, tmp, **retry)
        strip_biomart_completion_stamp(tmp)


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(dict(snakemake.params.spec), dict(snakemake.params.retry), snakemake.output[0])  # noqa: F821
