# Downloads of the public sources (configs/real.yaml, `sources:`) into resources/real/, with the
# file names and formats of docs/formats.md, so that raw() paths resolve when source is real.
# Every download retries with back-off, resumes, verifies the published checksum and appears
# at its output path only when complete (xpressoflow.download). Local rules: cluster nodes
# often have no internet.


rule download_real:
    input:
        "resources/real/human/57epigenomes.RPKM.pc.gz",
        "resources/real/human/hgnc_complete_set.txt",
        "resources/real/human/mart_orthologs.txt",
        "resources/real/mouse/MGI_Gene_Model_Coord.rpt",
        "resources/real/mouse/encode",
        expand(
            "resources/real/{species}/{name}",
            species=["human", "mouse"],
            name=["annotation.gtf.gz", "genome.fa", "genome.fa.fai", "cage_peaks.bed"],
        ),
        lambda wc: [f"resources/real/{path}" for path in config["sources"]["tables"]],
    localrule: True


rule download_roadmap_rpkm:
    output:
        "resources/real/human/57epigenomes.RPKM.pc.gz",
    log:
        "logs/download/roadmap_rpkm.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        spec=lambda wc: config["sources"]["roadmap_rpkm"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_file.py"


rule download_hgnc:
    output:
        "resources/real/human/hgnc_complete_set.txt",
    log:
        "logs/download/hgnc.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        spec=lambda wc: config["sources"]["hgnc"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_file.py"


rule download_mgi_gene_model:
    output:
        "resources/real/mouse/MGI_Gene_Model_Coord.rpt",
    log:
        "logs/download/mgi_gene_model.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        spec=lambda wc: config["sources"]["mgi_gene_model"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_file.py"


rule download_cage_peaks:
    output:
        "resources/real/{species}/cage_peaks.bed",
    log:
        "logs/download/cage_peaks_{species}.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        spec=lambda wc: {
            **config["sources"]["fantom_cage"][wc.species],
            "transform": "bigbed_to_bed9",
        },
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_file.py"


rule download_ensembl_gtf:
    output:
        "resources/real/{species}/annotation.gtf.gz",
    log:
        "logs/download/ensembl_gtf_{species}.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        spec=lambda wc: config["sources"]["ensembl"][wc.species]["gtf"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_ensembl.py"


rule download_ensembl_genome:
    output:
        fasta="resources/real/{species}/genome.fa",
        fai="resources/real/{species}/genome.fa.fai",
    log:
        "logs/download/ensembl_genome_{species}.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=360,
    params:
        spec=lambda wc: config["sources"]["ensembl"][wc.species]["genome"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_ensembl.py"


rule download_biomart_orthologs:
    output:
        "resources/real/human/mart_orthologs.txt",
    log:
        "logs/download/biomart_orthologs.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        spec=lambda wc: config["sources"]["biomart_orthologs"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_biomart.py"


rule download_encode:
    output:
        directory("resources/real/mouse/encode"),
    log:
        "logs/download/encode.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=720,
    params:
        spec=lambda wc: config["sources"]["encode"],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_encode.py"


rule download_table:
    output:
        "resources/real/{table}",
    log:
        "logs/download/tables/{table}.log",
    wildcard_constraints:
        table=(
            r"human/K562_half_lives\.txt|human/chromatin_domains_(K562|GM12878)\.bed"
            r"|human/SuRE_K562_(plus|minus)\.bw|human/hg38ToHg19\.over\.chain\.gz"
            r"|mouse/mESC_expression\.txt|mouse/mESC_half_lives\.txt"
            r"|mouse/(superenhancer|polycomb)_genes\.txt|mouse/miRNA_counts\.txt"
            r"|mouse/targetscan_summary_counts\.txt"
        ),
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=120,
    params:
        spec=lambda wc: config["sources"]["tables"][wc.table],
        retry=lambda wc: config["sources"]["download"],
    script:
        "../workflow/scripts/download_file.py"
