"""DNA as uint8 code arrays (A=0, C=1, G=2, T=3, N=4) and vectorised sequence builders."""

from __future__ import annotations

import itertools
import re

import numpy as np

A, C, G, T, N = 0, 1, 2, 3, 4
ASCII_UPPER = np.frombuffer(b"ACGTN", dtype=np.uint8)
_COMPLEMENT = np.array([T, G, C, A, N], dtype=np.uint8)
_CODE_OF_ASCII = np.full(256, N, dtype=np.uint8)
for _code, _base in enumerate(b"ACGT"):
    _CODE_OF_ASCII[_base] = _code
    _CODE_OF_ASCII[_base + 32] = _code  # lower case (soft-masked) reads the same

STOP_CODONS = ("TAA", "TAG", "TGA")
SENSE_CODONS = tuple(
    "".join(c) for c in itertools.product("ACGT", repeat=3) if "".join(c) not in STOP_CODONS
)


def encode(text: str | bytes) -> np.ndarray:
    """Sequence text to codes (case-insensitive; anything but ACGT becomes N)."""
    raw = text.encode() if isinstance(text, str) else text
    return _CODE_OF_ASCII[np.frombuffer(raw, dtype=np.uint8)]


def decode(codes: np.ndarray) -> str:
    """Codes to upper-case sequence text."""
    return ASCII_UPPER[codes].tobytes().decode()


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of a code array (N stays N)."""
    return _COMPLEMENT[codes[::-1]]


def random_dna(rng: np.random.Generator, length: int, gc_fraction) -> np.ndarray:
    """IID bases with the given G+C fraction (scalar or one value per position)."""
    gc = np.broadcast_to(np.asarray(gc_fraction, dtype=float), (length,))
    draw = rng.random(length)
    codes = np.full(length, T, dtype=np.uint8)
    codes[draw < gc + (1.0 - gc) / 2.0] = A
    codes[draw < gc] = G
    codes[draw < gc / 2.0] = C
    return codes


def deplete_cpg(rng: np.random.Generator, codes: np.ndarray, keep_probability: float) -> None:
    """Mutate CpG dinucleotides in place (C->T or G->A), as methylated-CpG deamination does.

    Vertebrate bulk DNA keeps only ~20-25% of the CpGs expected from its base composition;
    CpG islands keep nearly all. This contrast is the main promoter signal the model learns.
    """
    sites = np.flatnonzero((codes[:-1] == C) & (codes[1:] == G))
    lost = sites[rng.random(sites.size) >= keep_probability]
    mutate_c = rng.random(lost.size) < 0.5
    codes[lost[mutate_c]] = T
    codes[lost[~mutate_c] + 1] = A


def codon_probabilities(gc_fraction: float) -> np.ndarray:
    """Probability of each sense codon for a given G+C fraction (stop codons excluded)."""
    base_p = {"A": (1 - gc_fraction) / 2, "T": (1 - gc_fraction) / 2}
    base_p.update({"G": gc_fraction / 2, "C": gc_fraction / 2})
    weights = np.array([np.prod([base_p[b] for b in codon]) for codon in SENSE_CODONS])
    return weights / weights.sum()


_SENSE_CODES = np.array([[int(encode(b)[0]) for b in codon] for codon in SENSE_CODONS])


def random_orf(rng: np.random.Generator, n_codons: int, gc_fraction: float) -> np.ndarray:
    """An open reading frame: ATG, ``n_codons - 2`` sense codons, one stop codon."""
    inner = rng.choice(len(SENSE_CODONS), size=n_codons - 2, p=codon_probabilities(gc_fraction))
    stop = encode(STOP_CODONS[int(rng.integers(len(STOP_CODONS)))])
    return np.concatenate([encode("ATG"), _SENSE_CODES[inner].ravel().astype(np.uint8), stop])


def count_cpg(codes: np.ndarray) -> int:
    """Number of CpG dinucleotides."""
    return int(np.count_nonzero((codes[:-1] == C) & (codes[1:] == G)))


def gc_fraction(codes: np.ndarray) -> float:
    """G+C fraction over A/C/G/T bases (NaN for an empty sequence)."""
    called = codes[codes < N]
    if called.size == 0:
        return float("nan")
    return float(np.count_nonzero((called == C) | (called == G)) / called.size)


def count_occurrences(codes: np.ndarray, motif: str) -> int:
    """Occurrences (overlapping allowed) of ``motif`` on this strand of ``codes``."""
    return len(re.findall(f"(?={motif})", decode(codes)))
