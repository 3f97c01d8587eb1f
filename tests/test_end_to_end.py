"""A small end-to-end run of the whole workflow on the tiny demo configuration."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, run_snakemake
from tests_helpers import declared_figures, job_counts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """Run the default target once on configs/test.yaml; the tests below inspect the result."""
    workdir = tmp_path_factory.mktemp("e2e")
    shutil.copy(REPO / "configs" / "test.yaml", workdir / "config.yaml")
    result = run_snakemake(["--cores", "2", "--configfile", "config.yaml"], cwd=workdir)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return workdir


def test_every_figure_is_written(finished_run):
    for fig in declared_figures():
        pdf = finished_run / "results" / "figures" / f"{fig}.pdf"
        assert pdf.stat().st_size > 1000, fig
        assert pdf.read_bytes().startswith(b"%PDF")


def test_every_job_wrote_its_log(finished_run):
    logs = list((finished_run / "logs").rglob("*.log"))
    assert logs
    assert (finished_run / "logs" / "demo_data.log").read_text().strip()


def test_nothing_left_to_do_and_single_figure_rebuilds_alone(finished_run):
    result = run_snakemake(["-n", "--configfile", "config.yaml"], cwd=finished_run)
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr

    (finished_run / "results" / "figures" / "figS1.pdf").unlink()
    result = run_snakemake(
        ["results/figures/figS1.pdf", "-n", "--configfile", "config.yaml"], cwd=finished_run
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert job_counts(out) == {"figS1": 1}


def test_report_is_generated(finished_run):
    run_snakemake(["--cores", "1", "--configfile", "config.yaml"], cwd=finished_run)
    result = run_snakemake(
        ["--configfile", "config.yaml", "--report", "results/report.html"], cwd=finished_run
    )
    assert result.returncode == 0, result.stderr[-3000:]
    html = (finished_run / "results" / "report.html").read_text(errors="replace")
    assert "figS1" in html


DATASETS = ["human", "mouse", "k562", "gm12878", "mesc"]


def test_test_metrics_and_predictions_for_every_dataset(finished_run):
    import pandas as pd

    for dataset in DATASETS:
        metrics = pd.read_csv(finished_run / "results" / dataset / "test_metrics.tsv", sep="\t")
        assert list(metrics.columns[:7]) == [
            "dataset",
            "trial",
            "epoch",
            "valid_mse",
            "n",
            "r2",
            "mse",
        ]
        predictions = pd.read_csv(
            finished_run / "results" / dataset / "test_predictions.tsv", sep="\t"
        )
        assert len(predictions) == metrics.loc[0, "n"]
        assert {"gene_id", "expression_log10", "predicted_log10", "predicted_z"} <= set(
            predictions.columns
        )


def test_cross_validation_predicts_each_gene_once_from_the_fold_that_held_it_out(finished_run):
    import h5py
    import numpy as np
    import pandas as pd

    from xpressoflow.dataset import TEST

    for dataset in DATASETS:
        cv = pd.read_csv(finished_run / "results" / dataset / "cv_predictions.tsv", sep="\t")
        with h5py.File(finished_run / "results" / dataset / "dataset.h5") as h5:
            genes = h5["gene_id"].asstr()[:]
            fold_of_gene = {}
            for name in sorted(h5["splits"]):
                if name.startswith("fold_"):
                    tested = genes[h5["splits"][name]["role"][:] == TEST]
                    fold_of_gene.update(dict.fromkeys(tested, int(name.split("_")[1])))
        assert not cv["gene_id"].duplicated().any()
        assert set(cv["gene_id"]) == set(genes)
        assert (cv["fold"].to_numpy() == np.array([fold_of_gene[g] for g in cv["gene_id"]])).all()


def test_training_jobs_use_the_configured_shift_augmentation(finished_run):
    import json

    results = sorted((finished_run / "results").glob("*/train/trial_*/result.json"))
    results += sorted((finished_run / "results").glob("*/cv/fold_*/trial_*/result.json"))
    assert len(results) >= 2 * len(DATASETS)
    # search trials and the manual baseline are ranked under the same training
    search = finished_run / "results" / "human" / "search"
    trials = sorted(search.glob("*/round_*/results/*.json")) + [search / "manual.json"]
    assert len(trials) >= 3
    assert {json.loads(path.read_text())["shift_augment_bp"]
            for path in results + trials} == {5}


def test_planted_motif_effects_cover_every_motif_on_genes_without_it(finished_run):
    import pandas as pd

    from xpressoflow.demo.planted import MOTIFS

    truth_dir = finished_run / "resources" / "demo" / "truth"
    for dataset in DATASETS:
        table = pd.read_csv(finished_run / "results" / dataset / "planted_motif_effects.tsv",
                            sep="\t")
        assert set(table["dataset"]) == {dataset}
        assert sorted(table["motif"].unique()) == sorted(motif.name for motif in MOTIFS)
        assert set(table["placement"]) == {"planted_window", "control"}
        assert table["learned_log10"].notna().all()
        species = "mouse" if dataset in ("mouse", "mesc") else "human"
        truth = pd.read_csv(truth_dir / f"{species}_genes.tsv", sep="\t", index_col="gene_id")
        test_genes = pd.read_csv(finished_run / "results" / dataset / "test_predictions.tsv",
                                 sep="\t")["gene_id"]
        for row in table.itertuples():
            counts = truth.loc[test_genes, f"motif_{row.motif}_count"]
            assert row.n_genes == int((counts == 0).sum())


def test_search_trials_are_recorded_and_resume_without_repeats(finished_run):
    import pandas as pd

    search = finished_run / "results" / "human" / "search" / "tpe"
    trials = pd.read_csv(search / "round_001" / "trials.tsv", sep="\t")
    assert list(trials["trial_id"]) == ["r000_t00", "r001_t00"]
    assert {"loss", "epochs_run", "restarts", "time_s", "status", "hparams"} <= set(
        trials.columns)
    assert (search / "round_001" / "trials.pkl").stat().st_size > 0

    # A run killed during round 1 before its trial finished: the trial's result and the
    # round's merged table are missing. (Last test of the module: it leaves the run incomplete.)
    (search / "round_001" / "results" / "r001_t00.json").unlink()
    (search / "round_001" / "trials.tsv").unlink()
    (search / "round_001" / "trials.pkl").unlink()
    target = "results/human/search/tpe/round_001/trials.tsv"
    result = run_snakemake([target, "-n", "--configfile", "config.yaml"], cwd=finished_run)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    jobs = job_counts(out)
    # Only the lost trial runs again: round 0's result and round 1's suggestions are kept.
    assert jobs == {"search_trial": 1, "search_merge": 1}
    assert "round_001/results/r001_t00.json" in out


def test_demo_checks_read_the_run_against_the_planted_truth(finished_run):
    """results/demo_checks.tsv: each number recomputed here from the files it summarises."""
    import json

    import h5py
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    from xpressoflow.dataset import TEST, TRAIN
    from xpressoflow.demo.expression import planted_input_features

    checks = pd.read_csv(finished_run / "results" / "demo_checks.tsv", sep="\t")
    truth_dir = finished_run / "resources" / "demo" / "truth"
    ceilings = pd.read_csv(truth_dir / "ceilings.tsv", sep="\t").set_index("dataset")
    signal_column = {"human": "signal_log10", "mouse": "signal_log10",
                     "k562": "signal_k562_log10", "gm12878": "signal_gm12878_log10",
                     "mesc": "signal_mesc_log10"}
    for dataset in DATASETS:
        rows = checks[(checks["dataset"] == dataset)
                      & checks["check"].str.startswith("test_r2")].set_index("check")
        assert len(rows) == 2
        metrics = pd.read_csv(finished_run / "results" / dataset / "test_metrics.tsv", sep="\t")
        assert rows["value"].to_numpy() == pytest.approx(metrics.loc[0, "r2"], abs=1e-4)
        assert rows.loc["test_r2_vs_planted_ceiling", "reference"] == pytest.approx(
            ceilings.loc[dataset, "r2_ceiling"], abs=1e-4)
        species = "mouse" if dataset in ("mouse", "mesc") else "human"
        truth = pd.read_csv(truth_dir / f"{species}_genes.tsv", sep="\t", index_col="gene_id")
        predictions = pd.read_csv(finished_run / "results" / dataset / "test_predictions.tsv",
                                  sep="\t")
        signal = truth.loc[predictions["gene_id"], signal_column[dataset]].to_numpy()
        truth_r2 = np.corrcoef(signal, predictions["expression_log10"])[0, 1] ** 2
        assert rows.loc["test_r2_vs_truth_r2_on_test_genes", "reference"] == pytest.approx(
            truth_r2, abs=1e-4)
        for _, row in rows.iterrows():
            assert row["met"] == (row["value"] / row["reference"] >= 0.9)
        # the regression reference: OLS on the planted input features, training genes only
        regression = checks[(checks["dataset"] == dataset) & (
            checks["check"] == "planted_feature_regression_r2_vs_planted_ceiling")].iloc[0]
        with h5py.File(finished_run / "results" / dataset / "dataset.h5", "r") as h5:
            role = h5["splits/holdout/role"][:]
            gene_ids = h5["gene_id"].asstr()[:]
            labels = h5["expression_log10"][:]
        features = sm.add_constant(planted_input_features(truth).loc[gene_ids].to_numpy())
        fit = sm.OLS(labels[role == TRAIN], features[role == TRAIN]).fit()
        expected = np.corrcoef(fit.predict(features[role == TEST]), labels[role == TEST])[0, 1]
        assert regression["value"] == pytest.approx(expected**2, abs=1e-4)
        assert regression["n"] == (role == TEST).sum() == len(predictions)
        assert regression["reference"] == pytest.approx(ceilings.loc[dataset, "r2_ceiling"],
                                                        abs=1e-4)
    search = checks[checks["check"] == "search_best_vs_manual_valid_mse"].iloc[0]
    search_dir = finished_run / "results" / "human" / "search"
    trials = pd.concat(pd.read_csv(path, sep="\t")
                       for path in search_dir.glob("*/round_001/trials.tsv"))
    manual = json.loads((search_dir / "manual.json").read_text())
    assert search["value"] == pytest.approx(trials.loc[trials["status"] == "ok", "loss"].min(),
                                            abs=1e-4)
    assert search["reference"] == pytest.approx(manual["loss"], abs=1e-4)
    assert bool(search["met"]) == (search["value"] < search["reference"])
