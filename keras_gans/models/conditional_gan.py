"""`ConditionalGAN`: a GAN whose generator and discriminator both see the class."""

import numpy as np
import keras
import tensorflow as tf

from keras_gans.labels import (
    agree,
    check_embeddings,
    check_label_spec,
    check_label_values,
    checked_labels,
    label_arrays,
    unpack_labelled,
)
from keras_gans.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalGAN(GAN):
    """Conditional GAN (Mirza & Osindero, 2014): G(z, y) and D(x, y).

    https://arxiv.org/abs/1411.1784

    Paper names: `generator` is G, `discriminator` is D, y is the class label
    (an integer id in [0, num_classes), embedded by the networks), z ~ p_z is
    `sample_latent`. The value function is the GAN's with both players
    conditioned on y: min_G max_D E[log D(x|y)] + E[log(1 - D(G(z|y)|y))].
    In the D and G steps the labels of generated samples are drawn uniformly
    over the classes; real samples keep their own labels.

    The data are batches of `(images, labels)` (or dicts with "image" and
    "label"), labels int of shape (batch,); `fit(images, labels)` works too.
    Labels outside [0, num_classes) stop training at the first step, before
    any update, with an error naming the range.

    Args:
        generator: a Keras model `[z (latent_dim,), y ()] -> images` (y int
            class ids), e.g.
            `networks.conditional_generator`.
        discriminator: a Keras model `[x, y ()] -> logits`, e.g.
            `networks.conditional_discriminator` (concat or projection).
        latent_dim: size of z.
        num_classes: number of classes K.
        **kwargs: the `GAN` options (loss, loss_options, discriminator_steps,
            label_smoothing, label_flip_rate, instance_noise, r1_weight,
            dragan_weight, ema_decay, seed).

    Example:

    >>> cgan = keras_gans.ConditionalGAN(
    ...     networks.conditional_generator(64, 10, (16, 16, 1)),
    ...     networks.conditional_discriminator((16, 16, 1), 10),
    ...     latent_dim=64, num_classes=10)
    >>> cgan.compile()
    >>> cgan.fit(datasets.load("digits", with_labels=True), epochs=10)
    >>> sevens = cgan.generate(16, labels=7)
    """

    def __init__(self, generator, discriminator, latent_dim, num_classes, **kwargs):
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}.")
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.num_classes = int(num_classes)
        self.check_networks()

    # --- hooks of the GAN step (GAN.discriminator_update / generator_update) -------

    def real_samples(self, data):
        """(images, labels) of a batch, the labels checked to lie in [0, num_classes).

        The step runs under a control dependency on them, so a batch with a bad
        label stops training before any update (batch-norm statistics included).
        """
        images, labels = self.unpack_real(data)
        return images, self.checked_labels(labels)

    def fake_samples(self, batch_size, seeds, training=True):
        """(G(z, y'), y') with y' uniform over the classes (the `labels` stream)."""
        labels = self.sample_labels(batch_size, seed=None if seeds is None else seeds.labels)
        z = self.sample_latent(batch_size, seed=None if seeds is None else seeds.latent)
        return self.generator([z, labels], training=training), labels

    def discriminate(self, samples, training=True):
        """D(x, y) on (images, labels)."""
        images, labels = samples
        return self.discriminator([images, labels], training=training)

    def critic(self, real):
        """x -> D(x, y) with the real batch's labels y bound (for R1 / DRAGAN)."""
        labels = real[1]
        return lambda x, training=True: self.critic_logits(self.discriminate((x, labels), training=training))

    def sample_labels(self, batch_size, seed=None):
        """Draw y uniformly from [0, num_classes), int32 of shape (batch_size,)."""
        shape = tf.reshape(batch_size, [1])
        if seed is None:
            return tf.random.uniform(shape, 0, self.num_classes, dtype=tf.int32)
        return tf.random.stateless_uniform(shape, seed, 0, self.num_classes, dtype=tf.int32)

    def checked_labels(self, labels):
        """The labels as int32, with an in-graph check of their range.

        train_step runs under a control dependency on the result, so a batch
        with a label outside [0, num_classes) stops training before any update
        (batch-norm statistics included).
        """
        return checked_labels(labels, self.num_classes, type(self).__name__)

    # --- sampling ------------------------------------------------------------

    def call(self, inputs, training=False):
        """The sampling generator (EMA weights if kept) on `[latents, labels]`."""
        return self.sampling_generator(list(inputs), training=training)

    def serving_description(self):
        return {**super().serving_description(), "kind": "conditional", "num_classes": self.num_classes}

    def generate(self, num_samples=None, labels=None, latent=None, batch_size=256, seed=None):
        """Generate samples of the requested classes (EMA weights if kept).

        Args:
            num_samples: how many samples.
            labels: an int class id for every sample, a single int for all of
                them, or None for classes drawn uniformly.
            latent: the latents themselves, shape (n, latent_dim); drawn from
                the prior when None.
            batch_size: generator batch size.
            seed: an int for reproducible latents and labels.

        Returns:
            A numpy array of n samples (images in [-1, 1]).

        Example:

        >>> sevens = cgan.generate(16, labels=7)
        >>> one_per_class = cgan.generate(labels=np.arange(10), seed=0)
        """
        n = None if num_samples is None else int(num_samples)
        if latent is not None:
            latent = np.asarray(latent, dtype="float32")
            if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
                raise ValueError(f"Expected latent of shape (num_samples, {self.latent_dim}), got {latent.shape}.")
            n = agree(n, len(latent), "num_samples", "latent")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.ndim >= 1:
                n = agree(n, len(labels), "num_samples" if latent is None else "latent", "labels")
        if n is None:
            raise ValueError("generate() needs num_samples, labels or latent.")
        if labels is None:
            labels = self.sample_labels(n, seed=None if seed is None else tf.constant([seed, 1], tf.int64))
            labels = labels.numpy()
        elif labels.ndim == 0:
            labels = np.full((n,), labels)
        labels = check_label_values(labels, self.num_classes, "labels")
        if latent is None:
            latent = self.draw_latent(n, seed)
        return self.run_batched(self.sampling_generator, [latent, labels], batch_size)

    # --- data checks ---------------------------------------------------------

    def unpack_real(self, data):
        """(images, labels) of a batch: `(x, y)` or `{"image": x, "label": y}`."""
        images, labels = unpack_labelled(data, type(self).__name__)
        if not isinstance(labels, tf.TensorSpec) and len(labels.shape) == 2 and labels.shape[-1] == 1:
            labels = tf.reshape(labels, [-1])  # (batch, 1) -> (batch,)
        return images, labels

    def check_data(self, element_spec):
        """Fail before training on unlabelled data, one-hot or float labels, wrong shapes."""
        images, labels = self.unpack_real(element_spec)
        self.check_sample_shape(images.shape, self.generator.output_shape, "generator output")
        check_label_spec(labels, self.num_classes, type(self).__name__)

    def check_batch(self, batch, where=""):
        """`GAN.check_batch`, and the labels of the first batch (or of all arrays) in [0, num_classes)."""
        super().check_batch(batch, where)
        _, labels = self.unpack_real(batch)
        try:
            check_label_values(
                keras.ops.convert_to_numpy(labels), self.num_classes, "labels", model=type(self).__name__
            )
        except ValueError as error:
            if not where:
                raise
            raise ValueError(f"{str(error).rstrip('.')} in {where}.") from None

    def fit(self, x=None, y=None, *args, **kwargs):
        """`GAN.fit`; label values given as arrays are checked here, a dataset's
        first batch before fit starts, later batches at their step (before its
        update; the error is a ValueError naming the range)."""
        for labels in label_arrays(x, y):
            check_label_values(labels, self.num_classes, "labels", model=type(self).__name__)
        return super().fit(x, y, *args, **kwargs)

    def check_networks(self):
        """The generator takes [z, y]; the discriminator [x, y]; embeddings cover K."""
        name = type(self).__name__
        inputs = getattr(self.generator, "inputs", None)
        if inputs is not None and len(inputs) != 2:
            raise ValueError(
                f"{name}'s generator must take two inputs [latent (latent_dim,), labels ()], "
                f"got {len(inputs)} input(s) {[tuple(i.shape) for i in inputs]}; "
                "use networks.conditional_generator."
            )
        if inputs is not None and inputs[0].shape[-1] not in (None, self.latent_dim):
            raise ValueError(
                f"latent_dim={self.latent_dim}, but the generator's first input has shape {tuple(inputs[0].shape[1:])}."
            )
        self.check_discriminator()
        for net in (self.generator, self.discriminator):
            check_embeddings(net, self.num_classes)

    def check_discriminator(self):
        inputs = getattr(self.discriminator, "inputs", None)
        if inputs is not None and len(inputs) != 2:
            raise ValueError(
                f"{type(self).__name__}'s discriminator must take two inputs [image, labels ()], "
                f"got {len(inputs)}; use networks.conditional_discriminator."
            )

    # --- config --------------------------------------------------------------

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
