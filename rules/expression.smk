# Expression labels per data set: median over samples, log10(x + 0.1) (paper Methods:
# "Gene expression data collection and pre-processing").


rule expression_roadmap:
    input:
        roadmap=raw("human/57epigenomes.RPKM.pc.gz"),
    output:
        "results/{dataset}/expression.tsv",
    log:
        "logs/expression/{dataset}.log",
    benchmark:
        "benchmarks/expression/{dataset}.tsv"
    wildcard_constraints:
        dataset="human|k562|gm12878",
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        dataset="{dataset}",
        roadmap_exclude_samples=config["expression"]["roadmap_exclude_samples"],
        pseudocount=config["expression"]["pseudocount"],
        quantile_normalize_mouse=False,
    script:
        "../workflow/scripts/expression_labels.py"


rule expression_mouse:
    input:
        # metadata.tsv plus one <File accession>.tsv per ENCODE RSEM table
        encode_dir=raw("mouse/encode"),
    output:
        "results/mouse/expression.tsv",
    log:
        "logs/expression/mouse.log",
    benchmark:
        "benchmarks/expression/mouse.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        dataset="mouse",
        roadmap_exclude_samples=[],
        pseudocount=config["expression"]["pseudocount"],
        quantile_normalize_mouse=config["expression"]["quantile_normalize_mouse"],
    script:
        "../workflow/scripts/expression_labels.py"


rule expression_mesc:
    input:
        mesc=raw("mouse/mESC_expression.txt"),
    output:
        "results/mesc/expression.tsv",
    log:
        "logs/expression/mesc.log",
    benchmark:
        "benchmarks/expression/mesc.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        dataset="mesc",
        roadmap_exclude_samples=[],
        pseudocount=config["expression"]["pseudocount"],
        quantile_normalize_mouse=False,
    script:
        "../workflow/scripts/expression_labels.py"


rule roadmap_sample_matrix:
    input:
        roadmap=raw("human/57epigenomes.RPKM.pc.gz"),
    output:
        "results/human/roadmap_log10_rpkm.tsv",
    log:
        "logs/expression/roadmap_sample_matrix.log",
    benchmark:
        "benchmarks/expression/roadmap_sample_matrix.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        exclude=config["expression"]["roadmap_exclude_samples"],
        pseudocount=config["expression"]["pseudocount"],
    script:
        "../workflow/scripts/roadmap_matrix.py"
