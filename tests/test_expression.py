"""Expression readers, medians, log transform and quantile normalisation."""

import gzip

import numpy as np
import pandas as pd
import pytest

from xpressoflow.errors import InputFormatError
from xpressoflow.expression import (
    expression_labels,
    quantile_normalize,
    read_rsem_gene_table,
    roadmap_log10_matrix,
)


@pytest.fixture
def roadmap(tmp_path):
    path = tmp_path / "57epigenomes.RPKM.pc.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("gene_id\tE000\tE003\tE116\tE123\n"
                     "ENSG1\t1000\t1\t2\t9.9\n"
                     "ENSG2\t0\t0\t0\t0\n")
    return path


def test_roadmap_median_leaves_out_e000(roadmap):
    labels = expression_labels("human", {"roadmap": roadmap}, ["E000"]).set_index("gene_id")
    assert labels.loc["ENSG1", "expression_raw"] == 2  # median of 1, 2, 9.9 (not 1000)
    assert labels.loc["ENSG1", "expression_log10"] == pytest.approx(np.log10(2.1))
    assert labels.loc["ENSG2", "expression_log10"] == pytest.approx(-1.0)
    assert labels["n_samples"].iloc[0] == 3


def test_cell_line_columns(roadmap):
    k562 = expression_labels("k562", {"roadmap": roadmap}).set_index("gene_id")
    gm = expression_labels("gm12878", {"roadmap": roadmap}).set_index("gene_id")
    assert k562.loc["ENSG1", "expression_raw"] == 9.9
    assert gm.loc["ENSG1", "expression_raw"] == 2


def test_per_sample_matrix(roadmap):
    matrix = roadmap_log10_matrix(roadmap)
    assert list(matrix.columns) == ["E003", "E116", "E123"]
    assert matrix.loc["ENSG1", "E123"] == pytest.approx(1.0)


def test_rsem_versions_and_spike_ins(tmp_path):
    path = tmp_path / "ENCFF001AAA.tsv"
    path.write_text("gene_id\ttranscript_id(s)\tFPKM\n"
                    "ENSMUSG00000000001.4\tT1\t5.5\n"
                    "gSpikein_ERCC-00002\tERCC\t100\n")
    values = read_rsem_gene_table(path)
    assert values.to_dict() == {"ENSMUSG00000000001": 5.5}
    assert values.name == "ENCFF001AAA"
    path.write_text("gene_id\tFPKM\nENSMUSG1.1\t1\nENSMUSG1.2\t2\n")
    with pytest.raises(InputFormatError, match=r"line 3: duplicate gene id 'ENSMUSG1'"):
        read_rsem_gene_table(path)
    path.write_text("gene_id\tTPM\nENSMUSG1.1\t1\n")
    with pytest.raises(InputFormatError, match=r"missing columns \['FPKM'\]"):
        read_rsem_gene_table(path)


def test_mesc_table(tmp_path):
    path = tmp_path / "mESC.txt"
    path.write_text("gene_id\tgene_name\texpression_rpkm\nENSMUSG1\tA\t0.9\n")
    labels = expression_labels("mesc", {"mesc": path})
    assert labels["expression_log10"].iloc[0] == pytest.approx(0.0)


def test_quantile_normalisation_equalises_columns():
    matrix = pd.DataFrame({"a": [5.0, 2.0, 3.0], "b": [4.0, 1.0, 6.0]})
    normalised = quantile_normalize(matrix)
    assert sorted(normalised["a"]) == sorted(normalised["b"]) == [1.5, 3.5, 5.5]
    assert normalised["a"].rank().tolist() == matrix["a"].rank().tolist()


def test_restrict_to_analysed_genes_keeps_only_kept_genes():
    from xpressoflow.expression import restrict_to_analysed_genes

    expression = pd.DataFrame({"gene_id": ["A", "B", "C"], "expression_log10": [1.0, 2.0, 3.0]})
    genes = pd.DataFrame({"gene_id": ["C", "A", "Z"]})
    kept = restrict_to_analysed_genes(expression, genes)
    assert kept["gene_id"].tolist() == ["A", "C"]
    assert kept["expression_log10"].tolist() == [1.0, 3.0]
