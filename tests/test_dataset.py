"""Dataset assembly: joins, HDF5 layout, splits and train-only normalisation."""

import h5py
import numpy as np
import pandas as pd
import pytest
from data_prep_helpers import HAND_GTF, hand_genome_sequence, write_fasta

from xpressoflow.annotation import HALF_LIFE_FEATURES
from xpressoflow.dataset import (
    TEST,
    TRAIN,
    VALID,
    SplitConfig,
    build_dataset,
    build_user_dataset,
    cross_validation_folds,
    holdout_split,
    labels_to_log10,
    load_split,
    split_sizes,
    write_dataset,
)
from xpressoflow.errors import DatasetError
from xpressoflow.sequence import decode_bases, encode_bases
from xpressoflow.tss import prepare_promoter_annotation


def test_paper_split_sizes_and_small_data():
    config = SplitConfig()
    assert split_sizes(18377, config) == (1000, 1000)
    assert split_sizes(2500, config) == (250, 250)
    role = holdout_split(18377, config)
    assert (role == VALID).sum() == 1000 and (role == TEST).sum() == 1000
    assert np.array_equal(role, holdout_split(18377, config))  # seeded


def test_folds_test_every_gene_once_and_are_disjoint():
    folds = cross_validation_folds(1234, SplitConfig(n_folds=10))
    tested = np.stack([role == TEST for role in folds])
    assert (tested.sum(axis=0) == 1).all()
    for role in folds:
        assert ((role == TRAIN) | (role == VALID) | (role == TEST)).all()  # one role per gene
        assert (role == VALID).sum() == split_sizes(1234, SplitConfig())[0]
        assert abs((role == TEST).sum() - 123.4) < 1


def _write(path, labels, features):
    n = len(labels)
    codes = np.zeros((n, 8), np.uint8)
    write_dataset(path, [f"G{i:04d}" for i in range(n)], [codes], 8, features,
                  [f"f{i}" for i in range(features.shape[1])], labels, SplitConfig(n_folds=3))


def test_normalisation_fitted_on_training_genes_only(tmp_path):
    rng = np.random.default_rng(0)
    labels, features = rng.normal(size=300), rng.normal(size=(300, 2))
    _write(tmp_path / "a.h5", labels, features)
    with h5py.File(tmp_path / "a.h5") as h5:
        role = h5["splits/holdout/role"][:]
        before = {k: h5[f"splits/holdout/{k}"][()] for k in ("label_mean", "label_std")}
        before_f = h5["splits/holdout/feature_mean"][:]
    held_out = role != TRAIN
    changed_labels, changed_features = labels.copy(), features.copy()
    changed_labels[held_out] += 100.0
    changed_features[held_out] *= 50.0
    _write(tmp_path / "b.h5", changed_labels, changed_features)
    with h5py.File(tmp_path / "b.h5") as h5:
        for key, value in before.items():
            assert h5[f"splits/holdout/{key}"][()] == pytest.approx(value)
        assert np.allclose(h5["splits/holdout/feature_mean"][:], before_f)
    split = load_split(tmp_path / "a.h5")
    assert split["train"]["labels_z"].mean() == pytest.approx(0, abs=1e-9)
    assert np.allclose(labels_to_log10(split["test"]["labels_z"], split),
                       labels[role == TEST])


@pytest.fixture
def hand_inputs(tmp_path):
    genome = write_fasta(tmp_path / "genome.fa", hand_genome_sequence())
    genes, excluded, _ = prepare_promoter_annotation(HAND_GTF, genome, None, {}, 6)
    # copies of G1 (ids H0..H3) so the splits have genes to share out
    copies = pd.concat([genes.iloc[[0]].assign(gene_id=f"H{i}") for i in range(4)])
    pd.concat([genes, copies]).to_csv(tmp_path / "genes.tsv", sep="\t", index=False)
    excluded.to_csv(tmp_path / "excluded.tsv", sep="\t", index=False)
    pd.DataFrame({"gene_id": ["G1", "G2", "G3", "GX", "H0", "H1", "H2", "H3"],
                  "expression_log10": [1.0, 2.0, 3.0, 4.0, 5, 5, 5, 5]}).to_csv(
        tmp_path / "expression.tsv", sep="\t", index=False)
    return tmp_path, genome


def test_build_dataset_layout_and_exclusions(hand_inputs):
    folder, genome = hand_inputs
    excluded = build_dataset(folder / "genes.tsv", folder / "expression.tsv", genome,
                             folder / "d.h5", 6, SplitConfig(small_dataset_fraction=0.3,
                                                             n_folds=2),
                             folder / "excluded.tsv")
    reasons = excluded.set_index("gene_id")["reason"]
    assert reasons["G3"].startswith("histone") and reasons["GX"] == "not in the gene annotation"
    with h5py.File(folder / "d.h5") as h5:
        assert h5["gene_id"].asstr()[:].tolist() == ["G1", "G2", "H0", "H1", "H2", "H3"]
        codes = h5["promoter_codes"]
        assert codes.dtype == np.uint8 and codes.shape == (6, 12)
        assert codes.compression == "gzip"
        assert list(h5["half_life_features"].attrs["names"]) == HALF_LIFE_FEATURES
        # G1 (+, TSS 10): genome 4..15; G2 (-, TSS 169): reverse complement of 163..174
        # (GGTTTTT AAAAA)
        assert decode_bases(codes[0]) == "AAAAAAGGGGGA"
        assert decode_bases(codes[1]) == "TTTTTAAAAACC"
        assert h5["expression_log10"][:2].tolist() == [1.0, 2.0]
        assert sorted(h5["splits"]) == ["fold_00", "fold_01", "holdout"]


def test_user_fasta_dataset(tmp_path):
    ids = [f"g{i}" for i in range(40)]
    fasta = tmp_path / "p.fa"
    fasta.write_text("".join(f">{g}\nACGTACGTAC\n" for g in ids))
    pd.DataFrame({"gene_id": ids, "expression": np.arange(40.0)}).to_csv(
        tmp_path / "labels.tsv", sep="\t", index=False)
    pd.DataFrame({"gene_id": ids[1:], "hl": np.ones(39)}).to_csv(
        tmp_path / "hl.tsv", sep="\t", index=False)
    excluded = build_user_dataset(tmp_path / "labels.tsv", tmp_path / "u.h5", fasta,
                                  half_lives_path=tmp_path / "hl.tsv",
                                  split_config=SplitConfig(n_folds=3))
    assert excluded.to_dict("records") == [{"gene_id": "g0", "reason": "no half-life features"}]
    with h5py.File(tmp_path / "u.h5") as h5:
        assert h5["promoter_codes"].shape == (39, 10)
        assert np.array_equal(h5["promoter_codes"][0], encode_bases("ACGTACGTAC"))
        assert h5["expression_log10"][0] == pytest.approx(np.log10(1.1))


def test_duplicate_labels_are_errors(hand_inputs):
    folder, genome = hand_inputs
    pd.DataFrame({"gene_id": ["G1", "G1"], "expression_log10": [1.0, 2.0]}).to_csv(
        folder / "expression.tsv", sep="\t", index=False)
    with pytest.raises(DatasetError, match="duplicate gene id 'G1' in the labels"):
        build_dataset(folder / "genes.tsv", folder / "expression.tsv", genome, folder / "d.h5",
                      6, SplitConfig())
