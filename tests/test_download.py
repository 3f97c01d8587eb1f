"""Downloader against a real HTTP server on 127.0.0.1 that drops connections, corrupts bytes,
refuses Range, answers 5xx or 404; plus the format conversions and one Snakemake rule run."""

import gzip
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xpressoflow import download as dl

FIXTURES = Path(__file__).parent / "fixtures" / "http"
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FIXTURES))
from server import LoopbackServer  # noqa: E402

BODY = bytes(range(256)) * 400  # 100 kB
MD5 = hashlib.md5(BODY).hexdigest()
SHA256 = hashlib.sha256(BODY).hexdigest()
FAST = {"backoff_s": 0.0, "timeout_s": 5, "retries": 3}


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def test_plain_download_verifies_md5_and_sha256(server, tmp_path):
    url = server.add("/file.bin", BODY)
    dest = dl.download(url, tmp_path / "out.bin", md5=MD5, sha256=SHA256, **FAST)
    assert dest.read_bytes() == BODY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_dropped_connection_is_resumed_with_range(server, tmp_path):
    url = server.add("/file.bin", BODY, drop_first=2)
    dl.download(url, tmp_path / "out.bin", md5=MD5, **FAST)
    assert (tmp_path / "out.bin").read_bytes() == BODY
    ranges = server.routes["/file.bin"].requests
    assert len(ranges) == 3
    assert ranges[0] == "" and ranges[1].startswith("bytes=") and ranges[2].startswith("bytes=")


def test_dropped_connection_without_range_support_restarts(server, tmp_path):
    url = server.add("/file.bin", BODY, drop_first=2, range=False)
    dl.download(url, tmp_path / "out.bin", md5=MD5, **FAST)
    assert (tmp_path / "out.bin").read_bytes() == BODY
    assert len(server.routes["/file.bin"].requests) == 3


def test_truncation_detected_without_checksum(server, tmp_path):
    url = server.add("/file.bin", BODY, drop_first=1)
    dl.download(url, tmp_path / "out.bin", **FAST)  # Content-Length check + ETag resume
    assert (tmp_path / "out.bin").read_bytes() == BODY


def test_server_errors_are_retried(server, tmp_path):
    url = server.add("/file.bin", BODY, fail_status_first=2, fail_status=503)
    dl.download(url, tmp_path / "out.bin", md5=MD5, **FAST)
    assert (tmp_path / "out.bin").read_bytes() == BODY


def test_corrupted_once_then_good(server, tmp_path):
    url = server.add("/file.bin", BODY, corrupt="first")
    dl.download(url, tmp_path / "out.bin", md5=MD5, **FAST)
    assert (tmp_path / "out.bin").read_bytes() == BODY
    assert server.routes["/file.bin"].requests == ["", ""]  # no resume onto bad bytes


def test_always_corrupted_fails_naming_url_and_leaves_nothing(server, tmp_path):
    url = server.add("/file.bin", BODY, corrupt="always")
    with pytest.raises(dl.ChecksumError) as err:
        dl.download(url, tmp_path / "out.bin", md5=MD5, **FAST)
    assert url in str(err.value) and "md5 mismatch" in str(err.value)
    assert err.value.url == url
    assert list(tmp_path.iterdir()) == []
    assert len(server.routes["/file.bin"].requests) == FAST["retries"] + 1


def test_404_fails_at_once_naming_url(server, tmp_path):
    url = server.base + "/missing.bin"
    with pytest.raises(dl.DownloadError, match="missing.bin: HTTP 404"):
        dl.download(url, tmp_path / "out.bin", **FAST)
    assert list(tmp_path.iterdir()) == []


def test_persistent_drops_fail_after_bounded_retries(server, tmp_path):
    url = server.add("/file.bin", BODY, drop_first=100, range=False)
    sleeps = []
    with pytest.raises(dl.DownloadError) as err:
        dl.download(url, tmp_path / "out.bin", retries=2, backoff_s=0.01, sleep=sleeps.append)
    assert url in str(err.value) and "after 3 attempts" in str(err.value)
    assert sleeps == [0.01, 0.02]  # exponential back-off, bounded loop
    assert not (tmp_path / "out.bin").exists()


def test_stale_part_without_validator_is_discarded(server, tmp_path):
    url = server.add("/file.bin", BODY, etag=None)
    (tmp_path / "out.bin.part").write_bytes(b"\0" * 1000)  # left by an earlier, unknown run
    dl.download(url, tmp_path / "out.bin", **FAST)
    assert (tmp_path / "out.bin").read_bytes() == BODY
    assert server.routes["/file.bin"].requests == [""]


def test_stale_wrong_part_is_caught_by_checksum(server, tmp_path):
    url = server.add("/file.bin", BODY)
    (tmp_path / "out.bin.part").write_bytes(b"\0" * 1000)  # wrong prefix
    dl.download(url, tmp_path / "out.bin", md5=MD5, **FAST)
    assert (tmp_path / "out.bin").read_bytes() == BODY
    ranges = server.routes["/file.bin"].requests
    assert ranges == ["bytes=1000-", ""]  # resumed, checksum failed, restarted from 0
    assert not (tmp_path / "out.bin.part").exists()


def test_bsd_sum_binary_and_python_agree(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(BODY[:5000])
    expected = dl._bsd_sum_python(path)
    assert dl.bsd_sum(path, use_binary=False) == expected
    assert dl.bsd_sum(path) == expected
    assert expected[1] == 5  # 1 KiB blocks, rounded up
    text = f"{expected[0]:05d}     {expected[1]} x.bin\n00001     1 other.gz\n"
    assert dl.parse_ensembl_checksums(text, "x.bin") == f"{expected[0]} {expected[1]}"
    with pytest.raises(KeyError):
        dl.parse_ensembl_checksums(text, "absent.gz")


def test_bsd_sum_mismatch_is_a_checksum_error(server, tmp_path):
    url = server.add("/genome.fa.gz", BODY)
    checksum, blocks = dl._bsd_sum_python(_write(tmp_path / "ref", BODY))
    dl.download(url, tmp_path / "ok.gz", bsd_sum=f"{checksum} {blocks}", **FAST)
    with pytest.raises(dl.ChecksumError, match="BSD sum mismatch"):
        dl.download(url, tmp_path / "bad.gz", bsd_sum=f"{checksum ^ 1} {blocks}", retries=0)


def _write(path, data):
    path.write_bytes(data)
    return path


def test_fetch_source_bigbed_to_bed9(server, tmp_path):
    url = server.add("/hg38.cage_peak.bb", (FIXTURES / "hg38.cage_peak.bb").read_bytes())
    dest = dl.fetch_source({"url": url, "transform": "bigbed_to_bed9"}, tmp_path / "c.bed", **FAST)
    rows = [line.split("\t") for line in dest.read_text().splitlines()]
    assert len(rows) == 4 and all(len(r) == 9 for r in rows)
    assert rows[0] == ["chr1", "100", "200", "p1@GENEA", "1000", "+", "150", "151", "255,0,0"]
    assert rows[3][3] == "p1@GENEB,p1@GENEC"
    assert not list((tmp_path / ".downloads").rglob("*.bb*"))


def test_fetch_source_copy_and_gunzip(server, tmp_path):
    raw = (FIXTURES / "57epigenomes.RPKM.pc.gz").read_bytes()
    url = server.add("/57epigenomes.RPKM.pc.gz", raw)
    md5 = hashlib.md5(raw).hexdigest()
    copied = dl.fetch_source({"url": url, "md5": md5}, tmp_path / "r.gz", **FAST)
    assert copied.read_bytes() == raw
    plain = dl.fetch_source({"url": url, "transform": "gunzip"}, tmp_path / "r.tsv", **FAST)
    assert plain.read_text().startswith("gene_id\tE000\tE003")
    assert plain.read_bytes() == gzip.decompress(raw)


def test_fetch_source_zip_columns_and_dihmm(server, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "K562/K562_nD30_nB30_domainLevelStatesColor.bed",
            "track name=x\nchr1\t0\t100\tD7\t0\t.\nchr1\t100\t200\tD10\t0\t.\n"
            "chr1\t200\t300\tD1\t0\t.\nchr2\t5\t50\tD23\t0\t.\n",
        )
        archive.writestr("Summary_Counts.all_predictions.txt", "Transcript ID\tGene Symbol\n")
    url = server.add("/diHMM.zip", buffer.getvalue())
    states = {"H3K27me3": ["D7", "D8", "D9", "D23"], "stretch_enhancer": ["D10", "D11"]}
    spec = {
        "url": url,
        "transform": "dihmm_domains",
        "member": "K562_nD30_nB30_domainLevelStatesColor.bed",
        "states": states,
    }
    bed = dl.fetch_source(spec, tmp_path / "dom.bed", **FAST)
    assert bed.read_text().splitlines() == [
        "chr1\t0\t100\tH3K27me3",
        "chr1\t100\t200\tstretch_enhancer",
        "chr2\t5\t50\tH3K27me3",
    ]
    spec = {"url": url, "transform": "unzip", "member": "Summary_Counts.all_predictions.txt"}
    assert dl.fetch_source(spec, tmp_path / "ts.txt", **FAST).read_text().startswith("Transcri")

    url = server.add("/ouyang.txt", b"ENSMUSG00000000001\t12.5\nENSMUSG00000000003\t0\n")
    spec = {
        "url": url,
        "transform": "columns",
        "header": False,
        "columns": [0, None, 1],
        "names": ["gene_id", "gene_name", "expression_rpkm"],
    }
    table = dl.fetch_source(spec, tmp_path / "mesc.txt", **FAST).read_text().splitlines()
    assert table == [
        "gene_id\tgene_name\texpression_rpkm",
        "ENSMUSG00000000001\t\t12.5",
        "ENSMUSG00000000003\t\t0",
    ]


def test_biomart_url_and_completion_stamp(tmp_path):
    url = dl.biomart_url("http://mart/biomart/martservice", "<Query>\n  <A/>\n</Query>")
    assert url == "http://mart/biomart/martservice?query=%3CQuery%3E%3CA/%3E%3C/Query%3E"
    path = tmp_path / "mart.txt"
    path.write_text("Gene stable ID\tMouse gene stable ID\tMouse homology type\n[success]\n")
    dl.strip_biomart_completion_stamp(path)
    assert path.read_text().endswith("homology type\n")
    with pytest.raises(ValueError, match="completion stamp"):
        dl.strip_biomart_completion_stamp(path)


def test_snakemake_download_rule_is_wired(server, tmp_path):
    """Run rule download_roadmap_rpkm with the real configs/real.yaml, the URL pointed at the
    loopback server by a second config file."""
    raw = (FIXTURES / "57epigenomes.RPKM.pc.gz").read_bytes()
    url = server.add("/roadmap/57epigenomes.RPKM.pc.gz", raw, drop_first=1)
    (tmp_path / "Snakefile").write_text(
        f'configfile: "{REPO}/configs/real.yaml"\n\n\n'
        f'include: "{REPO}/rules/common.smk"\n'
        f'include: "{REPO}/rules/download.smk"\n'
    )
    (tmp_path / "loopback.yaml").write_text(
        "sources:\n"
        f"  roadmap_rpkm:\n    url: {url}\n    md5: {hashlib.md5(raw).hexdigest()}\n"
        "  download:\n    retries: 2\n    backoff_s: 0\n    timeout_s: 5\n"
    )
    target = "resources/real/human/57epigenomes.RPKM.pc.gz"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "snakemake"),
            "--snakefile",
            str(tmp_path / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--configfile",
            f"{REPO}/configs/real.yaml",
            str(tmp_path / "loopback.yaml"),
            "--cores",
            "1",
            target,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / target).read_bytes() == raw
    log = (tmp_path / "logs/download/roadmap_rpkm.log").read_text()
    assert "attempt 2 of 3" in log and "md5" in log
