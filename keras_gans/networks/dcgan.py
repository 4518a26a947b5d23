"""DCGAN networks (Radford et al., 2016) for square images of 16 to 128 pixels,
and 28 (MNIST, from a 7x7 projection)."""

import math

import keras
from keras import layers

from keras_gans.layers import maybe_spectral_norm
from keras_gans.networks.normalization import batch_norm, check_kind, normalization as make_normalization


def _start_size(image_size):
    """The side of the generator's projection: 7 for 28x28 (MNIST), else 4."""
    return 7 if image_size == 28 else 4


def _num_upsamplings(image_size):
    n = math.log2(image_size / _start_size(image_size)) if image_size > 0 else -1
    if image_size < 16 or image_size > 128 or n != int(n):
        raise ValueError(f"DCGAN networks take square images of 16, 28, 32, 64 or 128 pixels, got {image_size}.")
    return int(n)


# Layer-name suffixes of the normalizations (kept so saved weights load).
_SUFFIX = {"batch": "bn", "layer": "ln", "instance": "in"}


def _check_image_shape(image_shape):
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[0] != image_shape[1] or image_shape[2] not in (1, 3):
        raise ValueError(f"Expected image_shape (size, size, channels) with 1 or 3 channels, got {image_shape}.")
    return image_shape


def dcgan_generator(
    latent_dim,
    image_shape=(64, 64, 3),
    base_filters=64,
    synchronized_batch_norm=False,
    name="dcgan_generator",
):
    """The DCGAN generator: project z to 4x4, then strided transposed convolutions.

    Batch norm after every layer but the output, ReLU, tanh output in [-1, 1].
    For 64x64 with base_filters=64: 4x4x512 -> 8x8x256 -> 16x16x128 ->
    32x32x64 -> 64x64x3, as in the paper. For 28x28 (MNIST) with
    base_filters=64: 7x7x128 -> 14x14x64 -> 28x28x1.

    Args:
        latent_dim: size of z.
        image_shape: (size, size, channels), size in {16, 28, 32, 64, 128},
            channels 1 or 3.
        base_filters: filters of the last hidden layer; doubled per step
            towards the input.
        synchronized_batch_norm: BatchNormalization(synchronized=True), for
            cross-replica statistics under tf.distribute.
        name: model name.

    Returns:
        A functional keras.Model (latent_dim,) -> image_shape.
    """
    size, _, channels = _check_image_shape(image_shape)
    n = _num_upsamplings(size)
    filters = base_filters * 2 ** (n - 1)
    z = keras.Input((latent_dim,), name="latent")
    images = dcgan_decoder(z, channels, n, filters, synchronized_batch_norm, start_size=_start_size(size))
    return keras.Model(z, images, name=name)


def dcgan_decoder(x, channels, num_upsamplings, filters, synchronized_batch_norm=False, start_size=4):
    """The DCGAN generator's body on a (conditioned) code x: project to
    start_size x start_size x filters (4, or 7 for 28x28 images), upsample
    `num_upsamplings` times with batch norm and ReLU, tanh image."""
    x = layers.Dense(start_size * start_size * filters, use_bias=False, name="project")(x)
    x = batch_norm(synchronized_batch_norm, name="project_bn")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((start_size, start_size, filters))(x)
    for i in range(num_upsamplings - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, name=f"up{i}")(x)
        x = batch_norm(synchronized_batch_norm, name=f"up{i}_bn")(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name="to_image")(x)
    # Outputs in float32 also under a mixed-precision policy.
    return layers.Activation("tanh", dtype="float32", name="tanh")(x)


def dcgan_discriminator(
    image_shape=(64, 64, 3),
    base_filters=64,
    normalization="batch",
    spectral_norm=False,
    synchronized_batch_norm=False,
    name="dcgan_discriminator",
):
    """The DCGAN discriminator: strided convolutions down to 4x4, then one logit.

    LeakyReLU(0.2) everywhere; no normalization on the input layer.

    Args:
        image_shape: (size, size, channels), as for the generator.
        base_filters: filters of the first layer; doubled per step.
        normalization: "batch" (the paper), "layer" (for WGAN-GP critics),
            "instance", or None.
        spectral_norm: wrap every convolution and the output layer in
            keras_gans.layers.SpectralNormalization (Miyato et al. 2018).
        synchronized_batch_norm: cross-replica batch norm.
        name: model name.

    Returns:
        A functional keras.Model image_shape -> (1,) logits.
    """
    size, _, _ = _check_image_shape(image_shape)
    n = _num_upsamplings(size)
    check_kind(normalization)

    def maybe_sn(layer):
        return maybe_spectral_norm(layer, spectral_norm)

    images = keras.Input(image_shape, name="image")
    x = images
    filters = base_filters
    for i in range(n):
        x = maybe_sn(layers.Conv2D(filters, 4, strides=2, padding="same", name=f"down{i}"))(x)
        if i > 0 and normalization is not None:
            x = make_normalization(normalization, f"down{i}_{_SUFFIX[normalization]}", synchronized_batch_norm)(x)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    x = layers.Flatten()(x)
    logits = maybe_sn(layers.Dense(1, name="logit"))(x)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(images, logits, name=name)
