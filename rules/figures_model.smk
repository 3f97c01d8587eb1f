# Figures about the models: 1B, 1C, 2A, 2B, S2A, S2B.


rule fig1b:
    input:
        trials=final_trials_tables(),
        manual=f"results/{SEARCH['dataset']}/search/manual.json",
    output:
        pdf="results/figures/fig1b.pdf",
        png=report(
            "results/figures/fig1b.png",
            caption="../workflow/report/fig1b.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig1b.log",
    benchmark:
        "benchmarks/figures/fig1b.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        algorithms=SEARCH["algorithms"],
    script:
        "../workflow/scripts/fig1b.py"


rule figS2b:
    input:
        trials=final_trials_tables(),
    output:
        pdf="results/figures/figS2b.pdf",
        png=report(
            "results/figures/figS2b.png",
            caption="../workflow/report/figS2b.rst",
            category="Figures",
        ),
    log:
        "logs/figures/figS2b.log",
    benchmark:
        "benchmarks/figures/figS2b.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/figS2b.py"


rule fig1c:
    input:
        histories=expand(
            "results/human/train/trial_{trial}/history.tsv", trial=TRAIN_TRIALS
        ),
        results=expand(
            "results/human/train/trial_{trial}/result.json", trial=TRAIN_TRIALS
        ),
    output:
        pdf="results/figures/fig1c.pdf",
        png=report(
            "results/figures/fig1c.png",
            caption="../workflow/report/fig1c.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig1c.log",
    benchmark:
        "benchmarks/figures/fig1c.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/fig1c.py"


rule figS2a:
    input:
        model="results/human/model.keras",
    output:
        pdf="results/figures/figS2a.pdf",
        png=report(
            "results/figures/figS2a.png",
            caption="../workflow/report/figS2a.rst",
            category="Figures",
        ),
    log:
        "logs/figures/figS2a.log",
    benchmark:
        "benchmarks/figures/figS2a.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/figS2a.py"


rule fig2a:
    input:
        summary=f"results/{SUBSAMPLING['dataset']}/subsampling/summary.tsv",
    output:
        pdf="results/figures/fig2a.pdf",
        png=report(
            "results/figures/fig2a.png",
            caption="../workflow/report/fig2a.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig2a.log",
    benchmark:
        "benchmarks/figures/fig2a.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/fig2a.py"


rule fig2b:
    input:
        human="results/human/test_predictions.tsv",
        mouse="results/mouse/test_predictions.tsv",
    output:
        pdf="results/figures/fig2b.pdf",
        png=report(
            "results/figures/fig2b.png",
            caption="../workflow/report/fig2b.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig2b.log",
    benchmark:
        "benchmarks/figures/fig2b.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/fig2b.py"
