"""The ResNet generator of CycleGAN (Zhu et al., 2017), after Johnson et al. (2016).

https://arxiv.org/abs/1703.10593 (appendix 7.2)

Layer for layer the authors' `ResnetGenerator` (pytorch-CycleGAN-and-pix2pix,
models/networks.py) with their CycleGAN defaults: reflection padding, true
instance normalization (InstanceNorm2d(affine=False): here
`InstanceNormalization` without a learned scale and offset, epsilon 1e-5), convolution biases, no dropout, weights drawn from N(0, 0.02).

In the paper's notation, with k = base_filters = 64:

    c7s1-64, d128, d256, R256 x num_residual_blocks, u128, u64, c7s1-3

c7s1-k: 7x7 convolution, stride 1, instance norm, ReLU; dk: 3x3 convolution,
stride 2, instance norm, ReLU; Rk: residual block of two 3x3 convolutions;
uk: 3x3 fractional-strided convolution, stride 1/2 (the reference's padding
1, output padding 1: a valid transposed convolution cropped by one pixel at
the top and left), instance norm, ReLU. The
last c7s1-3 has no norm and a tanh. 9 blocks for 256x256 images, 6 for 128x128.
"""

import keras
from keras import layers

from keras_gans.networks import normalization as norms


@keras.saving.register_keras_serializable(package="keras_gans")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by reflecting the image at its border (no edge repeat).

    The reference's nn.ReflectionPad2d: avoids the dark frame zero padding
    leaves around translated images.

    Args:
        padding: pixels added on each side of height and width.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return keras.ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda d: None if d is None else d + 2 * self.padding  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def instance_norm(name=None):
    """Instance normalization as in the reference: per image and channel, no affine."""
    return norms.normalization("instance", name, affine=False, epsilon=1e-5)


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def resnet_generator(
    image_shape=(256, 256, 3),
    num_residual_blocks=9,
    base_filters=64,
    num_downsamplings=2,
    output_channels=None,
    name="resnet_generator",
):
    """CycleGAN's generator: downsample twice, residual blocks, upsample twice.

    Args:
        image_shape: (height, width, channels) of the input images; height and
            width divisible by 2**num_downsamplings. Use (None, None, channels)
            for a fully convolutional model taking any (divisible) size.
        num_residual_blocks: number of R blocks: 9 for 256x256 (the paper),
            6 for 128x128.
        base_filters: k of c7s1-k (64 in the paper); the blocks have
            k * 2**num_downsamplings filters.
        num_downsamplings: stride-2 convolutions (2 in the paper).
        output_channels: channels of the output image; default as the input.
            Generators between domains of different channel counts set it
            (then the identity loss cannot be used).
        name: model name.

    Returns:
        A functional keras.Model image_shape -> (height, width,
        output_channels), tanh outputs in [-1, 1] (float32 also under mixed
        precision).

    Example:

    >>> g = resnet_generator((128, 128, 3), num_residual_blocks=6)
    >>> g(images).shape  # images in [-1, 1]
    TensorShape([batch, 128, 128, 3])
    """
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[2] is None:
        raise ValueError(f"Expected image_shape (height, width, channels), got {image_shape}.")
    factor = 2**num_downsamplings
    for side in image_shape[:2]:
        if side is not None and (side < factor or side % factor):
            raise ValueError(
                f"resnet_generator halves the image {num_downsamplings} times, so height and width "
                f"must be multiples of {factor}; got image_shape {image_shape}."
            )
    if num_residual_blocks < 0:
        raise ValueError(f"num_residual_blocks must be >= 0, got {num_residual_blocks}.")
    output_channels = int(output_channels or image_shape[2])

    def conv(x, filters, kernel, stride, label):
        return layers.Conv2D(filters, kernel, strides=stride, padding="valid", kernel_initializer=_init(), name=label)(
            x
        )

    images = keras.Input(image_shape, name="image")
    # c7s1-k
    x = ReflectionPadding2D(3, name="c7s1_pad")(images)
    x = conv(x, base_filters, 7, 1, "c7s1")
    x = layers.ReLU()(instance_norm("c7s1_norm")(x))
    # dk: 3x3 stride 2 with padding 1 on both sides (as PyTorch; Keras' "same"
    # would pad only bottom/right).
    filters = base_filters
    for i in range(num_downsamplings):
        filters *= 2
        x = layers.ZeroPadding2D(1, name=f"d{i}_pad")(x)
        x = conv(x, filters, 3, 2, f"d{i}")
        x = layers.ReLU()(instance_norm(f"d{i}_norm")(x))
    # Rk: x + (pad, conv3, norm, ReLU, pad, conv3, norm)(x); no ReLU after the sum.
    for i in range(num_residual_blocks):
        y = ReflectionPadding2D(1, name=f"r{i}_pad0")(x)
        y = conv(y, filters, 3, 1, f"r{i}_conv0")
        y = layers.ReLU()(instance_norm(f"r{i}_norm0")(y))
        y = ReflectionPadding2D(1, name=f"r{i}_pad1")(y)
        y = conv(y, filters, 3, 1, f"r{i}_conv1")
        y = instance_norm(f"r{i}_norm1")(y)
        x = layers.Add(name=f"r{i}")([x, y])
    # uk: 3x3 transposed convolution, stride 2 (output size doubled), with the
    # reference's geometry: ConvTranspose2d(3, 2, padding=1, output_padding=1)
    # keeps rows and columns 1 .. 2n of the full (2n + 1)-pixel output.
    # Keras' padding="same" would keep 0 .. 2n - 1: every u-layer would shift
    # the map one pixel down and right.
    for i in range(num_downsamplings):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="valid", kernel_initializer=_init(), name=f"u{i}")(x)
        x = layers.Cropping2D(((1, 0), (1, 0)), name=f"u{i}_crop")(x)
        x = layers.ReLU()(instance_norm(f"u{i}_norm")(x))
    # c7s1-3, tanh
    x = ReflectionPadding2D(3, name="out_pad")(x)
    x = conv(x, output_channels, 7, 1, "to_image")
    outputs = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(images, outputs, name=name)
