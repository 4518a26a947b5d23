"""The SRGAN networks (Ledig et al., 2017): the SRResNet generator and the discriminator.

https://arxiv.org/abs/1609.04802 (figure 4)

Generator (SRResNet), with k = filters = 64 and B = blocks = 16 in the paper:

    k9n64s1 + PReLU
    B residual blocks: k3n64s1, BN, PReLU, k3n64s1, BN, elementwise sum
    k3n64s1, BN, elementwise sum with the output of the first layer
    log2(scale) sub-pixel blocks: k3n256s1, pixel shuffle x2, PReLU
    k9n(channels)s1 (here with a tanh, images in [-1, 1])

The sub-pixel convolution (Shi et al., 2016) is a convolution to 4 C channels
and `tf.nn.depth_to_space` with block 2. The generator is fully
convolutional: it takes low-resolution images of any size.

Discriminator, for 96x96 crops in the paper:

    k3n64s1, LReLU; then k3n64s2, k3n128s1, k3n128s2, k3n256s1, k3n256s2,
    k3n512s1, k3n512s2, each with BN and LReLU(0.2); dense 1024, LReLU(0.2),
    dense 1 (a logit: the paper's sigmoid is in the loss).
"""

import math

import keras
import tensorflow as tf
from keras import layers

from keras_gans.networks import normalization as norms


@keras.saving.register_keras_serializable(package="keras_gans")
class DepthToSpace(layers.Layer):
    """Pixel shuffle: `tf.nn.depth_to_space` (channels to space, NHWC).

    Output pixel (h * r + i, w * r + j) channel c is input pixel (h, w)
    channel (i * r + j) * C + c, with r = block_size and C the output channels.

    Args:
        block_size: r, the upscaling factor of height and width.
    """

    def __init__(self, block_size=2, **kwargs):
        super().__init__(**kwargs)
        self.block_size = int(block_size)

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.block_size)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        r = self.block_size
        grow = lambda d: None if d is None else d * r  # noqa: E731
        return (batch, grow(height), grow(width), channels // (r * r))

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


def _prelu(name):
    # One slope per channel, shared over height and width (any image size).
    return layers.PReLU(shared_axes=[1, 2], alpha_initializer=keras.initializers.Constant(0.25), name=name)


def upsampling_steps(scale):
    """log2(scale), the number of x2 sub-pixel blocks; scale must be a power of two."""
    steps = int(round(math.log2(scale))) if scale and scale > 0 else -1
    if steps < 1 or 2**steps != scale:
        raise ValueError(f"scale must be a power of two >= 2 (2, 4, 8), got {scale!r}.")
    return steps


def srgan_generator(
    channels=3,
    scale=4,
    blocks=16,
    filters=64,
    normalization="batch",
    input_shape=None,
    name="srresnet",
):
    """The SRResNet generator: low-resolution image (any size) -> image `scale` times larger.

    Args:
        channels: image channels (input and output).
        scale: the upscaling factor, a power of two (4 in the paper).
        blocks: B, the residual blocks (16 in the paper).
        filters: the feature maps of every convolution (64 in the paper).
        normalization: the blocks' normalization ("batch" in the paper; see
            `networks.normalization`); None drops it (as EDSR does).
        input_shape: (height, width) to fix the input size; default any size.
        name: the model's name.

    Returns:
        A keras.Model (batch, h, w, channels) -> (batch, scale h, scale w, channels),
        tanh output in [-1, 1].
    """
    steps = upsampling_steps(scale)
    norms.check_kind(normalization)
    if int(blocks) < 1 or int(filters) < 1:
        raise ValueError(f"blocks and filters must be >= 1, got blocks={blocks} and filters={filters}.")
    height, width = (None, None) if input_shape is None else tuple(input_shape)[:2]
    inputs = keras.Input((height, width, int(channels)), name="low_res")
    x = layers.Conv2D(filters, 9, padding="same", name="k9n64s1")(inputs)
    x = first = _prelu("k9n64s1_prelu")(x)
    for b in range(int(blocks)):
        y = layers.Conv2D(filters, 3, padding="same", name=f"res{b}_conv1")(x)
        y = _norm(normalization, f"res{b}_norm1")(y)
        y = _prelu(f"res{b}_prelu")(y)
        y = layers.Conv2D(filters, 3, padding="same", name=f"res{b}_conv2")(y)
        y = _norm(normalization, f"res{b}_norm2")(y)
        x = layers.Add(name=f"res{b}_sum")([x, y])
    x = layers.Conv2D(filters, 3, padding="same", name="post_conv")(x)
    x = _norm(normalization, "post_norm")(x)
    x = layers.Add(name="global_skip")([first, x])
    for s in range(steps):
        x = layers.Conv2D(4 * filters, 3, padding="same", name=f"subpixel{s}_conv")(x)
        x = DepthToSpace(2, name=f"subpixel{s}_shuffle")(x)
        x = _prelu(f"subpixel{s}_prelu")(x)
    outputs = layers.Conv2D(int(channels), 9, padding="same", activation="tanh", name="k9out")(x)
    return keras.Model(inputs, outputs, name=name)


def _norm(kind, name):
    layer = norms.normalization(kind, name)
    return layer if layer is not None else layers.Identity(name=name)


def srgan_discriminator(image_shape=(96, 96, 3), base_filters=64, dense_units=1024, name="srgan_discriminator"):
    """The SRGAN discriminator: 8 convolutions, dense 1024, dense 1 (a logit).

    Args:
        image_shape: (height, width, channels) of the high-resolution images
            (96x96 crops in the paper).
        base_filters: the first convolutions' width (64); doubled every two
            layers up to 8x (512).
        dense_units: the hidden dense layer (1024).
        name: the model's name.

    Returns:
        A keras.Model image -> (batch, 1) logits.
    """
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape!r}.")
    inputs = keras.Input(shape, name="image")
    x = inputs
    for i in range(8):
        filters = base_filters * 2 ** (i // 2)
        stride = 1 if i % 2 == 0 else 2
        x = layers.Conv2D(filters, 3, strides=stride, padding="same", name=f"k3n{filters}s{stride}_{i}")(x)
        if i > 0:
            x = norms.batch_norm(name=f"bn{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, name="dense1024")(x)
    x = layers.LeakyReLU(0.2, name="dense_lrelu")(x)
    outputs = layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, outputs, name=name)
