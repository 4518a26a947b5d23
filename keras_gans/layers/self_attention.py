"""Self-attention of SAGAN (Zhang et al. 2019, https://arxiv.org/abs/1805.08318)."""

import keras
from keras import ops

from keras_gans.layers.spectral_normalization import maybe_spectral_norm


@keras.saving.register_keras_serializable(package="keras_gans")
class SelfAttention(keras.layers.Layer):
    """The self-attention block of SAGAN, section 3 of the paper.

    Paper names, for an input x with C channels at N = H*W positions:
    `query` is f(x) = W_f x (C/8 channels), `key` is g(x) = W_g x (C/8),
    `value` is h(x) = W_h x (C/2, as in the authors' code; the paper's text
    has C), `output` is v(.) = W_v . (back to C channels), `gamma` is gamma.

        beta_{j,i} = softmax_i( f(x_j)^T g(x_i) )    # each position j attends over i
        o_j = v( sum_i beta_{j,i} h(x_i) )
        y_j = gamma * o_j + x_j,   gamma initialised to 0

    As in the paper's section 3 and the authors' code, g(x) and h(x) are
    max-pooled 2x2 (stride 2) before the attention: each of the N positions
    attends over N/4 pooled positions. The pooling uses padding "same", so an
    odd side (7x7) keeps its last row and column (4x4 pooled positions)
    where the authors' code requires sides divisible by 2; for even sides it
    is their pooling exactly. The four 1x1 convolutions have no bias and
    Glorot-uniform kernels (the authors' `sn_conv1x1`). With gamma = 0 the
    layer is the identity, so a network starts as its convolutional version.

    Args:
        spectral_norm: wrap the four 1x1 convolutions in
            keras_gans.layers.SpectralNormalization (SAGAN: on in G and D).
        pooling: max-pool the keys and values 2x2 (the paper); False attends
            over all N positions.
        **kwargs: base layer arguments (name, dtype, ...).

    Example:

    >>> attention = SelfAttention(spectral_norm=True)
    >>> y = attention(feature_maps)   # same shape; y == feature_maps at initialisation
    """

    def __init__(self, spectral_norm=False, pooling=True, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = bool(spectral_norm)
        self.pooling = bool(pooling)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                f"SelfAttention takes feature maps (batch, height, width, channels) with known channels, "
                f"got shape {tuple(input_shape)}."
            )
        channels = int(input_shape[-1])
        self.channels = channels

        def conv(filters, name):
            layer = keras.layers.Conv2D(filters, 1, use_bias=False, kernel_initializer="glorot_uniform", name=name)
            return maybe_spectral_norm(layer, self.spectral_norm)

        # f, g: C/8 channels; h: C/2 (at least one channel each, for narrow test networks).
        self.query = conv(max(1, channels // 8), "query")
        self.key = conv(max(1, channels // 8), "key")
        self.value = conv(max(1, channels // 2), "value")
        self.output_conv = conv(channels, "output")
        self.query.build(input_shape)
        self.key.build(input_shape)
        self.value.build(input_shape)
        self.output_conv.build(tuple(input_shape[:-1]) + (max(1, channels // 2),))
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")
        self.built = True

    def attention(self, inputs):
        """beta (batch, N, N/4): row j is position j's attention over the pooled positions."""
        if not self.built:
            self.build(inputs.shape)
        query, key = self.query(inputs), self.key(inputs)
        if self.pooling:
            key = ops.max_pool(key, 2, strides=2, padding="same")
        batch = ops.shape(inputs)[0]
        query = ops.reshape(query, (batch, -1, query.shape[-1]))
        key = ops.reshape(key, (batch, -1, key.shape[-1]))
        logits = ops.matmul(query, ops.transpose(key, (0, 2, 1)))
        # The softmax over i, spelled out (ops.softmax warns on a single pooled position, a 1x1 map).
        weights = ops.exp(logits - ops.stop_gradient(ops.max(logits, axis=-1, keepdims=True)))
        return weights / ops.sum(weights, axis=-1, keepdims=True)

    def call(self, inputs):
        beta = self.attention(inputs)
        value = self.value(inputs)
        if self.pooling:
            value = ops.max_pool(value, 2, strides=2, padding="same")
        shape = ops.shape(inputs)
        batch = shape[0]
        value = ops.reshape(value, (batch, -1, value.shape[-1]))
        attended = ops.reshape(ops.matmul(beta, value), (batch, shape[1], shape[2], value.shape[-1]))
        outputs = self.output_conv(attended)
        return inputs + ops.cast(self.gamma, outputs.dtype) * outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "spectral_norm": self.spectral_norm, "pooling": self.pooling}
