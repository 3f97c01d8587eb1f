"""BED reading: good records, and errors that name the file and line."""

import pytest

from xpressoflow.bed import read_bed6
from xpressoflow.errors import InputFormatError


def _write(tmp_path, text):
    path = tmp_path / "windows.bed"
    path.write_text(text)
    return path


def test_read_bed6_skips_headers_and_keeps_records(tmp_path):
    path = _write(
        tmp_path, "track name=x\n# comment\nchr1\t10\t30\tG1\t0\t-\n\nchr2\t5\t9\tG2\t0\t+\n"
    )
    bed = read_bed6(path)
    assert bed.to_dict("records") == [
        {"chrom": "chr1", "start": 10, "end": 30, "name": "G1", "score": "0", "strand": "-"},
        {"chrom": "chr2", "start": 5, "end": 9, "name": "G2", "score": "0", "strand": "+"},
    ]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("chr1\t10\t30\tG2\t0", "expected BED6"),
        ("chr1\tten\t30\tG2\t0\t+", "start/end are not integers"),
        ("chr1\t10\t30\tG2\t0\t.", "bad strand '.'"),
        ("chr1\t30\t30\tG2\t0\t+", "empty interval"),
    ],
)
def test_read_bed6_errors_name_file_and_line(tmp_path, bad_line, message):
    path = _write(tmp_path, f"chr1\t10\t30\tG1\t0\t-\n{bad_line}\n")
    with pytest.raises(InputFormatError, match=message) as error:
        read_bed6(path)
    assert str(path) in str(error.value)
    assert "line 2" in str(error.value)
