"""BigGAN-style networks (Brock et al. 2019, https://arxiv.org/abs/1809.11096) for 28 to 128 pixels.

- `biggan_generator`: G([z, y]). z is split into chunks, one for the first
  linear layer and one per residual up block (the hierarchical latent); each
  block's conditional batch norms take c = concat(shared class embedding, its
  z chunk) (`layers.ConditionalBatchNormalization`); spectral normalization
  of every convolution and linear map; tanh output.
- `biggan_discriminator`: D([x, y]). Residual down blocks with spectral
  normalization, ReLU, then the projection head of `networks.conditional`
  (global sum pooling, psi(h) + <embed(y), h>).

The channel layouts follow BigGAN-PyTorch's `G_arch` / `D_arch` (multiples
of `channels`, the paper's ch): 32 px: 4x4 -> 3 blocks of 4ch; 64 px:
16ch, 8ch, 4ch, 2ch; 128 px: 16ch, 8ch, 4ch, 2ch, ch. For 28 px (MNIST)
the generator starts at 7x7 with two blocks of 4ch (7 -> 14 -> 28), and the
discriminator has two down blocks (28 -> 14 -> 7) and one at 7x7, as its
32 px layout minus one block.
"""

import keras
from keras import layers

from keras_gans.layers import NearestUpSampling2D, maybe_spectral_norm
from keras_gans.layers.conditional_batch_norm import ConditionalBatchNormalization
from keras_gans.networks.conditional import _check_classes, _label_input, projection_logits

# size -> (start side, generator (in, out) multipliers per block)
G_ARCH = {
    28: (7, [(4, 4), (4, 4)]),
    32: (4, [(4, 4), (4, 4), (4, 4)]),
    64: (4, [(16, 16), (16, 8), (8, 4), (4, 2)]),
    128: (4, [(16, 16), (16, 8), (8, 4), (4, 2), (2, 1)]),
}
# size -> discriminator (out multiplier, downsample) per block
D_ARCH = {
    28: [(4, True), (4, True), (4, False)],
    32: [(4, True), (4, True), (4, False), (4, False)],
    64: [(1, True), (2, True), (4, True), (8, True), (16, False)],
    128: [(1, True), (2, True), (4, True), (8, True), (16, True), (16, False)],
}


@keras.saving.register_keras_serializable(package="keras_gans")
class LatentChunks(layers.Layer):
    """z (batch, d) -> a list of `chunks` equal parts (batch, d / chunks): BigGAN's `torch.split(z, ...)`."""

    def __init__(self, chunks, **kwargs):
        super().__init__(**kwargs)
        self.chunks = int(chunks)

    def call(self, z):
        return keras.ops.split(z, self.chunks, axis=-1)

    def compute_output_shape(self, input_shape):
        return [(input_shape[0], input_shape[-1] // self.chunks)] * self.chunks

    def get_config(self):
        return {**super().get_config(), "chunks": self.chunks}


def _check_shape(image_shape):
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[0] != image_shape[1] or image_shape[0] not in G_ARCH:
        raise ValueError(
            f"BigGAN-style networks take square images of {sorted(G_ARCH)} pixels, got image_shape {image_shape}."
        )
    if image_shape[2] not in (1, 3):
        raise ValueError(f"Expected 1 or 3 image channels, got image_shape {image_shape}.")
    return image_shape


def latent_chunks(image_shape):
    """How many chunks z is split into: one for the first layer, one per up block."""
    return len(G_ARCH[_check_shape(image_shape)[0]][1]) + 1


def _conv(filters, kernel, spectral_norm, name):
    return maybe_spectral_norm(layers.Conv2D(filters, kernel, padding="same", name=name), spectral_norm)


def _up_block(x, c, filters, spectral_norm, synchronized, name):
    """BigGAN's GBlock: CBN, ReLU, 2x nearest upsampling, conv3x3, CBN, ReLU, conv3x3; 1x1 shortcut."""

    def cbn(h, suffix):
        return ConditionalBatchNormalization(
            spectral_norm=spectral_norm, synchronized=synchronized, name=f"{name}_cbn{suffix}"
        )([h, c])

    h = layers.ReLU()(cbn(x, 1))
    h = NearestUpSampling2D(name=f"{name}_up")(h)
    h = _conv(filters, 3, spectral_norm, f"{name}_conv1")(h)
    h = layers.ReLU()(cbn(h, 2))
    h = _conv(filters, 3, spectral_norm, f"{name}_conv2")(h)
    shortcut = NearestUpSampling2D(name=f"{name}_shortcut_up")(x)
    shortcut = _conv(filters, 1, spectral_norm, f"{name}_shortcut")(shortcut)
    return layers.Add(name=f"{name}_out")([h, shortcut])


def biggan_generator(
    latent_dim,
    num_classes,
    image_shape=(128, 128, 3),
    channels=64,
    embedding_dim=128,
    spectral_norm=True,
    synchronized_batch_norm=False,
    name="biggan_generator",
):
    """BigGAN's generator, class-conditional with a hierarchical latent: G([z, y]).

    z (latent_dim) is split into `latent_chunks(image_shape)` equal chunks:
    the first goes through a linear map to the start_side x start_side x
    (16 or 4)ch map; block i's two conditional batch norms take
    c_i = concat(shared_embedding(y), z_{i+1}). After the blocks: batch
    norm, ReLU, a 3x3 convolution to the image channels, tanh.

    Args:
        latent_dim: size of z, a multiple of `latent_chunks(image_shape)`
            (BigGAN 128 px: 120 = 6 x 20).
        num_classes: K.
        image_shape: (size, size, channels), size in {28, 32, 64, 128}.
        channels: the paper's ch (BigGAN: 96 at 128 px; tiny values such as
            4 for tests).
        embedding_dim: size of the shared class embedding (BigGAN: 128).
        spectral_norm: spectral normalization of every convolution and
            linear map (BigGAN's G_param="SN"), not of the shared embedding.
        synchronized_batch_norm: cross-replica batch norm.
        name: model name.

    Returns:
        A functional keras.Model [latent (latent_dim,), labels ()] -> image_shape in [-1, 1].

    Example:

    >>> g = biggan_generator(48, 10, (28, 28, 1), channels=8)
    >>> g([np.zeros((2, 48)), np.array([3, 7])]).shape
    TensorShape([2, 28, 28, 1])
    """
    size, _, image_channels = _check_shape(image_shape)
    num_classes = _check_classes(num_classes)
    start, arch = G_ARCH[size]
    chunks = len(arch) + 1
    if int(latent_dim) % chunks:
        raise ValueError(
            f"latent_dim must be a multiple of {chunks} at {size} px (z is split into one chunk for the "
            f"first layer and one per block), got {latent_dim}; e.g. {chunks * max(1, int(latent_dim) // chunks)}."
        )
    z = keras.Input((int(latent_dim),), name="latent")
    y = _label_input()
    # Orthogonal init as BigGAN-PyTorch's G_init="ortho" (unit-norm rows for K <= embedding_dim). With it or
    # with Keras' uniform(+-0.05), the class was not learned in 620 steps on mnist5k (benchmarks/biggan.py).
    shared = layers.Embedding(num_classes, embedding_dim, embeddings_initializer="orthogonal", name="shared_embedding")(
        y
    )
    z_chunks = LatentChunks(chunks, name="z_chunks")(z)
    filters = arch[0][0] * channels
    linear = maybe_spectral_norm(layers.Dense(start * start * filters, name="linear"), spectral_norm)
    x = layers.Reshape((start, start, filters), name="start")(linear(z_chunks[0]))
    for i, (_, out) in enumerate(arch):
        c = layers.Concatenate(name=f"condition{i}")([shared, z_chunks[i + 1]])
        x = _up_block(x, c, out * channels, spectral_norm, synchronized_batch_norm, f"up{i}")
    x = layers.BatchNormalization(epsilon=1e-5, synchronized=synchronized_batch_norm, name="output_bn")(x)
    x = layers.ReLU()(x)
    x = _conv(image_channels, 3, spectral_norm, "output_conv")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model([z, y], images, name=name)


def _down_block(x, filters, downsample, preactivation, spectral_norm, name):
    """BigGAN's DBlock: [ReLU], conv3x3, ReLU, conv3x3, [avg pool]; 1x1 shortcut where shapes change."""
    h = layers.ReLU()(x) if preactivation else x
    h = _conv(filters, 3, spectral_norm, f"{name}_conv1")(h)
    h = layers.ReLU()(h)
    h = _conv(filters, 3, spectral_norm, f"{name}_conv2")(h)
    if downsample:
        h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    shortcut = x
    learnable = downsample or int(x.shape[-1]) != filters
    if preactivation:  # BigGAN: conv then pool, except in the first block
        if learnable:
            shortcut = _conv(filters, 1, spectral_norm, f"{name}_shortcut")(shortcut)
        if downsample:
            shortcut = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
    else:
        if downsample:
            shortcut = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
        if learnable:
            shortcut = _conv(filters, 1, spectral_norm, f"{name}_shortcut")(shortcut)
    return layers.Add(name=f"{name}_out")([h, shortcut])


def biggan_discriminator(image_shape, num_classes, channels=64, spectral_norm=True, name="biggan_discriminator"):
    """BigGAN's discriminator: residual down blocks and the projection head: D([x, y]) -> logits.

    Blocks as BigGAN-PyTorch's D_arch (the first without pre-activation),
    then ReLU, global sum pooling and psi(h) + <embed(y), h>
    (`networks.conditional.projection_logits`).

    Args:
        image_shape: (size, size, channels), size in {28, 32, 64, 128}.
        num_classes: K.
        channels: the paper's ch.
        spectral_norm: spectral normalization of every convolution and of
            psi (BigGAN's D_param="SN"; the class embedding is not
            normalized here).
        name: model name.

    Returns:
        A functional keras.Model [image image_shape, labels ()] -> (1,) float32 logits.
    """
    size, _, _ = _check_shape(image_shape)
    num_classes = _check_classes(num_classes)
    images = keras.Input(image_shape, name="image")
    y = _label_input()
    x = images
    for i, (out, downsample) in enumerate(D_ARCH[size]):
        x = _down_block(x, out * channels, downsample, i > 0, spectral_norm, f"down{i}")
    x = layers.ReLU(name="features")(x)
    logits = projection_logits(x, y, num_classes, spectral_norm, embeddings_initializer="orthogonal")  # D_init="ortho"
    return keras.Model([images, y], logits, name=name)
