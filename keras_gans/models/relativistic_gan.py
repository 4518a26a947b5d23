"""`RelativisticGAN`: the relativistic average GAN (RaGAN)."""

import keras
import tensorflow as tf

from keras_gans import distribute
from keras_gans.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class RelativisticGAN(GAN):
    """Relativistic average GAN (Jolicoeur-Martineau, 2019), RaSGAN and RaLSGAN.

    https://arxiv.org/abs/1807.00734

    Paper names: `discriminator` is the critic C(x) (its raw output); the
    relativistic average discriminator is
    D_Ra(x_r, x_f) = sigmoid(C(x_r) - E_{x_f} C(x_f)). Both players see both
    batches:

        RaSGAN (loss="non_saturating"):
          L_D = -E log D_Ra(x_r, x_f) - E log(1 - D_Ra(x_f, x_r))
          L_G = -E log D_Ra(x_f, x_r) - E log(1 - D_Ra(x_r, x_f))
        RaLSGAN (loss="least_squares"):
          L_D = E (C(x_r) - E C(x_f) - 1)^2 + E (C(x_f) - E C(x_r) + 1)^2
          L_G = E (C(x_f) - E C(x_r) - 1)^2 + E (C(x_r) - E C(x_f) + 1)^2

    The averages E C(.) are over the global batch (every replica's share, see
    `keras_gans.distribute.global_mean`), so the step equals the
    single-device step under any strategy. The paper's defaults: Adam(2e-4,
    beta_1=0.5), one D step per G step.

    Args:
        generator, discriminator, latent_dim: as in `GAN`.
        loss: "non_saturating" (RaSGAN) or "least_squares" (RaLSGAN).
        **kwargs: the other `GAN` options.

    Example:

    >>> ragan = keras_gans.RelativisticGAN(generator, discriminator, latent_dim=64)
    >>> ragan.compile()
    >>> ragan.fit(keras_gans.datasets.load("mnist5k"), epochs=20)
    """

    LOSSES = ("non_saturating", "least_squares")

    def __init__(self, generator, discriminator, latent_dim, loss="non_saturating", **kwargs):
        if loss not in self.LOSSES:
            raise ValueError(f"RelativisticGAN's loss must be one of {self.LOSSES}, got {loss!r}.")
        super().__init__(generator, discriminator, latent_dim, loss=loss, **kwargs)

    @property
    def generator_uses_real(self):
        """G's loss reads D's outputs on the real batch too."""
        return True

    def discriminator_loss(self, real, fake, real_out, fake_out):
        real_rel, fake_rel = self.relativistic_logits(real_out, fake_out)
        return self.relativistic_loss(real_rel, fake_rel), {}

    def generator_loss(self, real, fake, real_logits, fake_out):
        real_rel, fake_rel = self.relativistic_logits(real_logits, fake_out)
        return self.relativistic_loss(fake_rel, real_rel), {}  # the roles swap

    def relativistic_logits(self, real_logits, fake_logits):
        """(C(x_r) - E C(x_f), C(x_f) - E C(x_r)), the averages over the global batch."""
        real_logits = tf.cast(real_logits, tf.float32)
        fake_logits = tf.cast(fake_logits, tf.float32)
        real_mean = distribute.global_mean(tf.reshape(real_logits, [-1]))
        fake_mean = distribute.global_mean(tf.reshape(fake_logits, [-1]))
        return real_logits - fake_mean, fake_logits - real_mean

    def relativistic_loss(self, winner, loser):
        """The loss of the side that should look more real (`winner`) than the other."""
        if self.loss == "least_squares":
            return tf.reduce_mean(tf.square(winner - 1.0)) + tf.reduce_mean(tf.square(loser + 1.0))
        # -log sigmoid(w) - log(1 - sigmoid(l)) = softplus(-w) + softplus(l)
        return tf.reduce_mean(tf.nn.softplus(-winner)) + tf.reduce_mean(tf.nn.softplus(loser))
