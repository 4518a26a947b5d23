"""`SAGAN`: the self-attention GAN."""

import keras

from keras_gans.models.gan import GAN
from keras_gans.models.sngan import _warn_without_spectral_norm


@keras.saving.register_keras_serializable(package="keras_gans")
class SAGAN(GAN):
    """Self-attention GAN (Zhang et al., 2019).

    https://arxiv.org/abs/1805.08318

    Paper names: `generator` is G and `discriminator` is D, both with
    self-attention blocks (`keras_gans.layers.SelfAttention`: f(x), g(x),
    h(x), v(.) and gamma of section 3) and spectral normalization on every
    layer of both networks (section 4.1: "spectral normalization for both
    generator and discriminator"); `loss="hinge"` is the hinge adversarial
    loss of equation 3: L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))],
    L_G = -E[D(G(z))]; one D update per G update (`discriminator_steps=1`);
    the two time-scale update rule (TTUR, Heusel et al. 2017):
    Adam(1e-4, beta_1=0, beta_2=0.9) for G, Adam(4e-4, 0, 0.9) for D
    (`default_optimizers`).

    The spectral normalization of G's layers advances its power iteration
    in G's updates: the engine's `apply_update` advances every spectrally
    normalized layer of the model whose kernel the update changes, G's as
    well as D's. A network without any SpectralNormalization layer trains,
    with a warning.

    Networks: `keras_gans.networks.resnet_gan_generator(...,
    attention_resolution=r, spectral_norm=True)` and
    `resnet_gan_discriminator(..., attention_resolution=r)` (the paper puts
    attention at the 32x32 feature maps of its 128 px networks).

    Args:
        generator, discriminator, latent_dim: as in `GAN`.
        loss: the game (default "hinge").
        discriminator_steps: D updates per G update (default 1).
        **kwargs: the other `GAN` options.

    Example:

    >>> sagan = keras_gans.SAGAN(
    ...     networks.resnet_gan_generator(128, (32, 32, 3), 256, attention_resolution=16, spectral_norm=True),
    ...     networks.resnet_gan_discriminator((32, 32, 3), 128, attention_resolution=16), latent_dim=128)
    >>> sagan.compile()   # TTUR: D Adam(4e-4, 0, 0.9), G Adam(1e-4, 0, 0.9)
    """

    def __init__(self, generator, discriminator, latent_dim, loss="hinge", discriminator_steps=1, **kwargs):
        super().__init__(
            generator, discriminator, latent_dim, loss=loss, discriminator_steps=discriminator_steps, **kwargs
        )
        _warn_without_spectral_norm(type(self).__name__, {"generator": generator, "discriminator": discriminator})

    def default_optimizers(self):
        """(D's, G's) optimizer: TTUR, Adam(4e-4, 0, 0.9) for D and Adam(1e-4, 0, 0.9) for G."""
        return (
            keras.optimizers.Adam(4e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        )
