# Helpers shared by all .smk files (config validation, paths, target lists, constraints);
# the other .smk files hold rules only.
import os
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../workflow/schemas/config.schema.yaml")

# Scripts import the library from src/ without installing it, also inside per-rule conda envs
# and on cluster nodes (the environment is exported to jobs).
SRC_DIR = str(Path(workflow.basedir) / "src")
# PYTHONPATH is set here, not required from the user, so no envvars: assertion applies.
_pythonpath = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if SRC_DIR not in _pythonpath:
    os.environ.update(PYTHONPATH=os.pathsep.join([SRC_DIR, *_pythonpath]))

SOURCE = config["source"]
SPECIES = ["human", "mouse"]
DATASETS = ["human", "mouse", "k562", "gm12878", "mesc"]
# Bring-your-own-data sets (config custom_datasets:), built through the same code path.
CUSTOM_DATASETS = sorted(config["custom_datasets"])

# Raw files every source provides under resources/<source>/ (docs/formats.md); the ENCODE
# quantifications (mouse/encode/) and the demo ground truth (truth/) are directories.
RAW_FILES = {
    "human": [
        "genome.fa",
        "genome.fa.fai",
        "annotation.gtf.gz",
        "cage_peaks.bed",
        "57epigenomes.RPKM.pc.gz",
        "hgnc_complete_set.txt",
        "mart_orthologs.txt",
        "K562_half_lives.txt",
        "chromatin_domains_K562.bed",
        "chromatin_domains_GM12878.bed",
        "SuRE_K562_plus.bw",
        "SuRE_K562_minus.bw",
    ],
    "mouse": [
        "genome.fa",
        "genome.fa.fai",
        "annotation.gtf.gz",
        "cage_peaks.bed",
        "mESC_expression.txt",
        "MGI_Gene_Model_Coord.rpt",
        "mESC_half_lives.txt",
        "superenhancer_genes.txt",
        "polycomb_genes.txt",
        "miRNA_counts.txt",
        "targetscan_summary_counts.txt",
    ],
}
DEMO_FILES = [
    f"{species}/{name}" for species, names in RAW_FILES.items() for name in names
]

# Figure panels the workflow can build, each its own target results/figures/<fig>.pdf.
FIGURES = ["fig2c", "figS1"]


wildcard_constraints:
    species="|".join(SPECIES),
    dataset="|".join(DATASETS),
    # A pattern that matches nothing when no custom data set is configured.
    custom="|".join(CUSTOM_DATASETS) or "(?!x)x",
    fig="|".join(FIGURES),
    source="demo|real",


def raw(path):
    """Path of a raw input under resources/<source>/ (names and formats: docs/formats.md)."""
    return f"resources/{SOURCE}/{path}"


def custom_dataset_inputs(wildcards):
    """The user's files for one custom data set (the keys present in its config entry)."""
    spec = config["custom_datasets"][wildcards.custom]
    keys = ["labels", "fasta", "bed", "genome", "half_lives"]
    return {key: spec[key] for key in keys if key in spec}


def figure_targets():
    return [f"results/figures/{fig}.pdf" for fig in FIGURES]


def dataset_targets():
    return [f"results/{dataset}/dataset.h5" for dataset in DATASETS + CUSTOM_DATASETS]


def all_targets():
    return dataset_targets() + figure_targets()
