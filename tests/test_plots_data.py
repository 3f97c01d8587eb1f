"""Figure 2C and Figure S1 render from small tables (PDF + PNG)."""

import numpy as np
import pandas as pd

from xpressoflow.plots.data_figures import (
    fig2c_expression_distributions,
    figS1_sample_correlations,
)


def test_fig2c(tmp_path):
    rng = np.random.default_rng(1)
    human = pd.DataFrame({"gene_id": [f"H{i}" for i in range(200)],
                          "expression_log10": rng.normal(size=200)})
    mouse = pd.DataFrame({"gene_id": [f"M{i}" for i in range(150)],
                          "expression_log10": rng.normal(size=150)})
    orthologs = pd.DataFrame({"human_gene_id": ["H1", "H2"], "mouse_gene_id": ["M1", "M2"]})
    fig2c_expression_distributions(human, mouse, orthologs, tmp_path / "fig2c.pdf")
    assert (tmp_path / "fig2c.pdf").stat().st_size > 0
    assert (tmp_path / "fig2c.png").stat().st_size > 0


def test_figS1(tmp_path):
    rng = np.random.default_rng(2)
    base = rng.normal(size=(300, 1))
    matrix = pd.DataFrame(base + 0.5 * rng.normal(size=(300, 6)),
                          columns=["E003", "E004", "E005", "E116", "E123", "E999"])
    mean_rho = figS1_sample_correlations(matrix, tmp_path / "figS1.pdf")
    assert 0.5 < mean_rho < 1
    assert (tmp_path / "figS1.png").stat().st_size > 0
