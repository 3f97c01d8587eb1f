"""Download one of the authors' released Xpresso models (rule download_published_model)."""

from xpressoflow.download import download
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        download(smk.params.url, smk.output[0], md5=smk.params.md5)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
