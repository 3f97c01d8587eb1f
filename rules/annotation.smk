# Gene models, half-life features and TSS per species (paper Methods: "Collecting promoter
# sequences and mRNA half-life features").


rule annotate_genes_human:
    input:
        gtf=raw("human/annotation.gtf.gz"),
        genome=raw("human/genome.fa"),
        fai=raw("human/genome.fa.fai"),
        cage=raw("human/cage_peaks.bed"),
        hgnc=raw("human/hgnc_complete_set.txt"),
    output:
        genes="results/human/genes.tsv",
        excluded="results/human/excluded_genes.tsv",
        bed="results/human/promoters.bed",
    log:
        "logs/annotate_genes/human.log",
    benchmark:
        "benchmarks/annotate_genes/human.tsv"
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        flank_bp=config["promoter"]["flank_bp"],
        use_cage=config["promoter"]["use_cage"],
        convention=config["annotation"]["half_life_convention"],
    script:
        "../workflow/scripts/annotate_genes.py"


rule annotate_genes_mouse:
    input:
        gtf=raw("mouse/annotation.gtf.gz"),
        genome=raw("mouse/genome.fa"),
        fai=raw("mouse/genome.fa.fai"),
        cage=raw("mouse/cage_peaks.bed"),
        mgi=raw("mouse/MGI_Gene_Model_Coord.rpt"),
    output:
        genes="results/mouse/genes.tsv",
        excluded="results/mouse/excluded_genes.tsv",
        bed="results/mouse/promoters.bed",
    log:
        "logs/annotate_genes/mouse.log",
    benchmark:
        "benchmarks/annotate_genes/mouse.tsv"
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        flank_bp=config["promoter"]["flank_bp"],
        use_cage=config["promoter"]["use_cage"],
        convention=config["annotation"]["half_life_convention"],
    script:
        "../workflow/scripts/annotate_genes.py"
