"""ENCODE selection (the paper's five criteria + first replicate) and the portal download."""

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from xpressoflow import encode
from xpressoflow.download import ChecksumError

FIXTURES = Path(__file__).parent / "fixtures" / "http"
sys.path.insert(0, str(FIXTURES))
from server import LoopbackServer  # noqa: E402

KEPT = ["ENCFF000AAA", "ENCFF000BBA", "ENCFF000HHC", "ENCFF000IIJ", "ENCFF000JJA"]
FAST = {"backoff_s": 0.0, "timeout_s": 5, "retries": 2}


@pytest.fixture
def metadata():
    return encode.read_metadata(FIXTURES / "encode_metadata.tsv")


def test_read_metadata_adds_genome_assembly(metadata):
    assert "Genome assembly" in metadata.columns  # today's portal says "File assembly"
    assert (metadata["Genome assembly"] == metadata["File assembly"]).all()


def test_paper_criteria(metadata):
    chosen = encode.select_gene_quantifications(metadata)
    assert sorted(chosen["File accession"]) == KEPT
    assert chosen["Experiment accession"].is_unique
    assert list(chosen.columns) == list(metadata.columns)  # all columns kept


@pytest.mark.parametrize(
    "accession, reason",
    [
        ("ENCFF000AAB", "second replicate"),
        ("ENCFF000AAC", "pooled replicates"),
        ("ENCFF000BBB", "replicate 3 when 2 exists"),
        ("ENCFF000CCA", "small RNA-seq"),
        ("ENCFF000DDA", "mm9"),
        ("ENCFF000EEA", "bam"),
        ("ENCFF000EEB", "transcript quantifications"),
        ("ENCFF000FFA", "DMSO"),
        ("ENCFF000GGA", "LPS"),
        ("ENCFF000GGB", "beta-estradiol"),
        ("ENCFF000HHA", "insufficient read depth"),
        ("ENCFF000HHB", "low read depth"),
        ("ENCFF000III", "archived"),
    ],
)
def test_each_exclusion(metadata, accession, reason):
    chosen = encode.select_gene_quantifications(metadata)
    assert accession not in set(chosen["File accession"]), reason


def test_selection_is_idempotent_and_configurable(metadata):
    chosen = encode.select_gene_quantifications(metadata)
    again = encode.select_gene_quantifications(chosen)
    assert list(again["File accession"]) == list(chosen["File accession"])
    only_polya = encode.select_gene_quantifications(metadata, assays=["polyA plus RNA-seq"])
    assert sorted(only_polya["File accession"]) == ["ENCFF000AAA", "ENCFF000HHC", "ENCFF000IIJ"]
    keep_treated = encode.select_gene_quantifications(metadata, exclude_treatments=[])
    assert {"ENCFF000FFA", "ENCFF000GGA", "ENCFF000GGB"} <= set(keep_treated["File accession"])


def test_treatment_words_match_whole_words():
    frame = pd.read_csv(FIXTURES / "encode_metadata.tsv", sep="\t", dtype=str).fillna("")
    frame = frame[frame["File accession"] == "ENCFF000AAA"].copy()
    frame["Biosample treatments"] = "ellipsoid body"  # contains "lps" inside a word
    assert len(encode.select_gene_quantifications(frame)) == 1


def test_missing_columns_are_reported():
    with pytest.raises(ValueError, match="Assay"):
        encode.select_gene_quantifications(pd.DataFrame({"File accession": ["ENCFF1"]}))


def test_parse_replicates():
    assert encode.parse_replicates("1") == [1]
    assert encode.parse_replicates("1, 2") == [1, 2]
    assert encode.parse_replicates("2.0") == [2]
    assert encode.parse_replicates("") == []
    assert encode.parse_replicates(float("nan")) == []


def test_search_json_to_metadata():
    search = json.loads((FIXTURES / "encode_search.json").read_text())
    table = encode.search_json_to_metadata(search, portal="http://portal")
    assert table.loc[0, "Experiment accession"] == "ENCSR100AAA"
    assert table.loc[0, "File download URL"].startswith("http://portal/files/ENCFF100AAA/")
    assert table.loc[3, "Biosample treatments"] == "lipopolysaccharide"
    assert table.loc[2, "Audit NOT_COMPLIANT"] == "insufficient read length"
    chosen = encode.select_gene_quantifications(table)
    assert list(chosen["File accession"]) == ["ENCFF100AAA"]


def _serve_portal(server, quant=None):
    text = (FIXTURES / "encode_metadata.tsv").read_text()
    text = text.replace("https://www.encodeproject.org", server.base)
    metadata_url = server.add("/metadata/?type=Experiment", text.encode())
    body = quant or (FIXTURES / "ENCFF_gene_quantifications.tsv").read_bytes()
    for accession in KEPT:
        server.add(f"/files/{accession}/@@download/{accession}.tsv", body, drop_first=1)
    return metadata_url


def test_fetch_encode_downloads_selected_files_with_md5(tmp_path):
    with LoopbackServer() as server:
        metadata_url = _serve_portal(server)
        chosen = encode.fetch_encode(metadata_url, tmp_path / "encode", portal=server.base, **FAST)
    files = sorted(p.name for p in (tmp_path / "encode").iterdir())
    assert files == sorted([f"{a}.tsv" for a in KEPT] + ["metadata.tsv"])
    written = encode.read_metadata(tmp_path / "encode" / "metadata.tsv")
    assert list(written["File accession"]) == list(chosen["File accession"])
    assert "Genome assembly" in written.columns
    quant = pd.read_csv(tmp_path / "encode" / "ENCFF000AAA.tsv", sep="\t")
    assert quant.columns[0] == "gene_id" and "FPKM" in quant.columns


def test_fetch_encode_max_files_and_bad_md5(tmp_path):
    with LoopbackServer() as server:
        metadata_url = _serve_portal(server)
        chosen = encode.fetch_encode(
            metadata_url, tmp_path / "two", portal=server.base, max_files=2, **FAST
        )
        assert len(chosen) == 2
        assert len(list((tmp_path / "two").glob("ENCFF*.tsv"))) == 2

        metadata_url = _serve_portal(server, quant=b"not the published bytes\n")
        with pytest.raises(ChecksumError, match="ENCFF000AAA"):
            encode.fetch_encode(metadata_url, tmp_path / "bad", portal=server.base, **FAST)
    assert not (tmp_path / "bad" / "ENCFF000AAA.tsv").exists()
    assert not (tmp_path / "bad" / "metadata.tsv").exists()
