"""`WGANGP`: Wasserstein GAN with gradient penalty."""

import keras

from keras_gans import losses
from keras_gans.models import _base
from keras_gans.models.gan import GAN, _images


@keras.saving.register_keras_serializable(package="keras_gans")
class WGANGP(GAN):
    """Wasserstein GAN with gradient penalty (Gulrajani et al., 2017), algorithm 1.

    https://arxiv.org/abs/1704.00028

    Paper names: `gp_weight` is lambda, `discriminator_steps` is n_critic,
    the interpolates are x_hat. Defaults are the paper's: lambda = 10,
    n_critic = 5, Adam(1e-4, beta_1=0, beta_2=0.9). The penalty is per
    example, so the critic must not use batch normalization (section 4): a
    critic with BatchNormalization anywhere (custom layers included) is
    refused.

    Algorithm 1 samples a fresh real minibatch for every critic update: pass
    `fresh_real_batches=True` with a dataset batch of n_critic * m (each
    critic update takes its m examples). By default the n_critic updates
    share the step's real batch (with fresh latents and interpolation
    weights each), as most WGAN-GP code does.

    Args:
        generator, discriminator, latent_dim: as in `GAN`.
        gp_weight: lambda.
        discriminator_steps: critic updates per generator update.
        **kwargs: other `GAN` options (loss is fixed to "wasserstein").
    """

    def __init__(self, generator, discriminator, latent_dim, gp_weight=10.0, discriminator_steps=5, **kwargs):
        kwargs.setdefault("loss", "wasserstein")
        batch_norms = _base.batch_norm_layers(discriminator)  # custom layers' sublayers included
        if batch_norms:
            raise ValueError(
                "WGAN-GP penalises each example's gradient, which batch normalization makes depend "
                f"on the whole batch; the critic has BatchNormalization layers {batch_norms}. "
                "Use layer or instance normalization or none, e.g. "
                "networks.dcgan_discriminator(..., normalization=None)."
            )
        super().__init__(generator, discriminator, latent_dim, discriminator_steps=discriminator_steps, **kwargs)
        self.gp_weight = float(gp_weight)

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        )

    def discriminator_penalty(self, real, fake, seed):
        # lambda * E[(||grad D(x_hat)|| - 1)^2], plus any penalty of the base class.
        gp = self.gp_weight * losses.gradient_penalty(self.critic(real), _images(real), _images(fake), seed)
        other = super().discriminator_penalty(real, fake, seed)
        return gp if other is None else gp + other

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight}
