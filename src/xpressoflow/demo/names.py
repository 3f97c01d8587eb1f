"""Gene symbols and stable identifiers that look like the real ones (but are made up)."""

from __future__ import annotations

import numpy as np

# Families of real-looking human symbols; a number is appended to make each symbol unique.
SYMBOL_FAMILIES = (
    "ZNF",
    "SLC",
    "TMEM",
    "CCDC",
    "FAM",
    "ANKRD",
    "LRRC",
    "RNF",
    "KLHL",
    "WDR",
    "PRR",
    "TBC1D",
    "ARHGAP",
    "DNAJC",
    "USP",
    "ZBTB",
    "KIF",
    "MRPL",
    "RBM",
    "SNX",
    "TRIM",
    "ABCA",
    "PPP1R",
    "NUDT",
    "C1ORF",
    "DDX",
    "EIF",
    "GPR",
    "ATP",
    "CDK",
)
CHRY_SYMBOLS = (
    "DDX3Y",
    "EIF1AY",
    "KDM5D",
    "UTY",
    "USP9Y",
    "ZFY",
    "RPS4Y1",
    "NLGN4Y",
    "TMSB4Y",
    "TBL1Y",
    "PRKY",
    "AMELY",
    "SRY",
    "TSPY1",
    "PCDH11Y",
    "RBMY1A1",
    "DAZ1",
    "BPY2",
    "CDY1",
    "HSFY1",
)
# Replication-dependent histone genes: Ensembl v90 names (HIST1H...) and the HGNC 2020 names.
_HISTONE_CLASSES = (("H2A", "H2AC"), ("H2B", "H2BC"), ("H3", "H3C"), ("H4", "H4C"), ("H1", "H1-"))


def histone_names(count: int) -> list[tuple[str, str]]:
    """(old Ensembl v90 symbol, current HGNC symbol) for ``count`` human histone genes."""
    names = []
    letters = "ABCDEFGHIJKLMN"
    for index in range(count):
        old_class, new_class = _HISTONE_CLASSES[index % len(_HISTONE_CLASSES)]
        member = index // len(_HISTONE_CLASSES)
        names.append(
            (f"HIST1{old_class}{letters[member % len(letters)]}", f"{new_class}{member + 1}")
        )
    return names


HUMAN_SYMBOLS_PER_RANGE = 6000


def human_symbols(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    """Unique human-style symbols (upper case), avoiding ``taken``."""
    symbols: list[str] = []
    while len(symbols) < count:
        family = SYMBOL_FAMILIES[int(rng.integers(len(SYMBOL_FAMILIES)))]
        # 30 families x 399 numbers run out near 12,000 symbols: widen the numbers as the
        # symbols get taken (unchanged below 6,000, so the default demo keeps its names).
        highest_number = 400 * (1 + len(taken) // HUMAN_SYMBOLS_PER_RANGE)
        symbol = f"{family}{int(rng.integers(1, highest_number))}"
        if symbol not in taken:
            taken.add(symbol)
            symbols.append(symbol)
    return symbols


def chry_symbols(count: int) -> list[str]:
    """Human chrY gene symbols; real names first, then numbered ones."""
    return [CHRY_SYMBOLS[i] if i < len(CHRY_SYMBOLS) else f"CYORF{i + 1}" for i in range(count)]


def lincrna_symbols(
    rng: np.random.Generator, count: int, prefix: str, taken: set[str]
) -> list[str]:
    """Unique non-coding gene symbols such as LINC01234 (human) or Gm12345 (mouse)."""
    digits = 5
    symbols: list[str] = []
    while len(symbols) < count:
        symbol = f"{prefix}{int(rng.integers(10 ** (digits - 1), 10**digits)):0{digits}d}"
        if symbol not in taken:
            taken.add(symbol)
            symbols.append(symbol)
    return symbols


def mouse_symbol_of(human_symbol: str) -> str:
    """Mouse ortholog symbol convention: first letter upper case, the rest lower case."""
    return human_symbol[0].upper() + human_symbol[1:].lower()


def riken_symbols(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    """Unique mouse-specific symbols in the RIKEN clone style (e.g. 1700012B09Rik)."""
    symbols: list[str] = []
    letters = "ABCDEFGHIJKLMNOP"
    while len(symbols) < count:
        symbol = (
            f"{int(rng.integers(1110, 9930)):04d}{int(rng.integers(1, 100)):03d}"
            f"{letters[int(rng.integers(len(letters)))]}{int(rng.integers(1, 25)):02d}Rik"
        )
        if symbol not in taken:
            taken.add(symbol)
            symbols.append(symbol)
    return symbols


def stable_ids(rng: np.random.Generator, prefix: str, count: int, start: int = 3) -> list[str]:
    """``count`` unique, increasing Ensembl-style ids (``ENSG00000000003``), shuffled order."""
    gaps = rng.integers(1, 40, size=count)
    numbers = start + np.cumsum(gaps)
    rng.shuffle(numbers)
    return [f"{prefix}{int(n):011d}" for n in numbers]


def encode_accessions(rng: np.random.Generator, prefix: str, count: int) -> list[str]:
    """Unique ENCODE-style accessions (``ENCFF123ABC``)."""
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        accession = f"{prefix}{int(rng.integers(100, 1000))}{''.join(rng.choice(letters, 3))}"
        if accession not in seen:
            seen.add(accession)
            out.append(accession)
    return out
