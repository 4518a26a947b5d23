"""Conditional batch normalization as in BigGAN (Brock et al. 2019, https://arxiv.org/abs/1809.11096).

BigGAN's `ccbn` (BigGAN-PyTorch, layers.py): batch normalization without an
affine transform of its own, then a per-example gain and bias predicted from
a conditioning vector c by two linear maps without bias:

    y = BN(x) * (1 + gain(c)) + bias(c)

In BigGAN's generator c is the concatenation of the shared class embedding
and the chunk of z that feeds the block (the hierarchical latent). With the
two maps at zero the layer is plain batch normalization (gain 1, bias 0).
"""

import keras
from keras import ops

from keras_gans.layers.spectral_normalization import maybe_spectral_norm


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalBatchNormalization(keras.layers.Layer):
    """BN(x) * (1 + gain(c)) + bias(c): batch norm whose affine comes from c.

    Called on `[x, c]`: x a (batch, ..., channels) feature map, c a
    (batch, condition_dim) vector.

    Args:
        momentum: of the moving statistics (Keras convention; BigGAN's
            PyTorch momentum 0.1 is 0.9 here).
        epsilon: added to the variance (BigGAN: 1e-5).
        spectral_norm: spectrally normalize the gain and bias maps (BigGAN's
            G with G_param="SN").
        synchronized: cross-replica batch statistics.
        **kwargs: base layer arguments (name, ...).

    Example:

    >>> cbn = ConditionalBatchNormalization()
    >>> y = cbn([features, keras.ops.concatenate([class_embedding, z_chunk], -1)])
    """

    def __init__(self, momentum=0.9, epsilon=1e-5, spectral_norm=False, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.spectral_norm = bool(spectral_norm)
        self.synchronized = bool(synchronized)
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=False,
            scale=False,
            synchronized=self.synchronized,
            name="batch_norm",
        )
        self.gain = None
        self.bias = None

    def build(self, input_shape):
        x_shape, c_shape = input_shape
        if len(c_shape) != 2:
            raise ValueError(
                f"{self.name}: expected a condition c of shape (batch, condition_dim), got {tuple(c_shape)}."
            )
        channels = int(x_shape[-1])
        # gain(c), bias(c): linear maps without bias, as BigGAN's ccbn (which_linear(bias=False)).
        self.gain = maybe_spectral_norm(
            keras.layers.Dense(channels, use_bias=False, kernel_initializer="glorot_uniform", name="gain"),
            self.spectral_norm,
        )
        self.bias = maybe_spectral_norm(
            keras.layers.Dense(channels, use_bias=False, kernel_initializer="glorot_uniform", name="bias"),
            self.spectral_norm,
        )
        self.batch_norm.build(x_shape)
        self.gain.build(c_shape)
        self.bias.build(c_shape)
        self.built = True

    def call(self, inputs, training=None):
        x, c = inputs
        normalized = self.batch_norm(x, training=training)
        broadcast = [-1] + [1] * (len(x.shape) - 2) + [int(x.shape[-1])]
        gain = ops.reshape(1.0 + ops.cast(self.gain(c), normalized.dtype), broadcast)
        bias = ops.reshape(ops.cast(self.bias(c), normalized.dtype), broadcast)
        return normalized * gain + bias

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "spectral_norm": self.spectral_norm,
            "synchronized": self.synchronized,
        }
