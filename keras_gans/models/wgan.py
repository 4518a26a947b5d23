"""`WGAN`: Wasserstein GAN with weight clipping."""

import keras
import tensorflow as tf

from keras_gans.models import _base
from keras_gans.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class WGAN(GAN):
    """Wasserstein GAN (Arjovsky et al., 2017), algorithm 1.

    https://arxiv.org/abs/1701.07875

    Paper names: `discriminator` is the critic f_w, `clip_value` is c,
    `discriminator_steps` is n_critic. Defaults are the paper's: c = 0.01,
    n_critic = 5, RMSprop with learning rate 5e-5 for both players. The
    weights are clipped after every critic update.

    Algorithm 1 samples a fresh real minibatch for every critic update: pass
    `fresh_real_batches=True` with a dataset batch of n_critic * m (each
    critic update takes its m examples). By default the n_critic updates
    share the step's real batch (with fresh latents each), as most WGAN code
    does.

    Args:
        generator, discriminator, latent_dim: as in `GAN`.
        clip_value: the critic's weights are clipped to [-c, c] after each
            critic update.
        discriminator_steps: critic updates per generator update.
        **kwargs: other `GAN` options (loss is fixed to "wasserstein").

    Example:

    >>> wgan = keras_gans.WGAN(generator, critic, latent_dim=64)
    >>> wgan.compile()  # RMSprop(5e-5) for both, as in the paper
    """

    def __init__(self, generator, discriminator, latent_dim, clip_value=0.01, discriminator_steps=5, **kwargs):
        kwargs.setdefault("loss", "wasserstein")
        super().__init__(generator, discriminator, latent_dim, discriminator_steps=discriminator_steps, **kwargs)
        self.clip_value = float(clip_value)

    def default_optimizers(self):
        return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)

    def after_discriminator_update(self):
        # w <- clip(w, -c, c)
        c = self.clip_value
        _base.assign_replica_safe(
            [(w, None) for w in self.discriminator.trainable_variables],
            lambda w, _: tf.clip_by_value(w, -c, c),
        )

    def get_config(self):
        return {**super().get_config(), "clip_value": self.clip_value}
