# Xpresso: predicting mRNA levels from promoter sequence and mRNA half-life features.
# Run `snakemake --cores N` (demo data) or see README.md for the real-data and cluster routes.
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/demo.smk"
include: "rules/download.smk"
include: "rules/annotation.smk"
include: "rules/expression.smk"
include: "rules/dataset.smk"
include: "rules/figures_data.smk"
include: "rules/search.smk"
include: "rules/train.smk"
include: "rules/predict.smk"
include: "rules/figures_model.smk"
include: "rules/figures.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        all_targets(),
