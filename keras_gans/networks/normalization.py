"""The one normalization factory of the network builders."""

import keras
import tensorflow as tf
from keras import layers

from keras_gans.networks.instance_norm import FUSED_DTYPES, InstanceNormalization, compute_dtype, normalize

KINDS = ("batch", "layer", "instance", None)


def check_kind(normalization):
    if normalization not in KINDS:
        raise ValueError(f"normalization must be 'batch', 'layer', 'instance' or None, got {normalization!r}.")
    return normalization


def batch_norm(synchronized=False, name=None):
    """BatchNormalization (momentum 0.9, epsilon 1e-5; ours: fused in training), synchronised when asked."""
    return BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name)


def normalization(kind, name, synchronized=False, affine=True, epsilon=1e-3):
    """A normalization layer by kind, or None for `kind=None`.

    Args:
        kind: "batch", "layer" (`LayerNormalization`, exact second
            derivatives), "instance" (`InstanceNormalization`: the
            function of GroupNormalization(groups=-1) on TensorFlow's fused
            batch-norm kernel, about 1.8x faster at batch 1; see
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
        compute = compute_dtype(x.dtype)
        x = tf.cast(x, compute)
        rank = len(x.shape)
        axes = sorted(a % rank for a in (self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]))
        y = normalize(x, axes, self.epsilon)
        shape = [x.shape[a] if a in axes else 1 for a in range(rank)]
        if self.gamma is not None:
            y = y * tf.reshape(tf.cast(self.gamma, compute), shape)
        if self.beta is not None:
            y = y + tf.reshape(tf.cast(self.beta, compute), shape)
        return tf.cast(y, self.compute_dtype)


@keras.saving.register_keras_serializable(package="keras_gans")
class BatchNormalization(layers.BatchNormalization):
    """`keras.layers.BatchNormalization` on TensorFlow's fused kernel in training.

    Keras 3 normalizes a training batch with `tf.nn.moments` and separate
    arithmetic ops (and their gradients op by op); on image batches
    (rank 4, channels last) this layer runs FusedBatchNormV3 and its fused
    gradient instead, as tf.keras 2 did, which is faster at the small batches
    of pix2pix and CycleGAN (docs/benchmarks.md), and its second derivative is
    exact (tf.nn.moments' is not: docs/moments_second_order.md). The moving
    statistics are updated as Keras does (biased batch variance, same
    momentum). Inference, masks, renorm, synchronized statistics, float64 and
    other ranks or axes are Keras' own code. Same arguments and weights as Keras'
    layer; a saved Keras layer's weights load into it.
    """

    def call(self, inputs, training=None, mask=None):
        fused = (
            training
            and self.trainable
            and mask is None
            and not self.renorm
            and not self.synchronized
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and compute_dtype(inputs.dtype) in FUSED_DTYPES
        )
        if not fused:
            return super().call(inputs, training=training, mask=mask)
        x = tf.convert_to_tensor(inputs)
        compute = compute_dtype(x.dtype)
        x = tf.cast(x, compute)
        channels = x.shape[-1]
        gamma = tf.cast(self.gamma, compute) if self.scale else tf.ones([channels], compute)
        beta = tf.cast(self.beta, compute) if self.center else tf.zeros([channels], compute)
        y, mean, unbiased = tf.compat.v1.nn.fused_batch_norm(x, gamma, beta, epsilon=self.epsilon, is_training=True)
        count = tf.cast(tf.reduce_prod(tf.shape(x)[:-1]), compute)
        variance = unbiased * tf.maximum(count - 1.0, 0.0) / tf.maximum(count, 1.0)  # Keras keeps the biased one
        momentum = tf.cast(self.momentum, compute)
        self.moving_mean.assign(
            tf.cast(self.moving_mean, compute) * momentum + tf.stop_gradient(mean) * (1.0 - momentum)
        )
        self.moving_variance.assign(
            tf.cast(self.moving_variance, compute) * momentum + tf.stop_gradient(variance) * (1.0 - momentum)
        )
        return tf.cast(y, self.compute_dtype)
