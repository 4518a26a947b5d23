"""The ResNet generator and discriminator of SNGAN (Miyato et al. 2018, appendix B),
with SAGAN's optional self-attention (Zhang et al. 2019).

Block for block the networks of the authors' chainer code
(pfnet-research/sngan_projection: gen_models/resblocks.py, resnet_32.py,
resnet_64.py, resnet.py; dis_models/resblocks.py, snresnet_32.py,
snresnet_64.py, snresnet.py), in Keras' channels-last layout:

Generator: dense z -> bottom x bottom x (m_0 ch), up-sampling residual blocks
(BN, ReLU, nearest 2x up-sampling, conv3x3, BN, ReLU, conv3x3; shortcut:
nearest up-sampling, conv1x1), BN, ReLU, conv3x3, tanh.

Discriminator: the "optimized" first block (conv3x3, ReLU, conv3x3, 2x2
average pooling; shortcut: average pooling, conv1x1), down-sampling residual
blocks (ReLU, conv3x3, ReLU, conv3x3, average pooling; shortcut: conv1x1,
average pooling), ReLU, global *sum* pooling, dense to one logit.

Widths per resolution (ch = `channels`):

| size | G blocks (out widths), from | D blocks (out widths; d = down-samples) |
|---|---|---|
| 32 (CIFAR-10) | 4x4: ch, ch, ch | opt ch (d), ch (d), ch, ch; dense without bias |
| 28 (MNIST) | 7x7: ch, ch | as 32: opt ch (d), ch (d), ch, ch; dense without bias |
| 64 | 4x4 of 16ch: 8ch, 4ch, 2ch, ch | opt ch, 2ch, 4ch, 8ch, 16ch (all d) |
| 128 | 4x4 of 16ch: 16ch, 8ch, 4ch, 2ch, ch | opt ch, 2ch, 4ch, 8ch, 16ch (all d), 16ch |

The paper's widths: ch = 256 (G) and 128 (D) at 32 px, ch = 64 at 64 and
128 px. 28 px is not in the paper: it is the 32 px layout from a 7x7 bottom
(two up-sampling blocks), so the 28x28 digits train without resizing.

Initialisers as the authors': Glorot uniform with gain sqrt(2) in the
residual 3x3 convolutions, Glorot uniform in shortcuts, dense layers and the
output convolution. The generator's batch norm uses the library's
`batch_norm` (momentum 0.9, epsilon 1e-5); the generator's layers that feed
a batch norm (the dense and every block's convolutions) have no bias, which
changes nothing in training (batch norm removes a per-channel constant: such
a bias has a zero gradient) but keeps Adam from stepping on its rounding
noise. Nearest up-sampling is `NearestUpSampling2D` (static shapes, so the
generator converts to TFLite builtins).
"""

import keras
from keras import layers

from keras_gans.layers import GlobalSumPooling2D, NearestUpSampling2D, SelfAttention, maybe_spectral_norm
from keras_gans.networks.normalization import batch_norm

SIZES = (28, 32, 64, 128)

# G: width multipliers of the bottom and of each block's output; D: of each block's output
# and whether it down-samples (the first is the optimized block).
_GENERATOR_WIDTHS = {28: (1, 1, 1), 32: (1, 1, 1, 1), 64: (16, 8, 4, 2, 1), 128: (16, 16, 8, 4, 2, 1)}
_DISCRIMINATOR_BLOCKS = {
    28: ((1, True), (1, True), (1, False), (1, False)),
    32: ((1, True), (1, True), (1, False), (1, False)),
    64: ((1, True), (2, True), (4, True), (8, True), (16, True)),
    128: ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)),
}


def _residual_init():
    # chainer's GlorotUniform(scale=sqrt(2)): the limit times sqrt(2), the variance times 2.
    return keras.initializers.VarianceScaling(2.0, mode="fan_avg", distribution="uniform")


def _check(image_shape, attention_resolution, resolutions):
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[0] != image_shape[1] or image_shape[0] not in SIZES:
        raise ValueError(
            f"The ResNet networks take image_shape (size, size, channels) with size in {SIZES}, got {image_shape}."
        )
    resolutions = resolutions(image_shape[0])
    if attention_resolution is not None and attention_resolution not in resolutions:
        raise ValueError(
            f"attention_resolution must be one of the resolutions between blocks {sorted(set(resolutions))} "
            f"for {image_shape[0]}x{image_shape[0]} images, or None; got {attention_resolution}."
        )
    return image_shape


def _generator_resolutions(size):
    bottom = 7 if size == 28 else 4
    return [bottom * 2 ** (i + 1) for i in range(len(_GENERATOR_WIDTHS[size]) - 1)]


def _discriminator_resolutions(size):
    resolutions, side = [], size
    for _, down in _DISCRIMINATOR_BLOCKS[size]:
        side = side // 2 if down else side
        resolutions.append(side)
    return resolutions


def resnet_gan_generator(
    latent_dim,
    image_shape=(32, 32, 3),
    channels=256,
    attention_resolution=None,
    spectral_norm=False,
    synchronized_batch_norm=False,
    name="resnet_gan_generator",
):
    """The SNGAN ResNet generator (Miyato et al. 2018, tables 4 and 6).

    Args:
        latent_dim: size of z.
        image_shape: (size, size, channels), size in {28, 32, 64, 128}.
        channels: ch, the width (see the module's table; paper: 256 at 32 px,
            64 at 64 and 128 px).
        attention_resolution: a SAGAN self-attention layer after the block
            whose output has this side (e.g. 16 at 32 px); None for none.
        spectral_norm: spectrally normalize the dense and every convolution
            (SAGAN's generator); the u vectors advance in the engine's G update.
        synchronized_batch_norm: cross-replica batch norm under tf.distribute.
        name: model name.

    Returns:
        A functional keras.Model (latent_dim,) -> image_shape, tanh outputs.
    """
    size, _, out_channels = _check(image_shape, attention_resolution, _generator_resolutions)
    widths = [m * int(channels) for m in _GENERATOR_WIDTHS[size]]
    bottom = 7 if size == 28 else 4

    def sn(layer):
        return maybe_spectral_norm(layer, spectral_norm)

    z = keras.Input((latent_dim,), name="latent")
    # Every layer before a batch norm goes without bias (the authors' layers have one, but batch norm
    # removes a per-channel constant, so its gradient is zero and Adam would step on rounding noise).
    x = sn(
        layers.Dense(bottom * bottom * widths[0], use_bias=False, kernel_initializer="glorot_uniform", name="project")
    )(z)
    x = layers.Reshape((bottom, bottom, widths[0]))(x)
    side = bottom
    for i, width in enumerate(widths[1:]):
        x = _up_block(x, width, f"block{i + 1}", sn, synchronized_batch_norm)
        side *= 2
        if side == attention_resolution:
            x = SelfAttention(spectral_norm=spectral_norm, name=f"attention{side}")(x)
    x = batch_norm(synchronized_batch_norm, name="out_bn")(x)
    x = layers.ReLU(name="out_relu")(x)
    x = sn(layers.Conv2D(out_channels, 3, padding="same", kernel_initializer="glorot_uniform", name="to_image"))(x)
    images = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, images, name=name)


def _up_block(x, filters, name, sn, synchronized_batch_norm):
    """BN, ReLU, up 2x, conv3x3, BN, ReLU, conv3x3; shortcut up 2x, conv1x1 (gen_models/resblocks.Block)."""
    h = batch_norm(synchronized_batch_norm, name=f"{name}_bn1")(x)
    h = layers.ReLU(name=f"{name}_relu1")(h)
    h = NearestUpSampling2D(name=f"{name}_up")(h)
    h = sn(
        layers.Conv2D(
            filters, 3, padding="same", use_bias=False, kernel_initializer=_residual_init(), name=f"{name}_conv1"
        )
    )(h)
    h = batch_norm(synchronized_batch_norm, name=f"{name}_bn2")(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = sn(
        layers.Conv2D(
            filters, 3, padding="same", use_bias=False, kernel_initializer=_residual_init(), name=f"{name}_conv2"
        )
    )(h)
    s = NearestUpSampling2D(name=f"{name}_shortcut_up")(x)
    s = sn(layers.Conv2D(filters, 1, use_bias=False, kernel_initializer="glorot_uniform", name=f"{name}_shortcut"))(s)
    return layers.Add(name=f"{name}_add")([h, s])


def resnet_gan_discriminator(
    image_shape=(32, 32, 3),
    channels=128,
    attention_resolution=None,
    spectral_norm=True,
    name="resnet_gan_discriminator",
):
    """The SNGAN ResNet discriminator (Miyato et al. 2018, tables 5 and 7).

    Args:
        image_shape: (size, size, channels), size in {28, 32, 64, 128}.
        channels: ch, the width (paper: 128 at 32 px, 64 at 64 and 128 px).
        attention_resolution: a SAGAN self-attention layer after the block
            whose output has this side (e.g. 16 at 32 px); None for none.
        spectral_norm: spectrally normalize every convolution and the dense
            (SNGAN; on by default).
        name: model name.

    Returns:
        A functional keras.Model image_shape -> (1,) logits.
    """
    size = _check(image_shape, attention_resolution, _discriminator_resolutions)[0]

    def sn(layer):
        return maybe_spectral_norm(layer, spectral_norm)

    images = keras.Input(image_shape, name="image")
    x, side = images, size
    for i, (multiplier, down) in enumerate(_DISCRIMINATOR_BLOCKS[size]):
        filters = multiplier * int(channels)
        if i == 0:
            x = _optimized_block(x, filters, "block1", sn)
        else:
            x = _down_block(x, filters, f"block{i + 1}", sn, down)
        side = side // 2 if down else side
        if side == attention_resolution:
            x = SelfAttention(spectral_norm=spectral_norm, name=f"attention{side}")(x)
            attention_resolution = None  # once, after the first block at that side
    x = layers.ReLU(name="out_relu")(x)
    x = GlobalSumPooling2D(name="sum_pool")(x)
    # The 32 px code has no bias in its last layer (snresnet_32.py), the 64/128 px code has one.
    logits = sn(layers.Dense(1, use_bias=size > 32, kernel_initializer="glorot_uniform", name="logit"))(x)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model(images, logits, name=name)


def _optimized_block(x, filters, name, sn):
    """conv3x3, ReLU, conv3x3, avgpool; shortcut avgpool, conv1x1 (dis_models/resblocks.OptimizedBlock)."""
    h = sn(layers.Conv2D(filters, 3, padding="same", kernel_initializer=_residual_init(), name=f"{name}_conv1"))(x)
    h = layers.ReLU(name=f"{name}_relu")(h)
    h = sn(layers.Conv2D(filters, 3, padding="same", kernel_initializer=_residual_init(), name=f"{name}_conv2"))(h)
    h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    s = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(x)
    s = sn(layers.Conv2D(filters, 1, kernel_initializer="glorot_uniform", name=f"{name}_shortcut"))(s)
    return layers.Add(name=f"{name}_add")([h, s])


def _down_block(x, filters, name, sn, down):
    """ReLU, conv3x3, ReLU, conv3x3, [avgpool]; shortcut conv1x1, [avgpool] when the width
    changes or it down-samples, else identity (dis_models/resblocks.Block)."""
    h = layers.ReLU(name=f"{name}_relu1")(x)
    h = sn(layers.Conv2D(x.shape[-1], 3, padding="same", kernel_initializer=_residual_init(), name=f"{name}_conv1"))(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = sn(layers.Conv2D(filters, 3, padding="same", kernel_initializer=_residual_init(), name=f"{name}_conv2"))(h)
    s = x
    if down or x.shape[-1] != filters:
        s = sn(layers.Conv2D(filters, 1, kernel_initializer="glorot_uniform", name=f"{name}_shortcut"))(s)
    if down:
        h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
        s = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(s)
    return layers.Add(name=f"{name}_add")([h, s])


def num_blocks(image_size):
    """(generator blocks, discriminator blocks) of the ResNet networks at `image_size`."""
    if image_size not in SIZES:
        raise ValueError(f"image_size must be one of {SIZES}, got {image_size}.")
    return len(_GENERATOR_WIDTHS[image_size]) - 1, len(_DISCRIMINATOR_BLOCKS[image_size])
