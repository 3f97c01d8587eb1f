# Hyperparameter search (paper: Figure 1B, Table 1), as rounds in a static DAG: a round's
# suggestions come from every finished trial of the rounds before, each trial is its own job
# (gpu=1 on a cluster), and finished trials are files, so a killed run resumes without losing
# or repeating them.


rule search_suggest:
    input:
        previous=previous_round_trials,
    output:
        expand(
            "results/{{dataset}}/search/{{algo}}/round_{{round}}/suggestions/r{{round}}_t{pos}.json",
            pos=SEARCH_POSITIONS,
        ),
    log:
        "logs/search/{dataset}/{algo}/round_{round}_suggest.log",
    benchmark:
        "benchmarks/search/{dataset}/{algo}/round_{round}_suggest.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        k=SEARCH["trials_per_round"],
        seed=config["seed"],
        ranges=SEARCH["ranges"],
        startup=SEARCH["tpe_startup_trials"],
    script:
        "../workflow/scripts/search_suggest.py"


rule search_trial:
    input:
        suggestion="results/{dataset}/search/{algo}/round_{round}/suggestions/r{round}_t{pos}.json",
        dataset="results/{dataset}/dataset.h5",
    output:
        "results/{dataset}/search/{algo}/round_{round}/results/r{round}_t{pos}.json",
    log:
        "logs/search/{dataset}/{algo}/round_{round}/r{round}_t{pos}.log",
    benchmark:
        "benchmarks/search/{dataset}/{algo}/round_{round}/r{round}_t{pos}.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,
    params:
        epochs=SEARCH["epochs"],
        seed=config["seed"],
        shift_bp=config["train"]["shift_augment_bp"],
    script:
        "../workflow/scripts/search_trial.py"


rule search_merge:
    input:
        previous=previous_round_trials,
        results=round_results,
    output:
        trials="results/{dataset}/search/{algo}/round_{round}/trials.tsv",
        pickle="results/{dataset}/search/{algo}/round_{round}/trials.pkl",
    log:
        "logs/search/{dataset}/{algo}/round_{round}_merge.log",
    benchmark:
        "benchmarks/search/{dataset}/{algo}/round_{round}_merge.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow/scripts/search_merge.py"


rule search_manual_baseline:
    input:
        dataset="results/{dataset}/dataset.h5",
    output:
        "results/{dataset}/search/manual.json",
    log:
        "logs/search/{dataset}/manual.log",
    benchmark:
        "benchmarks/search/{dataset}/manual.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,
    params:
        epochs=SEARCH["epochs"],
        seed=config["seed"],
        shift_bp=config["train"]["shift_augment_bp"],
    script:
        "../workflow/scripts/search_manual.py"


rule training_hyperparameters:
    input:
        unpack(hyperparameter_inputs),
    output:
        "results/hyperparameters.json",
    log:
        "logs/search/hyperparameters.log",
    benchmark:
        "benchmarks/search/hyperparameters.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        architecture=config["train"]["architecture"],
    script:
        "../workflow/scripts/training_hyperparameters.py"
