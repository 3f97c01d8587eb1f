"""The command-line interface: `xpressoflow predict` and `xpressoflow simulate-demo`."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported

import numpy as np
import pandas as pd
import pytest

from xpressoflow.cli import main

SLICE = "genome/hg19_chr22_20-21Mb.fa"
WINDOW_BP = 10_500


def _slice_sequence(shared_reference) -> str:
    with open(shared_reference / SLICE) as handle:
        return "".join(line.strip() for line in handle if not line.startswith(">"))


def _write_fasta(path, records: dict[str, str]) -> None:
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n" + "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)))
            handle.write("\n")


def test_predict_fasta_with_the_published_model(tmp_path, shared_reference):
    from xpressoflow.predict import score_fasta

    sequence = _slice_sequence(shared_reference)
    # Windows away from the slice's N block, one with a shorter record to exercise --center.
    records = {
        f"w{i}": sequence[start : start + WINDOW_BP]
        for i, start in enumerate(range(200_000, 260_000, 15_000))
    }
    records["short"] = sequence[300_000 : 300_000 + WINDOW_BP - 500]
    fasta = tmp_path / "windows.fa"
    _write_fasta(fasta, records)
    model = shared_reference / "xpresso" / "human_trainepoch.11-0.426.h5"
    output = tmp_path / "predictions.tsv"

    code = main(
        ["predict", "--model", str(model), "--fasta", str(fasta), "--center", "-o", str(output)]
    )

    assert code == 0
    table = pd.read_csv(output, sep="\t")
    assert list(table["id"]) == list(records)
    expected = score_fasta(model, fasta, center=True)
    np.testing.assert_allclose(table["prediction"], expected["prediction"], rtol=1e-6)
    assert table["prediction"].std() > 0


def test_predict_rejects_ambiguous_input(tmp_path, capsys):
    code = main(["predict", "--model", "m.keras", "-o", str(tmp_path / "out.tsv")])
    assert code == 1
    assert "exactly one of --fasta or --bed" in capsys.readouterr().err
    assert not (tmp_path / "out.tsv").exists()


def test_predict_bed_needs_a_genome(tmp_path, capsys):
    code = main(["predict", "--model", "m.keras", "--bed", "x.bed", "-o", str(tmp_path / "o")])
    assert code == 1
    assert "--genome" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["predict", "--help"], ["simulate-demo", "--help"]])
def test_help_exits_cleanly(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage" in capsys.readouterr().out
