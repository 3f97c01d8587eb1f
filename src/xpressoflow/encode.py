"""ENCODE mouse RNA-seq gene quantifications chosen by the paper's five criteria.

Methods (Agarwal & Shendure 2020): "i) polyA-selected mRNA RNA-seq or total RNA-seq, ii) mm10,
iii) tsv files of gene-level quantifications, iv) biosamples not treated with DMSO, LPS or
beta-estradiol, v) no 'low replicate concordance', 'low read depth', 'insufficient read depth'
or 'insufficient read length' audits. Only the first replicate of each tissue or cell line."

`select_gene_quantifications` is a pure function on the portal's `metadata.tsv` (read as a
DataFrame of strings); it runs on the real batch download and on the simulator's demo file
alike (columns as in docs/formats.md).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urljoin

import pandas as pd

from xpressoflow.download import download
from xpressoflow.io import atomic_path

log = logging.getLogger("xpressoflow.encode")

PORTAL = "https://www.encodeproject.org"
PAPER_ASSAYS = ("polyA plus RNA-seq", "total RNA-seq")
PAPER_ASSEMBLY = "mm10"
PAPER_FILE_FORMAT = "tsv"
PAPER_OUTPUT_TYPE = "gene quantifications"
# Treatment term names as ENCODE spells them, matched case-insensitively as whole words.
PAPER_EXCLUDED_TREATMENTS = (
    "DMSO",
    "dimethyl sulfoxide",
    "LPS",
    "lipopolysaccharide",
    "estradiol",
)
PAPER_EXCLUDED_AUDITS = (
    "low replicate concordance",
    "low read depth",
    "insufficient read depth",
    "insufficient read length",
)
AUDIT_COLUMNS = ("Audit WARNING", "Audit NOT_COMPLIANT", "Audit ERROR")
# Older / newer spellings of the same metadata.tsv column.
COLUMN_ALIASES = {"Genome assembly": ("File assembly", "Assembly")}
REQUIRED_COLUMNS = (
    "File accession",
    "File format",
    "Output type",
    "Experiment accession",
    "Assay",
    "Biosample term name",
    "Genome assembly",
    "Biological replicate(s)",
)


def read_metadata(path: str | os.PathLike) -> pd.DataFrame:
    """metadata.tsv as strings (empty cells as ""), with the column aliases normalised."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return normalise_columns(table)


def normalise_columns(metadata: pd.DataFrame) -> pd.DataFrame:
    """Add `Genome assembly` when the file spells it `File assembly` (today's portal)."""
    metadata = metadata.copy()
    for canonical, aliases in COLUMN_ALIASES.items():
        if canonical not in metadata.columns:
            for alias in aliases:
                if alias in metadata.columns:
                    metadata[canonical] = metadata[alias]
                    break
    return metadata


def parse_replicates(value) -> list[int]:
    """'1' -> [1]; '1, 2' -> [1, 2]; '' or NaN -> []; '1.0' -> [1]."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [int(float(x)) for x in re.split(r"[,\s]+", str(value).strip()) if x]


def _audit_categories(value) -> set[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return set()
    return {part.strip().lower() for part in str(value).split(",") if part.strip()}


def select_gene_quantifications(
    metadata: pd.DataFrame,
    *,
    assays: Sequence[str] = PAPER_ASSAYS,
    assembly: str = PAPER_ASSEMBLY,
    file_format: str = PAPER_FILE_FORMAT,
    output_type: str = PAPER_OUTPUT_TYPE,
    exclude_treatments: Sequence[str] = PAPER_EXCLUDED_TREATMENTS,
    exclude_audits: Sequence[str] = PAPER_EXCLUDED_AUDITS,
    replicate_group: Sequence[str] = ("Experiment accession",),
    released_only: bool = True,
) -> pd.DataFrame:
    """Rows of an ENCODE `metadata.tsv` that pass the paper's five criteria, one file per
    biosample: the first biological replicate.

    An ENCODE experiment is one biosample (tissue or cell line at one age / treatment), so
    the default `replicate_group` keeps one file per experiment; pass
    `("Biosample term name",)` for one per tissue name. Within a group, single-replicate
    files (not pooled ones) of the lowest biological replicate number are kept, and ties
    (technical replicates, re-runs) are broken by technical replicate and accession.
    Returns the selected rows (all columns), sorted by group and accession.
    """
    metadata = normalise_columns(metadata)
    missing = [c for c in REQUIRED_COLUMNS if c not in metadata.columns]
    if missing:
        raise ValueError(f"metadata.tsv lacks columns: {', '.join(missing)}")
    table = metadata.fillna("")
    keep = table["Assay"].isin(list(assays))
    keep &= table["Genome assembly"] == assembly
    keep &= table["File format"] == file_format
    keep &= table["Output type"] == output_type
    if released_only and "File Status" in table.columns:
        keep &= table["File Status"].isin(["released", ""])
    if exclude_treatments and "Biosample treatments" in table.columns:
        pattern = re.compile(
            "|".join(rf"(?<![A-Za-z0-9]){re.escape(t)}(?![A-Za-z0-9])" for t in exclude_treatments),
            re.IGNORECASE,
        )
        keep &= ~table["Biosample treatments"].map(lambda v: bool(pattern.search(v)))
    excluded = {a.lower() for a in exclude_audits}
    for column in AUDIT_COLUMNS:
        if excluded and column in table.columns:
            keep &= table[column].map(lambda v: not (_audit_categories(v) & excluded))
    passing = table[keep].copy()

    reps = passing["Biological replicate(s)"].map(parse_replicates)
    passing = passing[reps.map(len) == 1].copy()
    passing["_bio_rep"] = reps[reps.map(len) == 1].map(lambda r: r[0])
    tech = passing.get("Technical replicate(s)", pd.Series("", index=passing.index))
    passing["_tech_rep"] = tech.astype(str)
    group = list(replicate_group)
    passing = passing.sort_values([*group, "_bio_rep", "_tech_rep", "File accession"])
    chosen = passing.groupby(group, sort=True).head(1)
    chosen = chosen.drop(columns=["_bio_rep", "_tech_rep"]).reset_index(drop=True)
    log.info("%d of %d ENCODE files pass the paper's criteria", len(chosen), len(metadata))
    return chosen


def _join(values) -> str:
    if values is None:
        return ""
    if isinstance(values, list | tuple):
        return ", ".join(str(v) for v in values)
    return str(values)


def search_json_to_metadata(search: Mapping, *, portal: str = PORTAL) -> pd.DataFrame:
    """Rows of metadata.tsv (formats.md columns) from a portal `search/?type=File&format=json`.

    Reads the fields of each File object in `@graph` (request them with `field=` or
    `frame=embedded`): accession, file_format, file_type, output_type, assembly, dataset,
    assay_title, biosample_ontology, biological_replicates, technical_replicates, href,
    md5sum, status, audit, and replicate.library.biosample.treatments.
    """
    rows = []
    for item in search.get("@graph", []):
        biosample = item.get("biosample_ontology") or {}
        library = (item.get("replicate") or {}).get("library") or {}
        treatments = ((library.get("biosample") or {}).get("treatments")) or []
        audit = item.get("audit") or {}
        dataset = str(item.get("dataset", "")).rstrip("/").split("/")[-1]
        rows.append(
            {
                "File accession": item.get("accession", ""),
                "File format": item.get("file_format", ""),
                "File type": item.get("file_type", ""),
                "Output type": item.get("output_type", ""),
                "Experiment accession": dataset,
                "Assay": item.get("assay_title", ""),
                "Biosample term name": biosample.get("term_name", ""),
                "Biosample type": biosample.get("classification", ""),
                "Biosample treatments": _join(
                    [t.get("treatment_term_name", "") for t in treatments]
                ),
                "Genome assembly": item.get("assembly", ""),
                "Biological replicate(s)": _join(item.get("biological_replicates")),
                "Technical replicate(s)": _join(item.get("technical_replicates")),
                "File download URL": urljoin(portal, item.get("href", "")),
                "md5sum": item.get("md5sum", ""),
                **{
                    f"Audit {level}": _join(
                        sorted({a.get("category", "") for a in audit.get(level, [])})
                    )
                    for level in ("WARNING", "NOT_COMPLIANT", "ERROR")
                },
                "File Status": item.get("status", ""),
            }
        )
    return pd.DataFrame(rows, dtype=str)


def write_metadata(metadata: pd.DataFrame, path: str | os.PathLike) -> None:
    """metadata.tsv (tab-separated, header, no index), written atomically."""
    with atomic_path(path) as tmp:
        metadata.to_csv(tmp, sep="\t", index=False)


def fetch_encode(
    metadata_url: str,
    outdir: str | os.PathLike,
    *,
    selection: Mapping | None = None,
    max_files: int | None = None,
    portal: str = PORTAL,
    **download_kwargs,
) -> pd.DataFrame:
    """Download the portal's metadata.tsv (or search JSON, if the URL asks `format=json`),
    select the paper's files, write `<outdir>/metadata.tsv` with the selected rows and
    download each as `<outdir>/<File accession>.tsv`, verifying ENCODE's md5sum.

    The written metadata.tsv holds exactly the downloaded files; selecting again on it gives
    the same rows (the selection is idempotent), so the expression step may re-apply it.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    portal_copy = download(metadata_url, outdir / ".portal_metadata", **download_kwargs)
    try:
        if "format=json" in metadata_url:
            metadata = search_json_to_metadata(json.loads(portal_copy.read_text()), portal=portal)
        else:
            metadata = read_metadata(portal_copy)
    finally:
        portal_copy.unlink()
    chosen = select_gene_quantifications(metadata, **dict(selection or {}))
    if max_files is not None:
        chosen = chosen.head(max_files)
    if chosen.empty:
        raise ValueError(f"no ENCODE file passes the selection ({metadata_url})")
    for number, record in enumerate(chosen.to_dict("records"), start=1):
        accession = record["File accession"]
        url = record.get("File download URL") or f"/files/{accession}/@@download/{accession}.tsv"
        log.info("ENCODE file %d of %d: %s", number, len(chosen), accession)
        download(
            urljoin(portal, url),
            outdir / f"{accession}.tsv",
            md5=record.get("md5sum") or None,
            **download_kwargs,
        )
    write_metadata(chosen, outdir / "metadata.tsv")
    return chosen
