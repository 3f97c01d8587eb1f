"""Auxiliary tables: name maps (HGNC, MGI), orthologs, half-lives, mESC gene lists, miRNA
small-RNA counts and TargetScan summary counts, in the formats of docs/formats.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import names
from .files import tsv_text, write_text
from .planted import (
    HALF_LIFE_BASE_LOG10_H,
    HALF_LIFE_LINK,
    HALF_LIFE_MEASUREMENT_SD_LOG10,
    HALF_LIFE_SPECIFIC_SD_LOG10,
    MIRNA_FAMILY,
    MIRNA_REPRESENTATIVE,
    MIRNA_SITE_SCORES,
)

HGNC_COLUMNS = (
    "hgnc_id",
    "symbol",
    "name",
    "locus_group",
    "locus_type",
    "status",
    "location",
    "alias_symbol",
    "prev_symbol",
    "entrez_id",
    "ensembl_gene_id",
)
MGI_COLUMNS = (
    "1. MGI accession id",
    "2. marker type",
    "3. marker symbol",
    "4. marker name",
    "5. genome build",
    "6. Entrez gene id",
    "7. NCBI gene chromosome",
    "8. NCBI gene start",
    "9. NCBI gene end",
    "10. NCBI gene strand",
    "11. Ensembl gene id",
    "12. Ensembl gene chromosome",
    "13. Ensembl gene start",
    "14. Ensembl gene end",
    "15. Ensembl gene strand",
)


def human_hgnc(
    rng: np.random.Generator, truth: pd.DataFrame, current_symbol: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """HGNC complete set rows and the name each gene's CAGE peak uses.

    Some genes carry alias / previous symbols; genes whose design says so are named in the
    CAGE file by such a synonym, so mapping needs the HGNC table (as in the paper).
    """
    taken = set(current_symbol.values()) | set(truth["gene_name"])
    rows, cage_names = [], {}
    for number, (gene_id, gene) in enumerate(truth.iterrows(), start=1):
        symbol = current_symbol[gene_id]
        aliases = names.human_symbols(rng, 1, taken) if rng.random() < 0.3 else []
        previous = names.human_symbols(rng, 1, taken) if rng.random() < 0.15 else []
        if gene["cage_name_kind"] == "alias" and not aliases:
            aliases = names.human_symbols(rng, 1, taken)
        if gene["cage_name_kind"] == "previous" and not previous:
            previous = names.human_symbols(rng, 1, taken)
        if gene["gene_name"] != symbol:  # e.g. HIST1H2AA (Ensembl v90) -> H2AC1 (HGNC now)
            previous = [gene["gene_name"], *previous]
        cage_names[gene_id] = {
            "alias": (aliases or [symbol])[0],
            "previous": (previous or [symbol])[-1],
        }.get(gene["cage_name_kind"], gene["gene_name"])
        coding = gene["biotype"] == "protein_coding"
        rows.append(
            {
                "hgnc_id": f"HGNC:{1000 + 7 * number}",
                "symbol": symbol,
                "name": f"{'protein' if coding else 'long intergenic non-coding RNA'} {symbol}",
                "locus_group": "protein-coding gene" if coding else "non-coding RNA",
                "locus_type": "gene with protein product" if coding else "RNA, long non-coding",
                "status": "Approved",
                "location": f"{gene['chrom']}q{int(rng.integers(11, 40))}",
                "alias_symbol": "|".join(aliases),
                "prev_symbol": "|".join(previous),
                "entrez_id": str(10000 + 3 * number),
                "ensembl_gene_id": gene_id if rng.random() > 0.01 else "",
            }
        )
    frame = pd.DataFrame(rows, columns=list(HGNC_COLUMNS)).sort_values("symbol", kind="stable")
    return frame, cage_names


def mouse_mgi(
    rng: np.random.Generator, truth: pd.DataFrame, coords: dict[str, tuple]
) -> pd.DataFrame:
    """MGI_Gene_Model_Coord.rpt rows (marker symbol = current MGI symbol)."""
    rows = []
    for number, (gene_id, gene) in enumerate(truth.iterrows(), start=1):
        chrom, start, end, strand = coords[gene_id]
        rows.append(
            {
                "1. MGI accession id": f"MGI:{100000 + 11 * number}",
                "2. marker type": "Gene",
                "3. marker symbol": gene["mgi_symbol"],
                "4. marker name": f"{_marker_kind(gene['biotype'])} {gene['mgi_symbol']}",
                "5. genome build": "GRCm38",
                "6. Entrez gene id": str(20000 + 5 * number),
                "7. NCBI gene chromosome": chrom,
                "8. NCBI gene start": start + 1,
                "9. NCBI gene end": end,
                "10. NCBI gene strand": strand,
                "11. Ensembl gene id": gene_id if rng.random() > 0.01 else "null",
                "12. Ensembl gene chromosome": chrom,
                "13. Ensembl gene start": start + 1,
                "14. Ensembl gene end": end,
                "15. Ensembl gene strand": strand,
            }
        )
    return pd.DataFrame(rows, columns=list(MGI_COLUMNS))


def _marker_kind(biotype: str) -> str:
    return "protein" if biotype == "protein_coding" else "predicted gene"


def ortholog_rows(human: pd.DataFrame, mouse: pd.DataFrame) -> list[list[str]]:
    """BioMart rows: one per (human gene, mouse ortholog); empty columns when none."""
    mouse_by_human: dict[int, list[str]] = {}
    for gene_id, gene in mouse.iterrows():
        if gene["ortholog_of"] >= 0:
            mouse_by_human.setdefault(int(gene["ortholog_of"]), []).append(gene_id)
    rows = []
    for gene_id, gene in human.sort_index().iterrows():
        partners = sorted(mouse_by_human.get(int(gene["design_index"]), []))
        if not partners:
            rows.append([gene_id, "", ""])
        for partner in partners:
            rows.append([gene_id, partner, gene["homology_type"]])
    return rows


def cell_half_life(rng: np.random.Generator, truth: pd.DataFrame) -> np.ndarray:
    """True log10 half-life (h) in a cell line; its gene-specific part moves expression."""
    specific = rng.normal(0, HALF_LIFE_SPECIFIC_SD_LOG10, size=len(truth))
    truth_log10 = HALF_LIFE_BASE_LOG10_H + HALF_LIFE_LINK * truth["half_life_effect"].to_numpy()
    return np.column_stack([truth_log10 + specific, specific])


def measured_genes(rng: np.random.Generator, truth: pd.DataFrame, fraction: float) -> pd.Index:
    """Coding genes measured in a half-life study (expressed genes are favoured)."""
    coding = truth[truth["biotype"] == "protein_coding"]
    score = coding["signal_log10"].to_numpy() + rng.normal(0, 0.5, size=len(coding))
    keep = np.argsort(-score, kind="stable")[: int(round(len(coding) * fraction))]
    return coding.index[np.sort(keep)]


def k562_half_life_table(rng: np.random.Generator, truth: pd.DataFrame, genes: pd.Index) -> str:
    """Schofield et al. layout: theta (fraction new after 1 h) and half-lives per replicate."""
    rows = []
    for gene_id in genes:
        log10_h = truth.at[gene_id, "k562_log10_half_life"]
        reps = 10 ** (log10_h + rng.normal(0, HALF_LIFE_MEASUREMENT_SD_LOG10, size=2))
        thetas = 1 - 2.0 ** (-1.0 / reps)
        rows.append(
            [
                truth.at[gene_id, "gene_name"],
                f"{thetas[0]:.4f}",
                f"{thetas[1]:.4f}",
                f"{reps[0]:.4f}",
                f"{reps[1]:.4f}",
                f"{reps.mean():.4f}",
            ]
        )
    rows.sort(key=lambda r: r[0])
    header = [
        "transcript",
        "theta_n1",
        "theta_n2",
        "half_life_rep1",
        "half_life_rep2",
        "mean_half_life",
    ]
    return tsv_text(header, rows)


def mesc_half_life_table(rng: np.random.Generator, truth: pd.DataFrame, genes: pd.Index) -> str:
    rows = []
    for gene_id in genes:
        log10_h = truth.at[gene_id, "mesc_log10_half_life"]
        value = 10 ** (log10_h + rng.normal(0, HALF_LIFE_MEASUREMENT_SD_LOG10))
        rows.append([truth.at[gene_id, "gene_name"], f"{value:.3f}"])
    rows.sort(key=lambda r: r[0])
    return tsv_text(["gene_name", "half_life_h"], rows)


def mesc_gene_lists(
    rng: np.random.Generator, truth: pd.DataFrame, config: dict
) -> tuple[set[str], set[str]]:
    """Super-enhancer and Polycomb gene ids (disjoint); Polycomb favours CpG-island genes."""
    regular = truth[(truth["biotype"] == "protein_coding") & (truth["category"] == "regular")]
    n_se = int(round(len(regular) * config["superenhancer_gene_fraction"]))
    n_pcg = int(round(len(regular) * config["polycomb_gene_fraction"]))
    superenhancer = set(regular.index[rng.permutation(len(regular))[:n_se]])
    rest = regular.drop(index=sorted(superenhancer))
    weights = rest["cpg_density"].to_numpy() + 0.01
    pcg = rng.choice(
        len(rest), size=min(n_pcg, len(rest)), replace=False, p=weights / weights.sum()
    )
    return superenhancer, set(rest.index[pcg])


def symbol_list_text(rng: np.random.Generator, symbols: list[str]) -> str:
    """One symbol per line, plus a few that are not in the annotation (as in real lists)."""
    extra = names.riken_symbols(rng, 2, set(symbols))
    return "".join(f"{s}\n" for s in sorted(symbols) + extra)


# (miRNA_ID, full mature sequence, ESC RPM, hepatocyte RPM)
MIRNAS = (
    ("mmu-miR-294-3p", "AAAGTGCTTCCCTTTTGTGTGT", 61000.0, 3.1),
    ("mmu-miR-295-3p", "AAAGTGCTACTACTTTTGAGTCT", 38000.0, 1.2),
    ("mmu-miR-291a-3p", "AAAGTGCTTCCACTTTGTGTGC", 27000.0, 2.0),
    ("mmu-miR-302a-3p", "TAAGTGCTTCCATGTTTTGGTGA", 9000.0, 0.5),
    ("mmu-miR-290a-5p", "ACTCAAACTATGGGGGCACTTT", 21000.0, 0.4),
    ("mmu-miR-92a-3p", "TATTGCACTTGTCCCGGCCTG", 18000.0, 2100.0),
    ("mmu-miR-20a-5p", "TAAAGTGCTTATAGTGCAGGTAG", 6500.0, 450.0),
    ("mmu-miR-19b-3p", "TGTGCAAATCCATGCAAAACTGA", 3200.0, 300.0),
    ("mmu-let-7a-5p", "TGAGGTAGTAGGTTGTATAGTT", 80.0, 7700.0),
    ("mmu-let-7b-5p", "TGAGGTAGTAGGTTGTGTGGTT", 20.0, 3980.0),
    ("mmu-miR-122-5p", "TGGAGTGTGACAATGGTGTTTG", 2.0, 250000.0),
    ("mmu-miR-16-5p", "TAGCAGCACGTAAATATTGGCG", 2500.0, 5400.0),
    ("mmu-miR-21a-5p", "TAGCTTATCAGACTGATGTTGA", 3100.0, 30000.0),
    ("mmu-miR-26a-5p", "TTCAAGTAATCCAGGATAGGCT", 900.0, 12000.0),
    ("mmu-miR-192-5p", "CTGACCTATGAATTGACAGCC", 15.0, 42000.0),
    ("mmu-miR-148a-3p", "TCAGTGCACTACAGAACTTTGT", 400.0, 38000.0),
    ("mmu-miR-182-5p", "TTTGGCAATGGTAGAACTCACACCG", 1500.0, 60.0),
)
DENZLER_HEADER = (
    "miRNA_ID",
    "First_20_nucleotides_of_miRNA",
    "miRNA_seed",
    "Primary_Hepatocytes_rep_1,_Counts",
    "Embryonic_stem_cells_rep_1,_Counts",
    "Embryonic_stem_cells_rep_2,_Counts",
    "Primary_Hepatocytes_rep_1,_RPM",
    "Embryonic_stem_cells_rep_1,_RPM",
    "Embryonic_stem_cells_rep_2,_RPM",
    "Primary_Hepatocytes,_Average_RPM",
    "Embryonic_stem_cells,_Average_RPM",
)


def mirna_counts_text(rng: np.random.Generator) -> str:
    """Denzler et al. layout; seed = nucleotides 2-8 of the mature miRNA (DNA letters)."""
    library = {"hep": 21.4e6, "esc1": 12.0e6, "esc2": 14.1e6}
    rows = []
    for mirna_id, mature, esc_rpm, hep_rpm in sorted(MIRNAS):
        esc = esc_rpm * rng.lognormal(0, 0.1, size=2)
        hep = hep_rpm * rng.lognormal(0, 0.05)
        counts = [
            round(hep * library["hep"] / 1e6),
            round(esc[0] * library["esc1"] / 1e6),
            round(esc[1] * library["esc2"] / 1e6),
        ]
        rpm = [
            counts[0] / library["hep"] * 1e6,
            counts[1] / library["esc1"] * 1e6,
            counts[2] / library["esc2"] * 1e6,
        ]
        rows.append(
            [
                mirna_id,
                mature[:20],
                mature[1:8],
                *counts,
                *(f"{v:.3f}" for v in rpm),
                f"{rpm[0]:.3f}",
                f"{(rpm[1] + rpm[2]) / 2:.3f}",
            ]
        )
    return tsv_text(list(DENZLER_HEADER), rows)


TARGETSCAN_HEADER = (
    "Transcript ID",
    "Gene Symbol",
    "miRNA family",
    "Species ID",
    "Total num conserved sites",
    "Number of conserved 8mer sites",
    "Number of conserved 7mer-m8 sites",
    "Number of conserved 7mer-1a sites",
    "Total num nonconserved sites",
    "Number of nonconserved 8mer sites",
    "Number of nonconserved 7mer-m8 sites",
    "Number of nonconserved 7mer-1a sites",
    "Number of 6mer sites",
    "Representative miRNA",
    "Total context++ score",
    "Cumulative weighted context++ score",
    "Aggregate PCT",
    "Predicted occupancy - low miRNA",
    "Predicted occupancy - high miRNA",
    "Predicted occupancy - transfected miRNA",
)
OTHER_FAMILIES = (
    ("let-7-5p/98-5p", "mmu-let-7a-5p"),
    ("miR-122-5p", "mmu-miR-122-5p"),
    ("miR-16-5p/15-5p/195-5p/322-5p/497-5p", "mmu-miR-16-5p"),
    ("miR-21-5p", "mmu-miR-21a-5p"),
)


def cumulative_weighted_context_score(site_counts: dict[str, int], context_factor: float) -> float:
    """TargetScan-like CWCS (<= 0): site-type scores times a per-gene context factor, >= -1."""
    raw = sum(MIRNA_SITE_SCORES[kind] * n for kind, n in site_counts.items())
    return float(max(-1.0, raw * context_factor))


def _targetscan_row(rng, transcript, symbol, family, representative, counts, cwcs):
    n8, n7m8, n7a = counts["8mer"], counts["7mer-m8"], counts["7mer-1a"]
    conserved = [int(rng.integers(0, n + 1)) for n in (n8, n7m8, n7a)]
    nonconserved = [n - c for n, c in zip((n8, n7m8, n7a), conserved, strict=True)]
    return [
        transcript,
        symbol,
        family,
        10090,
        sum(conserved),
        *conserved,
        sum(nonconserved),
        *nonconserved,
        int(rng.integers(0, 3)),
        representative,
        f"{cwcs * 1.1:.3f}",
        f"{cwcs:.3f}",
        f"{rng.random():.3f}" if sum(conserved) else "NULL",
        f"{rng.random() * 0.3:.4f}",
        f"{rng.random() * 0.8:.4f}",
        f"{rng.random():.4f}",
    ]


def targetscan_text(rng: np.random.Generator, truth: pd.DataFrame) -> str:
    """Summary counts: measured sites of the dominant ESC family, plus unrelated families."""
    rows = []
    coding = truth[truth["biotype"] == "protein_coding"]
    for _gene_id, gene in coding.iterrows():
        transcript = gene["representative_transcript"]
        counts = {
            "8mer": int(gene["mir294_8mer"]),
            "7mer-m8": int(gene["mir294_7mer_m8"]),
            "7mer-1a": int(gene["mir294_7mer_1a"]),
        }
        if sum(counts.values()) > 0:
            rows.append(
                _targetscan_row(
                    rng,
                    transcript,
                    gene["gene_name"],
                    MIRNA_FAMILY,
                    MIRNA_REPRESENTATIVE,
                    counts,
                    gene["mir294_cwcs"],
                )
            )
        for family, representative in OTHER_FAMILIES:
            if rng.random() < 0.15:
                other = {k: int(rng.integers(0, 2)) for k in ("8mer", "7mer-m8")}
                other["7mer-1a"] = 1 if not sum(other.values()) else 0
                score = cumulative_weighted_context_score(other, float(rng.uniform(0.6, 1.4)))
                rows.append(
                    _targetscan_row(
                        rng, transcript, gene["gene_name"], family, representative, other, score
                    )
                )
    rows.sort(key=lambda r: (r[0], r[2]))
    return tsv_text(list(TARGETSCAN_HEADER), rows)


def write_table(path: Path, frame: pd.DataFrame) -> None:
    write_text(path, frame.to_csv(sep="\t", index=False, lineterminator="\n"))
