# Model-ready data sets: labels + half-life features + promoter codes + splits (HDF5 layout
# documented in src/xpressoflow/dataset.py).


rule dataset_human_cells:
    input:
        genes="results/human/genes.tsv",
        excluded="results/human/excluded_genes.tsv",
        expression="results/{dataset}/expression.tsv",
        genome=raw("human/genome.fa"),
        fai=raw("human/genome.fa.fai"),
    output:
        h5="results/{dataset}/dataset.h5",
        excluded="results/{dataset}/dataset_excluded_genes.tsv",
    log:
        "logs/dataset/{dataset}.log",
    benchmark:
        "benchmarks/dataset/{dataset}.tsv"
    wildcard_constraints:
        dataset="human|k562|gm12878",
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        dataset="{dataset}",
        species="human",
        flank_bp=config["promoter"]["flank_bp"],
        splits=config["splits"],
        seed=config["seed"],
    script:
        "../workflow/scripts/build_dataset.py"


rule dataset_mouse_cells:
    input:
        genes="results/mouse/genes.tsv",
        excluded="results/mouse/excluded_genes.tsv",
        expression="results/{dataset}/expression.tsv",
        genome=raw("mouse/genome.fa"),
        fai=raw("mouse/genome.fa.fai"),
    output:
        h5="results/{dataset}/dataset.h5",
        excluded="results/{dataset}/dataset_excluded_genes.tsv",
    log:
        "logs/dataset/{dataset}.log",
    benchmark:
        "benchmarks/dataset/{dataset}.tsv"
    wildcard_constraints:
        dataset="mouse|mesc",
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        dataset="{dataset}",
        species="mouse",
        flank_bp=config["promoter"]["flank_bp"],
        splits=config["splits"],
        seed=config["seed"],
    script:
        "../workflow/scripts/build_dataset.py"


rule dataset_custom:
    input:
        unpack(custom_dataset_inputs),
    output:
        h5="results/{custom}/dataset.h5",
        excluded="results/{custom}/dataset_excluded_genes.tsv",
    log:
        "logs/dataset/{custom}.log",
    benchmark:
        "benchmarks/dataset/{custom}.tsv"
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        spec=lambda wildcards: config["custom_datasets"][wildcards.custom],
        splits=config["splits"],
        seed=config["seed"],
    script:
        "../workflow/scripts/build_custom_dataset.py"
