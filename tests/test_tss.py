"""TSS recentring on FANTOM5 p1@ CAGE peaks and chromosome-name reconciliation."""

import pandas as pd
import pytest
from data_prep_helpers import HAND_GTF, hand_genome_sequence, write_fasta

from xpressoflow.errors import ChromosomeNameError, InputFormatError
from xpressoflow.sequence import chromosome_name_map
from xpressoflow.tss import prepare_promoter_annotation, read_cage_peaks, symbol_to_gene_id

CAGE = (
    # UCSC names (chr1) against the Ensembl-named GTF (1): reconciled
    "chr1\t11\t14\tp1@GENE1\t100\t+\t12\t13\t0,0,0\n"
    "chr1\t8\t9\tp2@GENE1\t10\t+\t8\t9\t0,0,0\n"  # p2@: not the dominant peak, ignored
    "chr1\t160\t165\tp1@GENE2\t100\t+\t162\t163\t0,0,0\n"  # wrong strand for GENE2: ignored
    "chr1\t180\t181\tp1@OLDNAME,p1@OTHER\t9\t+\t180\t181\t0,0,0\n"
)


@pytest.fixture
def inputs(tmp_path):
    genome = write_fasta(tmp_path / "genome.fa", hand_genome_sequence())
    cage = tmp_path / "cage.bed"
    cage.write_text(CAGE)
    return genome, cage


def test_recentred_on_p1_peak(inputs):
    genome, cage = inputs
    genes, _, bed = prepare_promoter_annotation(HAND_GTF, genome, cage, {}, flank_bp=5)
    by_id = genes.set_index("gene_id")
    assert by_id.loc["G1", "recentred"] and by_id.loc["G1", "tss"] == 12
    assert by_id.loc["G1", "tss_annotated"] == 10
    assert not by_id.loc["G2", "recentred"] and by_id.loc["G2", "tss"] == 169
    row = bed.set_index("name").loc["G1"]
    assert (row.chrom, row.start, row.end) == ("1", 7, 17)


def test_cage_switch_off(inputs):
    genome, cage = inputs
    genes, _, _ = prepare_promoter_annotation(HAND_GTF, genome, cage, {}, 5, use_cage=False)
    assert not genes["recentred"].any()
    assert (genes["tss"] == genes["tss_annotated"]).all()


def test_symbol_mapping_via_name_tables():
    genes = pd.DataFrame({"gene_id": ["G1", "G2"], "gene_name": ["GENE1", "GENE2"]})
    hgnc = pd.DataFrame({"symbol": ["OLDNAME", "AMBIG", "AMBIG"], "gene_id": ["G2", "G1", "G2"],
                         "kind": ["previous", "alias", "alias"]})
    mapping = symbol_to_gene_id(genes, [hgnc])
    assert mapping["GENE1"] == "G1" and mapping["OLDNAME"] == "G2"
    assert "AMBIG" not in mapping  # ambiguous synonyms are not used


def test_chromosome_names_reconciled():
    assert chromosome_name_map(["chr1", "chrX", "chrM"], ["1", "X", "MT"]) == {
        "chr1": "1", "chrX": "X", "chrM": "MT"}
    assert chromosome_name_map(["1"], ["chr1"]) == {"1": "chr1"}
    with pytest.raises(ChromosomeNameError, match="no chromosome name matches"):
        chromosome_name_map(["NC_000001.11"], ["1", "2"])


def test_malformed_cage_line(tmp_path):
    bad = tmp_path / "cage.bed"
    bad.write_text(CAGE + "chr1\t5\tsix\tp1@X\t0\t+\t5\t6\t0\n")
    with pytest.raises(InputFormatError, match=r"cage\.bed, line 5"):
        read_cage_peaks(bad)
