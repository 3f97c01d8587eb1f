"""A faster training form of the first [Conv1D(ReLU) -> MaxPooling1D] block on one-hot DNA.

Why: on CPU the first block is ~95 % of a training step of the paper's architecture, and most
of that is its backward pass: TensorFlow's MaxPoolGrad and ReluGrad each sweep the whole
(genes x L x filters) pre-pooling tensor (688 MB per batch of 128 at 10.5 kb x 128 filters),
and the kernel gradient is a convolution over it. Yet only one position per pooling window
and filter receives any gradient, and the input is one-hot, so

    dK[j, c, f] = sum over genes b and pooled positions p of
                  g[b, p, f] * [base at pos(b, p, f) + j * dilation - padding == c]

with pos(b, p, f) the position of the window's maximum. `conv_relu_pool` computes the same
forward values as the Keras block (max and ReLU commute and max(z) + bias = max(z + bias), so
bias and ReLU are applied after pooling, exactly) and that gradient directly: one sweep finds
the maxima, one gather per pooled output fetches the k bases there (packed 3 bits per base),
and per-tap masked sums give dK, both sweeps compiled with XLA. Ties inside a window go to the
first maximum, as in TensorFlow's pooling gradient; with one-hot input, tied windows almost
always hold the same k-mer, so the kernel gradient is the same either way.

The fused layer holds the same two weights as Keras' Conv1D (kernel (k, 4, F), bias (F,)), so
`xpressoflow.model.unfused_copy` copies a trained fused model into the plain layer graph (the
one saved, plotted and used for prediction) weight for weight.
"""

from __future__ import annotations

import keras
import tensorflow as tf

BITS_PER_BASE = 3  # window codes 0 (N or padding), 1-4 (A, C, G, T) fit in 3 bits
MAX_FUSED_KERNEL = 31 // BITS_PER_BASE  # taps that fit one int32 (Table 1 kernels are <= 10)
# Convolution output per chunk of genes (see `pooled_with_positions`): measured on a 2-core
# AVX-512 machine, chunks of 8 genes x 10.5 kb x 128 filters (43 MB) ran the forward pass in
# half the time of the whole batch of 128; 1-4 genes were slower again (per-chunk overhead).
CHUNK_BYTES = 48 * 2**20
# On a GPU the chunks would only serialise the batch into small kernels: one chunk there.
GPU_CHUNK_BYTES = 2**40
# Below about this much first-conv output per training batch the fused block is not faster
# on CPU (its fixed costs win): measured training steps, plain/fused time, on 2 cores:
# 23 MB 0.64x, 47 MB 0.84-1.44x, 62 MB 1.28x, 94 MB 1.64x, 125 MB 1.85-1.93x, 164 MB 2.0x,
# 328 MB 2.0x, 688 MB (the paper's architecture) 1.9-2.3x.
FUSED_MIN_CONV_BYTES = 60 * 2**20


def fusion_pays_off(batch_size: int, length: int, filters: int) -> bool:
    """Whether to train a first block of this size fused: on CPU above FUSED_MIN_CONV_BYTES
    of float32 convolution output per batch; never on GPU, where it is unmeasured."""
    if tf.config.list_logical_devices("GPU"):
        return False
    return batch_size * length * filters * 4 >= FUSED_MIN_CONV_BYTES


def _same_padding(kernel_size: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding of a stride-1 convolution (what Keras' padding="same" uses)."""
    total = (kernel_size - 1) * dilation
    return total // 2, total - total // 2


@tf.function(jit_compile=True, reduce_retracing=True)
def packed_windows(onehot: tf.Tensor, kernel_size: int, dilation: int) -> tf.Tensor:
    """(B, L) int32: bits 3j..3j+2 of entry i hold the base under tap j of the window at i,
    as 1-4 for A, C, G, T and 0 for N (all-zero one-hot row) or the convolution's padding.
    """
    if kernel_size > MAX_FUSED_KERNEL:
        raise ValueError(f"kernel_size {kernel_size} > {MAX_FUSED_KERNEL} cannot be packed")
    codes = tf.cast(tf.reduce_sum(onehot * tf.constant([1.0, 2.0, 3.0, 4.0], onehot.dtype),
                                  axis=-1), tf.int32)
    pad_left, pad_right = _same_padding(kernel_size, dilation)
    padded = tf.pad(codes, [[0, 0], [pad_left, pad_right]])
    length = tf.shape(codes)[1]
    packed = tf.zeros_like(codes)
    for tap in range(kernel_size):
        bases = padded[:, tap * dilation: tap * dilation + length]
        packed += tf.bitwise.left_shift(bases, BITS_PER_BASE * tap)
    return packed


@tf.function(jit_compile=True, reduce_retracing=True)
def first_max_positions(conv: tf.Tensor, pooled: tf.Tensor, pool_size: int) -> tf.Tensor:
    """(B, P, F) int32 position (in conv's length axis) of the first maximum of each window."""
    batch, n_pooled, filters = tf.unstack(tf.shape(pooled))
    windows = tf.reshape(conv[:, : n_pooled * pool_size],
                         (batch, n_pooled, pool_size, filters))
    offsets = tf.range(pool_size)[tf.newaxis, tf.newaxis, :, tf.newaxis]
    is_max = tf.equal(windows, pooled[:, :, tf.newaxis, :])
    first = tf.reduce_min(tf.where(is_max, offsets, pool_size), axis=2)
    return first + (tf.range(n_pooled) * pool_size)[tf.newaxis, :, tf.newaxis]


@tf.function(jit_compile=True, reduce_retracing=True)
def kernel_gradient_at_maxima(packed: tf.Tensor, positions: tf.Tensor, upstream: tf.Tensor,
                              kernel_size: int) -> tf.Tensor:
    """dK (k, 4, F) of the pooled gradient `upstream` (B, P, F) routed to `positions`."""
    batch, n_pooled, filters = tf.unstack(tf.shape(upstream))
    windows = tf.gather(packed, tf.reshape(positions, (batch, n_pooled * filters)),
                        batch_dims=1)
    windows = tf.reshape(windows, (batch, n_pooled, filters))
    taps = []
    for tap in range(kernel_size):
        bases = tf.bitwise.bitwise_and(tf.bitwise.right_shift(windows, BITS_PER_BASE * tap), 7)
        taps.append(tf.stack([
            tf.reduce_sum(tf.where(tf.equal(bases, code), upstream, 0.0), axis=[0, 1])
            for code in (1, 2, 3, 4)]))  # N (0) has an all-zero one-hot row: no gradient
    return tf.stack(taps)


def _conv_then_pool(onehot: tf.Tensor, kernel: tf.Tensor, pool_size: int,
                    dilation: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(Conv1D_same(onehot) without bias, its MaxPool); MaxPooling1D pools "valid", so
    positions past the last full window are dropped."""
    conv = tf.nn.conv1d(onehot, kernel, stride=1, padding="SAME", dilations=dilation)
    return conv, tf.nn.max_pool1d(conv, pool_size, pool_size, padding="VALID")


def pooled_with_positions(onehot: tf.Tensor, kernel: tf.Tensor, *, pool_size: int,
                          dilation: int = 1) -> tuple[tf.Tensor, tf.Tensor]:
    """MaxPool(Conv1D_same(onehot)) without bias, and the position of each window's maximum.

    Genes go through in chunks of about CHUNK_BYTES of convolution output, so the pooling and
    position sweeps read the chunk from cache instead of main memory (on this project's CPU
    that halves the forward pass), and the (genes x L x F) tensor is never held whole.
    """
    length, filters = int(onehot.shape[1]), int(kernel.shape[-1])
    budget = GPU_CHUNK_BYTES if tf.config.list_logical_devices("GPU") else CHUNK_BYTES
    chunk = max(1, budget // (length * filters * 4))
    n_genes = tf.shape(onehot)[0]
    n_chunks = (n_genes + chunk - 1) // chunk
    padded = tf.pad(onehot, [[0, n_chunks * chunk - n_genes], [0, 0], [0, 0]])
    chunks = tf.reshape(padded, (n_chunks, chunk, length, 4))

    def one_chunk(chunk_onehot):
        conv, pooled = _conv_then_pool(chunk_onehot, kernel, pool_size, dilation)
        return pooled, first_max_positions(conv, pooled, pool_size)

    pooled, positions = tf.map_fn(
        one_chunk, chunks, fn_output_signature=(onehot.dtype, tf.int32), parallel_iterations=1)
    n_pooled = length // pool_size
    return (tf.reshape(pooled, (-1, n_pooled, filters))[:n_genes],
            tf.reshape(positions, (-1, n_pooled, filters))[:n_genes])


def conv_relu_pool(onehot: tf.Tensor, kernel, bias, *, pool_size: int, dilation: int = 1,
                   training: bool = True) -> tf.Tensor:
    """ReLU(MaxPool(Conv1D_same(onehot)) + bias) == MaxPool(ReLU(Conv1D_same(onehot) + bias)),
    with the gather-based kernel gradient when `training`.

    No gradient flows to `onehot` (it is data); use the plain Keras block for input
    attributions.
    """
    kernel, bias = tf.convert_to_tensor(kernel), tf.convert_to_tensor(bias)
    kernel_size = int(kernel.shape[0])
    if not training:
        _, pooled = _conv_then_pool(onehot, kernel, pool_size, dilation)
        return tf.nn.relu(pooled + bias)
    if kernel_size > MAX_FUSED_KERNEL:
        raise ValueError(f"kernel_size {kernel_size} > {MAX_FUSED_KERNEL}: use the plain block")

    @tf.custom_gradient
    def block(kernel_value, bias_value):
        pooled, positions = pooled_with_positions(onehot, kernel_value, pool_size=pool_size,
                                                  dilation=dilation)

        def gradient(upstream):
            packed = packed_windows(onehot, kernel_size, dilation)
            d_kernel = kernel_gradient_at_maxima(packed, positions, upstream, kernel_size)
            return d_kernel, tf.reduce_sum(upstream, axis=[0, 1])

        return pooled + bias_value, gradient

    return tf.nn.relu(block(kernel, bias))


@keras.saving.register_keras_serializable(package="xpressoflow")
class OneHotConvPool(keras.layers.Layer):
    """Conv1D(filters, kernel_size, dilation, padding="same", ReLU) + MaxPooling1D(pool_size)
    on a one-hot (B, L, 4) input, trained with `conv_relu_pool`'s gradient. Each row must be
    one-hot or all zero (N), as `xpressoflow.training.make_dataset` feeds it.

    Weights are named and shaped as Keras' Conv1D ("kernel" (k, 4, F), "bias" (F,)).
    """

    def __init__(self, filters: int, kernel_size: int, pool_size: int, dilation: int = 1,
                 kernel_initializer="glorot_normal", **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size = int(filters), int(kernel_size)
        self.pool_size, self.dilation = int(pool_size), int(dilation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if input_shape[-1] != 4:
            raise ValueError(f"OneHotConvPool needs a one-hot (L, 4) input, got {input_shape}")
        self.kernel = self.add_weight(name="kernel", shape=(self.kernel_size, 4, self.filters),
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, inputs, training=None):
        return conv_relu_pool(inputs, self.kernel, self.bias, pool_size=self.pool_size,
                              dilation=self.dilation, training=bool(training))

    def compute_output_shape(self, input_shape):
        length = None if input_shape[1] is None else input_shape[1] // self.pool_size
        return (input_shape[0], length, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "pool_size": self.pool_size,
                "dilation": self.dilation,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


__all__ = [
    "MAX_FUSED_KERNEL", "OneHotConvPool", "conv_relu_pool", "fusion_pays_off",
    "first_max_positions", "kernel_gradient_at_maxima", "packed_windows", "pooled_with_positions",
]
