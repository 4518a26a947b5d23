"""`BigGAN`: a class-conditional GAN with BigGAN's options (Brock et al. 2019)."""

import numpy as np
import keras
import tensorflow as tf

from keras_gans.models.conditional_gan import ConditionalGAN


def orthogonal_regularization(weights, beta=1e-4):
    """BigGAN's orthogonal regularization: beta * sum_W ||W^T W * (1 - I)||_F^2.

    Each W is read as a matrix with one column per output unit (a Dense
    kernel (in, out); a Conv kernel (kh, kw, in, out) as (kh*kw*in, out)),
    so W^T W is the (out, out) Gram matrix of the filters, as BigGAN-PyTorch's
    `ortho` (which views each parameter as (out, -1)). Only the
    off-diagonal is penalised: filters pushed towards orthogonality, their
    norms left free (section 3.1 of the paper).

    Note: BigGAN-PyTorch adds beta * 2 (W W^T * (1 - I)) W to the gradients
    directly, the gradient of (beta / 2) * ||.||_F^2; the paper's formula,
    used here, is beta * ||.||_F^2 (the same direction, twice the step).

    Args:
        weights: the kernels (rank >= 2 tensors or variables).
        beta: the strength (the paper's 1e-4).

    Returns:
        A float32 scalar.
    """
    terms = []
    for w in weights:
        w = tf.cast(w, tf.float32)
        matrix = tf.reshape(w, [-1, w.shape[-1]])
        gram = tf.matmul(matrix, matrix, transpose_a=True)
        off_diagonal = gram * (1.0 - tf.eye(tf.shape(gram)[0]))
        terms.append(tf.reduce_sum(tf.square(off_diagonal)))
    if not terms:
        return tf.constant(0.0)
    return beta * tf.add_n(terms)


def _kernels(network, excluded_layer="shared_embedding"):
    """G's rank >= 2 trainable weights but the shared class embedding (BigGAN's blacklist)."""
    excluded = set()
    for layer in network._flatten_layers(include_self=False):
        if layer.name == excluded_layer:
            excluded.update(id(v) for v in layer.trainable_weights)
    return [v for v in network.trainable_weights if len(v.shape) >= 2 and id(v) not in excluded]


@keras.saving.register_keras_serializable(package="keras_gans")
class BigGAN(ConditionalGAN):
    """BigGAN-style class-conditional GAN (Brock et al. 2019).

    https://arxiv.org/abs/1809.11096

    Paper names: `generator` is G with the shared class embedding and the
    hierarchical latent (z split into chunks, each block's conditional batch
    norm fed concat(embedding(y), z_i): `networks.biggan_generator`);
    `discriminator` is the projection discriminator D(x, y) = psi(h) +
    <embed(y), h>, h the globally sum-pooled features (Miyato & Koyama 2018;
    `networks.biggan_discriminator`); `orthogonal_regularization` is
    R_beta(W) = beta ||W^T W * (1 - I)||_F^2 (section 3.1), added to G's
    loss; `truncation` is psi of the truncation trick (section 3.1): z drawn
    from the normal truncated to [-psi, psi] at sampling time only.

    The game is the hinge loss, spectral norm in G and D (in the networks),
    and the default optimizers are BigGAN's Adam(1e-4, 0, 0.999) for G and
    Adam(4e-4, 0, 0.999) for D. Training draws z untruncated.

    Not here: the paper's scale (batch 2048, cross-replica BN over 128-512
    cores), self-attention, the EMA of G's weights with BN statistics
    re-estimated (the `ema_decay` option keeps an EMA of the weights only),
    and the spectral norm of D's class embedding.

    Args:
        generator: a Keras model `[z (latent_dim,), y ()] -> images`, e.g.
            `networks.biggan_generator`.
        discriminator: a Keras model `[x, y ()] -> logits`, e.g.
            `networks.biggan_discriminator`.
        latent_dim: size of z.
        num_classes: K.
        orthogonal_regularization: beta (the paper's 1e-4; 0 turns it off).
        loss: the game (BigGAN: "hinge").
        **kwargs: the `ConditionalGAN` / `GAN` options.

    Example:

    >>> model = keras_gans.BigGAN(
    ...     networks.biggan_generator(48, 10, (28, 28, 1), channels=16),
    ...     networks.biggan_discriminator((28, 28, 1), 10, channels=16),
    ...     latent_dim=48, num_classes=10)
    >>> model.compile()
    >>> model.fit(datasets.load("mnist5k", with_labels=True), epochs=10)
    >>> sevens = model.generate(16, labels=7, truncation=0.5)
    """

    def __init__(
        self, generator, discriminator, latent_dim, num_classes, orthogonal_regularization=1e-4, loss="hinge", **kwargs
    ):
        super().__init__(generator, discriminator, latent_dim, num_classes, loss=loss, **kwargs)
        self.orthogonal_regularization = float(orthogonal_regularization)
        if self.orthogonal_regularization < 0:
            raise ValueError(f"orthogonal_regularization must be >= 0, got {orthogonal_regularization}.")
        self.create_trackers(["d_loss", "g_loss", "d_real", "d_fake", "penalty", "ortho"])

    def default_optimizers(self):
        """BigGAN's (D, G) optimizers: Adam(4e-4, 0, 0.999) and Adam(1e-4, 0, 0.999)."""
        return (
            keras.optimizers.Adam(4e-4, beta_1=0.0, beta_2=0.999),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.999),
        )

    def generator_loss(self, real, fake, real_logits, fake_out):
        """The game's G loss + R_beta of G's kernels (logged as "ortho")."""
        g_loss, logs = super().generator_loss(real, fake, real_logits, fake_out)
        if not self.orthogonal_regularization:
            return g_loss, logs
        ortho = orthogonal_regularization(_kernels(self.generator), self.orthogonal_regularization)
        return g_loss + ortho, {**logs, "ortho": ortho}

    # --- sampling ------------------------------------------------------------

    def generate(self, num_samples=None, labels=None, latent=None, batch_size=256, seed=None, truncation=None):
        """`ConditionalGAN.generate`, with z from the truncated normal when `truncation` is set.

        Args:
            truncation: psi > 0: the latent's entries beyond |psi| are
                resampled from the normal truncated to [-psi, psi]
                (`keras_gans.export.truncate_latent`, the same computation as
                the exported signature's "truncation" input); None: no
                truncation. Entries within |psi| are kept, so with the same
                seed a psi beyond every |z| gives the untruncated samples.
            (the other arguments: `ConditionalGAN.generate`.)

        Example:

        >>> sevens = model.generate(16, labels=7, truncation=0.5, seed=0)
        """
        if truncation is None:
            return super().generate(num_samples, labels, latent, batch_size, seed)
        truncation = float(truncation)
        if not truncation > 0:
            raise ValueError(f"truncation must be > 0 (or None for no truncation), got {truncation}.")
        from keras_gans.export.signatures import truncate_latent

        n = None if num_samples is None else int(num_samples)
        if latent is None:
            if n is None:
                n = None if labels is None or np.ndim(labels) == 0 else len(labels)
            if n is None:
                raise ValueError("generate() needs num_samples, labels or latent.")
            latent = self.draw_latent(n, seed)
        latent = np.asarray(latent, dtype="float32")
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
            raise ValueError(f"Expected latent of shape (num_samples, {self.latent_dim}), got {latent.shape}.")
        latent = truncate_latent(latent, truncation).numpy()
        return super().generate(num_samples, labels, latent, batch_size, seed)

    def serving_signatures(self):
        """latent, labels, truncation (float32 scalar, inf = none) -> images; see keras_gans.export."""
        from keras_gans import export

        return export.conditional_signatures(
            export.serving_network(self.sampling_generator), self.latent_dim, truncation=True
        )

    def serving_description(self):
        return {**super().serving_description(), "truncation": "psi input; inf = no truncation"}

    def get_config(self):
        return {**super().get_config(), "orthogonal_regularization": self.orthogonal_regularization}
