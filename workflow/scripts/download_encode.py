"""ENCODE mouse RNA-seq gene quantifications chosen by the paper's five criteria:
<outdir>/metadata.tsv and <outdir>/<File accession>.tsv (md5-verified)."""

from xpressoflow.encode import fetch_encode
from xpressoflow.logs import redirect_output_to_log

SELECTION_KEYS = (
    "assays",
    "assembly",
    "file_format",
    "output_type",
    "exclude_treatments",
    "exclude_audits",
    "replicate_group",
)


def main(spec, retry, outdir):
    selection = {key: spec[key] for key in SELECTION_KEYS if spec.get(key) is not None}
    fetch_encode(
        spec["metadata_url"], outdir, selection=selection, max_files=spec.get("max_files"), **retry
    )


if "snakemake" in globals():
    with redirect_output_to_log(snakemake.log[0]):  # noqa: F821
        main(dict(snakemake.params.spec), dict(snakemake.params.retry), snakemake.output[0])  # noqa: F821
