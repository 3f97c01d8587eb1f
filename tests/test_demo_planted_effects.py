"""The demo data carry the planted biology: checks computed from the written files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pysam
import pytest
import statsmodels.api as sm
from scipy import stats

from xpressoflow.demo import TINY_CONFIG, simulate

COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")
MOTIF_WINDOWS = {  # consensus -> window relative to the TSS (from the simulator's design)
    "GGGGCGGGG": (-150, 50),
    "GCGCATGCGC": (-150, 50),
    "CCGGAAGT": (-150, 50),
    "CCAATCAG": (-120, -40),
    "TATAAAAG": (-35, -20),
}
STATS_CONFIG = {
    **TINY_CONFIG,
    "genes_per_species": 700,
    "n_autosomes_human": 3,
    "n_autosomes_mouse": 3,
    "n_encode_files": 20,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stats") / "demo"
    simulate(out, STATS_CONFIG, seed=11)
    return out


def _truth(root: Path, species: str) -> pd.DataFrame:
    return pd.read_csv(root / "truth" / f"{species}_genes.tsv", sep="\t", index_col="gene_id")


def _log(values):
    return np.log10(np.asarray(values, dtype=float) + 0.1)


def _human_matrix(root: Path) -> pd.DataFrame:
    rpkm = pd.read_csv(root / "human" / "57epigenomes.RPKM.pc.gz", sep="\t", index_col=0)
    return np.log10(rpkm + 0.1)


def _filtered(genes: pd.DataFrame) -> pd.DataFrame:
    return genes[genes["passes_paper_filters"]]


def _window(fasta: pysam.FastaFile, chrom: str, tss: int, strand: str, lo: int, hi: int) -> str:
    if strand == "+":
        return fasta.fetch(chrom, tss + lo, tss + hi).upper()
    return fasta.fetch(chrom, tss - hi + 1, tss - lo + 1).upper().translate(COMPLEMENT)[::-1]


def _promoter_features(fasta, genes: pd.DataFrame, tss_column: str) -> pd.DataFrame:
    rows = []
    for chrom, tss, strand in zip(genes["chrom"], genes[tss_column], genes["strand"], strict=True):
        cpg = _window(fasta, str(chrom), int(tss), strand, -500, 500).count("CG") / 1000
        motifs = {
            m: _window(fasta, str(chrom), int(tss), strand, *w).count(m)
            for m, w in MOTIF_WINDOWS.items()
        }
        rows.append({"cpg": cpg, **motifs})
    return pd.DataFrame(rows, index=genes.index)


def _ols_r2(features: pd.DataFrame, label: pd.Series):
    return sm.OLS(label.to_numpy(), sm.add_constant(features.to_numpy())).fit()


def _encode_median(root: Path) -> pd.Series:
    """The paper's ENCODE selection, implemented independently of the simulator."""
    meta = pd.read_csv(root / "mouse" / "encode" / "metadata.tsv", sep="\t", dtype=str).fillna("")
    audits = meta["Audit WARNING"] + meta["Audit NOT_COMPLIANT"] + meta["Audit ERROR"]
    bad = (
        "low replicate concordance|low read depth|insufficient read depth|insufficient read length"
    )
    keep = (
        meta["Assay"].isin(["polyA plus RNA-seq", "total RNA-seq"])
        & (meta["Genome assembly"] == "mm10")
        & (meta["File format"] == "tsv")
        & ~meta["Biosample treatments"].str.contains("DMS|LPS|β-estradiol")
        & ~audits.str.contains(bad)
        & (meta["Biological replicate(s)"] == "1")
    )
    columns = {}
    for accession in meta.loc[keep, "File accession"]:
        rsem = pd.read_csv(root / "mouse" / "encode" / f"{accession}.tsv", sep="\t")
        rsem = rsem[rsem["gene_id"].str.startswith("ENSMUSG")]
        columns[accession] = pd.Series(
            _log(rsem["FPKM"]), index=rsem["gene_id"].str.split(".").str[0]
        )
    return pd.DataFrame(columns).median(axis=1)


def test_cpg_density_at_true_tss_predicts_expression(demo):
    for species in ("human", "mouse"):
        genes = _filtered(_truth(demo, species))
        fasta = pysam.FastaFile(str(demo / species / "genome.fa"))
        features = _promoter_features(fasta, genes, "true_tss")
        rho, p_value = stats.spearmanr(features["cpg"], genes["observed_median_log10"])
        assert rho > 0.3 and p_value < 1e-6, species


def test_motif_sites_raise_expression_beyond_cpg(demo):
    genes = _filtered(_truth(demo, "human"))
    fasta = pysam.FastaFile(str(demo / "human" / "genome.fa"))
    features = _promoter_features(fasta, genes, "true_tss")
    summary = pd.DataFrame(
        {"cpg": features["cpg"], "motif_sites": features[list(MOTIF_WINDOWS)].sum(axis=1)}
    )
    fit = _ols_r2(summary, genes["observed_median_log10"])
    assert fit.params[2] > 0 and fit.pvalues[2] < 1e-4


def test_recentring_on_cage_tss_improves_promoter_model(demo):
    """Promoter features measured at the true (CAGE) TSS explain more than at the annotation."""
    genes = _filtered(_truth(demo, "human"))
    fasta = pysam.FastaFile(str(demo / "human" / "genome.fa"))
    label = genes["observed_median_log10"]
    r2_true = _ols_r2(_promoter_features(fasta, genes, "true_tss"), label).rsquared
    r2_annotated = _ols_r2(_promoter_features(fasta, genes, "annotated_tss"), label).rsquared
    assert r2_true > r2_annotated + 0.02


def test_half_life_features_explain_some_variance(demo):
    genes = _filtered(_truth(demo, "human"))
    columns = [
        "utr5_len_bp",
        "orf_len_bp",
        "intron_len_bp",
        "utr3_len_bp",
        "utr5_gc",
        "orf_gc",
        "utr3_gc",
        "orf_exon_junction_density_per_kb",
    ]
    features = genes[columns].copy()
    for column in columns[:4]:
        features[column] = _log(features[column])
    r2 = _ols_r2(features, genes["observed_median_log10"]).rsquared
    assert 0.05 < r2 < 0.45


def test_one_to_one_orthologs_are_correlated(demo):
    human = _truth(demo, "human")
    mart = pd.read_csv(demo / "human" / "mart_orthologs.txt", sep="\t", dtype=str).dropna()
    pairs = mart[mart["Mouse homology type"] == "ortholog_one2one"]
    pairs = pairs[pairs["Gene stable ID"].isin(_filtered(human).index)]
    mouse_median = _encode_median(demo)
    rho, _ = stats.spearmanr(
        human.loc[pairs["Gene stable ID"], "observed_median_log10"],
        mouse_median.reindex(pairs["Mouse gene stable ID"]),
    )
    assert rho > 0.5


def test_pairwise_sample_spearman_is_realistic(demo):
    matrix = _human_matrix(demo)
    corr = matrix.rank().corr().to_numpy()
    mean = corr[np.triu_indices_from(corr, k=1)].mean()
    assert 0.70 <= mean <= 0.85
    assert corr.min() < mean - 0.03, "cell-type groups give visible structure"


def test_chry_genes_are_bimodal_and_histones_noisy(demo):
    genes = _truth(demo, "human")
    matrix = _human_matrix(demo)
    chry = matrix.loc[genes.index[(genes["chrom"] == "Y") & (genes["biotype"] == "protein_coding")]]
    # Per sample, the fraction of chrY genes at RPKM ~ 0: ~1 in female samples, ~0 in male
    # ones, so samples split into two groups (sex), not a continuum.
    silent_fraction = (chry < -0.9).mean(axis=0)
    female, male = silent_fraction > 0.75, silent_fraction < 0.25
    assert (female | male).sum() >= 55 and female.sum() >= 10 and male.sum() >= 10
    regular = matrix.loc[_filtered(genes).index]
    histone = matrix.loc[genes.index[genes["category"] == "histone"]]
    assert histone.std(axis=1).median() > 1.5 * regular.std(axis=1).median()


def _domain_genes(root: Path, genes: pd.DataFrame, cell: str) -> dict[str, set]:
    bed = pd.read_csv(root / "human" / f"chromatin_domains_{cell}.bed", sep="\t", header=None)
    found: dict[str, set] = {"stretch_enhancer": set(), "H3K27me3": set()}
    for chrom, start, end, kind in bed.itertuples(index=False):
        inside = genes[
            ("chr" + genes["chrom"].astype(str) == chrom)
            & (genes["true_tss"] >= start)
            & (genes["true_tss"] < end)
        ]
        found[kind].update(inside.index)
    return found


def test_k562_domains_shift_k562_expression(demo):
    genes = _filtered(_truth(demo, "human"))
    matrix = _human_matrix(demo).loc[genes.index]
    residual = matrix["E123"] - matrix.drop(columns="E123").median(axis=1)
    domains = _domain_genes(demo, genes, "K562")
    in_se = residual.index.isin(sorted(domains["stretch_enhancer"]))
    in_k27 = residual.index.isin(sorted(domains["H3K27me3"]))
    assert in_se.sum() >= 10 and in_k27.sum() >= 10
    other = residual[~in_se & ~in_k27]
    assert stats.mannwhitneyu(residual[in_se], other, alternative="greater").pvalue < 1e-4
    assert stats.mannwhitneyu(residual[in_k27], other, alternative="less").pvalue < 1e-4
    gm_residual = matrix["E116"] - matrix.drop(columns="E116").median(axis=1)
    assert stats.mannwhitneyu(gm_residual[in_se], gm_residual[~in_se]).pvalue > 1e-3


def test_k562_half_lives_track_k562_residual(demo):
    genes = _filtered(_truth(demo, "human"))
    matrix = _human_matrix(demo).loc[genes.index]
    residual = matrix["E123"] - matrix.drop(columns="E123").median(axis=1)
    half = pd.read_csv(demo / "human" / "K562_half_lives.txt", sep="\t")
    by_symbol = pd.Series(residual.to_numpy(), index=genes["gene_name"])
    shared = half[half["transcript"].isin(by_symbol.index)]
    rho, p_value = stats.spearmanr(
        np.log10(shared["mean_half_life"]), by_symbol.loc[shared["transcript"]]
    )
    assert rho > 0.1 and p_value < 1e-3


def test_mirna_targets_of_the_top_esc_family_are_lower_in_mesc(demo):
    counts = pd.read_csv(demo / "mouse" / "miRNA_counts.txt", sep="\t")
    top_seed = counts.groupby("miRNA_seed")["Embryonic_stem_cells,_Average_RPM"].sum().idxmax()
    assert top_seed == "AAGTGCT"
    members = set(counts.loc[counts["miRNA_seed"] == top_seed, "miRNA_ID"])
    targetscan = pd.read_csv(demo / "mouse" / "targetscan_summary_counts.txt", sep="\t")
    family = targetscan[targetscan["Representative miRNA"].isin(members)]
    genes = _filtered(_truth(demo, "mouse"))
    mesc = pd.read_csv(demo / "mouse" / "mESC_expression.txt", sep="\t", index_col="gene_id")
    residual = (
        _log(mesc.loc[genes.index, "expression_rpkm"]) - _encode_median(demo).loc[genes.index]
    )
    by_symbol = pd.Series(residual.to_numpy(), index=genes["gene_name"])
    is_target = by_symbol.index.isin(family["Gene Symbol"])
    assert is_target.sum() >= 20
    assert (
        stats.mannwhitneyu(by_symbol[is_target], by_symbol[~is_target], alternative="less").pvalue
        < 1e-3
    )
    cwcs = family.set_index("Gene Symbol")["Cumulative weighted context++ score"]
    targets = by_symbol[is_target]
    rho, _ = stats.spearmanr(cwcs.loc[targets.index], targets)
    assert rho > 0  # more negative score, stronger repression


def test_mesc_superenhancer_and_polycomb_genes(demo):
    genes = _filtered(_truth(demo, "mouse"))
    mesc = pd.read_csv(demo / "mouse" / "mESC_expression.txt", sep="\t", index_col="gene_id")
    residual = (
        _log(mesc.loc[genes.index, "expression_rpkm"]) - _encode_median(demo).loc[genes.index]
    )
    by_symbol = pd.Series(residual.to_numpy(), index=genes["gene_name"])
    for name, alternative in (
        ("superenhancer_genes.txt", "greater"),
        ("polycomb_genes.txt", "less"),
    ):
        listed = set((demo / "mouse" / name).read_text().split())
        in_list = by_symbol.index.isin(sorted(listed))
        test = stats.mannwhitneyu(by_symbol[in_list], by_symbol[~in_list], alternative=alternative)
        assert test.pvalue < 1e-3, name


def test_sure_activity_tracks_promoter_strength(demo):
    genes = _filtered(_truth(demo, "human"))
    plus = pyBigWig.open(str(demo / "human" / "SuRE_K562_plus.bw"))
    minus = pyBigWig.open(str(demo / "human" / "SuRE_K562_minus.bw"))
    activity = []
    for chrom, tss, strand in zip(genes["chrom"], genes["true_tss"], genes["strand"], strict=True):
        handle = plus if strand == "+" else minus
        activity.append(handle.stats(f"chr{chrom}", int(tss) - 500, int(tss) + 500)[0] or 0.0)
    rho, _ = stats.spearmanr(activity, genes["observed_median_log10"])
    assert rho > 0.3


def test_planted_input_features_give_the_median_signal_with_the_planted_weights(demo):
    """The median signal is the planted affine function of planted_input_features (the columns
    the demo's regression reference fits), read back from the written truth table."""
    from xpressoflow.demo import planted
    from xpressoflow.demo.expression import planted_input_features

    for species in ("human", "mouse"):
        genes = _truth(demo, species)
        coding = genes[genes["biotype"] == "protein_coding"]
        features = planted_input_features(coding)
        weights = {"cpg_density": planted.CPG_WEIGHT_LOG10_PER_CPG_PER_BP}
        offset = -planted.CPG_WEIGHT_LOG10_PER_CPG_PER_BP * planted.CPG_CENTER_PER_BP
        for motif in planted.MOTIFS:
            weights[f"{motif.name}_sites"] = motif.weight_log10_per_site
        for name, _, center, scale, weight in planted.HALF_LIFE_FEATURES:
            weights[name] = weight / scale
            offset -= weight * center / scale
        assert list(features.columns) == list(weights), species
        rebuilt = features.to_numpy() @ np.array(list(weights.values())) + offset
        expected = coding["signal_log10"] - coding["intercept"]
        # the truth table stores 6 significant digits
        np.testing.assert_allclose(rebuilt, expected, atol=2e-4, err_msg=species)


def test_planted_input_features_cap_sites_and_fill_missing_half_life_features():
    from xpressoflow.demo import planted
    from xpressoflow.demo.expression import planted_input_features

    gene = {"cpg_density": 0.07}
    for motif in planted.MOTIFS:
        gene[f"motif_{motif.name}_count"] = motif.max_sites_counted + 2
    for name, *_ in planted.HALF_LIFE_FEATURES:
        gene[name] = np.nan
    features = planted_input_features(pd.DataFrame([gene], index=["G1"])).loc["G1"]
    for motif in planted.MOTIFS:
        assert features[f"{motif.name}_sites"] == motif.max_sites_counted
    for name, _, center, _, _ in planted.HALF_LIFE_FEATURES:
        assert features[name] == center
    assert features["cpg_density"] == 0.07
