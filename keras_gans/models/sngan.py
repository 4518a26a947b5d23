"""`SNGAN`: the spectrally normalized GAN."""

import warnings

import keras

from keras_gans.layers import spectral_layers
from keras_gans.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class SNGAN(GAN):
    """Spectral normalization for GANs (Miyato et al., 2018).

    https://arxiv.org/abs/1802.05957

    Paper names: `discriminator` is D, every one of its layers spectrally
    normalized (`keras_gans.layers.SpectralNormalization`: W_SN = W / sigma(W),
    sigma(W) by one power iteration per update, the vector u advancing in the
    engine's `apply_update`); `generator` is G; `discriminator_steps` is
    n_dis; `loss="hinge"` is the hinge version of the adversarial loss
    (Lim & Ye 2017; the paper's section 4, used for its ResNet results): V_D = E[min(0, -1 + D(x))] + E[min(0, -1 - D(G(z)))],
    V_G = -E[D(G(z))].

    The paper's defaults are the constructor's: hinge loss, n_dis = 5, and
    Adam(alpha=2e-4, beta_1=0, beta_2=0.9) for both players
    (`default_optimizers`; setting "C" of the paper's table 1 for the ResNet
    networks). The networks: `keras_gans.networks.resnet_gan_generator` and
    `resnet_gan_discriminator` (the paper's ResNets, appendix B), or the
    DCGAN-style `networks.dcgan_discriminator(..., spectral_norm=True,
    normalization=None)`. A discriminator without any SpectralNormalization
    layer trains, with a warning (that is not SNGAN).

    Args:
        generator, discriminator, latent_dim: as in `GAN`.
        loss: the game (default "hinge").
        discriminator_steps: n_dis, D updates per G update (default 5).
        **kwargs: the other `GAN` options.

    Example:

    >>> sngan = keras_gans.SNGAN(
    ...     networks.resnet_gan_generator(128, (32, 32, 3), channels=256),
    ...     networks.resnet_gan_discriminator((32, 32, 3), channels=128), latent_dim=128)
    >>> sngan.compile()   # Adam(2e-4, 0, 0.9) for both players
    >>> sngan.fit(dataset, epochs=10)
    """

    def __init__(self, generator, discriminator, latent_dim, loss="hinge", discriminator_steps=5, **kwargs):
        super().__init__(
            generator, discriminator, latent_dim, loss=loss, discriminator_steps=discriminator_steps, **kwargs
        )
        _warn_without_spectral_norm(type(self).__name__, {"discriminator": discriminator})

    def default_optimizers(self):
        """(D's, G's) optimizer: Adam(2e-4, beta_1=0, beta_2=0.9) each."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
        )


def _warn_without_spectral_norm(model, networks):
    for name, network in networks.items():
        if not spectral_layers(network):
            warnings.warn(
                f"{model}'s {name} has no SpectralNormalization layer; the paper normalizes every layer "
                f"of it (e.g. networks.resnet_gan_{name}(..., spectral_norm=True)).",
                stacklevel=3,
            )
