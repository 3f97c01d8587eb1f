"""Hand-made annotation and genome shared by the data-preparation tests."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "data"
HAND_GTF = FIXTURES / "hand_annotation.gtf"


def hand_genome_sequence() -> dict[str, str]:
    """chr 1 (200 bp) of A with G/C placed so every G/C fraction is easy to count by hand:
    0-based 10-14 GGGGG (5'UTR of G1), 20-23 CCCC (ORF of G1), 70-72 GCG (3'UTR of G1),
    150-169 the minus-strand gene G2: ACGTACGTAC GGGGGTTTTT."""
    chrom1 = ["A"] * 200
    chrom1[10:15] = "GGGGG"
    chrom1[20:24] = "CCCC"
    chrom1[70:73] = "GCG"
    chrom1[150:170] = "ACGTACGTACGGGGGTTTTT"
    return {"1": "".join(chrom1), "Y": "ACGT" * 10}


def write_fasta(path: Path, contigs: dict[str, str], width: int = 60) -> Path:
    with open(path, "w") as handle:
        for name, seq in contigs.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), width):
                handle.write(seq[i : i + width] + "\n")
    return path
