"""Tests of the demo-data simulator (xpressoflow.demo): determinism, formats, consistency."""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pyfaidx
import pysam
import pytest

from xpressoflow.demo import DEFAULT_CONFIG, TINY_CONFIG, simulate
from xpressoflow.demo.__main__ import main as demo_main
from xpressoflow.demo.config import resolve_config
from xpressoflow.demo.expression import ROADMAP_SAMPLES

COMPLEMENT = str.maketrans("ACGTacgtNn", "TGCAtgcaNn")
SEED = 7


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "demo"
    simulate(out, TINY_CONFIG, seed=SEED)
    return out


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def parse_gtf(path: Path) -> list[dict]:
    """Minimal GTF reader: 9 columns plus a dict of attributes."""
    rows = []
    with gzip.open(path, "rt") as handle:
        for fields in csv.reader(handle, delimiter="\t"):
            if fields[0].startswith("#"):
                continue
            attributes = {}
            for item in fields[8].strip().rstrip(";").split(";"):
                key, value = item.strip().split(" ", 1)
                attributes[key] = value.strip('"')
            rows.append(
                {
                    "chrom": fields[0],
                    "feature": fields[2],
                    "start": int(fields[3]),
                    "end": int(fields[4]),
                    "strand": fields[6],
                    "frame": fields[7],
                    **attributes,
                }
            )
    return rows


def transcripts_of(rows: list[dict]) -> dict[str, dict]:
    """transcript_id -> {'exons': [...], 'cds': [...], 'start_codon', 'stop_codon', ...}."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if "transcript_id" not in row:
            continue
        tx = out[row["transcript_id"]]
        tx["gene_id"], tx["strand"], tx["chrom"] = row["gene_id"], row["strand"], row["chrom"]
        tx["biotype"] = row["gene_biotype"]
        tx[row["feature"]].append((row["start"], row["end"]))
    return out


def strand_sequence(fasta: pysam.FastaFile, chrom: str, intervals, strand: str) -> str:
    """Concatenate 1-based closed intervals in transcription order, on the given strand."""
    ordered = sorted(intervals, reverse=(strand == "-"))
    pieces = [fasta.fetch(chrom, s - 1, e).upper() for s, e in ordered]
    if strand == "-":
        pieces = [p.translate(COMPLEMENT)[::-1] for p in pieces]
    return "".join(pieces)


def representative_tss(transcripts: dict[str, dict]) -> dict[str, int]:
    """The paper's rule re-implemented from the GTF: longest ORF, 5'UTR, 3'UTR -> 0-based TSS."""
    best: dict[str, tuple] = {}
    for tx in transcripts.values():
        exons = tx["exon"]
        orf = sum(e - s + 1 for s, e in tx["CDS"]) + (3 if tx["stop_codon"] else 0)
        utr5 = sum(e - s + 1 for s, e in tx["five_prime_utr"])
        utr3 = sum(e - s + 1 for s, e in tx["three_prime_utr"])
        tss = min(s for s, _ in exons) - 1 if tx["strand"] == "+" else max(e for _, e in exons) - 1
        key = (orf, utr5, utr3)
        if tx["gene_id"] not in best or key > best[tx["gene_id"]][0]:
            best[tx["gene_id"]] = (key, tss)
    return {gene: value[1] for gene, value in best.items()}


def truth(root: Path, species: str) -> pd.DataFrame:
    return pd.read_csv(root / "truth" / f"{species}_genes.tsv", sep="\t", index_col="gene_id")


# ------------------------------------------------------------------ config and determinism
def test_config_rejects_unknown_keys_and_bad_fractions():
    with pytest.raises(ValueError, match="unknown"):
        resolve_config({"genes_per_speces": 10})
    with pytest.raises(ValueError):
        resolve_config({"tss_offset_fraction": 1.5})
    assert set(TINY_CONFIG) == set(DEFAULT_CONFIG)
    assert TINY_CONFIG["genes_per_species"] < DEFAULT_CONFIG["genes_per_species"]


def test_same_seed_gives_identical_bytes(tiny, tmp_path):
    again = tmp_path / "again"
    simulate(again, TINY_CONFIG, seed=SEED)
    first, second = _digests(tiny), _digests(again)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert not [p for p in again.rglob("*.tmp")], "temporary files left behind"


def test_different_seed_changes_data(tiny, tmp_path):
    other = tmp_path / "other"
    simulate(other, TINY_CONFIG, seed=SEED + 1)
    first, second = _digests(tiny), _digests(other)
    for name in ("human/genome.fa", "human/57epigenomes.RPKM.pc.gz", "mouse/annotation.gtf.gz"):
        assert first[name] != second[name]


def test_command_line_entry(tmp_path):
    assert demo_main([str(tmp_path / "cli"), "--seed", "3", "--tiny"]) == 0
    assert (tmp_path / "cli" / "human" / "genome.fa.fai").exists()
    assert (tmp_path / "cli" / "truth" / "ceilings.tsv").exists()


def test_expected_files_written(tiny):
    expected = [
        "human/genome.fa",
        "human/genome.fa.fai",
        "human/annotation.gtf.gz",
        "human/cage_peaks.bed",
        "human/57epigenomes.RPKM.pc.gz",
        "human/hgnc_complete_set.txt",
        "human/mart_orthologs.txt",
        "human/K562_half_lives.txt",
        "human/chromatin_domains_K562.bed",
        "human/chromatin_domains_GM12878.bed",
        "human/SuRE_K562_plus.bw",
        "human/SuRE_K562_minus.bw",
        "mouse/genome.fa",
        "mouse/genome.fa.fai",
        "mouse/annotation.gtf.gz",
        "mouse/cage_peaks.bed",
        "mouse/encode/metadata.tsv",
        "mouse/mESC_expression.txt",
        "mouse/MGI_Gene_Model_Coord.rpt",
        "mouse/mESC_half_lives.txt",
        "mouse/superenhancer_genes.txt",
        "mouse/polycomb_genes.txt",
        "mouse/miRNA_counts.txt",
        "mouse/targetscan_summary_counts.txt",
        "truth/human_genes.tsv",
        "truth/mouse_genes.tsv",
        "truth/ceilings.tsv",
        "truth/planted_effects.yaml",
    ]
    missing = [name for name in expected if not (tiny / name).is_file()]
    assert missing == []


# -------------------------------------------------------------------------- file formats
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_fasta_reads_with_standard_readers(tiny, species):
    path = tiny / species / "genome.fa"
    fasta = pysam.FastaFile(str(path))
    names = list(fasta.references)
    assert names[-3:] == ["X", "Y", "MT"] and names[0] == "1"
    assert not any(name.startswith("chr") for name in names)
    with_pyfaidx = pyfaidx.Fasta(str(path))
    assert sorted(with_pyfaidx.keys()) == sorted(names)
    chrom = names[0]
    assert str(with_pyfaidx[chrom][20000:20100]) == fasta.fetch(chrom, 20000, 20100)
    lines = path.read_text()[:2000].splitlines()
    assert lines[0].startswith(f">{chrom} ") and {len(line) for line in lines[1:-1]} == {60}
    start = fasta.fetch(chrom, 0, 100)
    assert set(start) == {"N"}, "chromosome ends are N runs (telomere gaps)"


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_gtf_internal_consistency(tiny, species):
    rows = parse_gtf(tiny / species / "annotation.gtf.gz")
    fasta = pysam.FastaFile(str(tiny / species / "genome.fa"))
    prefix = "ENSG" if species == "human" else "ENSMUSG"
    genes = {r["gene_id"]: r for r in rows if r["feature"] == "gene"}
    assert all(g.startswith(prefix) for g in genes)
    assert {r["gene_biotype"] for r in genes.values()} == {"protein_coding", "lincRNA"}
    assert {r["strand"] for r in genes.values()} == {"+", "-"}
    transcripts = transcripts_of(rows)
    n_coding = 0
    for tx_id, tx in transcripts.items():
        gene = genes[tx["gene_id"]]
        exons = sorted(tx["exon"])
        assert all(s <= e for s, e in exons)
        assert all(prev[1] < nxt[0] for prev, nxt in zip(exons[:-1], exons[1:], strict=True)), tx_id
        assert gene["start"] <= exons[0][0] and exons[-1][1] <= gene["end"], tx_id
        if tx["biotype"] != "protein_coding":
            assert not tx["CDS"]
            continue
        n_coding += 1
        cds = strand_sequence(fasta, tx["chrom"], tx["CDS"], tx["strand"])
        stop = strand_sequence(fasta, tx["chrom"], tx["stop_codon"], tx["strand"])
        start_codon = strand_sequence(fasta, tx["chrom"], tx["start_codon"], tx["strand"])
        assert len(cds) % 3 == 0, tx_id
        assert cds.startswith("ATG") and start_codon == "ATG", tx_id
        assert stop in {"TAA", "TAG", "TGA"}, tx_id
        codons = {cds[i : i + 3] for i in range(0, len(cds), 3)}
        assert not codons & {"TAA", "TAG", "TGA"}, f"in-frame stop inside CDS of {tx_id}"
        # The stop codon directly follows the last CDS base in the spliced transcript.
        exonic = strand_sequence(fasta, tx["chrom"], tx["exon"], tx["strand"])
        assert cds + stop in exonic
    assert n_coding > 100
    per_gene = defaultdict(int)
    for tx in transcripts.values():
        per_gene[tx["gene_id"]] += 1
    assert max(per_gene.values()) >= 3 and min(per_gene.values()) == 1


def test_gtf_marks_chry_and_histone_genes(tiny):
    rows = parse_gtf(tiny / "human" / "annotation.gtf.gz")
    genes = [r for r in rows if r["feature"] == "gene"]
    assert any(r["chrom"] == "Y" and r["gene_biotype"] == "protein_coding" for r in genes)
    histones = [r for r in genes if r["gene_name"].startswith("HIST1")]
    assert histones and all(r["chrom"] != "Y" for r in histones)
    mouse = [r for r in parse_gtf(tiny / "mouse" / "annotation.gtf.gz") if r["feature"] == "gene"]
    assert any(r["gene_name"].startswith("Hist1h") for r in mouse)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_cage_bed_is_valid_bed9(tiny, species):
    bed = pd.read_csv(tiny / species / "cage_peaks.bed", sep="\t", header=None)
    assert bed.shape[1] == 9
    assert (bed[1] < bed[2]).all()
    assert ((bed[6] >= bed[1]) & (bed[7] == bed[6] + 1) & (bed[7] <= bed[2])).all()
    assert bed[0].str.startswith("chr").all()
    names = bed[3]
    assert names.str.startswith("p1@").sum() > 100
    assert names.str.startswith("p2@").any()
    assert names.str.contains(r"^p1@[^,]+,p1@").any(), "shared peaks p1@A,p1@B"
    assert names.str.match(r"^p@chr\w+:\d+\.\.\d+,[+-]$").any(), "unannotated peaks"
    sizes = dict(
        line.split("\t")[:2] for line in (tiny / species / "genome.fa.fai").read_text().splitlines()
    )
    assert all(int(end) <= int(sizes[chrom[3:]]) for chrom, end in zip(bed[0], bed[2], strict=True))


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_p1_peak_summit_is_the_true_tss(tiny, species):
    genes = truth(tiny, species)
    bed = pd.read_csv(tiny / species / "cage_peaks.bed", sep="\t", header=None)
    summit_of = {}
    for name, summit in zip(bed[3], bed[6], strict=True):
        for part in name.split(","):
            if part.startswith("p1@"):
                summit_of[part[3:]] = summit
    with_peak = genes[genes["has_cage_peak"] & genes["cage_name"].isin(summit_of)]
    assert len(with_peak) > 0.8 * genes["has_cage_peak"].sum()
    summits = with_peak["cage_name"].map(summit_of)
    assert (summits == with_peak["true_tss"]).all()


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_annotated_tss_follows_representative_transcript_rule(tiny, species):
    genes = truth(tiny, species)
    from_gtf = representative_tss(transcripts_of(parse_gtf(tiny / species / "annotation.gtf.gz")))
    assert pd.Series(from_gtf).reindex(genes.index).equals(genes["annotated_tss"])
    strand_sign = np.where(genes["strand"] == "+", 1, -1)
    assert (
        (genes["true_tss"] - genes["annotated_tss"]) * strand_sign == genes["tss_offset_bp"]
    ).all()


@pytest.mark.parametrize("fraction", [0.0, 0.55, 0.9])
def test_fraction_of_offset_tss_is_as_configured(tmp_path, fraction):
    out = tmp_path / "offsets"
    simulate(out, {**TINY_CONFIG, "tss_offset_fraction": fraction}, seed=SEED)
    genes = truth(out, "human")
    coding = genes[(genes["biotype"] == "protein_coding") & (genes["category"] == "regular")]
    observed = float((coding["tss_offset_bp"] != 0).mean())
    tolerance = 4 * np.sqrt(max(fraction * (1 - fraction), 0.01) / len(coding))
    assert abs(observed - fraction) <= tolerance
    if fraction:
        assert coding["tss_offset_bp"].abs().max() > 300


def test_tables_parse_with_expected_headers(tiny):
    rpkm = pd.read_csv(tiny / "human" / "57epigenomes.RPKM.pc.gz", sep="\t")
    assert list(rpkm.columns) == ["gene_id", *ROADMAP_SAMPLES] and len(ROADMAP_SAMPLES) == 57
    assert (
        rpkm["gene_id"].str.match(r"^ENSG\d{11}$").all() and rpkm["gene_id"].is_monotonic_increasing
    )
    assert (rpkm.iloc[:, 1:] >= 0).all().all()
    genes = truth(tiny, "human")
    coding = set(genes.index[genes["biotype"] == "protein_coding"])
    assert set(rpkm["gene_id"]) == coding
    hgnc = pd.read_csv(tiny / "human" / "hgnc_complete_set.txt", sep="\t", dtype=str)
    for column in (
        "hgnc_id",
        "symbol",
        "locus_group",
        "alias_symbol",
        "prev_symbol",
        "ensembl_gene_id",
    ):
        assert column in hgnc.columns
    assert hgnc["prev_symbol"].fillna("").str.contains("HIST1").any()
    orthologs = pd.read_csv(tiny / "human" / "mart_orthologs.txt", sep="\t", dtype=str)
    assert list(orthologs.columns) == [
        "Gene stable ID",
        "Mouse gene stable ID",
        "Mouse homology type",
    ]
    types = orthologs["Mouse homology type"].fillna("")
    assert {"ortholog_one2one", "ortholog_one2many", ""} <= set(types)
    half = pd.read_csv(tiny / "human" / "K562_half_lives.txt", sep="\t")
    assert list(half.columns) == [
        "transcript",
        "theta_n1",
        "theta_n2",
        "half_life_rep1",
        "half_life_rep2",
        "mean_half_life",
    ]
    assert np.allclose(half["half_life_rep1"], np.log(2) / -np.log(1 - half["theta_n1"]), rtol=1e-2)
    mgi = pd.read_csv(tiny / "mouse" / "MGI_Gene_Model_Coord.rpt", sep="\t", dtype=str)
    assert mgi.columns[2] == "3. marker symbol" and mgi.columns[10] == "11. Ensembl gene id"
    mesc = pd.read_csv(tiny / "mouse" / "mESC_expression.txt", sep="\t")
    assert list(mesc.columns) == ["gene_id", "gene_name", "expression_rpkm"]
    assert list(pd.read_csv(tiny / "mouse" / "mESC_half_lives.txt", sep="\t").columns) == [
        "gene_name",
        "half_life_h",
    ]
    mirna = pd.read_csv(tiny / "mouse" / "miRNA_counts.txt", sep="\t")
    assert mirna.columns[-1] == "Embryonic_stem_cells,_Average_RPM"
    targetscan = pd.read_csv(tiny / "mouse" / "targetscan_summary_counts.txt", sep="\t")
    assert (targetscan["Cumulative weighted context++ score"] <= 0).all()
    for name in ("superenhancer_genes.txt", "polycomb_genes.txt"):
        symbols = (tiny / "mouse" / name).read_text().split("\n")
        assert symbols[-1] == "" and all(s and "\t" not in s for s in symbols[:-1])


def test_encode_metadata_represents_exclusion_criteria(tiny):
    meta = pd.read_csv(tiny / "mouse" / "encode" / "metadata.tsv", sep="\t", dtype=str).fillna("")
    assert len(meta) == TINY_CONFIG["n_encode_files"]
    audits = meta["Audit WARNING"] + "," + meta["Audit NOT_COMPLIANT"] + "," + meta["Audit ERROR"]
    for problem in (
        "low replicate concordance",
        "low read depth",
        "insufficient read depth",
        "insufficient read length",
    ):
        assert audits.str.contains(problem).any(), problem
    for treatment in ("DMS", "LPS", "β-estradiol"):
        assert meta["Biosample treatments"].str.contains(treatment).any(), treatment
    assert {"bam", "tsv"} <= set(meta["File format"]) and "mm9" in set(meta["Genome assembly"])
    assert "2" in set(meta["Biological replicate(s)"])
    assert set(meta["Assay"]) - {"polyA plus RNA-seq", "total RNA-seq"}
    for accession, file_format in zip(meta["File accession"], meta["File format"], strict=True):
        path = tiny / "mouse" / "encode" / f"{accession}.tsv"
        assert path.exists() == (file_format == "tsv")
    first = meta.loc[meta["File format"] == "tsv", "File accession"].iloc[0]
    rsem = pd.read_csv(tiny / "mouse" / "encode" / f"{first}.tsv", sep="\t")
    assert rsem.columns[:7].tolist() == [
        "gene_id",
        "transcript_id(s)",
        "length",
        "effective_length",
        "expected_count",
        "TPM",
        "FPKM",
    ]
    assert rsem["gene_id"].str.startswith("gSpikein_ERCC-").any()
    genes = rsem.loc[rsem["gene_id"].str.startswith("ENSMUSG"), "gene_id"]
    assert genes.str.match(r"^ENSMUSG\d{11}\.\d+$").all()
    assert abs(rsem["TPM"].sum() - 1e6) < 1e3


def test_bigwigs_and_domains(tiny):
    genes = truth(tiny, "human")
    for strand, label in (("+", "plus"), ("-", "minus")):
        bw = pyBigWig.open(str(tiny / "human" / f"SuRE_K562_{label}.bw"))
        assert bw.isBigWig() and "chr1" in bw.chroms()
        sample = genes[(genes["strand"] == strand) & ~genes["is_nested_lincrna"]].iloc[0]
        value = bw.stats(
            f"chr{sample['chrom']}", int(sample["true_tss"]) - 500, int(sample["true_tss"]) + 500
        )[0]
        assert value is not None and value > 0
        bw.close()
    for cell in ("K562", "GM12878"):
        bed = pd.read_csv(tiny / "human" / f"chromatin_domains_{cell}.bed", sep="\t", header=None)
        assert bed.shape[1] == 4 and (bed[1] < bed[2]).all() and bed[0].str.startswith("chr").all()
        assert set(bed[3]) == {"stretch_enhancer", "H3K27me3"}


def test_ceilings_match_truth_and_written_labels(tiny):
    ceilings = pd.read_csv(tiny / "truth" / "ceilings.tsv", sep="\t", index_col="dataset")
    assert set(ceilings.index) == {"human", "mouse", "k562", "gm12878", "mesc"}
    genes = truth(tiny, "human")
    rpkm = pd.read_csv(tiny / "human" / "57epigenomes.RPKM.pc.gz", sep="\t", index_col=0)
    label = np.log10(rpkm + 0.1).median(axis=1)
    keep = genes.loc[label.index, "passes_paper_filters"]
    signal = genes.loc[label.index, "signal_log10"][keep]
    expected = np.var(signal) / np.var(label[keep])
    assert ceilings.at["human", "r2_ceiling"] == pytest.approx(expected, abs=2e-3)
    assert ceilings.at["human", "n_genes"] == keep.sum()
    assert (ceilings["r2_ceiling"] > 0.3).all() and (ceilings["r2_ceiling"] < 0.95).all()


def test_human_symbols_do_not_run_out_for_human_sized_genomes():
    """30 families x 399 numbers hold ~12,000 symbols; a human-sized demo needs more.

    Run in a subprocess so that a symbol space that runs out (an endless draw) fails the test
    instead of hanging the suite.
    """
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from xpressoflow.demo.names import human_symbols\n"
        "print(len(set(human_symbols(np.random.default_rng(0), 25_000, set()))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "25000"
