# Figures about the input data: Figure 2C and Figure S1.


rule fig2c:
    input:
        human="results/human/expression.tsv",
        mouse="results/mouse/expression.tsv",
        human_genes="results/human/genes.tsv",
        mouse_genes="results/mouse/genes.tsv",
        orthologs=raw("human/mart_orthologs.txt"),
    output:
        pdf="results/figures/fig2c.pdf",
        png=report(
            "results/figures/fig2c.png",
            caption="../workflow/report/fig2c.rst",
            category="Figures",
        ),
    log:
        "logs/figures/fig2c.log",
    benchmark:
        "benchmarks/figures/fig2c.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/fig2c.py"


rule figS1:
    input:
        matrix="results/human/roadmap_log10_rpkm.tsv",
    output:
        pdf="results/figures/figS1.pdf",
        png=report(
            "results/figures/figS1.png",
            caption="../workflow/report/figS1.rst",
            category="Figures",
        ),
    log:
        "logs/figures/figS1.log",
    benchmark:
        "benchmarks/figures/figS1.tsv"
    conda:
        "../envs/pydata.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow/scripts/figS1.py"
