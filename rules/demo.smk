# The built-in demo data: a simulated genome for human and mouse whose files match the real
# public sources file by file (docs/formats.md), plus the planted ground truth.


rule demo_data:
    output:
        files=[f"resources/demo/{path}" for path in DEMO_FILES],
        encode=directory("resources/demo/mouse/encode"),
        truth=directory("resources/demo/truth"),
    log:
        "logs/demo_data.log",
    benchmark:
        "benchmarks/demo_data.tsv"
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        demo=config["demo"],
        seed=config["seed"],
    script:
        "../workflow/scripts/demo_data.py"
