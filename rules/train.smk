# Final models (paper: ten independent trials of the best configuration, Adam, early stopping,
# best epoch kept; the trial with the lowest validation MSE is the model), cross-validation
# (best of trials per fold) and training-set subsampling (Figure 2A).


rule train_trial:
    input:
        dataset="results/{dataset}/dataset.h5",
        hparams="results/hyperparameters.json",
    output:
        model="results/{dataset}/train/trial_{trial}/model.keras",
        history="results/{dataset}/train/trial_{trial}/history.tsv",
        predictions="results/{dataset}/train/trial_{trial}/predictions.tsv",
        result="results/{dataset}/train/trial_{trial}/result.json",
    log:
        "logs/train/{dataset}/trial_{trial}.log",
    benchmark:
        "benchmarks/train/{dataset}/trial_{trial}.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=480,
        gpu=1,
    params:
        split="holdout",
        seed=config["seed"],
        max_epochs=config["train"]["max_epochs"],
        patience=config["train"]["patience"],
        learning_rate=config["train"]["learning_rate"],
        shift_bp=config["train"]["shift_augment_bp"],
    script:
        "../workflow/scripts/train_trial.py"


rule final_model:
    input:
        train_results,
    output:
        model="results/{dataset}/model.keras",
        metrics="results/{dataset}/test_metrics.tsv",
        predictions="results/{dataset}/test_predictions.tsv",
    log:
        "logs/train/{dataset}/final_model.log",
    benchmark:
        "benchmarks/train/{dataset}/final_model.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        dataset="{dataset}",
    script:
        "../workflow/scripts/final_model.py"


rule cv_trial:
    input:
        dataset="results/{dataset}/dataset.h5",
        hparams="results/hyperparameters.json",
    output:
        model="results/{dataset}/cv/fold_{fold}/trial_{trial}/model.keras",
        history="results/{dataset}/cv/fold_{fold}/trial_{trial}/history.tsv",
        predictions="results/{dataset}/cv/fold_{fold}/trial_{trial}/predictions.tsv",
        result="results/{dataset}/cv/fold_{fold}/trial_{trial}/result.json",
    log:
        "logs/cv/{dataset}/fold_{fold}/trial_{trial}.log",
    benchmark:
        "benchmarks/cv/{dataset}/fold_{fold}/trial_{trial}.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=480,
        gpu=1,
    params:
        split=lambda wildcards: f"fold_{wildcards.fold}",
        seed=config["seed"],
        max_epochs=config["cv"]["max_epochs"],
        patience=config["cv"]["patience"],
        learning_rate=config["train"]["learning_rate"],
        shift_bp=config["train"]["shift_augment_bp"],
    script:
        "../workflow/scripts/train_trial.py"


rule cv_predictions:
    input:
        cv_results,
    output:
        predictions="results/{dataset}/cv_predictions.tsv",
        metrics="results/{dataset}/cv_metrics.tsv",
    log:
        "logs/cv/{dataset}/merge.log",
    benchmark:
        "benchmarks/cv/{dataset}/merge.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow/scripts/cv_predictions.py"


rule subsample_trial:
    input:
        dataset="results/{dataset}/dataset.h5",
        hparams="results/hyperparameters.json",
    output:
        model="results/{dataset}/subsampling/fraction_{fraction}/draw_{draw}/trial_{trial}/model.keras",
        history="results/{dataset}/subsampling/fraction_{fraction}/draw_{draw}/trial_{trial}/history.tsv",
        predictions="results/{dataset}/subsampling/fraction_{fraction}/draw_{draw}/trial_{trial}/predictions.tsv",
        result="results/{dataset}/subsampling/fraction_{fraction}/draw_{draw}/trial_{trial}/result.json",
    log:
        "logs/subsampling/{dataset}/fraction_{fraction}/draw_{draw}/trial_{trial}.log",
    benchmark:
        "benchmarks/subsampling/{dataset}/fraction_{fraction}/draw_{draw}/trial_{trial}.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=480,
        gpu=1,
    params:
        split="holdout",
        seed=config["seed"],
        max_epochs=SUBSAMPLING["max_epochs"],
        patience=SUBSAMPLING["patience"],
        learning_rate=config["train"]["learning_rate"],
        shift_bp=config["train"]["shift_augment_bp"],
    script:
        "../workflow/scripts/train_trial.py"


rule subsampling_summary:
    input:
        subsampling_results,
    output:
        "results/{dataset}/subsampling/summary.tsv",
    log:
        "logs/subsampling/{dataset}/summary.log",
    benchmark:
        "benchmarks/subsampling/{dataset}/summary.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow/scripts/subsampling_summary.py"
