"""Xpresso network: one builder for every architecture of the paper's search space (Table 1).

A hyperparameter dict (`hparams`) describes a model:

    {
        "upstream_bp": -7000,          # window start relative to the TSS (0-based, inclusive)
        "downstream_bp": 3500,         # window end relative to the TSS (exclusive)
        "conv_blocks": [               # 1-4 [Conv1D -> MaxPooling1D] blocks
            {"filters": 128, "kernel_size": 6, "dilation": 1, "pool_size": 30},
            ...
        ],
        "dense_layers": [              # 1-2 [Dense -> ReLU -> Dropout] layers
            {"units": 64, "dropout": 0.00099},
            ...
        ],
        "batch_size": 128,             # used by training, not by the network
        "padding": "same",             # convolution padding; "same" as in the authors' code
        "use_promoter": True,          # False: half-life-only model
        "use_half_life": True,         # False: promoter-only model
    }

The layer order follows the authors' script (github vagarwal87/Xpresso, Fig1_S2/Xpresso.py):
conv blocks, flatten, concatenate the half-life features, then Dense, a separate ReLU
Activation and Dropout per dense layer, and a linear output neuron. Keeping that order means
the published weights load into a model built here layer for layer.
"""

from __future__ import annotations

import copy
import re
from typing import Any

# Names of the two inputs, as in the published models, so data can be fed as a dict.
PROMOTER_INPUT = "promoter"
HALF_LIFE_INPUT = "halflife"

# The window of the published models: columns 3000:13500 of the authors' ±10 kb one-hot.
PAPER_WINDOW_BP = (-7000, 3500)

# Best architecture found by TPE (Table 1, Figure S2A). The dropout rates are the exact values
# stored in the published human model; Table 1 prints them rounded (0.00099 / 0.01546).
PAPER_BEST: dict[str, Any] = {
    "upstream_bp": -7000,
    "downstream_bp": 3500,
    "conv_blocks": [
        {"filters": 128, "kernel_size": 6, "dilation": 1, "pool_size": 30},
        {"filters": 32, "kernel_size": 9, "dilation": 1, "pool_size": 10},
    ],
    "dense_layers": [
        {"units": 64, "dropout": 0.000992864149624538},
        {"units": 2, "dropout": 0.015461061523035332},
    ],
    "batch_size": 128,
    "padding": "same",
    "use_promoter": True,
    "use_half_life": True,
}

# Best manually designed architecture (Table 1; Basset-inspired, ±1.5 kb).
MANUAL: dict[str, Any] = {
    "upstream_bp": -1500,
    "downstream_bp": 1500,
    "conv_blocks": [
        {"filters": 64, "kernel_size": 5, "dilation": 1, "pool_size": 10},
        {"filters": 64, "kernel_size": 5, "dilation": 1, "pool_size": 20},
    ],
    "dense_layers": [{"units": 100, "dropout": 0.5}],
    "batch_size": 64,
    "padding": "same",
    "use_promoter": True,
    "use_half_life": True,
}

NAMED_ARCHITECTURES = {"paper_best": PAPER_BEST, "manual": MANUAL}

# Table 1 ranges. Each is (low, high, step) for hp.quniform; exponents for powers of two.
MAX_CONV_BLOCKS = 4
MAX_DENSE_LAYERS = 2
_BATCH_SIZE_EXPONENT = (5, 7, 1)
_UPSTREAM_BP = (-10000, 0, 500)
_DOWNSTREAM_BP = (0, 10000, 500)
_FILTERS_EXPONENT = (4, 7, 1)
_KERNEL_SIZE = (1, 10, 1)
_DILATION = (1, 4, 1)
_POOL_SIZE = (5, 100, 5)
_UNITS_EXPONENT = (1, 8, 1)

_MODEL_NAME_PATTERN = re.compile(r"^xpresso_window_(-?\d+)_(-?\d+)$")


class InvalidArchitecture(ValueError):
    """A hyperparameter set that cannot be built (e.g. pooling shrinks the sequence to 0).

    The search records such a set as a failed trial; `reason` says what is wrong.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"invalid architecture: {reason}")


# --------------------------------------------------------------------------- validation


def window_length_bp(hparams: dict) -> int:
    """Length of the promoter input: downstream offset minus upstream offset."""
    return int(hparams["downstream_bp"]) - int(hparams["upstream_bp"])


def _positive_int(value, what: str) -> int:
    if value is None or float(value) != int(value) or int(value) < 1:
        raise InvalidArchitecture(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def _normalise_conv_block(block: dict, index: int) -> dict:
    where = f"conv block {index + 1}"
    return {
        "filters": _positive_int(block.get("filters"), f"{where} filters"),
        "kernel_size": _positive_int(block.get("kernel_size"), f"{where} kernel_size"),
        "dilation": _positive_int(block.get("dilation", 1), f"{where} dilation"),
        "pool_size": _positive_int(block.get("pool_size"), f"{where} pool_size"),
    }


def _normalise_dense_layer(layer: dict, index: int) -> dict:
    dropout = float(layer.get("dropout", 0.0))
    # Keras' Dropout needs a rate in [0, 1); a rate of 1 would silence the layer entirely.
    if not 0.0 <= dropout < 1.0:
        raise InvalidArchitecture(f"dense layer {index + 1} dropout must be in [0, 1), "
                                  f"got {dropout}")
    return {"units": _positive_int(layer.get("units"), f"dense layer {index + 1} units"),
            "dropout": dropout}


def _block_lengths(hp: dict) -> list[tuple[int, int]]:
    """(positions entering the pool, positions after the pool) for each conv block.

    'same' convolutions keep the length; 'valid' ones lose dilation*(kernel-1) positions.
    Max pooling with stride = pool size (Keras' default, 'valid' pooling) keeps floor(L/pool).
    """
    lengths, length = [], window_length_bp(hp)
    for block in hp["conv_blocks"]:
        if hp.get("padding", "same") == "valid":
            length -= block["dilation"] * (block["kernel_size"] - 1)
        pooled = max(length, 0) // block["pool_size"]
        lengths.append((length, pooled))
        length = pooled
    return lengths


def conv_output_lengths(hparams: dict) -> list[int]:
    """Sequence length after each [conv -> pool] block, starting with the window length."""
    return [window_length_bp(hparams)] + [pooled for _, pooled in _block_lengths(hparams)]


def _check_promoter_branch(hp: dict) -> None:
    if window_length_bp(hp) < 1:
        raise InvalidArchitecture(
            f"empty promoter window: upstream {hp['upstream_bp']} bp to downstream "
            f"{hp['downstream_bp']} bp")
    if not hp["conv_blocks"]:
        raise InvalidArchitecture("a promoter model needs at least one conv block")
    pool_sizes = [block["pool_size"] for block in hp["conv_blocks"]]
    for index, (before_pool, after_pool) in enumerate(_block_lengths(hp)):
        if before_pool < 1:
            raise InvalidArchitecture(
                f"conv block {index + 1}: the 'valid' convolution leaves no positions "
                f"(window {window_length_bp(hp)} bp)")
        if after_pool < 1:
            raise InvalidArchitecture(
                f"conv block {index + 1}: max pooling of size {pool_sizes[index]} on "
                f"{before_pool} positions leaves an output length < 1 (window "
                f"{window_length_bp(hp)} bp, pool sizes {pool_sizes})")


def validate_hparams(hparams: dict) -> dict:
    """Checked, normalised copy of `hparams` (ints as int, defaults filled).

    Raises InvalidArchitecture with the reason for any set that cannot be built.
    """
    hp = copy.deepcopy(dict(hparams))
    hp.setdefault("padding", "same")
    hp.setdefault("use_promoter", True)
    hp.setdefault("use_half_life", True)
    hp.setdefault("batch_size", 128)
    hp.setdefault("conv_blocks", [])
    if hp["padding"] not in ("same", "valid"):
        raise InvalidArchitecture(f"padding must be 'same' or 'valid', got {hp['padding']!r}")
    if not (hp["use_promoter"] or hp["use_half_life"]):
        raise InvalidArchitecture("the model needs the promoter, the half-life features or both")
    hp["batch_size"] = _positive_int(hp["batch_size"], "batch_size")
    hp["conv_blocks"] = [_normalise_conv_block(b, i) for i, b in enumerate(hp["conv_blocks"])]
    hp["dense_layers"] = [_normalise_dense_layer(d, i)
                          for i, d in enumerate(hp.get("dense_layers") or [])]
    if not hp["dense_layers"]:
        raise InvalidArchitecture("at least one dense layer is needed before the output neuron")
    if hp["use_promoter"]:
        hp["upstream_bp"] = int(hp["upstream_bp"])
        hp["downstream_bp"] = int(hp["downstream_bp"])
        _check_promoter_branch(hp)
    return hp


# --------------------------------------------------------------------------- building


def model_name(hparams: dict) -> str:
    """Model name carrying the promoter window, so a saved model says which window it takes."""
    if not hparams.get("use_promoter", True):
        return "xpresso_half_life_only"
    return f"xpresso_window_{int(hparams['upstream_bp'])}_{int(hparams['downstream_bp'])}"


def window_from_model_name(name: str) -> tuple[int, int] | None:
    """(upstream_bp, downstream_bp) encoded by `model_name`, or None for other names."""
    match = _MODEL_NAME_PATTERN.match(name)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _fusable(block: dict, padding: str) -> bool:
    """Whether `xpressoflow.fused.OneHotConvPool` can stand in for this first block."""
    from xpressoflow.fused import MAX_FUSED_KERNEL

    return padding == "same" and block["kernel_size"] <= MAX_FUSED_KERNEL


def build_model(
    hparams: dict,
    n_half_life_features: int = 8,
    *,
    conv_initializer: str = "glorot_normal",
    dense_initializer: str = "glorot_normal",
    fused_first_block: bool = False,
):
    """Keras 3 functional model for `hparams` (not compiled; training compiles it).

    Inputs: "promoter" one-hot float (L, 4) with L = downstream_bp - upstream_bp, and
    "halflife" (n_half_life_features,), in that order; a variant without one of them has only
    the other. The paper (Methods) initialises with Glorot normal; note that the authors'
    script set it on the conv layers only and left the dense layers at Keras' default,
    glorot_uniform; pass dense_initializer="glorot_uniform" to copy that exactly.

    fused_first_block: build the first conv block as one `xpressoflow.fused.OneHotConvPool`
    layer (same function, same weights, a much cheaper kernel gradient; "same" padding and
    kernels up to 10 only, otherwise the plain block is built).
    Training uses it; `unfused_copy` turns the trained model back into this plain graph.
    """
    import keras  # imported here so `search_space` and validation work without TensorFlow
    from keras import layers

    hp = validate_hparams(hparams)
    if hp["use_half_life"] and n_half_life_features < 1:
        raise InvalidArchitecture("use_half_life is set but n_half_life_features < 1")

    inputs, branches = [], []
    if hp["use_promoter"]:
        promoter = keras.Input(shape=(window_length_bp(hp), 4), name=PROMOTER_INPUT)
        x = promoter
        for index, block in enumerate(hp["conv_blocks"]):
            if index == 0 and fused_first_block and _fusable(block, hp["padding"]):
                from xpressoflow.fused import OneHotConvPool

                x = OneHotConvPool(block["filters"], block["kernel_size"], block["pool_size"],
                                   block["dilation"], kernel_initializer=conv_initializer)(x)
                continue
            x = layers.Conv1D(block["filters"], block["kernel_size"],
                              dilation_rate=block["dilation"], padding=hp["padding"],
                              activation="relu", kernel_initializer=conv_initializer)(x)
            x = layers.MaxPooling1D(block["pool_size"])(x)
        inputs.append(promoter)
        branches.append(layers.Flatten()(x))
    if hp["use_half_life"]:
        half_life = keras.Input(shape=(n_half_life_features,), name=HALF_LIFE_INPUT)
        inputs.append(half_life)
        branches.append(half_life)

    # As in the paper, half-life features join the flattened conv output, before the dense part.
    x = layers.Concatenate()(branches) if len(branches) > 1 else branches[0]
    for layer in hp["dense_layers"]:
        x = layers.Dense(layer["units"], kernel_initializer=dense_initializer)(x)
        x = layers.Activation("relu")(x)
        x = layers.Dropout(layer["dropout"])(x)
    output = layers.Dense(1, kernel_initializer=dense_initializer, name="expression")(x)
    return keras.Model(inputs=inputs, outputs=output, name=model_name(hp))


def unfused_copy(model, hparams: dict, n_half_life_features: int = 8, **build_options):
    """The plain-layer model (Conv1D + MaxPooling1D first block) with `model`'s weights.

    A fused model's weight list has the same order and shapes as the plain one (the fused
    layer holds Conv1D's kernel and bias; pooling has no weights), so the copy is exact.
    """
    plain = build_model(hparams, n_half_life_features, **build_options)
    plain.set_weights(model.get_weights())
    return plain


def named_architecture(name: str) -> dict:
    """A copy of a named architecture ("paper_best" or "manual")."""
    try:
        return copy.deepcopy(NAMED_ARCHITECTURES[name.lower()])
    except KeyError:
        raise KeyError(f"unknown architecture {name!r}; known: "
                       f"{sorted(NAMED_ARCHITECTURES)}") from None


# --------------------------------------------------------------------------- search space


def _quniform(label: str, bounds: tuple[int, int, int]):
    from hyperopt import hp

    low, high, step = bounds
    return hp.quniform(label, low, high, step)


def _power_of_two(label: str, exponent_bounds: tuple[int, int, int]):
    return 2 ** _quniform(label, exponent_bounds)


# Table 1 ranges as (low, high, step); `search_space(ranges)` may narrow them (demo budgets).
TABLE1_RANGES = {
    "batch_size_exponent": _BATCH_SIZE_EXPONENT,
    "upstream_bp": _UPSTREAM_BP,
    "downstream_bp": _DOWNSTREAM_BP,
    "filters_exponent": _FILTERS_EXPONENT,
    "kernel_size": _KERNEL_SIZE,
    "dilation": _DILATION,
    "pool_size": _POOL_SIZE,
    "units_exponent": _UNITS_EXPONENT,
    "max_conv_blocks": MAX_CONV_BLOCKS,
    "max_dense_layers": MAX_DENSE_LAYERS,
}


def search_ranges(overrides: dict | None = None) -> dict:
    """Table 1 ranges with `overrides` applied; unknown keys and inverted ranges are errors."""
    ranges = dict(TABLE1_RANGES)
    for key, value in (overrides or {}).items():
        if key not in ranges:
            raise ValueError(f"unknown search range {key!r}; known: {sorted(ranges)}")
        ranges[key] = value if key.startswith("max_") else tuple(value)
    for key, value in ranges.items():
        if key.startswith("max_"):
            limit = TABLE1_RANGES[key]
            if not 1 <= int(value) <= limit:
                raise ValueError(f"search range {key} must be within 1..{limit}, got {value}")
        elif not (len(value) == 3 and value[0] < value[1] and value[2] > 0):
            raise ValueError(f"search range {key} must be [low, high, step] with low < high, "
                             f"got {value}")
    return ranges


def _conv_block_space(index: int, ranges: dict) -> dict:
    return {
        "filters": _power_of_two(f"conv{index}_filters", ranges["filters_exponent"]),
        "kernel_size": _quniform(f"conv{index}_kernel_size", ranges["kernel_size"]),
        "dilation": _quniform(f"conv{index}_dilation", ranges["dilation"]),
        "pool_size": _quniform(f"conv{index}_pool_size", ranges["pool_size"]),
    }


def _conv_chain_space(index: int, ranges: dict):
    """Block `index` plus an optional deeper chain, nested as in the authors' space.

    Nesting (rather than one choice among four flat lists) shares block k's hyperparameters
    among all depths >= k, which is how the authors' TPE search saw them.
    """
    from hyperopt import hp

    block = _conv_block_space(index, ranges)
    if index == int(ranges["max_conv_blocks"]):
        return {"block": block, "deeper": None}
    deeper = hp.choice(f"conv_blocks_after_{index}", [None, _conv_chain_space(index + 1, ranges)])
    return {"block": block, "deeper": deeper}


def _dense_layer_space(index: int, ranges: dict) -> dict:
    from hyperopt import hp

    return {"units": _power_of_two(f"dense{index}_units", ranges["units_exponent"]),
            "dropout": hp.uniform(f"dense{index}_dropout", 0.0, 1.0)}


def search_space(ranges: dict | None = None) -> dict:
    """Hyperopt space of Table 1 (the authors' ranges and steps), optionally narrowed.

    Batch size 2^[5,7]; upstream [-10000, 0] and downstream [0, 10000] in 500 bp steps;
    1-4 conv blocks with 2^[4,7] filters, kernel length [1, 10], dilation [1, 4] and pool
    size [5, 100] in steps of 5; 1-2 dense layers with 2^[1,8] units and dropout in [0, 1].
    `ranges` overrides any of TABLE1_RANGES (e.g. a narrower window for a quick demo search).
    Samples (and `space_eval` of fmin's result) become builder dicts via `hparams_from_sample`.
    """
    from hyperopt import hp

    ranges = search_ranges(ranges)
    second_dense = [None]
    if int(ranges["max_dense_layers"]) > 1:
        second_dense.append(_dense_layer_space(2, ranges))
    return {
        "batch_size": _power_of_two("batch_size", ranges["batch_size_exponent"]),
        "upstream_bp": _quniform("upstream_bp", ranges["upstream_bp"]),
        "downstream_bp": _quniform("downstream_bp", ranges["downstream_bp"]),
        "conv": _conv_chain_space(1, ranges),
        "dense": {
            "first": _dense_layer_space(1, ranges),
            "second": hp.choice("dense_layers_after_1", second_dense),
        },
    }


def hparams_from_sample(sample: dict) -> dict:
    """Builder dict from a hyperopt sample of `search_space()` (floats become ints).

    The result is not validated: `build_model` / `validate_hparams` raise InvalidArchitecture
    for samples that cannot be built, which the search records as failed trials.
    """
    conv_blocks, chain = [], sample["conv"]
    while chain is not None:
        conv_blocks.append({key: int(round(value)) for key, value in chain["block"].items()})
        chain = chain["deeper"]
    dense_layers = [sample["dense"]["first"]]
    if sample["dense"]["second"] is not None:
        dense_layers.append(sample["dense"]["second"])
    return {
        "upstream_bp": int(round(sample["upstream_bp"])),
        "downstream_bp": int(round(sample["downstream_bp"])),
        "conv_blocks": conv_blocks,
        "dense_layers": [{"units": int(round(layer["units"])), "dropout": float(layer["dropout"])}
                         for layer in dense_layers],
        "batch_size": int(round(sample["batch_size"])),
        "padding": "same",
        "use_promoter": True,
        "use_half_life": True,
    }


# --------------------------------------------------------------------------- windows


def crop_window(codes_or_onehot, flank_bp: int, upstream_bp: int, downstream_bp: int,
                position_axis: int | None = None):
    """Cut the model's window out of stored ±flank windows (TSS at index `flank_bp`).

    The window [upstream_bp, downstream_bp) relative to the TSS is positions
    flank_bp + upstream_bp .. flank_bp + downstream_bp (exclusive). With the authors' ±10 kb
    windows ([TSS-10000, TSS+10000)) and the paper window -7000..+3500 these are columns
    3000:13500, exactly the `X_promoter[:, 3000:13500]` of their code.

    Works on codes (..., L) and one-hot (..., L, 4); the position axis is taken to be -2 when
    the last axis has 4 entries and the array has >= 2 dimensions, else -1 (override with
    `position_axis`). Returns a view.
    """
    if position_axis is None:
        is_one_hot = codes_or_onehot.ndim >= 2 and codes_or_onehot.shape[-1] == 4
        position_axis = -2 if is_one_hot else -1
    stored_bp = codes_or_onehot.shape[position_axis]
    start, stop = flank_bp + upstream_bp, flank_bp + downstream_bp
    if not 0 <= start < stop <= stored_bp:
        raise ValueError(
            f"window {upstream_bp}..{downstream_bp} bp around the TSS does not fit the stored "
            f"windows of {stored_bp} bp with the TSS at index {flank_bp}")
    index = [slice(None)] * codes_or_onehot.ndim
    index[position_axis] = slice(start, stop)
    return codes_or_onehot[tuple(index)]


def count_params_expected(hparams: dict, n_half_life_features: int = 8) -> int:
    """Parameter count from layer arithmetic, without building (cheap check for searches)."""
    hp = validate_hparams(hparams)
    total, channels = 0, 4
    if hp["use_promoter"]:
        for block in hp["conv_blocks"]:
            total += (block["kernel_size"] * channels + 1) * block["filters"]
            channels = block["filters"]
        width = conv_output_lengths(hp)[-1] * channels
    else:
        width = 0
    width += n_half_life_features if hp["use_half_life"] else 0
    for layer in hp["dense_layers"]:
        total += (width + 1) * layer["units"]
        width = layer["units"]
    return total + width + 1


__all__ = [
    "HALF_LIFE_INPUT", "MANUAL", "NAMED_ARCHITECTURES", "PAPER_BEST", "PAPER_WINDOW_BP",
    "PROMOTER_INPUT", "InvalidArchitecture", "build_model", "unfused_copy", "conv_output_lengths",
    "count_params_expected", "crop_window", "hparams_from_sample", "model_name",
    "named_architecture", "search_space", "validate_hparams", "window_from_model_name",
    "window_length_bp",
]
