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
FIGURES = ["fig1b", "fig1c", "fig2a", "fig2b", "fig2c", "figS1", "figS2a", "figS2b"]

# Modelling: the search runs on one data set, in rounds of trials_per_round trials.
SEARCH = config["search"]
SEARCH_ROUNDS = [f"{r:03d}" for r in range(SEARCH["rounds"])]
SEARCH_POSITIONS = [f"{p:02d}" for p in range(SEARCH["trials_per_round"])]
TRAIN_TRIALS = [f"{t:02d}" for t in range(config["train"]["trials"])]
CV_FOLDS = [f"{f:02d}" for f in range(config["splits"]["n_folds"])]
CV_TRIALS = [f"{t:02d}" for t in range(config["cv"]["trials"])]
SUBSAMPLING = config["subsampling"]


wildcard_constraints:
    species="|".join(SPECIES),
    dataset="|".join(DATASETS),
    # A pattern that matches nothing when no custom data set is configured.
    custom="|".join(CUSTOM_DATASETS) or "(?!x)x",
    fig="|".join(FIGURES),
    source="demo|real",
    algo="|".join(SEARCH["algorithms"]),
    round="[0-9]{3}",
    pos="[0-9]{2}",
    trial="[0-9]{2}",
    fold="[0-9]{2}",
    draw="[0-9]{2}",
    fraction="[0-9.]+",


def raw(path):
    """Path of a raw input under resources/<source>/ (names and formats: docs/formats.md)."""
    return f"resources/{SOURCE}/{path}"


def custom_dataset_inputs(wildcards):
    """The user's files for one custom data set (the keys present in its config entry)."""
    spec = config["custom_datasets"][wildcards.custom]
    keys = ["labels", "fasta", "bed", "genome", "half_lives"]
    return {key: spec[key] for key in keys if key in spec}


def search_dir(algo):
    return f"results/{SEARCH['dataset']}/search/{algo}"


def previous_round_trials(wildcards):
    """The cumulative trials table of the round before (none before round 000)."""
    round_index = int(wildcards.round)
    if round_index == 0:
        return []
    return f"{search_dir(wildcards.algo)}/round_{round_index - 1:03d}/trials.tsv"


def round_results(wildcards):
    return expand(
        "{dir}/round_{round}/results/r{round}_t{pos}.json",
        dir=search_dir(wildcards.algo),
        round=wildcards.round,
        pos=SEARCH_POSITIONS,
    )


def final_trials_tables():
    """The trials table after the last round, one per search algorithm."""
    return [
        f"{search_dir(algo)}/round_{SEARCH_ROUNDS[-1]}/trials.tsv"
        for algo in SEARCH["algorithms"]
    ]


def hyperparameter_inputs(wildcards):
    if config["train"]["architecture"] != "search":
        return {}
    return {
        "trials": final_trials_tables(),
        "manual": f"results/{SEARCH['dataset']}/search/manual.json",
    }


def demo_check_inputs(wildcards):
    search = hyperparameter_inputs(wildcards)
    return {
        "predictions": expand(
            "results/{dataset}/test_predictions.tsv", dataset=DATASETS
        ),
        "datasets": expand("results/{dataset}/dataset.h5", dataset=DATASETS),
        "truth": "resources/demo/truth",
        "trials": search.get("trials", []),
        "manual": search.get("manual", []),
    }


def train_results(wildcards):
    return expand(
        "results/{dataset}/train/trial_{trial}/result.json",
        dataset=wildcards.dataset,
        trial=TRAIN_TRIALS,
    )


def cv_results(wildcards):
    return expand(
        "results/{dataset}/cv/fold_{fold}/trial_{trial}/result.json",
        dataset=wildcards.dataset,
        fold=CV_FOLDS,
        trial=CV_TRIALS,
    )


def subsampling_results(wildcards):
    return expand(
        "results/{dataset}/subsampling/fraction_{fraction}/draw_{draw}/trial_{trial}/result.json",
        dataset=wildcards.dataset,
        fraction=[str(f) for f in SUBSAMPLING["fractions"]],
        draw=[f"{d:02d}" for d in range(SUBSAMPLING["draws"])],
        trial=[f"{t:02d}" for t in range(SUBSAMPLING["trials"])],
    )


def published_model_url(wildcards):
    return config["published_models"][wildcards.species]["url"]


def published_model_md5(wildcards):
    return config["published_models"][wildcards.species].get("md5")


def predict_inputs(wildcards):
    """Model and sequence files of one predict: entry (config)."""
    spec = config["predict"][wildcards.name]
    model = spec["model"]
    if model in DATASETS + CUSTOM_DATASETS:
        model = f"results/{model}/model.keras"
    elif model.startswith("published_"):
        model = f"resources/published/{model.removeprefix('published_')}_xpresso.h5"
    files = {"model": model}
    files.update(
        {
            key: spec[key]
            for key in ("fasta", "bed", "genome", "half_life")
            if key in spec
        }
    )
    return files


def model_targets():
    per_dataset = ["model.keras", "test_metrics.tsv", "cv_predictions.tsv"]
    return [f"results/{d}/{name}" for d in DATASETS for name in per_dataset]


def prediction_targets():
    return [f"results/predictions/{name}.tsv" for name in sorted(config["predict"])]


def figure_targets():
    return [f"results/figures/{fig}.pdf" for fig in FIGURES]


def dataset_targets():
    return [f"results/{dataset}/dataset.h5" for dataset in DATASETS + CUSTOM_DATASETS]


def demo_targets():
    if config["source"] != "demo":
        return []
    return ["results/demo_checks.tsv"] + expand(
        "results/{dataset}/planted_motif_effects.tsv", dataset=DATASETS
    )


def all_targets():
    return (
        dataset_targets()
        + model_targets()
        + figure_targets()
        + prediction_targets()
        + demo_targets()
    )
