"""Mouse expression sources: ENCODE metadata.tsv + RSEM gene quantifications, and the mESC
table. The metadata contains one row for each of the paper's exclusion criteria so that the
pipeline's selection step has something to exclude."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import names
from .expression import log10_label, rpkm_from_log10, sample_log10_matrix
from .files import write_text

# (term name, biosample type, cell-type group, male donor)
MOUSE_BIOSAMPLES = (
    ("liver", "tissue", "adult_tissue", True),
    ("heart", "tissue", "adult_tissue", True),
    ("kidney", "tissue", "adult_tissue", False),
    ("lung", "tissue", "adult_tissue", True),
    ("spleen", "tissue", "blood_immune", False),
    ("thymus", "tissue", "blood_immune", True),
    ("stomach", "tissue", "adult_tissue", False),
    ("small intestine", "tissue", "adult_tissue", True),
    ("adrenal gland", "tissue", "adult_tissue", False),
    ("forebrain", "tissue", "embryo_brain", True),
    ("midbrain", "tissue", "embryo_brain", False),
    ("hindbrain", "tissue", "embryo_brain", True),
    ("neural tube", "tissue", "embryo_brain", False),
    ("limb", "tissue", "embryo", True),
    ("embryonic facial prominence", "tissue", "embryo", False),
    ("ES-Bruce4", "cell line", "ES", True),
    ("MEL cell line", "cell line", "blood_immune", False),
    ("CH12.LX", "cell line", "blood_immune", False),
    ("C2C12", "cell line", "muscle", False),
    ("bone marrow", "tissue", "blood_immune", True),
    ("skeletal muscle tissue", "tissue", "muscle", True),
)
ES_GROUP = "ES"
METADATA_COLUMNS = (
    "File accession",
    "File format",
    "File type",
    "Output type",
    "Experiment accession",
    "Assay",
    "Biosample term id",
    "Biosample term name",
    "Biosample type",
    "Biosample organism",
    "Biosample treatments",
    "Experiment date released",
    "Project",
    "Library made from",
    "Biological replicate(s)",
    "Technical replicate(s)",
    "Read length",
    "Run type",
    "Genome assembly",
    "File download URL",
    "Audit WARNING",
    "Audit NOT_COMPLIANT",
    "Audit ERROR",
    "File Status",
)
RSEM_COLUMNS = (
    "gene_id",
    "transcript_id(s)",
    "length",
    "effective_length",
    "expected_count",
    "TPM",
    "FPKM",
    "posterior_mean_count",
    "posterior_standard_deviation_of_count",
    "pme_TPM",
    "pme_FPKM",
    "TPM_ci_lower_bound",
    "TPM_ci_upper_bound",
    "FPKM_ci_lower_bound",
    "FPKM_ci_upper_bound",
)
ERCC_IDS = (
    "00002",
    "00003",
    "00004",
    "00009",
    "00012",
    "00013",
    "00014",
    "00016",
    "00017",
    "00019",
    "00022",
    "00024",
)
BENIGN_WARNINGS = ("mild to moderate bottlenecking", "inconsistent library biosample", "")
# The paper's exclusion cases: (label, metadata overrides, tsv written?, noise scale)
EXCLUSION_CASES = (
    (
        "alignments",
        {"File format": "bam", "File type": "bam", "Output type": "alignments"},
        False,
        1.0,
    ),
    (
        "signal",
        {"File format": "bigWig", "File type": "bigWig", "Output type": "signal of unique reads"},
        False,
        1.0,
    ),
    ("other_assay", {"Assay": "small RNA-seq"}, True, 1.0),
    ("mm9", {"Genome assembly": "mm9"}, True, 1.5),
    ("treated_DMSO", {"Biosample treatments": "DMSO"}, True, 1.0),
    ("treated_LPS", {"Biosample treatments": "lipopolysaccharide (LPS)"}, True, 1.0),
    ("treated_estradiol", {"Biosample treatments": "β-estradiol"}, True, 1.0),
    ("low_replicate_concordance", {"Audit NOT_COMPLIANT": "low replicate concordance"}, True, 3.0),
    (
        "low_read_depth",
        {"Audit WARNING": "mild to moderate bottlenecking, low read depth"},
        True,
        2.5,
    ),
    ("insufficient_read_depth", {"Audit NOT_COMPLIANT": "insufficient read depth"}, True, 3.0),
    (
        "insufficient_read_length",
        {"Audit NOT_COMPLIANT": "insufficient read length", "Read length": "36"},
        True,
        2.0,
    ),
    ("replicate_2", {"Biological replicate(s)": "2", "Technical replicate(s)": "2_1"}, True, 1.0),
)


@dataclass
class EncodeFile:
    """One metadata row and how its quantification (if any) was simulated."""

    metadata: dict
    case: str  # "pass" or an exclusion label
    group: str
    male: bool
    noise_scale: float
    has_tsv: bool


def _release_date(rng: np.random.Generator) -> str:
    year, month, day = (
        2012 + int(rng.integers(6)),
        1 + int(rng.integers(12)),
        1 + int(rng.integers(28)),
    )
    return f"{year}-{month:02d}-{day:02d}"


def encode_files(rng: np.random.Generator, n_files: int) -> list[EncodeFile]:
    """Metadata rows: ``n_files - 12`` passing files plus one per exclusion case."""
    n_pass = n_files - len(EXCLUSION_CASES)
    files_acc = names.encode_accessions(rng, "ENCFF", n_files)
    experiments = names.encode_accessions(rng, "ENCSR", n_files)
    biosample_order = rng.permutation(len(MOUSE_BIOSAMPLES))
    rows: list[EncodeFile] = []
    for i in range(n_files):
        term, kind, group, male = MOUSE_BIOSAMPLES[int(biosample_order[i % len(MOUSE_BIOSAMPLES)])]
        experiment = experiments[i]
        case, overrides, has_tsv, noise = "pass", {}, True, 1.0
        if i >= n_pass:
            case, overrides, has_tsv, noise = EXCLUSION_CASES[i - n_pass]
            if case == "replicate_2":  # the second replicate of a passing experiment
                prev = rows[0].metadata
                experiment, term = prev["Experiment accession"], prev["Biosample term name"]
                group, male, kind = rows[0].group, rows[0].male, prev["Biosample type"]
        accession = files_acc[i]
        extension = {"bam": "bam", "bigWig": "bigWig"}.get(overrides.get("File format", ""), "tsv")
        metadata = {
            "File accession": accession,
            "File format": "tsv",
            "File type": "tsv",
            "Output type": "gene quantifications",
            "Experiment accession": experiment,
            "Assay": "polyA plus RNA-seq" if rng.random() < 0.7 else "total RNA-seq",
            "Biosample term id": f"UBERON:{int(rng.integers(1000, 9999)):07d}",
            "Biosample term name": term,
            "Biosample type": kind,
            "Biosample organism": "Mus musculus",
            "Biosample treatments": "",
            "Experiment date released": _release_date(rng),
            "Project": "ENCODE",
            "Library made from": "RNA",
            "Biological replicate(s)": "1",
            "Technical replicate(s)": "1_1",
            "Read length": "101",
            "Run type": "paired-ended" if rng.random() < 0.5 else "single-ended",
            "Genome assembly": "mm10",
            "File download URL": f"https://www.encodeproject.org/files/{accession}/@@download/{accession}.{extension}",
            "Audit WARNING": BENIGN_WARNINGS[int(rng.integers(len(BENIGN_WARNINGS)))],
            "Audit NOT_COMPLIANT": "",
            "Audit ERROR": "",
            "File Status": "released",
        }
        metadata.update(overrides)
        rows.append(EncodeFile(metadata, case, group, male, noise, has_tsv))
    return [rows[i] for i in rng.permutation(len(rows))]


def write_metadata(path: Path, files: list[EncodeFile]) -> None:
    frame = pd.DataFrame([f.metadata for f in files], columns=list(METADATA_COLUMNS))
    write_text(path, frame.to_csv(sep="\t", index=False, lineterminator="\n"))


def quantification_log10(
    rng: np.random.Generator, truth: pd.DataFrame, files: list[EncodeFile], config: dict
) -> np.ndarray:
    """log10-scale expression, genes x files-with-tsv, including per-file problems."""
    with_tsv = [f for f in files if f.has_tsv]
    values = sample_log10_matrix(
        rng,
        truth,
        [f.group for f in with_tsv],
        np.array([f.male for f in with_tsv]),
        np.array([f.noise_scale for f in with_tsv]),
        config,
    )
    for column, encode_file in enumerate(with_tsv):
        if encode_file.case.startswith("treated"):
            values[:, column] += rng.normal(0, 0.5, size=len(truth))  # treatment response
        elif encode_file.case == "other_assay":
            values[:, column] = 0.3 * values[:, column] + rng.normal(-1.0, 0.8, size=len(truth))
    return values


def rsem_table(
    rng: np.random.Generator,
    truth: pd.DataFrame,
    log10_values: np.ndarray,
    transcripts: dict[str, list[tuple[str, int]]],
    lengths_bp: dict[str, float],
) -> str:
    """One RSEM gene quantification TSV (genes sorted by id, ERCC spike-ins last)."""
    fpkm = rpkm_from_log10(log10_values, decimals=2)
    ids = truth.index.to_list()
    # ENCODE quantified against an older GENCODE: some version numbers differ from Ensembl v90.
    gene_ids = [f"{g}.{v}" for g, v in zip(ids, truth["encode_gene_version"], strict=True)]
    tx_ids = [",".join(f"{t}.{v}" for t, v in transcripts[g]) for g in ids]
    length = np.array([lengths_bp[g] for g in ids])
    spike_fpkm = np.round(10 ** rng.normal(1.5, 0.8, size=len(ERCC_IDS)), 2)
    spike_len = rng.integers(500, 2000, size=len(ERCC_IDS)).astype(float)
    all_fpkm = np.concatenate([fpkm, spike_fpkm])
    all_len = np.concatenate([length, spike_len])
    effective = np.maximum(all_len - 171.0, 0.0)
    tpm = all_fpkm / max(all_fpkm.sum(), 1e-9) * 1e6
    counts = all_fpkm * effective * 25.0 / 1000.0  # ~25 M mapped fragments
    spikes = [f"gSpikein_ERCC-{e}" for e in ERCC_IDS]
    frame = pd.DataFrame(
        {
            "gene_id": gene_ids + spikes,
            "transcript_id(s)": tx_ids + spikes,
            "length": all_len,
            "effective_length": effective,
            "expected_count": counts,
            "TPM": tpm,
            "FPKM": all_fpkm,
            "posterior_mean_count": counts,
            "posterior_standard_deviation_of_count": np.sqrt(counts) * 0.1,
            "pme_TPM": tpm,
            "pme_FPKM": all_fpkm,
            "TPM_ci_lower_bound": tpm * 0.9,
            "TPM_ci_upper_bound": tpm * 1.1,
            "FPKM_ci_lower_bound": all_fpkm * 0.9,
            "FPKM_ci_upper_bound": all_fpkm * 1.1,
        },
        columns=list(RSEM_COLUMNS),
    )
    frame = frame.sort_values("gene_id", kind="stable")
    return frame.to_csv(sep="\t", index=False, float_format="%.2f", lineterminator="\n")


def passing_median_label(log10_values: np.ndarray, files: list[EncodeFile]) -> np.ndarray:
    """Median log10(FPKM + 0.1) over the files that pass the paper's selection."""
    with_tsv = [f for f in files if f.has_tsv]
    keep = [i for i, f in enumerate(with_tsv) if f.case == "pass"]
    fpkm = rpkm_from_log10(log10_values[:, keep], decimals=2)
    return np.median(log10_label(fpkm), axis=1)
