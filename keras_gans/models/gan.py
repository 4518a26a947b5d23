"""`GAN`: the two-player training engine every model of keras_gans builds on."""

import warnings

import numpy as np
import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans.models import _base


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(_base.AdversarialModel):
    """Generative adversarial network (Goodfellow et al., 2014).

    https://arxiv.org/abs/1406.2661

    Paper names: `generator` is G, `discriminator` is D, `sample_latent` draws
    z ~ p_z (a standard normal by default). One `train_step` is algorithm 1 of
    the paper: `discriminator_steps` (k) updates of D on real samples and on
    G(z) with freshly drawn latents, then one update of G with fresh latents.

    By default the k updates of D share the step's real batch (as most GAN
    code does); with `fresh_real_batches=True` each D update takes its own
    minibatch of real samples, as in the algorithm 1 of GAN, WGAN and WGAN-GP:
    the dataset's batch is then k minibatches, split in k equal parts.

    The subclasses (`ConditionalGAN`, `ACGAN`, `SemiSupervisedGAN`, `WGAN`,
    `WGANGP`) reuse `discriminator_update` and `generator_update` and override
    small hooks: `fake_samples` (how a generated batch is made),
    `discriminate` (what D sees), `critic_logits` (its real/fake logit),
    `discriminator_loss` / `generator_loss` (extra loss terms) and
    `discriminator_penalty`.

    Args:
        generator: a Keras model mapping latents of shape (latent_dim,) to
            samples.
        discriminator: a Keras model mapping samples to logits (any shape: a
            scalar per example or a patch map).
        latent_dim: size of the latent vector z.
        loss: the game, a name from `keras_gans.losses.GAMES`.
        loss_options: options of the game, e.g. `{"a": -1.0, "b": 1.0, "c": 0.0}`
            for least squares.
        discriminator_steps: k, discriminator updates per generator update.
        fresh_real_batches: each of the k D updates takes its own real
            minibatch (1/k of the dataset's batch) instead of sharing it.
        label_smoothing: one-sided label smoothing alpha (Salimans et al.
            2016): the real target is 1 - alpha, fakes keep 0. Cross-entropy
            games only.
        label_flip_rate: probability that a real and a generated example swap
            sides in a discriminator step (label noise), for any game.
        instance_noise: std of Gaussian noise added to every input of D, in
            the D steps and in the G step (Sonderby et al. 2016); penalties
            are taken on the clean real batch.
        instance_noise_decay_steps: if set, the noise std decays linearly to 0
            over this many discriminator updates.
        r1_weight: gamma of the R1 penalty gamma/2 E||grad D(x)||^2
            (Mescheder et al. 2018).
        dragan_weight: lambda of the DRAGAN penalty (Kodali et al. 2017).
        ema_decay: if set (e.g. 0.999), keep an exponential moving average of
            the generator's weights (Yazici et al. 2019) in `ema_generator`;
            `generate()`, `model(z)`, `predict()` and export then use it.
        ema_warmup: warm the average up as TensorFlow's
            ExponentialMovingAverage with num_updates does (decay
            min(ema_decay, (1 + t) / (10 + t)) after t generator updates).
            Without it, 0.999 still gives the initial weights 54% after 620
            steps: MNIST FD 707 against 30 with it (benchmarks/ema_warmup.py).
        reuse_generated: the G update reuses the last D update's G(z) (judged
            by the updated D) instead of drawing fresh latents: one generator
            forward pass less per step, as the PyTorch DCGAN example and the
            TensorFlow DCGAN tutorial do. Off by default (algorithm 1).
        seed: seed of the training noise (latents, label flips, penalties).
            Same seed, same data order, same result.

    Example:

    >>> gan = keras_gans.GAN(
    ...     keras_gans.networks.mlp_generator(2, 2),
    ...     keras_gans.networks.mlp_discriminator(2), latent_dim=2)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
    ...             g_optimizer=keras.optimizers.Adam(1e-3))
    >>> gan.fit(keras_gans.datasets.load("ring8", batch_size=256), epochs=1)
    >>> samples = gan.generate(16)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        loss="non_saturating",
        loss_options=None,
        discriminator_steps=1,
        fresh_real_batches=False,
        label_smoothing=0.0,
        label_flip_rate=0.0,
        instance_noise=0.0,
        instance_noise_decay_steps=None,
        r1_weight=0.0,
        dragan_weight=0.0,
        ema_decay=None,
        ema_warmup=True,
        reuse_generated=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.loss = loss
        self.loss_options = dict(loss_options or {})
        self.discriminator_steps = int(discriminator_steps)
        self.fresh_real_batches = bool(fresh_real_batches)
        self.label_smoothing = float(label_smoothing)
        self.label_flip_rate = float(label_flip_rate)
        self.instance_noise = float(instance_noise)
        self.instance_noise_decay_steps = instance_noise_decay_steps
        self.r1_weight = float(r1_weight)
        self.dragan_weight = float(dragan_weight)
        self.ema_decay = ema_decay
        self.ema_warmup = bool(ema_warmup)
        self.reuse_generated = bool(reuse_generated)

        self.game = losses_lib.get(loss, **self.loss_options)
        if self.label_smoothing:
            if not self.game.cross_entropy:
                raise ValueError(f"label_smoothing applies to the cross-entropy games only, got loss={loss!r}.")
            self.game = losses_lib.get(loss, label_smoothing=self.label_smoothing, **self.loss_options)
        if self.discriminator_steps < 1:
            raise ValueError(f"discriminator_steps must be >= 1, got {discriminator_steps}.")
        if not 0.0 <= self.label_flip_rate < 0.5:
            raise ValueError(f"label_flip_rate must be in [0, 0.5), got {label_flip_rate}.")
        if self.dragan_weight and _base.batch_norm_layers(discriminator):
            warnings.warn(
                "The DRAGAN penalty penalises each example's gradient, which batch normalization "
                "makes depend on the whole batch; the discriminator has BatchNormalization layers "
                f"{_base.batch_norm_layers(discriminator)}. Use layer or instance normalization or none.",
                stacklevel=2,
            )
        self._check_latent_input(generator, self.latent_dim)

        self.ema_generator = _base.make_ema_copy(generator, ema_decay)
        # d_real, d_fake: mean D(x) and D(G(z)); penalty: the D regulariser.
        self.create_trackers(["d_loss", "g_loss", "d_real", "d_fake", "penalty"])
        self.built = True

    # --- the step, as in the paper -------------------------------------------

    def train_step(self, data):
        real = self.real_samples(data)
        with tf.control_dependencies(tf.nest.flatten(real)):  # checks on the batch run first
            minibatches = self.critic_minibatches(real)
            if self.reuse_generated:
                return self.record(self._step_reusing_generated(minibatches), self.batch_size(minibatches[-1]))
            for minibatch in minibatches:
                d_logs = self.discriminator_update(minibatch)
            g_logs = self.generator_update(minibatches[-1])
        return self.record({**d_logs, **g_logs}, self.batch_size(minibatches[-1]))

    def discriminator_update(self, real, fake=None):
        """One update of D on a real batch and a generated one (fresh latents)."""
        seeds = self.random_streams("discriminator")
        if fake is None:
            fake = self.fake_samples(self.batch_size(real), seeds)
        real_in, fake_in = self.discriminator_inputs(real, fake, seeds)
        with tf.GradientTape() as tape:
            real_out = self.discriminate(real_in)
            fake_out = self.discriminate(fake_in)
            d_loss, logs = self.discriminator_loss(real_in, fake_in, real_out, fake_out)
            # Penalties on the clean batches (no flips, no instance noise).
            penalty = self.discriminator_penalty(real, fake, seeds.penalty)
            total = d_loss if penalty is None else d_loss + penalty
        self.apply_update(self.d_optimizer, tape, total, self.discriminator.trainable_variables, self.batch_size(real))
        self.after_discriminator_update()
        return {
            "d_loss": d_loss,
            "penalty": penalty,
            "d_real": self.score(self.critic_logits(real_out)),
            "d_fake": self.score(self.critic_logits(fake_out)),
            **logs,
        }

    def generator_update(self, real, fake=None, tape=None):
        """One update of G through D's judgement of G(z) (fresh latents).

        `fake` and `tape`: a generated batch recorded on `tape` (the
        `reuse_generated` option); by default G(z) is drawn here.
        """
        seeds = self.random_streams("generator")
        batch_size = self.batch_size(real)
        real_logits = None
        if self.generator_uses_real:
            real_logits = self.critic_logits(self.discriminate(self.noisy(real, seeds.noise)))
        tape = tape or tf.GradientTape()
        with tape:
            if fake is None:
                fake = self.fake_samples(batch_size, seeds)
            fake_out = self.discriminate(self.noisy(fake, _fold(seeds.noise, 1)))
            g_loss, logs = self.generator_loss(real, fake, real_logits, fake_out)
        self.apply_update(self.g_optimizer, tape, g_loss, self.generator.trainable_variables, batch_size)
        updates = self.g_optimizer.iterations if self.ema_warmup else None
        self.update_ema(self.generator, self.ema_generator, self.ema_decay, updates)
        return {"g_loss": g_loss, **logs}

    def _step_reusing_generated(self, minibatches):
        """k D updates, then the G update on the last D update's G(z)."""
        for minibatch in minibatches[:-1]:
            self.discriminator_update(minibatch)
        real = minibatches[-1]
        with tf.GradientTape() as g_tape:
            fake = self.fake_samples(self.batch_size(real), self.random_streams("discriminator"))
        d_logs = self.discriminator_update(real, fake=tf.nest.map_structure(tf.stop_gradient, fake))
        g_logs = self.generator_update(real, fake=fake, tape=g_tape)
        return {**d_logs, **g_logs}

    def test_step(self, data):
        real = self.real_samples(data)
        fake = self.fake_samples(self.batch_size(real), None, training=False)
        real_out = self.discriminate(real, training=False)
        fake_out = self.discriminate(fake, training=False)
        d_loss, d_logs = self.discriminator_loss(real, fake, real_out, fake_out)
        real_logits = self.critic_logits(real_out) if self.generator_uses_real else None
        g_loss, g_logs = self.generator_loss(real, fake, real_logits, fake_out)
        return self.record(
            {
                "d_loss": d_loss,
                "g_loss": g_loss,
                "d_real": self.score(self.critic_logits(real_out)),
                "d_fake": self.score(self.critic_logits(fake_out)),
                **d_logs,
                **g_logs,
            },
            self.batch_size(real),
        )

    # --- hooks: what the subclasses override ------------------------------------

    @property
    def generator_uses_real(self):
        """Whether G's loss reads D's outputs on the real batch (`generator_loss`'s real_logits)."""
        return self.game.generator_uses_real

    def real_samples(self, data):
        """The real samples of a batch, as the D update takes them (GAN: the images)."""
        return self.unpack_real(data)

    def batch_size(self, samples):
        """The number of examples in a batch of samples (this replica's share)."""
        return tf.shape(tf.nest.flatten(samples)[0])[0]

    def fake_samples(self, batch_size, seeds, training=True):
        """A generated batch: G(z), z ~ p_z (drawn from the `latent` stream)."""
        z = self.sample_latent(batch_size, seed=None if seeds is None else seeds.latent)
        return self.generator(z, training=training)

    def discriminate(self, samples, training=True):
        """D's outputs on a batch of samples (real or generated)."""
        return self.discriminator(samples, training=training)

    def critic_logits(self, outputs):
        """D's real/fake logits among its outputs (the game is played on them)."""
        return outputs

    def discriminator_loss(self, real, fake, real_out, fake_out):
        """(D's loss, extra logs): the game's D loss on the critic logits."""
        del real, fake
        return self.game.discriminator_loss(self.critic_logits(real_out), self.critic_logits(fake_out)), {}

    def generator_loss(self, real, fake, real_logits, fake_out):
        """(G's loss, extra logs): the game's G loss on the critic logits."""
        del real, fake
        return self.game.generator_loss(real_logits, self.critic_logits(fake_out)), {}

    def critic(self, real):
        """x -> real/fake logits of D, for the penalties (labels of `real` bound)."""
        del real
        return lambda x, training=True: self.critic_logits(self.discriminate(x, training=training))

    def discriminator_penalty(self, real, fake, seed):
        """Regularisers added to D's loss (R1, DRAGAN) on the clean real batch; None without."""
        terms = []
        images, critic = _images(real), self.critic(real)
        if self.r1_weight:
            terms.append(0.5 * self.r1_weight * losses_lib.r1_penalty(critic, images))
        if self.dragan_weight:
            terms.append(self.dragan_weight * losses_lib.dragan_penalty(critic, images, seed))
        return tf.add_n(terms) if terms else None

    def after_discriminator_update(self):
        """Called after every D update (WGAN clips its weights here)."""

    # --- the options: flips, noise, minibatches ---------------------------------

    def critic_minibatches(self, real):
        """The real batches of the k D updates: shared, or k parts of the batch."""
        k = self.discriminator_steps
        if not self.fresh_real_batches or k == 1:
            return [real] * k

        def part(t, i):
            n = tf.shape(t)[0]
            return t[(i * n) // k : ((i + 1) * n) // k]

        return [tf.nest.map_structure(lambda t, i=i: part(t, i), real) for i in range(k)]

    def discriminator_inputs(self, real, fake, seeds):
        """Label flips and instance noise on D's inputs in a D step.

        A flipped example swaps sides whole (with its label, for labelled
        samples), so D never sees a real image with a generated sample's class.
        """
        fake = tf.nest.map_structure(lambda f, r: tf.cast(f, r.dtype) if f.dtype.is_floating else f, fake, real)
        if self.label_flip_rate > 0:
            n = self.batch_size(real)
            flip = tf.random.stateless_uniform([n], seed=seeds.flip) < self.label_flip_rate

            def swap(r, f, take_fake):
                mask = tf.reshape(take_fake, [-1] + [1] * (len(r.shape) - 1))
                return tf.where(mask, f, r)

            real, fake = (
                tf.nest.map_structure(lambda r, f: swap(r, f, flip), real, fake),
                tf.nest.map_structure(lambda r, f: swap(f, r, flip), real, fake),
            )
        return self.noisy(real, _fold(seeds.noise, 0)), self.noisy(fake, _fold(seeds.noise, 1))

    def noisy(self, samples, seed):
        """Samples with instance noise on their images (unchanged without the option)."""
        if self.instance_noise <= 0:
            return samples
        images = _images(samples)
        noise = tf.random.stateless_normal(tf.shape(images), seed, dtype=images.dtype)
        return _with_images(samples, images + tf.cast(self.instance_noise_std(), images.dtype) * noise)

    def instance_noise_std(self):
        """The instance-noise std at the current discriminator update."""
        std = tf.constant(self.instance_noise, tf.float32)
        if self.instance_noise_decay_steps:
            t = tf.cast(self.d_optimizer.iterations, tf.float32)
            std = std * tf.maximum(0.0, 1.0 - t / float(self.instance_noise_decay_steps))
        return std

    def sample_latent(self, batch_size, seed=None):
        """Draw z ~ p_z: a standard normal of shape (batch_size, latent_dim).

        Override to change the prior. `seed` is a stateless seed (an int
        tensor of shape (2,)) in training, None when sampling freely.
        """
        shape = tf.stack([batch_size, self.latent_dim])
        if seed is None:
            return tf.random.normal(shape)
        return tf.random.stateless_normal(shape, seed=seed)

    def draw_latent(self, num_samples, seed=None):
        """`sample_latent(num_samples)` for sampling, as numpy: seeded by an int (stateless, the
        stream `generate(seed=...)` uses) or free; one call of a cached compiled function."""
        from keras_gans.models import _compiled

        if seed is None:
            return _compiled.latent_function(self, seeded=False)(num_samples).numpy()
        return _compiled.latent_function(self, seeded=True)(num_samples, [seed, 0]).numpy()

    def score(self, logits):
        """Mean D(.) for the logs: a probability in the cross-entropy games."""
        logits = tf.cast(logits, tf.float32)
        if self.game.cross_entropy:
            logits = tf.sigmoid(logits)
        return tf.reduce_mean(logits)

    # --- sampling ------------------------------------------------------------

    def call(self, inputs, training=False):
        """The sampling generator (EMA weights if kept) on a batch of latents.

        `model(z)`, `model.predict(z)` and `generate()` sample the same
        generator; the trained `generator` is `model.generator`.
        """
        return self.sampling_generator(inputs, training=training)

    def generate(self, num_samples=None, latent=None, batch_size=256, seed=None):
        """Generate samples with the sampling generator (EMA weights if kept).

        Args:
            num_samples: how many samples to draw from the prior.
            latent: or the latents themselves, shape (n, latent_dim).
            batch_size: generator batch size.
            seed: an int for reproducible latents.

        Returns:
            A numpy array of samples (images in [-1, 1] for image generators).
        """
        if latent is None:
            if num_samples is None:
                raise ValueError("generate() needs num_samples or latent.")
            if seed is not None and int(num_samples) <= batch_size:  # one compiled call: draw and generate
                from keras_gans.models import _compiled

                function = _compiled.seeded_sample_function(self, self.sampling_generator)
                return keras.ops.convert_to_numpy(function(int(num_samples), [seed, 0]))
            latent = self.draw_latent(int(num_samples), seed)
        latent = np.asarray(latent, dtype="float32")
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
            raise ValueError(f"Expected latent of shape (num_samples, {self.latent_dim}), got {latent.shape}.")
        return self.run_batched(self.sampling_generator, latent, batch_size)

    @property
    def sampling_generator(self):
        """The generator used for sampling and export: the EMA copy if kept."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def serving_signatures(self):
        """latent -> images (float32 in [-1, 1]) and uint8; see keras_gans.export."""
        from keras_gans import export

        return export.latent_signatures(self.sampling_generator, self.latent_dim)

    def serving_description(self):
        return {"kind": "latent", "latent_dim": self.latent_dim, "latent_distribution": "normal"}

    # --- data checks ---------------------------------------------------------

    def check_data(self, element_spec):
        """Fail before training when the data do not fit the generator."""
        real = self.unpack_real(element_spec)
        self.check_sample_shape(real.shape, self.generator.output_shape, "generator output")

    # --- config --------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "latent_dim": self.latent_dim,
                "loss": self.loss,
                "loss_options": self.loss_options,
                "discriminator_steps": self.discriminator_steps,
                "fresh_real_batches": self.fresh_real_batches,
                "label_smoothing": self.label_smoothing,
                "label_flip_rate": self.label_flip_rate,
                "instance_noise": self.instance_noise,
                "instance_noise_decay_steps": self.instance_noise_decay_steps,
                "r1_weight": self.r1_weight,
                "dragan_weight": self.dragan_weight,
                "ema_decay": self.ema_decay,
                "ema_warmup": self.ema_warmup,
                "reuse_generated": self.reuse_generated,
            }
        )
        return config


def _images(samples):
    """The images of a batch of samples: the tensor itself, or the first of (images, labels)."""
    return samples[0] if isinstance(samples, (tuple, list)) else samples


def _with_images(samples, images):
    if isinstance(samples, (tuple, list)):
        return (images, *samples[1:])
    return images


def _fold(seed, value):
    return tf.random.experimental.stateless_fold_in(seed, value)
