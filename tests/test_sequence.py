"""Promoter windows: strand, N padding, codes, one-hot, and real hg19 slices."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_prep_helpers import write_fasta

from xpressoflow.errors import InputFormatError
from xpressoflow.sequence import (
    decode_bases,
    encode_bases,
    iter_promoter_codes,
    one_hot,
    open_genome,
    promoter_window,
    read_fasta_codes,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")
CHROM = "ACGTTGCA" * 4  # 32 bp


@pytest.fixture
def genome(tmp_path):
    return open_genome(write_fasta(tmp_path / "g.fa", {"chr1": CHROM}))


def test_codes_and_one_hot():
    codes = encode_bases("ACGTNacgtR")
    assert codes.tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert codes.dtype == np.uint8
    hot = one_hot(codes[None, :5])
    assert hot.shape == (1, 5, 4) and hot.dtype == np.float32
    assert hot[0].tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1],
                               [0, 0, 0, 0]]


def test_plus_and_minus_strand(genome):
    plus = promoter_window(genome, "chr1", 10, "+", 4)
    assert decode_bases(plus) == CHROM[6:14]
    minus = promoter_window(genome, "chr1", 10, "-", 4)
    assert decode_bases(minus) == CHROM[6:14].translate(COMPLEMENT)[::-1]


def test_n_padding_at_both_chromosome_ends(genome):
    left = decode_bases(promoter_window(genome, "chr1", 2, "+", 5))
    assert left == "NNN" + CHROM[0:7]
    right = decode_bases(promoter_window(genome, "chr1", 30, "-", 5))
    assert right == (CHROM[25:] + "NNN").translate(COMPLEMENT)[::-1]


def test_blocks_match_single_windows(tmp_path):
    path = write_fasta(tmp_path / "g.fa", {"1": CHROM})
    table = pd.DataFrame({"chrom": ["chr1", "chr1", "chr1"], "tss": [3, 16, 30],
                          "strand": ["+", "-", "-"]})
    codes = np.concatenate(list(iter_promoter_codes(path, table, 6, block_genes=2)))
    genome = open_genome(path)
    for row, gene in table.iterrows():
        expected = promoter_window(genome, "1", gene.tss, gene.strand, 6)
        assert np.array_equal(codes[row], expected)


def test_fasta_reader_errors(tmp_path):
    fasta = tmp_path / "p.fa"
    fasta.write_text(">a\nACGT\n>b\nACG\n")
    with pytest.raises(InputFormatError, match=r"p\.fa, line 3: record 'b' has 3 bases"):
        read_fasta_codes(fasta)
    fasta.write_text(">a\nACGT\n>a\nACGT\n")
    with pytest.raises(InputFormatError, match="line 3: duplicate id 'a'"):
        read_fasta_codes(fasta)
    fasta.write_text(">a\nAC!T\n")
    with pytest.raises(InputFormatError, match="line 2: unexpected characters"):
        read_fasta_codes(fasta)


# Slice offsets (reference/README.md): 0-based slice position p is genome start + p. The chr20
# slice was checked against its ±1 bp ambiguity: with start 1,000,000 the Inr (YR) dinucleotide
# at the 14 chr20 TSSs lines up exactly as in the chr22 slice (known start 20,000,000), so
# 1,000,000 is right.
SLICES = {"chr22": ("hg19_chr22_20-21Mb.fa", 20_000_000), "chr20": ("hg19_chr20_1-2Mb.fa",
                                                                     1_000_000)}


@pytest.mark.parametrize("chrom", sorted(SLICES))
def test_real_hg19_windows_equal_slice(tmp_path, chrom):
    reference = SHARED / "reference"
    if not reference.is_dir():
        pytest.skip("../shared/reference is not present")
    name, offset = SLICES[chrom]
    slice_fa = open_genome(reference / "genome" / name)
    slice_seq = slice_fa.fetch(slice_fa.references[0]).upper()
    bed = pd.read_csv(reference / "xpresso" / "hg19_promoters_in_slices.bed", sep="\t",
                      header=None, names=["chrom", "start", "end", "gene_id", "score", "strand"])
    bed = bed[bed["chrom"] == chrom]
    # A genome whose chr22/chr20 is the slice: shift the TSSs into slice coordinates.
    genome = write_fasta(tmp_path / "slice.fa", {chrom: slice_seq})
    flank = 10_000
    table = pd.DataFrame({"chrom": chrom, "tss": bed["start"] - offset + flank,
                          "strand": bed["strand"]})
    codes = np.concatenate(list(iter_promoter_codes(genome, table, flank)))
    for row, gene in enumerate(bed.itertuples()):
        expected = slice_seq[gene.start - offset : gene.end - offset]
        if gene.strand == "-":
            expected = expected.translate(COMPLEMENT)[::-1]
        if len(expected) == 2 * flank:
            assert decode_bases(codes[row]) == expected, gene.gene_id
        else:  # one published window (ENSG00000196209) is 20,001 bp: ours must lie inside it
            assert decode_bases(codes[row]) in expected, gene.gene_id
