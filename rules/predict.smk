# Scoring promoters with a model trained here or the authors' published models.


rule download_published_model:
    output:
        "resources/published/{species}_xpresso.h5",
    log:
        "logs/download/published_{species}.log",
    localrule: True
    conda:
        "../envs/bio.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=20,
    params:
        url=published_model_url,
        md5=published_model_md5,
    script:
        "../workflow/scripts/download_published_model.py"


rule predict:
    input:
        unpack(predict_inputs),
    output:
        "results/predictions/{name}.tsv",
    log:
        "logs/predict/{name}.log",
    benchmark:
        "benchmarks/predict/{name}.tsv"
    conda:
        "../envs/tensorflow.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        spec=lambda wildcards: config["predict"][wildcards.name],
    script:
        "../workflow/scripts/predict.py"
