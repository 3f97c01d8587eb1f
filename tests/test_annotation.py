"""Gene models and the eight half-life features on a hand-computed annotation."""

import math

import pandas as pd
import pytest
from data_prep_helpers import HAND_GTF, hand_genome_sequence, write_fasta

from xpressoflow.annotation import (
    HISTONE_GENE_NAME,
    prepare_gene_models,
    read_gtf,
    representative_transcript,
    transcript_structures,
)
from xpressoflow.errors import InputFormatError


@pytest.fixture
def genome(tmp_path):
    return write_fasta(tmp_path / "genome.fa", hand_genome_sequence())


def test_structures_of_hand_gene():
    # G1/T1: exons 11-30, 41-60, 71-90 (1-based); 5'UTR 11-20; CDS 21-30 + 41-47;
    # stop 48-50; 3'UTR 51-60 + 71-90.
    tx = transcript_structures(read_gtf(HAND_GTF)).set_index("transcript_id").loc["T1"]
    assert (tx.utr5_bp, tx.orf_bp, tx.utr3_bp) == (10, 17, 30)
    assert tx.intron_bp == 10 + 10  # 31-40 and 61-70
    assert tx.orf_junctions == 1
    assert tx.tss_annotated == 10  # 0-based first base of exon 1


def test_half_life_features_paper_convention(genome):
    genes, _ = prepare_gene_models(HAND_GTF, genome)
    g1 = genes.set_index("gene_id").loc["G1"]
    assert g1.utr5_length_log10 == pytest.approx(math.log10(10 + 0.1))
    assert g1.orf_length_log10 == pytest.approx(math.log10(17 + 0.1))
    assert g1.intron_length_log10 == pytest.approx(math.log10(20 + 0.1))
    assert g1.utr3_length_log10 == pytest.approx(math.log10(30 + 0.1))
    assert g1.utr5_gc == pytest.approx(5 / 10)  # GGGGG of 10 bases
    assert g1.orf_gc == pytest.approx(4 / 17)  # CCCC of 17 bases
    assert g1.utr3_gc == pytest.approx(3 / 30)  # GCG of 30 bases
    assert g1.orf_exon_junctions_per_kb == pytest.approx(1 / 0.017)


def test_half_life_features_authors_convention(genome):
    # released code: per-row GTF stop - start; CDS exon count per kb of that ORF length
    genes, _ = prepare_gene_models(HAND_GTF, genome, convention="authors")
    g1 = genes.set_index("gene_id").loc["G1"]
    assert g1.utr5_length_log10 == pytest.approx(math.log10(9 + 0.1))
    assert g1.orf_length_log10 == pytest.approx(math.log10(9 + 6 + 0.1))
    assert g1.utr3_length_log10 == pytest.approx(math.log10(9 + 19 + 0.1))
    assert g1.intron_length_log10 == pytest.approx(math.log10((90 - 11) - (9 + 15 + 28) + 0.1))
    assert g1.orf_exon_junctions_per_kb == pytest.approx(2 * 1000 / 15)


def test_minus_strand_gene(genome):
    genes, _ = prepare_gene_models(HAND_GTF, genome)
    g2 = genes.set_index("gene_id").loc["G2"]
    assert g2.tss_annotated == 169  # last base of the exon, 0-based
    assert g2.utr5_gc == pytest.approx(5 / 10)  # 160-169: GGGGGTTTTT
    assert g2.orf_gc == pytest.approx(5 / 10)  # 150-159: ACGTACGTAC
    assert g2.utr3_length_log10 == pytest.approx(math.log10(0.1))
    assert g2.utr3_gc == 0.0
    assert g2.orf_exon_junctions_per_kb == 0.0


def test_filters_write_a_reason_per_gene(genome):
    genes, excluded = prepare_gene_models(HAND_GTF, genome)
    assert set(genes["gene_id"]) == {"G1", "G2"}
    reasons = excluded.set_index("gene_id")["reason"]
    assert reasons["G3"].startswith("histone gene")
    assert reasons["G4"].startswith("on chrY")
    assert reasons["G5"].startswith("not protein-coding")


@pytest.mark.parametrize("name", ["HIST1H4A", "HIST2H2BE", "H2AC1", "H2BC12", "H3C1", "H4C14",
                                  "H1-2", "H2AW", "H3-4", "H4-16", "Hist1h2bc", "H1f4",
                                  "H2ac20", "H4c1"])
def test_histone_names_matched(name):
    assert HISTONE_GENE_NAME.match(name)


@pytest.mark.parametrize("name", ["H3-3A", "H3F3A", "H2AZ1", "H1-0", "H1F0", "HHEX", "H19",
                                  "HINT1", "H2afz"])
def test_non_cluster_genes_kept(name):
    assert not HISTONE_GENE_NAME.match(name)


def test_representative_transcript_tie_breaking():
    structures = pd.DataFrame({
        "gene_id": ["G"] * 5,
        "transcript_id": ["short_orf", "short_utr5", "winner", "short_utr3", "z_same"],
        "orf_bp": [90, 300, 300, 300, 300],
        "utr5_bp": [500, 10, 50, 50, 50],
        "utr3_bp": [900, 900, 200, 100, 200],
    })
    assert representative_transcript(structures)["transcript_id"].tolist() == ["winner"]


def test_malformed_gtf_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.gtf"
    lines = HAND_GTF.read_text().splitlines()
    lines[3] = "\t".join(lines[3].split("\t")[:8])  # line 4 loses its attributes column
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFormatError, match=r"bad\.gtf, line 4: expected 9"):
        read_gtf(bad)
    lines = HAND_GTF.read_text().splitlines()
    lines[4] = lines[4].replace("\t11\t", "\televen\t")
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFormatError, match=r"line 5: start/end are not integers"):
        read_gtf(bad)


def test_duplicate_gene_rows_are_errors(tmp_path):
    lines = HAND_GTF.read_text().splitlines()
    dup = tmp_path / "dup.gtf"
    dup.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(InputFormatError, match=f"line {len(lines) + 1}: duplicate gene id 'G1'"):
        prepare_gene_models(dup, tmp_path / "unused.fa")
