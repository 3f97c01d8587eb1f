"""Cross-validated predictions: each gene from the fold model that held it out
(rule cv_predictions)."""

from collections import defaultdict
from pathlib import Path

from xpressoflow.experiments import merge_cross_validation
from xpressoflow.logs import redirect_output_to_log


def main(smk) -> None:
    with redirect_output_to_log(smk.log[0]):
        by_fold = defaultdict(list)
        for path in smk.input:
            fold_dir = Path(path).parents[1].name  # .../fold_XX/trial_YY/result.json
            by_fold[int(fold_dir.split("_")[1])].append(path)
        merge_cross_validation(dict(by_fold), smk.output.predictions, smk.output.metrics)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
