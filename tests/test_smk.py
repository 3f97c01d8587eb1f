"""Helpers for the workflow scripts."""

import pytest

from xpressoflow.smk import optional_input


def test_optional_input_takes_a_lone_path_whole():
    assert optional_input("results/human/search/tpe/round_000/trials.tsv") == (
        "results/human/search/tpe/round_000/trials.tsv"
    )


def test_optional_input_of_a_list():
    assert optional_input(["a.tsv"]) == "a.tsv"
    assert optional_input([]) is None
    assert optional_input("") is None
    with pytest.raises(ValueError, match="at most one"):
        optional_input(["a.tsv", "b.tsv"])
