"""Instance normalization with TensorFlow's fused batch-norm kernel.

`keras.layers.GroupNormalization(groups=-1)` computes instance normalization
generically (a reshape to groups, moments, broadcasting arithmetic, and their
gradients op by op). Instance normalization of a batch of N images is batch
normalization, in training mode, of the tensor whose "channels" are the N*C
(image, channel) pairs; TensorFlow has one fused CPU/GPU kernel for that
(FusedBatchNormV3, and FusedBatchNormGradV3 for its gradient). This layer
feeds it: at batch 1 directly, at batch N after moving the batch next to the
channels (one transpose each way).

It computes the same function as GroupNormalization(groups=-1) with the same
epsilon, center and scale (checked to 1e-5 in tests/test_normalization.py).
Channels-last, rank-4 inputs, TensorFlow backend only. float64 inputs (which
the fused kernel does not take) are normalized with the moments written out.
"""

import keras
import tensorflow as tf


# The float types TensorFlow's fused batch-norm kernel takes after `compute_dtype` (not float64).
FUSED_DTYPES = (tf.float32,)


def compute_dtype(dtype):
    """The dtype the normalization layers compute in: float32 for half precision, else `dtype`."""
    return tf.float32 if dtype in (tf.float16, tf.bfloat16) else dtype


def normalize(x, axes, epsilon):
    """(x - mean) / sqrt(variance + epsilon) over `axes`, the moments written out.

    Not `tf.nn.moments`, whose variance around `stop_gradient(mean)` drops a
    term of the second derivative (docs/moments_second_order.md).
    """
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + epsilon)


@keras.saving.register_keras_serializable(package="keras_gans")
class InstanceNormalization(keras.layers.Layer):
    """Per image and channel normalization over height and width.

    Args:
        epsilon: added to the variance (GroupNormalization's default 1e-3;
            the CycleGAN reference uses 1e-5).
        center: learn an offset per channel (beta).
        scale: learn a scale per channel (gamma).
        **kwargs: Layer arguments (name, dtype).

    Example:

    >>> layer = InstanceNormalization(epsilon=1e-5, center=False, scale=False)
    >>> y = layer(tf.random.normal([1, 64, 64, 32]))
    """

    def __init__(self, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.supports_masking = False

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                f"InstanceNormalization expects (batch, height, width, channels) with known channels, got {input_shape}."
            )
        channels = int(input_shape[-1])
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta") if self.center else None

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        dtype = x.dtype
        compute = compute_dtype(dtype)
        x = tf.cast(x, compute)
        if compute in FUSED_DTYPES:
            shape = tf.shape(x)
            n, h, w, c = shape[0], shape[1], shape[2], shape[3]
            # (N, H, W, C) -> (1, H, W, N*C): every (image, channel) pair a channel of one image.
            folded = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c])
            ones = tf.ones([n * c], compute)
            y, _, _ = tf.compat.v1.nn.fused_batch_norm(
                folded, scale=ones, offset=tf.zeros([n * c], compute), epsilon=self.epsilon, is_training=True
            )
            y = tf.transpose(tf.reshape(y, [h, w, n, c]), [2, 0, 1, 3])
        else:  # float64: no fused kernel
            y = normalize(x, [1, 2], self.epsilon)
        if self.gamma is not None:
            y = y * tf.cast(self.gamma, compute)
        if self.beta is not None:
            y = y + tf.cast(self.beta, compute)
        return tf.cast(y, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon, "center": self.center, "scale": self.scale}
