"""The one normalization factory of the network builders."""

import keras
import tensorflow as tf
from keras import layers

from keras_gans.networks.instance_norm import InstanceNormalization

KINDS = ("batch", "layer", "instance", None)


def check_kind(normalization):
    if normalization not in KINDS:
        raise ValueError(f"normalization must be 'batch', 'layer', 'instance' or None, got {normalization!r}.")
    return normalization


def batch_norm(synchronized=False, name=None):
    """BatchNormalization (momentum 0.9, epsilon 1e-5), synchronised across replicas when asked."""
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name)


def normalization(kind, name, synchronized=False, affine=True, epsilon=1e-3):
    """A normalization layer by kind, or None for `kind=None`.

    Args:
        kind: "batch", "layer" (`LayerNormalization`, exact second
            derivatives), "instance" (`InstanceNormalization`: the
            function of GroupNormalization(groups=-1) on TensorFlow's fused
            batch-norm kernel, 1.1-2.5x faster layer for layer; see
            docs/benchmarks.md) or None.
        name: the layer's name.
        synchronized: cross-replica statistics for batch norm.
        affine: learned scale and offset for instance norm (PyTorch's
            InstanceNorm2d, used by the pix2pix/CycleGAN reference, has none).
        epsilon: instance norm's epsilon (PyTorch's is 1e-5).
    """
    check_kind(kind)
    if kind == "batch":
        return batch_norm(synchronized, name=name)
    if kind == "layer":
        return LayerNormalization(name=name)
    if kind == "instance":
        return InstanceNormalization(epsilon=epsilon, center=affine, scale=affine, name=name)
    return None


@keras.saving.register_keras_serializable(package="keras_gans")
class LayerNormalization(layers.LayerNormalization):
    """`keras.layers.LayerNormalization` whose second derivatives are exact.

    Keras normalizes with `tf.nn.moments`, which computes the variance around
    `stop_gradient(mean)`: exact for the first derivative, but a term of the
    second is dropped, so a gradient penalty (WGAN-GP's critic has layer norm)
    through it got weight gradients off by up to 5e-4 of their scale
    (docs/moments_second_order.py). Here mean and variance are written out.
    Same weights, arguments and outputs as Keras' layer; `rms_scaling=True` is
    left to Keras.
    """

    def call(self, inputs):
        if self.rms_scaling:
            return super().call(inputs)
        x = tf.convert_to_tensor(inputs)
        compute = tf.float32 if x.dtype in (tf.float16, tf.bfloat16) else x.dtype
        x = tf.cast(x, compute)
        rank = len(x.shape)
        axes = sorted(a % rank for a in (self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]))
        mean = tf.reduce_mean(x, axis=axes, keepdims=True)
        variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
        y = (x - mean) * tf.math.rsqrt(variance + self.epsilon)
        shape = [x.shape[a] if a in axes else 1 for a in range(rank)]
        if self.gamma is not None:
            y = y * tf.reshape(tf.cast(self.gamma, compute), shape)
        if self.beta is not None:
            y = y + tf.reshape(tf.cast(self.beta, compute), shape)
        return tf.cast(y, self.compute_dtype)
