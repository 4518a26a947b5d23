"""`ACGAN`: the auxiliary classifier GAN."""

import keras

from keras_gans.labels import class_accuracy, class_cross_entropy
from keras_gans.models.conditional_gan import ConditionalGAN


@keras.saving.register_keras_serializable(package="keras_gans")
class ACGAN(ConditionalGAN):
    """Auxiliary classifier GAN (Odena et al., 2017), section 3.

    https://arxiv.org/abs/1610.09585

    Paper names: `generator` is G, X_fake = G(c, z) with class c; the
    `discriminator` gives both P(S | X) (the source logit, real or fake) and
    P(C | X) (class logits). The log-likelihoods of the correct source and of
    the correct class are

        L_S = E[log P(S=real | X_real)] + E[log P(S=fake | X_fake)]
        L_C = E[log P(C=c | X_real)] + E[log P(C=c | X_fake)]

    D maximises L_S + L_C and G maximises L_C - L_S. The source part is the
    configured game (`loss`, non-saturating by default, so G minimises
    -log D(G(z)) rather than L_S); the class part is the cross-entropy,
    weighted by `class_loss_weight` (the paper: 1). Unlike `ConditionalGAN`,
    D does not see the label: it must infer it.

    Args:
        generator: `[z (latent_dim,), y ()] -> images`, e.g.
            `networks.conditional_generator`.
        discriminator: `images -> [source logits (1,), class logits (K,)]`,
            e.g. `networks.acgan_discriminator`.
        latent_dim: size of z.
        num_classes: K.
        class_loss_weight: weight of the class terms L_C in both players'
            losses.
        **kwargs: the `GAN` options.

    Example:

    >>> acgan = keras_gans.ACGAN(
    ...     networks.conditional_generator(64, 10, (16, 16, 1)),
    ...     networks.acgan_discriminator((16, 16, 1), 10),
    ...     latent_dim=64, num_classes=10)
    >>> acgan.compile()
    >>> acgan.fit(datasets.load("digits", with_labels=True), epochs=10)
    """

    def __init__(self, generator, discriminator, latent_dim, num_classes, class_loss_weight=1.0, **kwargs):
        super().__init__(generator, discriminator, latent_dim, num_classes, **kwargs)
        self.class_loss_weight = float(class_loss_weight)
        # class_loss: -L_C's real term; class_accuracy / fake_class_accuracy:
        # D's auxiliary classifier on real and on generated batches.
        self.create_trackers(
            ["d_loss", "g_loss", "d_real", "d_fake", "penalty", "class_loss", "class_accuracy", "fake_class_accuracy"]
        )

    # --- hooks of the GAN step: D sees the image only and has two heads -------

    def discriminate(self, samples, training=True):
        """[P(S | X) logits, P(C | X) logits] = D(x): D must infer the class."""
        images, _ = samples
        return self.discriminator(images, training=training)

    def critic_logits(self, outputs):
        """The source head: the game (and the penalties) are played on it."""
        return outputs[0]

    def discriminator_loss(self, real, fake, real_out, fake_out):
        """-(L_S + L_C): the game on the source head plus the class terms."""
        (_, real_c), (_, fake_c) = real, fake
        source_loss = self.game.discriminator_loss(real_out[0], fake_out[0])  # -L_S
        real_class_loss = class_cross_entropy(real_c, real_out[1])
        fake_class_loss = class_cross_entropy(fake_c, fake_out[1])
        d_loss = source_loss + self.class_loss_weight * (real_class_loss + fake_class_loss)
        return d_loss, {
            "class_loss": real_class_loss,
            "class_accuracy": class_accuracy(real_c, real_out[1]),
            "fake_class_accuracy": class_accuracy(fake_c, fake_out[1]),
        }

    def generator_loss(self, real, fake, real_logits, fake_out):
        """L_C - L_S for G (L_S in the configured game)."""
        _, labels = fake
        g_loss = self.game.generator_loss(real_logits, fake_out[0])
        return g_loss + self.class_loss_weight * class_cross_entropy(labels, fake_out[1]), {}

    def critic(self, real):
        """x -> D's source logits (the penalties apply to the source head)."""
        return lambda x, training=True: self.discriminator(x, training=training)[0]

    def check_discriminator(self):
        inputs = getattr(self.discriminator, "inputs", None)
        outputs = getattr(self.discriminator, "outputs", None)
        if inputs is not None and len(inputs) != 1:
            raise ValueError(
                f"ACGAN's discriminator takes the image only (it infers the class), got {len(inputs)} "
                "inputs; use networks.acgan_discriminator."
            )
        if outputs is not None and (len(outputs) != 2 or outputs[1].shape[-1] != self.num_classes):
            shapes = [tuple(o.shape[1:]) for o in outputs]
            raise ValueError(
                "ACGAN's discriminator must output [source logits (1,), class logits "
                f"({self.num_classes},)], got outputs of shapes {shapes}; use networks.acgan_discriminator."
            )

    def get_config(self):
        return {**super().get_config(), "class_loss_weight": self.class_loss_weight}
