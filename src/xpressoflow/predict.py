"""Score promoter sequences with a trained Xpresso model (ours or the published ones).

Sequences come from a FASTA file (one record per promoter) or from BED6 windows cut out of a
genome FASTA. They are read in batches and kept as uint8 codes (A=0, C=1, G=2, T=3, N=4);
only the batch being predicted is expanded to float32 one-hot, so memory stays flat however
many promoters are scored.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np
import pandas as pd
import pysam

from xpressoflow.bed import read_bed6
from xpressoflow.io import atomic_write
from xpressoflow.model import PAPER_WINDOW_BP, crop_window, window_from_model_name
from xpressoflow.sequence import N_CODE, encode_bases, one_hot, reverse_complement_codes

log = logging.getLogger(__name__)



class ModelInputs:
    """What a loaded model expects: promoter length and number of half-life features.

    Inputs are told apart by rank (promoter (L, 4), half-life (n,)), so models whose inputs
    carry other names still work; `order` is the position of each in `model.inputs`.
    """

    def __init__(self, model):
        self.promoter_bp: int | None = None
        self.n_half_life: int = 0
        self.order: list[str] = []
        for tensor in model.inputs:
            shape = tuple(tensor.shape)
            if len(shape) == 3:
                self.promoter_bp = int(shape[1])
                self.order.append("promoter")
            else:
                self.n_half_life = int(shape[1])
                self.order.append("half_life")
        if self.promoter_bp is None:
            raise ValueError(f"model {model.name!r} has no promoter input: nothing to score")


def load_model(path: str | os.PathLike):
    """Load a model saved by us (.keras) or the published Keras 2 HDF5 files, uncompiled."""
    import keras

    with warnings.catch_warnings():
        # Keras 2 HDF5 configs carry `input_shape` on the first conv layer; Keras 3 warns about
        # it on every load although the model is rebuilt correctly.
        warnings.filterwarnings("ignore", message="Do not pass an `input_shape`")
        return keras.models.load_model(str(path), compile=False)


def promoter_window_of(model) -> tuple[int, int]:
    """(upstream_bp, downstream_bp) of a model's promoter input.

    Our models carry it in their name (see model.model_name); a nameless 10.5 kb model is
    taken to be the published one (TSS-7000..TSS+3500).
    """
    window = window_from_model_name(model.name)
    if window is not None:
        return window
    if ModelInputs(model).promoter_bp == PAPER_WINDOW_BP[1] - PAPER_WINDOW_BP[0]:
        return PAPER_WINDOW_BP
    raise ValueError(f"cannot tell the promoter window of model {model.name!r}; "
                     "pass upstream_bp/downstream_bp explicitly")


# --------------------------------------------------------------------------- sequences


def fit_to_length(codes: np.ndarray, length_bp: int) -> np.ndarray:
    """Centre `codes` on `length_bp` positions: crop both ends, or pad both ends with N.

    When the difference is odd, the extra base is cropped from / padded at the 3' end.
    """
    excess = len(codes) - length_bp
    if excess >= 0:
        return codes[excess // 2 : excess // 2 + length_bp]
    fitted = np.full(length_bp, N_CODE, dtype=np.uint8)
    left = -excess // 2
    fitted[left : left + len(codes)] = codes
    return fitted


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def iter_fasta_batches(fasta_path: str | os.PathLike, length_bp: int, batch_size: int = 256,
                       center: bool = False) -> Iterator[tuple[list[str], np.ndarray]]:
    """Yield (ids, (batch, length_bp) codes) from a FASTA of promoter sequences.

    Records must be exactly `length_bp` long; with `center=True` other lengths are cropped or
    N-padded around their centre and one warning reports how many were changed.
    """
    changed = 0
    with pysam.FastxFile(str(fasta_path)) as records:
        for batch in _batched(records, batch_size):
            codes = np.empty((len(batch), length_bp), dtype=np.uint8)
            for row, record in enumerate(batch):
                sequence = encode_bases(record.sequence)
                if len(sequence) != length_bp:
                    if not center:
                        raise ValueError(
                            f"{fasta_path}: record {record.name!r} has {len(sequence)} bp but "
                            f"the model takes {length_bp} bp (use center=True to crop/pad)")
                    changed += 1
                    sequence = fit_to_length(sequence, length_bp)
                codes[row] = sequence
            yield [record.name for record in batch], codes
    if changed:
        warnings.warn(f"{fasta_path}: {changed} records were cropped or N-padded around their "
                      f"centre to {length_bp} bp", stacklevel=2)


def fetch_window(genome: pysam.FastaFile, chrom: str, start: int, end: int,
                 strand: str) -> np.ndarray:
    """Codes of genome[start:end) on `strand` (reverse complement on '-'), N past the ends."""
    if chrom not in genome.references:
        raise KeyError(f"chromosome {chrom!r} is not in the genome FASTA {genome.filename!r}")
    codes = np.full(end - start, N_CODE, dtype=np.uint8)
    lo, hi = max(start, 0), min(end, genome.get_reference_length(chrom))
    if hi > lo:
        codes[lo - start : hi - start] = encode_bases(genome.fetch(chrom, lo, hi))
    return reverse_complement_codes(codes) if strand == "-" else codes


def iter_bed_batches(bed: pd.DataFrame, genome_fasta: str | os.PathLike, length_bp: int,
                     window: tuple[int, int], flank_bp: int | None = None,
                     batch_size: int = 256) -> Iterator[tuple[list[str], np.ndarray]]:
    """Yield (ids, codes) for BED6 windows cut from a genome FASTA, strand-aware.

    Without `flank_bp` every window must be the model's length. With it, each window is a
    TSS-centred ±flank_bp window (TSS at strand-oriented index flank_bp, the authors' 20 kb
    windows for flank_bp=10000) and the model's `window` (upstream, downstream) is cut out.
    """
    with pysam.FastaFile(str(genome_fasta)) as genome:
        for first in range(0, len(bed), batch_size):
            rows = bed.iloc[first : first + batch_size]
            codes = np.empty((len(rows), length_bp), dtype=np.uint8)
            for out, row in enumerate(rows.itertuples(index=False)):
                sequence = fetch_window(genome, row.chrom, row.start, row.end, row.strand)
                if flank_bp is not None:
                    sequence = crop_window(sequence, flank_bp, *window)
                if len(sequence) != length_bp:
                    raise ValueError(
                        f"BED window {row.name} ({row.chrom}:{row.start}-{row.end}) gives "
                        f"{len(sequence)} bp, the model takes {length_bp} bp; give flank_bp "
                        "for TSS-centred windows")
                codes[out] = sequence
            yield rows["name"].tolist(), codes


# --------------------------------------------------------------------------- half-life


def read_half_life_table(path: str | os.PathLike) -> pd.DataFrame:
    """Half-life features by gene: TSV, first column the id, the others the features."""
    table = pd.read_csv(path, sep="\t", index_col=0)
    table.index = table.index.astype(str)
    if table.index.duplicated().any():
        raise ValueError(f"{path}: duplicate ids, e.g. "
                         f"{table.index[table.index.duplicated()][0]!r}")
    return table.astype(np.float32)


def half_life_batch(ids: list[str], table: pd.DataFrame | None, n_features: int) -> np.ndarray:
    """(batch, n_features) features for `ids`; genes absent from the table get zeros.

    Features are z-scores, so zeros describe an average gene.
    """
    if table is None:
        return np.zeros((len(ids), n_features), dtype=np.float32)
    return table.reindex(ids).fillna(0.0).to_numpy(dtype=np.float32)


def _check_half_life_table(table: pd.DataFrame | None, inputs: ModelInputs) -> None:
    if table is None:
        return
    if inputs.n_half_life == 0:
        raise ValueError("a half-life table was given but the model has no half-life input")
    if table.shape[1] != inputs.n_half_life:
        raise ValueError(f"the half-life table has {table.shape[1]} feature columns but the "
                         f"model takes {inputs.n_half_life}")


# --------------------------------------------------------------------------- prediction


def predict_batches(model, batches: Iterable[tuple[list[str], np.ndarray]],
                    half_life: pd.DataFrame | None = None) -> pd.DataFrame:
    """Predict every (ids, codes) batch; one-hot exists for one batch at a time only."""
    inputs = ModelInputs(model)
    _check_half_life_table(half_life, inputs)
    all_ids, predictions = [], []
    for ids, codes in batches:
        features = {"promoter": one_hot(codes),
                    "half_life": half_life_batch(ids, half_life, inputs.n_half_life)}
        # predict_on_batch skips predict()'s per-call dataset set-up, which dominates small runs.
        output = model.predict_on_batch([features[name] for name in inputs.order])
        all_ids.extend(ids)
        predictions.append(np.asarray(output, dtype=np.float64).reshape(-1))
    values = np.concatenate(predictions) if predictions else np.empty(0)
    return pd.DataFrame({"id": all_ids, "prediction": values})


def _as_model(model_or_path):
    if isinstance(model_or_path, str | os.PathLike):
        return load_model(model_or_path)
    return model_or_path


def _as_half_life_table(table_or_path):
    if table_or_path is None or isinstance(table_or_path, pd.DataFrame):
        return table_or_path
    return read_half_life_table(table_or_path)


def score_fasta(model_or_path, fasta_path: str | os.PathLike, half_life=None,
                center: bool = False, batch_size: int = 256) -> pd.DataFrame:
    """Predictions (id, prediction) for the promoter sequences of a FASTA file.

    `half_life`: a table (DataFrame or TSV path, ids as index) or None for zeros.
    """
    model = _as_model(model_or_path)
    length_bp = ModelInputs(model).promoter_bp
    batches = iter_fasta_batches(fasta_path, length_bp, batch_size, center=center)
    return predict_batches(model, batches, _as_half_life_table(half_life))


def score_bed(model_or_path, bed, genome_fasta: str | os.PathLike, half_life=None,
              flank_bp: int | None = None, window: tuple[int, int] | None = None,
              batch_size: int = 256) -> pd.DataFrame:
    """Predictions (id = BED name, prediction) for BED6 windows of a genome FASTA.

    `bed`: a path or a DataFrame with the BED6 columns. `flank_bp`: the windows are ±flank_bp
    around the TSS and the model's window is cropped from them; `window` overrides the
    model's (upstream_bp, downstream_bp).
    """
    model = _as_model(model_or_path)
    bed = bed if isinstance(bed, pd.DataFrame) else read_bed6(bed)
    length_bp = ModelInputs(model).promoter_bp
    window = window if window is not None else (
        promoter_window_of(model) if flank_bp is not None else None)
    batches = iter_bed_batches(bed, genome_fasta, length_bp, window, flank_bp, batch_size)
    return predict_batches(model, batches, _as_half_life_table(half_life))


def write_predictions(predictions: pd.DataFrame, path: str | os.PathLike) -> None:
    """TSV with columns id, prediction (atomic: a failed run leaves no partial file)."""
    with atomic_write(path) as handle:
        predictions.to_csv(handle, sep="\t", index=False)


__all__ = [
    "ModelInputs", "fetch_window", "fit_to_length", "half_life_batch", "iter_bed_batches",
    "iter_fasta_batches", "load_model", "predict_batches", "promoter_window_of",
    "read_bed6", "read_half_life_table", "score_bed", "score_fasta", "write_predictions",
]
