"""StarGAN's generator and discriminator (Choi et al., 2018).

https://arxiv.org/abs/1711.09020 (appendix, table 4 and 5)

Layer for layer the authors' `Generator` and `Discriminator` (yunjey/stargan,
model.py), with a width option (`base_filters`, their conv_dim = 64) and the
number of residual blocks / discriminator layers (their repeat_num = 6) so
tiny ones run in tests:

- G(x, c): the target-domain vector c tiled over the image and concatenated
  to it as channels; 7x7 conv, two 4x4 stride-2 down-samplings, residual
  blocks (two 3x3 convs each), two 4x4 stride-2 transposed convs, 7x7 conv
  to the image's channels, tanh. Instance norm (affine) and ReLU after every
  conv but the last, no convolution biases.
- D(x) -> (D_src, D_cls): 4x4 stride-2 convs with LeakyReLU(0.01), no
  normalization; D_src a 3x3 conv to a one-channel map (PatchGAN), D_cls a
  conv whose kernel covers the whole last map (1x1 output) to n_domains
  logits.

One difference: PyTorch's InstanceNorm2d(track_running_stats=True), used by
the reference, normalizes with running averages in eval mode; here instance
norm (`networks.normalization`, `InstanceNormalization`, one mean and
variance per image and channel) uses each image's statistics in training and inference alike.
"""

import keras
from keras import layers

from keras_gans.networks.normalization import normalization


@keras.saving.register_keras_serializable(package="keras_gans")
class TileDomains(layers.Layer):
    """[x, c] -> x with c tiled over its height and width as extra channels.

    The reference's `c.view(b, c, 1, 1).repeat(1, 1, h, w)` and `torch.cat`.
    """

    def call(self, inputs):
        images, domains = inputs
        domains = keras.ops.cast(domains, images.dtype)
        shape = keras.ops.shape(images)
        depth = keras.ops.shape(domains)[-1]
        tiled = keras.ops.broadcast_to(domains[:, None, None, :], (shape[0], shape[1], shape[2], depth))
        return keras.ops.concatenate([images, tiled], axis=-1)

    def compute_output_shape(self, input_shape):
        image_shape, domain_shape = input_shape
        return tuple(image_shape[:-1]) + (image_shape[-1] + domain_shape[-1],)


def _check(image_shape, num_domains, downsamplings):
    image_shape = tuple(image_shape)
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}.")
    if int(num_domains) < 1:
        raise ValueError(f"num_domains must be >= 1, got {num_domains}.")
    factor = 2**downsamplings
    for side in image_shape[:2]:
        if side is not None and side % factor:
            raise ValueError(
                f"image height and width must be divisible by {factor} ({downsamplings} stride-2 layers), "
                f"got image_shape {image_shape}."
            )
    return image_shape


def stargan_generator(
    image_shape=(128, 128, 3), num_domains=5, base_filters=64, num_residual_blocks=6, name="stargan_generator"
):
    """G(x, c): StarGAN's generator, a Keras model of two inputs [images, domains].

    Args:
        image_shape: (height, width, channels), height and width divisible by 4
            (128x128x3 in the paper).
        num_domains: length of the domain vector c (the reference's c_dim: 5
            CelebA attributes).
        base_filters: conv_dim (64); the bottleneck has 4x as many.
        num_residual_blocks: repeat_num (6).
        name: the model's name.

    Returns:
        A keras.Model [(batch, h, w, channels) in [-1, 1], (batch, num_domains)]
        -> (batch, h, w, channels) in [-1, 1] (tanh).
    """
    image_shape = _check(image_shape, num_domains, 2)
    images = keras.Input(image_shape, name="images")
    domains = keras.Input((int(num_domains),), name="domains")

    def conv_norm_relu(x, filters, kernel, stride, label, transpose=False):
        conv = layers.Conv2DTranspose if transpose else layers.Conv2D
        x = conv(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{label}_conv")(x)
        x = normalization("instance", name=f"{label}_norm", epsilon=1e-5)(x)
        return layers.ReLU(name=f"{label}_relu")(x)

    x = TileDomains(name="tile_domains")([images, domains])
    x = conv_norm_relu(x, base_filters, 7, 1, "c7s1")
    filters = base_filters
    for i in range(2):  # down-sampling
        filters *= 2
        x = conv_norm_relu(x, filters, 4, 2, f"down{i + 1}")
    for i in range(num_residual_blocks):  # bottleneck
        h = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"res{i + 1}_conv1")(x)
        h = normalization("instance", name=f"res{i + 1}_norm1", epsilon=1e-5)(h)
        h = layers.ReLU(name=f"res{i + 1}_relu")(h)
        h = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"res{i + 1}_conv2")(h)
        h = normalization("instance", name=f"res{i + 1}_norm2", epsilon=1e-5)(h)
        x = layers.Add(name=f"res{i + 1}_add")([x, h])
    for i in range(2):  # up-sampling
        filters //= 2
        x = conv_norm_relu(x, filters, 4, 2, f"up{i + 1}", transpose=True)
    x = layers.Conv2D(image_shape[-1], 7, padding="same", use_bias=False, name="to_image")(x)
    outputs = layers.Activation("tanh", name="tanh")(x)
    return keras.Model([images, domains], outputs, name=name)


def stargan_discriminator(
    image_shape=(128, 128, 3), num_domains=5, base_filters=64, num_layers=6, name="stargan_discriminator"
):
    """D(x) -> [D_src, D_cls]: StarGAN's discriminator with its two heads.

    Args:
        image_shape: (height, width, channels), height and width fixed: the
            classification kernel covers the last map, ceil(size / 2**num_layers)
            ("same" padding): 2x2 for 128 px and 6 layers, the reference's
            image_size / 2**repeat_num; 4x4 for 28 px and 3 layers.
        num_domains: number of domain logits (c_dim).
        base_filters: conv_dim (64), doubled by each layer after the first.
        num_layers: repeat_num (6): stride-2 4x4 convs with LeakyReLU(0.01).
        name: the model's name.

    Returns:
        A keras.Model (batch, h, w, channels) -> [D_src (batch, h/2^n, w/2^n, 1)
        critic map, D_cls (batch, num_domains) logits].
    """
    image_shape = _check(image_shape, num_domains, 0)
    if None in image_shape[:2]:
        raise ValueError(f"The discriminator's classification kernel needs a fixed image size, got {image_shape}.")
    images = keras.Input(image_shape, name="images")
    x = images
    filters = base_filters
    for i in range(num_layers):
        x = layers.Conv2D(filters, 4, strides=2, padding="same", name=f"conv{i + 1}")(x)
        x = layers.LeakyReLU(0.01, name=f"lrelu{i + 1}")(x)
        if i + 1 < num_layers:
            filters *= 2
    source = layers.Conv2D(1, 3, padding="same", use_bias=False, name="src")(x)  # conv1: D_src
    kernel = tuple(int(x.shape[axis]) for axis in (1, 2))
    logits = layers.Conv2D(int(num_domains), kernel, padding="valid", use_bias=False, name="cls")(x)  # conv2: D_cls
    logits = layers.Reshape((int(num_domains),), name="cls_logits")(logits)
    return keras.Model(images, [source, logits], name=name)
