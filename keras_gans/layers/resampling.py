"""Resampling layers with static shapes: nearest 2x up-sampling and global sum pooling."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_gans")
class NearestUpSampling2D(layers.Layer):
    """Nearest-neighbour 2x up-sampling (chainer's `unpooling_2d(x, 2)`) that keeps static sides.

    keras.layers.UpSampling2D repeats along each axis with `tf.repeat`, whose
    output loses the static height under an unknown batch size; the TFLite
    converter then cannot lower the next convolution to a builtin op.
    """

    def call(self, inputs):
        _, height, width, channels = inputs.shape
        x = ops.expand_dims(ops.expand_dims(inputs, 2), 4)  # (b, h, 1, w, 1, c)
        x = x * ops.ones((1, 1, 2, 1, 2, 1), dtype=x.dtype)
        return ops.reshape(x, (-1, 2 * height, 2 * width, channels))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)


@keras.saving.register_keras_serializable(package="keras_gans")
class GlobalSumPooling2D(layers.Layer):
    """Sum over the spatial axes: (batch, h, w, c) -> (batch, c), as the SNGAN and
    projection discriminators (`F.sum(h, axis=(2, 3))` in the authors' code)."""

    def call(self, inputs):
        return ops.sum(inputs, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
