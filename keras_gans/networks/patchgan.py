"""PatchGAN discriminators (Isola et al., 2017): a logit per overlapping image patch.

https://arxiv.org/abs/1611.07004

Layer for layer the authors' `NLayerDiscriminator` and `PixelDiscriminator`
(pytorch-CycleGAN-and-pix2pix, models/networks.py): 4x4 convolutions with
padding 1, LeakyReLU(0.2), no normalization on the first layer, filters
doubled per layer up to 8x. The receptive field of one output logit by
n_layers: 0 -> 1x1 ("PixelGAN"), 1 -> 16x16, 2 -> 34x34, 3 -> 70x70 (the
default), 4 -> 142x142, 5 -> 286x286 ("ImageGAN" at 256x256).
`n_layers="image"` gives one logit whose receptive field is the whole image
at any size.
"""

import math

import keras
from keras import layers

from keras_gans.networks import normalization as norms

NORMALIZATIONS = ("batch", "instance", None)


def normalization_layer(normalization, synchronized=False, name=None):
    """The reference's norm layers: BatchNorm2d, or InstanceNorm2d(affine=False).

    Args:
        normalization: "batch", "instance" (instance norm without a learned
            scale and offset, epsilon 1e-5, as the reference's InstanceNorm2d)
            or None.
        synchronized: cross-replica batch statistics under tf.distribute.
        name: layer name.

    Returns:
        A Keras layer, or None for normalization=None.
    """
    if normalization in NORMALIZATIONS:
        return norms.normalization(normalization, name, synchronized, affine=False, epsilon=1e-5)
    raise ValueError(f"normalization must be 'batch', 'instance' or None, got {normalization!r}.")


def conv_init():
    """The reference's init_weights('normal'): N(0, 0.02)."""
    return keras.initializers.RandomNormal(0.0, 0.02)


def _check_image_shape(image_shape, what="image_shape"):
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or any(d is None or int(d) < 1 for d in image_shape):
        raise ValueError(f"Expected {what} (height, width, channels), got {image_shape}.")
    return tuple(int(d) for d in image_shape)


def patchgan_discriminator(
    image_shape=(256, 256, 3),
    n_layers=3,
    base_filters=64,
    normalization="batch",
    conditional=True,
    input_channels=None,
    synchronized_batch_norm=False,
    name="patchgan_discriminator",
):
    """The PatchGAN discriminator: real/fake logits for every NxN patch.

    Conditional (pix2pix): the model takes `[condition, image]`, concatenates
    them along channels (as the reference's `torch.cat((real_A, fake_B), 1)`)
    and judges the pair. Unconditional (CycleGAN): it takes the image alone.

    Args:
        image_shape: (height, width, channels) of the judged image.
        n_layers: number of stride-2 convolutions: 3 gives the 70x70
            PatchGAN; 0 the 1x1 PixelGAN (1x1 convolutions); "image" one
            logit for the whole image (stride-2 convolutions down to at most
            4x4, then a convolution over the remaining map).
        base_filters: filters of the first layer (ndf).
        normalization: "batch" (pix2pix), "instance" (CycleGAN) or None.
        conditional: take [condition, image] (True) or the image alone.
        input_channels: channels of the condition image when conditional;
            default: as the judged image.
        synchronized_batch_norm: BatchNormalization(synchronized=True).
        name: model name.

    Returns:
        A functional keras.Model. Output: float32 logits of shape
        (patches_h, patches_w, 1), e.g. (30, 30, 1) at 256x256 with the
        defaults; (height, width, 1) for n_layers=0; (1, 1, 1) for "image".

    Example:

    >>> d = patchgan_discriminator((256, 256, 3))
    >>> d([condition, image]).shape
    TensorShape([batch, 30, 30, 1])
    >>> receptive_field(d)
    70
    """
    height, width, channels = _check_image_shape(image_shape)
    normalization_layer(normalization)  # validates the name
    if not (n_layers == "image" or (isinstance(n_layers, int) and n_layers >= 0)):
        raise ValueError(f"n_layers must be an integer >= 0 or 'image', got {n_layers!r}.")
    image = keras.Input((height, width, channels), name="image")
    if conditional:
        condition_channels = channels if input_channels is None else int(input_channels)
        condition = keras.Input((height, width, condition_channels), name="condition")
        inputs = [condition, image]
        x = layers.Concatenate(name="pair")([condition, image])
    else:
        if input_channels is not None:
            raise ValueError("input_channels is the condition's channels; it needs conditional=True.")
        inputs = image
        x = image
    use_bias = normalization != "batch"  # the reference: no bias before BatchNorm

    def norm(x, label):
        layer = normalization_layer(normalization, synchronized_batch_norm, name=f"{label}_norm")
        return x if layer is None else layer(x)

    def conv(x, filters, kernel, stride, label, bias=use_bias, padding=1):
        if padding:
            x = layers.ZeroPadding2D(padding, name=f"{label}_pad")(x)
        return layers.Conv2D(
            filters,
            kernel,
            strides=stride,
            padding="valid",
            use_bias=bias,
            kernel_initializer=conv_init(),
            name=label,
        )(x)

    if n_layers == 0:
        # PixelGAN: 1x1 convolutions, ndf -> 2 ndf -> 1.
        x = layers.LeakyReLU(0.2)(conv(x, base_filters, 1, 1, "conv0", bias=True, padding=0))
        x = layers.LeakyReLU(0.2)(norm(conv(x, base_filters * 2, 1, 1, "conv1", padding=0), "conv1"))
        x = conv(x, 1, 1, 1, "logit", bias=True, padding=0)
    elif n_layers == "image":
        downs = max(1, int(math.ceil(math.log2(max(height, width) / 4))))
        filters = base_filters
        for i in range(downs):
            filters = base_filters * min(2**i, 8)
            x = conv(x, filters, 4, 2, f"conv{i}", bias=use_bias or i == 0)
            x = layers.LeakyReLU(0.2)(x if i == 0 else norm(x, f"conv{i}"))
        # One convolution over the remaining map: one logit seeing everything.
        x = layers.Conv2D(1, (x.shape[1], x.shape[2]), padding="valid", kernel_initializer=conv_init(), name="logit")(x)
    else:
        _check_patch_output(height, width, n_layers)
        x = layers.LeakyReLU(0.2)(conv(x, base_filters, 4, 2, "conv0", bias=True))
        for i in range(1, n_layers):
            x = conv(x, base_filters * min(2**i, 8), 4, 2, f"conv{i}")
            x = layers.LeakyReLU(0.2)(norm(x, f"conv{i}"))
        x = conv(x, base_filters * min(2**n_layers, 8), 4, 1, f"conv{n_layers}")
        x = layers.LeakyReLU(0.2)(norm(x, f"conv{n_layers}"))
        x = conv(x, 1, 4, 1, "logit", bias=True)
    logits = layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=name)


def _patch_output_size(size, n_layers):
    """Side of the logit map: n_layers 4x4/2 convolutions, then two 4x4/1 (padding 1)."""
    for _ in range(n_layers):
        size = size // 2
    return size - 2


def _check_patch_output(height, width, n_layers):
    size = min(height, width)
    if _patch_output_size(size, n_layers) < 1:
        largest = max(n for n in range(n_layers) if _patch_output_size(size, n) >= 1)
        raise ValueError(
            f"n_layers={n_layers} halves {height}x{width} images {n_layers} times, leaving no patch to "
            f"judge; use n_layers <= {largest}, or n_layers='image' for one logit per image."
        )


def receptive_field(model):
    """The receptive field (pixels) of one output logit, from the layer configs.

    Walks the convolutions from the output back to the input:
    r <- (r - 1) * stride + kernel, starting from r = 1.
    """
    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    field = 1
    for layer in reversed(convs):
        config = layer.get_config()
        kernel, stride = config["kernel_size"][0], config["strides"][0]
        field = (field - 1) * stride + kernel
    return field
