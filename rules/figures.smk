# Named target for every figure panel the workflow can build (results/figures/<fig>.pdf).
# Each panel is produced by the rule of its stage; this file only groups them.


rule figures:
    input:
        figure_targets(),


rule datasets:
    input:
        dataset_targets(),
