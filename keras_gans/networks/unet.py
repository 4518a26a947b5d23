"""The U-Net generator of pix2pix (Isola et al., 2017, section 3.2.1 and appendix 6.1.1).

https://arxiv.org/abs/1611.07004

An encoder-decoder whose decoder block i is concatenated with the mirror
encoder block n - i ("skip connections"), so low-level information (edges,
positions) need not squeeze through the bottleneck. At 256x256 with the
defaults it is the paper's

    encoder: C64-C128-C256-C512-C512-C512-C512-C512
    decoder: CD512-CD512-CD512-C512-C256-C128-C64

(C: 4x4 convolution with stride 2, norm, ReLU; CD: the same with 50% dropout;
encoder LeakyReLU(0.2), no norm on the first encoder layer or the 1x1
bottleneck, tanh output). Dropout is the generator's only noise, as in the
paper; by default it is on in training only, `inference_dropout=True` keeps
it on when sampling. The paper's test protocol (dropout on and batch norm
with the test batch's statistics) is `Pix2Pix(test_mode="paper")` /
`build_pix2pix(test_mode="paper")`, used by `translate` and `evaluate_pairs`.
"""

import keras
from keras import layers

from keras_gans.networks.patchgan import conv_init, normalization_layer

MIN_SIZE, MAX_SIZE, MAX_DEPTH = 32, 512, 8


@keras.saving.register_keras_serializable(package="keras_gans")
class InferenceDropout(layers.Dropout):
    """Dropout that stays on outside training (pix2pix's test-time noise)."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


def default_depth(height, width):
    """The number of stride-2 blocks: halve until an odd side, 1 pixel or 8 blocks."""
    depth = 0
    while depth < MAX_DEPTH and height % 2 ** (depth + 1) == 0 and width % 2 ** (depth + 1) == 0:
        depth += 1
    return depth


def check_unet_shape(image_shape, depth=None):
    """Validate (height, width, channels) for a U-Net of `depth`; return the depth.

    Sides must be in [32, 512] and multiples of the total stride 2**depth.
    """
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or any(d is None or int(d) < 1 for d in image_shape):
        raise ValueError(f"Expected image_shape (height, width, channels), got {image_shape}.")
    height, width, _ = (int(d) for d in image_shape)
    if not (MIN_SIZE <= height <= MAX_SIZE and MIN_SIZE <= width <= MAX_SIZE):
        raise ValueError(
            f"unet_generator takes images of {MIN_SIZE} to {MAX_SIZE} pixels a side, got "
            f"{height}x{width} (image_shape {image_shape}). Resize the data."
        )
    if depth is None:
        depth = default_depth(height, width)
    depth = int(depth)
    if depth < 2:
        raise ValueError(
            f"A U-Net needs at least 2 stride-2 blocks, got depth={depth} for {height}x{width} "
            f"images; sides must be multiples of 4 (e.g. {height - height % 32 or 32})."
        )
    stride = 2**depth
    if height % stride or width % stride:
        raise ValueError(
            f"A U-Net of depth {depth} has a total stride of {stride}: the image sides must be "
            f"multiples of {stride}, got {height}x{width} (image_shape {image_shape}). Use "
            f"{(height // stride) * stride or stride}x{(width // stride) * stride or stride} images "
            f"or a smaller depth."
        )
    return depth


def unet_generator(
    image_shape=(256, 256, 3),
    output_channels=None,
    depth=None,
    base_filters=64,
    normalization="batch",
    dropout_rate=0.5,
    dropout_blocks=3,
    inference_dropout=False,
    skip_connections=True,
    synchronized_batch_norm=False,
    name="unet_generator",
):
    """The pix2pix U-Net: image -> image of the same size.

    Args:
        image_shape: (height, width, channels) of the input image. Sides from
            32 to 512, multiples of 2**depth.
        output_channels: channels of the output image; default: as the input.
        depth: number of stride-2 encoder blocks (num_downs in the
            reference); default: halve down to 1x1, at most 8 (8 at 256x256,
            5 at 32x32).
        base_filters: filters of the first encoder block (ngf), doubled per
            block up to 8x.
        normalization: "batch" (pix2pix), "instance" (`InstanceNormalization`)
            or None.
        dropout_rate: rate of the dropout in the first decoder blocks.
        dropout_blocks: how many decoder blocks, from the bottleneck, have
            dropout (3 in the paper; 0 for none).
        inference_dropout: keep the dropout active at inference too.
        skip_connections: False gives the paper's "encoder-decoder" baseline
            (figure 3), for ablations.
        synchronized_batch_norm: BatchNormalization(synchronized=True).
        name: model name.

    Returns:
        A functional keras.Model (h, w, c_in) -> (h, w, c_out), tanh outputs
        in [-1, 1] (float32 under a mixed-precision policy).

    Example:

    >>> g = unet_generator((256, 256, 3))
    >>> g(images).shape  # (batch, 256, 256, 3)
    """
    depth = check_unet_shape(image_shape, depth)
    height, width, channels = (int(d) for d in image_shape)
    output_channels = channels if output_channels is None else int(output_channels)
    normalization_layer(normalization)  # validates the name
    use_bias = normalization != "batch"  # the reference: no bias before BatchNorm
    dropout_cls = InferenceDropout if inference_dropout else layers.Dropout

    def filters(i):
        return base_filters * min(2**i, 8)

    def norm(x, label):
        layer = normalization_layer(normalization, synchronized_batch_norm, name=f"{label}_norm")
        return x if layer is None else layer(x)

    def stride2(layer, n, name):  # a 4x4 convolution (or transpose) of stride 2, as every U-Net block
        return layer(n, 4, strides=2, padding="same", use_bias=use_bias, kernel_initializer=conv_init(), name=name)

    images = keras.Input((height, width, channels), name="image")
    # Encoder: e_0 .. e_{depth-1}; e_{depth-1} is the bottleneck.
    skips = []
    x = images
    for i in range(depth):
        if i > 0:
            x = layers.LeakyReLU(0.2)(x)
        x = stride2(layers.Conv2D, filters(i), f"down{i}")(x)
        if 0 < i < depth - 1:
            x = norm(x, f"down{i}")
        skips.append(x)
    # Decoder: block j upsamples to the resolution of e_{depth-2-j} and joins it.
    for j in range(depth - 1):
        level = depth - 2 - j
        x = layers.ReLU()(x)
        x = stride2(layers.Conv2DTranspose, filters(level), f"up{j}")(x)
        x = norm(x, f"up{j}")
        if j < dropout_blocks and dropout_rate > 0:
            x = dropout_cls(dropout_rate, name=f"up{j}_dropout")(x)
        if skip_connections:
            x = layers.Concatenate(name=f"skip{level}")([x, skips[level]])
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(
        output_channels, 4, strides=2, padding="same", kernel_initializer=conv_init(), name="to_image"
    )(x)
    outputs = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(images, outputs, name=name)
