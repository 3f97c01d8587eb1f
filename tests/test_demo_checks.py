"""The demo proof table's regression reference (experiments.planted_feature_regression_r2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xpressoflow.dataset import TEST, TRAIN, VALID
from xpressoflow.experiments import planted_feature_regression_r2
from xpressoflow.training import squared_pearson


def _genes_and_features(seed: int = 3):
    """Training genes follow x1 exactly, validation genes x2 only, test genes x1 + x2/2 + noise:
    a fit on the training genes alone predicts x1 on the test genes."""
    rng = np.random.default_rng(seed)
    n = {TRAIN: 300, VALID: 60, TEST: 80}
    roles = np.concatenate([np.full(k, role) for role, k in n.items()])
    ids = np.array([f"G{i:04d}" for i in range(len(roles))])
    x1, x2 = rng.normal(size=len(roles)), rng.normal(size=len(roles))
    label = np.where(roles == TRAIN, 2.0 + x1,
                     np.where(roles == VALID, x2, x1 + 0.5 * x2 + rng.normal(0, 0.3, len(roles))))
    genes = pd.DataFrame({"gene_id": ids, "role": roles, "expression_log10": label})
    features = pd.DataFrame({"x1": x1, "x2": x2}, index=ids)
    return genes, features


def test_regression_is_fitted_on_training_genes_and_scored_on_test_genes():
    genes, features = _genes_and_features()
    test = genes["role"] == TEST
    # training labels are exactly 2 + x1, so the fit predicts x1 (up to an affine map) on test
    expected = squared_pearson(features.loc[genes.loc[test, "gene_id"], "x1"].to_numpy(),
                               genes.loc[test, "expression_log10"].to_numpy())
    assert planted_feature_regression_r2(genes, features) == pytest.approx(expected, abs=1e-9)
    # a fit that saw the validation or test genes would weight x2 and score higher on test
    assert expected < 0.9


def test_regression_reads_features_by_gene_id_not_row_order():
    genes, features = _genes_and_features()
    shuffled = features.sample(frac=1.0, random_state=0)
    assert planted_feature_regression_r2(genes, shuffled) == pytest.approx(
        planted_feature_regression_r2(genes, features), abs=1e-12)


def test_genes_without_a_feature_row_are_an_error():
    genes, features = _genes_and_features()
    with pytest.raises(ValueError, match="no feature row, e.g. G0007"):
        planted_feature_regression_r2(genes, features.drop(index="G0007"))
