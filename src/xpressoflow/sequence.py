"""Promoter windows from a genome FASTA, stored as compact uint8 base codes.

Codes: A=0, C=1, G=2, T=3, N (and any other letter) = 4. One promoter of 20 kb takes 20 kB as
codes, against 320 kB as float32 one-hot, so whole data sets stay as codes and only training
batches are expanded with `one_hot`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pysam

from xpressoflow.errors import ChromosomeNameError, InputFormatError

BASES = "ACGT"
N_CODE = 4

# Byte -> code lookup table (upper and soft-masked lower case alike).
_CODE_OF_BYTE = np.full(256, N_CODE, dtype=np.uint8)
for _code, _base in enumerate(BASES):
    _CODE_OF_BYTE[ord(_base)] = _code
    _CODE_OF_BYTE[ord(_base.lower())] = _code

# Code -> code of the complementary base (N stays N), for reverse complements in code space.
_COMPLEMENT_CODE = np.array([3, 2, 1, 0, N_CODE], dtype=np.uint8)

# Code -> one-hot row, A,C,G,T order; N is all zeros, as the published Xpresso models expect.
_ONE_HOT_OF_CODE = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])


def encode_bases(sequence: str | bytes) -> np.ndarray:
    """Base codes (uint8) of a DNA string, vectorised through a 256-entry lookup table."""
    raw = sequence.encode("ascii") if isinstance(sequence, str) else sequence
    return _CODE_OF_BYTE[np.frombuffer(raw, dtype=np.uint8)]


def decode_bases(codes: np.ndarray) -> str:
    """DNA string (A, C, G, T, N) of a code array."""
    return np.frombuffer(b"ACGTN", dtype=np.uint8)[codes].tobytes().decode("ascii")


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement in code space (works on the last axis of batches too)."""
    return _COMPLEMENT_CODE[codes][..., ::-1]


def one_hot(codes: np.ndarray, dtype=np.float32) -> np.ndarray:
    """(..., L) codes -> (..., L, 4) one-hot in A,C,G,T order, N = zeros. Use on batches only."""
    return _ONE_HOT_OF_CODE.astype(dtype, copy=False)[codes]


def open_genome(fasta_path: str | os.PathLike) -> pysam.FastaFile:
    """Indexed FASTA (samtools faidx index is built beside the file when missing)."""
    return pysam.FastaFile(str(fasta_path))


def chromosome_name_map(names: Iterable[str], genome_contigs: Iterable[str]) -> dict[str, str]:
    """Map chromosome names of one source (e.g. UCSC `chr1`) onto the genome's (Ensembl `1`).

    Names that cannot be matched are left out of the map; callers turn them into exclusion
    rows. If none of the names can be matched, the two sources use incompatible naming
    schemes and a ChromosomeNameError says so.
    """
    contigs = set(genome_contigs)
    mapping: dict[str, str] = {}
    names = sorted(set(names))
    for name in names:
        bare = name[3:] if name.startswith("chr") else name
        candidates = [name, bare, f"chr{bare}"]
        if bare in ("M", "MT"):
            candidates += ["MT", "chrM", "chrMT", "M"]
        match = next((c for c in candidates if c in contigs), None)
        if match is not None:
            mapping[name] = match
    if names and not mapping:
        raise ChromosomeNameError(
            f"no chromosome name matches the genome: source names {names[:5]}..., genome "
            f"contigs {sorted(contigs)[:5]}...; rename one of them (chr1 <-> 1 is handled, "
            "other schemes such as RefSeq accessions are not)"
        )
    return mapping


def window_bounds(tss: np.ndarray, strand: np.ndarray, flank_bp: int):
    """0-based half-open genome intervals [tss - flank_bp, tss + flank_bp) on either strand.

    This is the authors' convention (a symmetric BED interval cut with `bedtools getfasta -s`,
    checked against their hg19/hg38 promoter windows): after reverse complementing, the TSS
    base sits at index flank_bp on plus-strand genes and at index flank_bp - 1 on minus-strand
    genes. Keeping it makes our windows identical to the published ones, which the released
    models were trained on. `strand` is accepted for symmetry with callers.
    """
    del strand  # same interval on both strands (see above)
    start = np.asarray(tss, dtype=np.int64) - flank_bp
    return start, start + 2 * flank_bp


def _fetch_padded(genome: pysam.FastaFile, chrom: str, start: int, end: int) -> np.ndarray:
    """Codes of genome[start:end), padded with N where the interval runs off the chromosome."""
    length = genome.get_reference_length(chrom)
    codes = np.full(end - start, N_CODE, dtype=np.uint8)
    lo, hi = max(start, 0), min(end, length)
    if hi > lo:
        codes[lo - start : hi - start] = encode_bases(genome.fetch(chrom, lo, hi))
    return codes


def promoter_window(
    genome: pysam.FastaFile, chrom: str, tss: int, strand: str, flank_bp: int
) -> np.ndarray:
    """Strand-aware ±flank_bp codes around one TSS (N-padded at chromosome ends)."""
    (start,), (end,) = window_bounds(np.array([tss]), np.array([strand]), flank_bp)
    codes = _fetch_padded(genome, chrom, int(start), int(end))
    return reverse_complement_codes(codes) if strand == "-" else codes


def iter_promoter_codes(
    fasta_path: str | os.PathLike,
    promoters: pd.DataFrame,
    flank_bp: int,
    block_genes: int = 512,
) -> Iterator[np.ndarray]:
    """Yield (block, 2*flank_bp) uint8 code blocks for `promoters` (chrom, tss, strand), in order.

    Blocks keep peak memory at a few MB whatever the number of genes.
    """
    genome = open_genome(fasta_path)
    names = chromosome_name_map(promoters["chrom"].astype(str), genome.references)
    missing = sorted(set(promoters["chrom"].astype(str)) - set(names))
    if missing:
        raise ChromosomeNameError(f"{fasta_path}: chromosomes {missing} are not in the genome")
    starts, ends = window_bounds(promoters["tss"].to_numpy(), promoters["strand"].to_numpy(),
                                 flank_bp)
    chroms = promoters["chrom"].astype(str).map(names).to_numpy()
    minus = promoters["strand"].to_numpy() == "-"
    for first in range(0, len(promoters), block_genes):
        rows = range(first, min(first + block_genes, len(promoters)))
        block = np.empty((len(rows), 2 * flank_bp), dtype=np.uint8)
        for out, row in enumerate(rows):
            block[out] = _fetch_padded(genome, chroms[row], int(starts[row]), int(ends[row]))
        flip = minus[first : first + len(rows)]
        block[flip] = reverse_complement_codes(block[flip])
        yield block


def read_fasta_codes(fasta_path: str | os.PathLike, window_bp: int | None = None):
    """Read a promoter FASTA (one record per gene) -> (ids, (n, L) uint8 codes).

    Every record must have the same length (window_bp when given); duplicate ids, empty
    records and sequence before the first header are errors naming the file and line.
    """
    ids: list[str] = []
    chunks: list[list[bytes]] = []
    header_lines: list[int] = []
    with open(fasta_path, "rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(b">"):
                name = line[1:].split()[0].decode() if len(line) > 1 else ""
                if not name:
                    raise InputFormatError(fasta_path, line_number, "FASTA header without a name")
                ids.append(name.split("::")[0])
                chunks.append([])
                header_lines.append(line_number)
            elif not ids:
                raise InputFormatError(fasta_path, line_number, "sequence before first header")
            else:
                bad = set(line.upper()) - set(b"ACGTNRYKMSWBDHV")
                if bad:
                    raise InputFormatError(
                        fasta_path, line_number,
                        f"unexpected characters {sorted(chr(b) for b in bad)} in sequence")
                chunks[-1].append(line)
    seen: dict[str, int] = {}
    for name, line_number in zip(ids, header_lines, strict=True):
        if name in seen:
            raise InputFormatError(fasta_path, line_number,
                                   f"duplicate id {name!r} (first at line {seen[name]})")
        seen[name] = line_number
    lengths = [sum(map(len, parts)) for parts in chunks]
    expected = window_bp if window_bp is not None else (lengths[0] if lengths else 0)
    for name, length, line_number in zip(ids, lengths, header_lines, strict=True):
        if length != expected:
            raise InputFormatError(fasta_path, line_number,
                                   f"record {name!r} has {length} bases, expected {expected}")
    codes = np.empty((len(ids), expected), dtype=np.uint8)
    for row, parts in enumerate(chunks):
        codes[row] = encode_bases(b"".join(parts))
    return ids, codes
