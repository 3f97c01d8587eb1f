"""Scoring promoters from FASTA and BED windows; agreement with the published model."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from xpressoflow.model import build_model
from xpressoflow.predict import (
    fit_to_length,
    load_model,
    promoter_window_of,
    read_bed6,
    score_bed,
    score_fasta,
    write_predictions,
)

PUBLISHED_HUMAN = "xpresso/human_trainepoch.11-0.426.h5"
# 0-based genome coordinate of the first base of each hg19 slice (reference/README.md).
SLICES = {"chr22": ("genome/hg19_chr22_20-21Mb.fa", 20_000_000),
          "chr20": ("genome/hg19_chr20_1-2Mb.fa", 1_000_000)}

TINY = {
    "upstream_bp": -60, "downstream_bp": 40,
    "conv_blocks": [{"filters": 4, "kernel_size": 5, "dilation": 1, "pool_size": 10}],
    "dense_layers": [{"units": 4, "dropout": 0.1}],
    "batch_size": 8,
}


# Independent of xpressoflow's encoders on purpose: a plain per-character mapping.
def _one_hot_reference(sequences: list[str]) -> np.ndarray:
    rows = {"A": [1, 0, 0, 0], "C": [0, 1, 0, 0], "G": [0, 0, 1, 0], "T": [0, 0, 0, 1]}
    return np.array([[rows.get(base, [0, 0, 0, 0]) for base in seq.upper()]
                     for seq in sequences], dtype=np.float32)


def _reverse_complement(sequence: str) -> str:
    return sequence.upper().translate(str.maketrans("ACGTN", "TGCAN"))[::-1]


def _read_single_fasta(path) -> str:
    with open(path) as handle:
        return "".join(line.strip() for line in handle if not line.startswith(">"))


def _write_fasta(path, records: dict[str, str], width: int = 60) -> None:
    with open(path, "w") as handle:
        for name, seq in records.items():
            lines = [seq[i : i + width] for i in range(0, len(seq), width)]
            handle.write(f">{name}\n" + "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def tiny_model_path(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    build_model(TINY, n_half_life_features=3).save(path)
    return path


@pytest.fixture(scope="module")
def random_sequences():
    rng = np.random.default_rng(0)
    return {f"gene{i}": "".join(rng.choice(list("ACGTN"), 100, p=[.24, .24, .24, .24, .04]))
            for i in range(5)}


def test_fit_to_length_crops_and_pads_around_the_centre():
    codes = np.arange(6, dtype=np.uint8)
    np.testing.assert_array_equal(fit_to_length(codes, 4), [1, 2, 3, 4])
    np.testing.assert_array_equal(fit_to_length(codes, 9), [4, 0, 1, 2, 3, 4, 5, 4, 4])


def test_saved_model_keeps_its_window(tiny_model_path):
    assert promoter_window_of(load_model(tiny_model_path)) == (-60, 40)


def test_fasta_scores_equal_direct_prediction(tiny_model_path, random_sequences, tmp_path):
    fasta = tmp_path / "promoters.fa"
    _write_fasta(fasta, random_sequences)
    scores = score_fasta(tiny_model_path, fasta, batch_size=2)  # batches of 2, 2, 1
    model = load_model(tiny_model_path)
    direct = model.predict([_one_hot_reference(list(random_sequences.values())),
                            np.zeros((5, 3), np.float32)], verbose=0).ravel()
    assert scores["id"].tolist() == list(random_sequences)
    np.testing.assert_allclose(scores["prediction"], direct, rtol=1e-5, atol=1e-6)
    write_predictions(scores, tmp_path / "out.tsv")
    assert pd.read_csv(tmp_path / "out.tsv", sep="\t").shape == (5, 2)


def test_fasta_of_wrong_length_needs_center(tiny_model_path, random_sequences, tmp_path):
    fasta = tmp_path / "uneven.fa"
    long_seq = "TT" + random_sequences["gene0"] + "GG"
    _write_fasta(fasta, {"long": long_seq, "short": random_sequences["gene1"][:90]})
    with pytest.raises(ValueError, match="'long' has 104 bp"):
        score_fasta(tiny_model_path, fasta)
    with pytest.warns(UserWarning, match="2 records were cropped or N-padded"):
        centred = score_fasta(tiny_model_path, fasta, center=True)
    exact_fasta = tmp_path / "exact.fa"
    _write_fasta(exact_fasta, {"long": random_sequences["gene0"],
                               "short": "NNNNN" + random_sequences["gene1"][:90] + "NNNNN"})
    exact = score_fasta(tiny_model_path, exact_fasta)
    np.testing.assert_allclose(centred["prediction"], exact["prediction"], rtol=1e-6)


def test_half_life_table_missing_genes_get_zeros(tiny_model_path, random_sequences, tmp_path):
    fasta = tmp_path / "promoters.fa"
    _write_fasta(fasta, random_sequences)
    table = pd.DataFrame({"f1": [0.0, 2.0], "f2": [0.0, -1.0], "f3": [0.0, 0.5]},
                         index=["gene0", "gene1"])
    with_table = score_fasta(tiny_model_path, fasta, half_life=table)
    without = score_fasta(tiny_model_path, fasta)
    # gene0 has all-zero features and genes 2-4 are absent: both mean "average gene".
    same = with_table["id"] != "gene1"
    np.testing.assert_allclose(with_table["prediction"][same], without["prediction"][same])
    with pytest.raises(ValueError, match="2 feature columns but the model takes 3"):
        score_fasta(tiny_model_path, fasta, half_life=table[["f1", "f2"]])


def test_bed_windows_are_strand_aware(tiny_model_path, random_sequences, tmp_path):
    chrom = "".join(random_sequences.values())  # 500 bp contig
    genome = tmp_path / "genome.fa"
    _write_fasta(genome, {"chrA": chrom})
    bed = tmp_path / "windows.bed"
    bed.write_text("chrA\t100\t200\tplus\t0\t+\nchrA\t100\t200\tminus\t0\t-\n"
                   "chrA\t0\t200\tcentred\t0\t-\n")
    windows = read_bed6(bed)
    scores = score_bed(tiny_model_path, windows.iloc[:2], genome)
    fasta = tmp_path / "expected.fa"
    _write_fasta(fasta, {"plus": chrom[100:200], "minus": _reverse_complement(chrom[100:200])})
    expected = score_fasta(tiny_model_path, fasta)
    np.testing.assert_allclose(scores["prediction"], expected["prediction"], rtol=1e-6)
    with pytest.raises(ValueError, match="give flank_bp"):
        score_bed(tiny_model_path, windows, genome)
    # ±100 bp window on '-': TSS at oriented index 100, the model's -60..+40 is 40:140.
    centred = score_bed(tiny_model_path, windows.iloc[2:], genome, flank_bp=100)
    _write_fasta(fasta, {"centred": _reverse_complement(chrom[0:200])[40:140]})
    np.testing.assert_allclose(centred["prediction"], score_fasta(tiny_model_path, fasta)[
        "prediction"], rtol=1e-6)


# --------------------------------------------------------------------------- published model


@pytest.fixture(scope="module")
def slice_genome(tmp_path_factory, shared_reference):
    """The two hg19 slices as contigs chr20/chr22, and the slice BED shifted onto them."""
    workdir = tmp_path_factory.mktemp("slices")
    sequences = {chrom: _read_single_fasta(shared_reference / path)
                 for chrom, (path, _) in SLICES.items()}
    _write_fasta(workdir / "slices.fa", sequences)
    bed = read_bed6(shared_reference / "xpresso/hg19_promoters_in_slices.bed")
    offsets = bed["chrom"].map(lambda chrom: SLICES[chrom][1])
    bed["start"] -= offsets
    bed["end"] -= offsets
    return workdir / "slices.fa", bed, sequences


def _cpg_count_around_tss(oriented_window: str, flank_bp: int = 10_000) -> int:
    return oriented_window[flank_bp - 500 : flank_bp + 500].count("CG")


def test_published_model_through_predict_matches_direct_call(shared_reference, slice_genome):
    genome, bed, sequences = slice_genome
    model_path = shared_reference / PUBLISHED_HUMAN
    scores = score_bed(model_path, bed, genome, flank_bp=10_000, batch_size=8)

    # Independent path: slice strings, reverse complement on '-', authors' columns 3000:13500.
    oriented = []
    for row in bed.itertuples():
        window = sequences[row.chrom][row.start : row.end].upper()
        oriented.append(_reverse_complement(window) if row.strand == "-" else window)
    promoter = _one_hot_reference([seq[3000:13500] for seq in oriented])
    model = load_model(model_path)
    direct = model.predict([promoter, np.zeros((len(bed), 6), np.float32)],
                           batch_size=8, verbose=0).ravel()
    assert scores["id"].tolist() == bed["name"].tolist()
    np.testing.assert_allclose(scores["prediction"], direct, rtol=1e-5, atol=1e-5)

    # The model must rank CpG-island promoters above CpG-poor ones.
    cpg = np.array([_cpg_count_around_tss(seq) for seq in oriented])
    rho, p_value = spearmanr(cpg, scores["prediction"])
    assert rho > 0.4 and p_value < 0.01, (rho, p_value)
