"""Bring-your-own-data through the workflow (config custom_datasets:) and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml
from conftest import run_snakemake

from xpressoflow.cli import main
from xpressoflow.dataset import load_split
from xpressoflow.sequence import decode_bases

N_GENES = 60


def _write_inputs(folder):
    rng = np.random.default_rng(3)
    ids = [f"gene{i:03d}" for i in range(N_GENES)]
    sequences = ["".join(rng.choice(list("ACGT"), 50)) for _ in ids]
    with open(folder / "promoters.fa", "w") as handle:
        handle.writelines(f">{g}\n{s}\n" for g, s in zip(ids, sequences, strict=True))
    labels = pd.DataFrame({"gene_id": ids, "expression": rng.gamma(2.0, 5.0, N_GENES)})
    labels.to_csv(folder / "labels.tsv", sep="\t", index=False)
    return dict(zip(ids, sequences, strict=True)), labels


def _check_dataset(h5_path, sequences, labels):
    split = load_split(h5_path)
    genes = np.concatenate([split[role]["gene_id"] for role in ("train", "valid", "test")])
    assert sorted(genes) == sorted(sequences)
    test = split["test"]
    for gene, codes in zip(test["gene_id"], test["codes"], strict=True):
        assert decode_bases(codes) == sequences[gene]
    expected = np.log10(labels.set_index("gene_id").loc[test["gene_id"], "expression"] + 0.1)
    restored = test["labels_z"] * split["label_std"] + split["label_mean"]
    np.testing.assert_allclose(restored, expected.to_numpy(), rtol=1e-6)


def test_custom_dataset_rule_builds_from_config(tmp_path):
    sequences, labels = _write_inputs(tmp_path)
    config = {
        "source": "demo",
        "custom_datasets": {
            "my_cells": {"labels": "labels.tsv", "fasta": "promoters.fa"},
        },
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))

    result = run_snakemake(
        ["results/my_cells/dataset.h5", "--cores", "1", "--configfile", "config.yaml"],
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    _check_dataset(tmp_path / "results" / "my_cells" / "dataset.h5", sequences, labels)


def test_custom_dataset_config_needs_promoters(tmp_path):
    config = {"source": "demo", "custom_datasets": {"bad": {"labels": "labels.tsv"}}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(["-n", "--configfile", "config.yaml"], cwd=tmp_path)
    assert result.returncode != 0
    assert "custom_datasets" in result.stdout + result.stderr


def test_build_dataset_cli(tmp_path):
    sequences, labels = _write_inputs(tmp_path)
    out = tmp_path / "cli.h5"
    code = main(
        [
            "build-dataset",
            "--labels",
            str(tmp_path / "labels.tsv"),
            "--fasta",
            str(tmp_path / "promoters.fa"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    _check_dataset(out, sequences, labels)
