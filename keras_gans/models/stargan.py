"""`StarGAN`: one generator translating images between several domains."""

import itertools

import numpy as np
import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import labels as labels_lib
from keras_gans.models import _base


def domain_classification_loss(logits, labels):
    """The reference's classification loss: sigmoid cross-entropy summed over
    the attributes, averaged over the batch (multi-label domains).

    Args:
        logits: D_cls(x), float (batch, num_domains).
        labels: the domain vectors, {0, 1} (batch, num_domains).
    """
    logits = tf.cast(logits, tf.float32)
    labels = tf.cast(labels, tf.float32)
    per_example = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=-1)
    return tf.reduce_mean(per_example)


def reconstruction_loss(real, reconstructed):
    """L_rec = E[|x - G(G(x, c), c')|_1], mean absolute error over every pixel."""
    return tf.reduce_mean(tf.abs(tf.cast(real, tf.float32) - tf.cast(reconstructed, tf.float32)))


@keras.saving.register_keras_serializable(package="keras_gans")
class StarGAN(_base.AdversarialModel):
    """StarGAN (Choi et al., 2018): multi-domain image-to-image translation.

    https://arxiv.org/abs/1711.09020

    Paper names (the reference code's, yunjey/stargan solver.py, in
    brackets): `generator` is G(x, c) [G], `discriminator` is
    D: x -> {D_src(x), D_cls(x)} [D: out_src, out_cls]; c is the target
    domain vector [label_trg / c_trg], c' the original one [label_org /
    c_org]; `lambda_cls`, `lambda_rec`, `lambda_gp` and `critic_steps`
    [n_critic] as in the paper. The objectives (eq. 5-7 with the WGAN-GP
    adversarial loss of eq. 8):

        L_D = -D_src(x) + D_src(G(x, c)) + lambda_gp * (||grad D_src(x_hat)|| - 1)^2
              + lambda_cls * L_cls^r,   L_cls^r = BCE(D_cls(x), c')
        L_G = -D_src(G(x, c)) + lambda_cls * BCE(D_cls(G(x, c)), c)
              + lambda_rec * |x - G(G(x, c), c')|_1

    BCE is the sigmoid cross-entropy summed over the domain attributes and
    averaged over the batch (multi-label attributes, as the reference's
    CelebA loss). The target vectors c are the batch's own labels shuffled
    (the reference's `label_org[randperm]`), drawn anew for every update
    from a stateless seed and shuffled over the global batch, so that two
    replicas equal one device. The gradient penalty is the library's
    `losses.gradient_penalty`, on the mean of the D_src map (the reference
    takes the gradient of the map's sum: at 128 px its 2x2 map makes the
    norm 4x larger).

    One `train_step` is `critic_steps` D updates on the step's real batch
    (each with new target vectors and interpolates), then one G update. The
    reference draws a new real batch for every D update and updates G after
    every n_critic-th; here the n_critic D updates share one batch (as
    `WGANGP` by default). Defaults are the paper's: lambda_cls = 1,
    lambda_rec = 10, lambda_gp = 10, n_critic = 5, Adam(1e-4, 0.5, 0.999)
    for both players.

    Args:
        generator: G, a Keras model [images, domains] -> images
            (`networks.stargan_generator`).
        discriminator: D, a Keras model images -> [D_src map, D_cls logits
            (batch, num_domains)] (`networks.stargan_discriminator`). No
            batch normalization: the penalty is per example.
        lambda_cls, lambda_rec, lambda_gp: the loss weights.
        critic_steps: D updates per G update (n_critic).
        domain_names: optional names of the domain attributes (for grids,
            docs and the export manifest).
        seed: seed of the target shuffles and the interpolations.

    Data: batches of `(images, domains)`: images in [-1, 1] of the
    generator's shape, domains {0, 1} (batch, num_domains) (float, int or
    bool), e.g. `keras_gans.datasets.load_attributes(...)`.

    Example:

    >>> data = keras_gans.datasets.load_attributes("mnist5k", batch_size=16)
    >>> model = keras_gans.zoo.build("stargan", data.element_spec, dataset="mnist5k")
    >>> model.fit(data, epochs=10)
    >>> model.translate(images, domains=[[1, 0]] * len(images))  # thick, not inverted
    """

    def __init__(
        self,
        generator,
        discriminator,
        lambda_cls=1.0,
        lambda_rec=10.0,
        lambda_gp=10.0,
        critic_steps=5,
        domain_names=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.lambda_cls = float(lambda_cls)
        self.lambda_rec = float(lambda_rec)
        self.lambda_gp = float(lambda_gp)
        self.critic_steps = int(critic_steps)
        if min(self.lambda_cls, self.lambda_rec, self.lambda_gp) < 0:
            raise ValueError(
                f"lambda_cls, lambda_rec and lambda_gp must be >= 0, got {lambda_cls}, {lambda_rec}, {lambda_gp}."
            )
        if self.critic_steps < 1:
            raise ValueError(f"critic_steps must be >= 1, got {critic_steps}.")
        self.image_shape, self.num_domains = self._check_networks()
        self.domain_names = list(domain_names) if domain_names is not None else None
        if self.domain_names is not None and len(self.domain_names) != self.num_domains:
            raise ValueError(
                f"domain_names has {len(self.domain_names)} names, but the networks have {self.num_domains} domains."
            )
        batch_norms = _base.batch_norm_layers(discriminator)
        if batch_norms:
            raise ValueError(
                "StarGAN's gradient penalty is per example, which batch normalization makes depend on the "
                f"whole batch; the discriminator has BatchNormalization layers {batch_norms}. Use none "
                "(the reference's D) or instance normalization."
            )
        # The reference's D/loss_real, D/loss_fake, D/loss_cls, D/loss_gp, G/loss_fake, G/loss_rec, G/loss_cls.
        self.create_trackers(["d_loss", "d_real", "d_fake", "d_cls", "d_gp", "g_loss", "g_fake", "g_cls", "g_rec"])
        self.built = True

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.999),
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.999),
        )

    # --- the step -------------------------------------------------------------

    def train_step(self, data):
        images, labels = self.unpack_batch(data)
        n = tf.shape(images)[0]
        for _ in range(self.critic_steps):
            d_logs = self.discriminator_update(images, labels, n)
        g_logs = self.generator_update(images, labels, n)
        return self.record({**d_logs, **g_logs}, n)

    def discriminator_update(self, images, labels, batch_size=None):
        """One update of D on real images and G's translations to shuffled domains."""
        streams = self.random_streams("discriminator")
        targets = self.target_domains(labels, streams.labels)
        fakes = tf.stop_gradient(self.generator([images, targets], training=True))
        with tf.GradientTape() as tape:
            logs = self.discriminator_losses(images, labels, fakes, streams.penalty)
        self.apply_update(self.d_optimizer, tape, logs["d_loss"], self.discriminator.trainable_variables, batch_size)
        return logs

    def generator_update(self, images, labels, batch_size=None):
        """One update of G: fool D_src, be classified as c, reconstruct x from G(x, c)."""
        streams = self.random_streams("generator")
        targets = self.target_domains(labels, streams.labels)
        with tf.GradientTape() as tape:
            logs = self.generator_losses(images, labels, targets)
        self.apply_update(self.g_optimizer, tape, logs["g_loss"], self.generator.trainable_variables, batch_size)
        return logs

    def discriminator_losses(self, images, labels, fakes, seed, training=True):
        """L_D and its terms, for D's update (and evaluation)."""
        real_src, real_cls = self.discriminator(images, training=training)
        fake_src, _ = self.discriminator(fakes, training=training)
        d_real = -tf.reduce_mean(tf.cast(real_src, tf.float32))
        d_fake = tf.reduce_mean(tf.cast(fake_src, tf.float32))
        d_cls = domain_classification_loss(real_cls, labels)
        d_gp = losses_lib.gradient_penalty(self.critic, images, fakes, seed)
        d_loss = d_real + d_fake + self.lambda_cls * d_cls + self.lambda_gp * d_gp
        return {"d_loss": d_loss, "d_real": d_real, "d_fake": d_fake, "d_cls": d_cls, "d_gp": d_gp}

    def generator_losses(self, images, labels, targets, training=True):
        """L_G and its terms."""
        fakes = self.generator([images, targets], training=training)  # G(x, c)
        fake_src, fake_cls = self.discriminator(fakes, training=training)
        reconstructed = self.generator([fakes, labels], training=training)  # G(G(x, c), c')
        g_fake = -tf.reduce_mean(tf.cast(fake_src, tf.float32))
        g_cls = domain_classification_loss(fake_cls, targets)
        g_rec = reconstruction_loss(images, reconstructed)
        g_loss = g_fake + self.lambda_cls * g_cls + self.lambda_rec * g_rec
        return {"g_loss": g_loss, "g_fake": g_fake, "g_cls": g_cls, "g_rec": g_rec}

    def critic(self, images, training=True):
        """D_src alone, the critic of the gradient penalty."""
        return self.discriminator(images, training=training)[0]

    def target_domains(self, labels, seed):
        """The batch's domain vectors shuffled: the targets c of an update.

        The permutation is of the global batch (every replica's rows, in
        replica order), from keys drawn with `seed`, so a run on several
        replicas draws the targets of the single-device run.
        """
        labels = tf.cast(labels, tf.float32)
        n = tf.shape(labels)[0]
        keys = tf.random.stateless_uniform([n], seed=seed)
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            sizes = replica.all_gather(tf.reshape(n, [1]), axis=0)
            start = tf.reduce_sum(sizes[: replica.replica_id_in_sync_group])
            keys = replica.all_gather(keys, axis=0)
            everyone = replica.all_gather(labels, axis=0)
        else:
            start, everyone = 0, labels
        order = tf.argsort(keys, stable=True)
        return tf.ensure_shape(tf.gather(everyone, order)[start : start + n], labels.shape)

    def test_step(self, data):
        images, labels = self.unpack_batch(data)
        n = tf.shape(images)[0]
        targets = self.target_domains(labels, self.step_seed(0, 31))
        fakes = self.generator([images, targets], training=False)
        logs = self.discriminator_losses(images, labels, fakes, self.step_seed(0, 32), training=False)
        logs.update(self.generator_losses(images, labels, targets, training=False))
        return self.record(logs, n)

    # --- translation ------------------------------------------------------------

    def call(self, inputs, training=False):
        """G(x, c) for inputs [images, domains]."""
        images, domains = inputs
        return self.generator([images, domains], training=training)

    def translate(self, images, domains, batch_size=64):
        """G(x, c) as numpy.

        Args:
            images: array (n, height, width, channels) in [-1, 1].
            domains: the target domain vectors, (n, num_domains) or one vector
                (num_domains,) for every image; {0, 1} values.
            batch_size: images per forward pass.
        """
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or not _base.shape_fits(images.shape[1:], self.image_shape):
            raise ValueError(
                f"translate() takes images of shape (n,) + {tuple(self.image_shape)}, got an array {images.shape}."
            )
        domains = np.asarray(domains, dtype="float32")
        if domains.ndim == 1:
            domains = np.broadcast_to(domains, (len(images), len(domains)))
        if domains.shape != (len(images), self.num_domains):
            raise ValueError(
                f"translate() takes domain vectors of shape ({len(images)}, {self.num_domains}) (or one of "
                f"({self.num_domains},)) for {len(images)} images, got {domains.shape}."
            )
        return self.run_batched(self.generator, [images, np.ascontiguousarray(domains)], batch_size)

    def grid_domains(self):
        """The target domains of a translation grid: every combination of the
        attributes for up to 3 of them, else each attribute alone (one-hot)."""
        if self.num_domains <= 3:
            return np.array(list(itertools.product([0.0, 1.0], repeat=self.num_domains)), "float32")
        return np.eye(self.num_domains, dtype="float32")

    def domain_grid(self, sources):
        """The sources, then one row of their translations per `grid_domains()` vector."""
        sources = np.asarray(sources, dtype="float32")
        rows = [sources] + [self.translate(sources, domain) for domain in self.grid_domains()]
        return np.concatenate(rows, axis=0)

    # --- export (protocol: keras_gans.export) -----------------------------------

    @property
    def sampling_generator(self):
        """The network behind `serving_default`: G(x, c)."""
        return self.generator

    def serving_signatures(self):
        """("source", "domains") -> "images" float32 in [-1, 1], and its uint8 twin."""
        from keras_gans.export import signatures

        generator = signatures.serving_network(self.generator)
        specs = [
            tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32, name="source"),
            tf.TensorSpec((None, self.num_domains), tf.float32, name="domains"),
        ]
        return signatures.image_signatures(lambda x, c: generator([x, c], training=False), specs)

    def serving_description(self):
        domains = "target domain vectors c, float32 (batch, num_domains), 0 or 1 per attribute"
        if self.domain_names:
            domains += f" in the order {self.domain_names}"
        inputs = {"domains": {"description": domains}}
        return {
            "kind": "custom",
            "num_domains": self.num_domains,
            "domain_names": self.domain_names,
            "signatures": {name: {"inputs": inputs} for name in ("serving_default", "uint8")},
        }

    # --- data ----------------------------------------------------------------

    def unpack_batch(self, data):
        """(images, domains) from a batch; the domains as float32."""
        if isinstance(data, dict) and {"image", "attributes"} <= set(data):
            data = (data["image"], data["attributes"])
        if not (isinstance(data, (tuple, list)) and len(data) == 2):
            raise ValueError(
                "StarGAN trains on batches of (images, domain vectors) (e.g. datasets.load_attributes(...)); "
                f"got {labels_lib.describe_batch(data)}."
            )
        return data[0], tf.cast(data[1], tf.float32)

    def unpack_real(self, data):
        return self.unpack_batch(data)[0]

    def check_data(self, element_spec):
        """Fail before training when the batches do not fit the networks."""
        if isinstance(element_spec, dict) and {"image", "attributes"} <= set(element_spec):
            element_spec = (element_spec["image"], element_spec["attributes"])
        if not (isinstance(element_spec, (tuple, list)) and len(element_spec) == 2):
            self.unpack_batch(element_spec)  # raises the error naming what came
        images, domains = element_spec
        self.check_sample_shape(images.shape, (None,) + tuple(self.image_shape), "generator's input")
        shape = tuple(domains.shape)
        if len(shape) != 2 or shape[1] not in (None, self.num_domains):
            raise ValueError(
                f"The domain vectors have shape {shape[1:]}, but the networks have {self.num_domains} "
                f"domains: expected batches of (images, domains) with domains of shape (batch, {self.num_domains})."
            )

    def check_batch(self, batch, where=""):
        super().check_batch(batch, where)
        _, domains = self.unpack_batch(batch)
        values = np.asarray(domains)
        if values.size and not np.all((values == 0) | (values == 1)):
            seen = f" in {where}" if where else ""
            raise ValueError(
                f"The domain vectors{seen} hold values other than 0 and 1 (e.g. {sorted(set(values.ravel()))[:5]}); "
                "StarGAN's domains are binary attributes, one 0/1 entry per attribute."
            )

    def _check_networks(self):
        inputs = self.generator.inputs
        if len(inputs) != 2:
            raise ValueError(
                f"StarGAN's generator takes two inputs [images, domains], got {len(inputs)} "
                f"(input shapes {self.generator.input_shape})."
            )
        image_shape = tuple(self.generator.input_shape[0][1:])
        num_domains = self.generator.input_shape[1][-1]
        outputs = self.discriminator.outputs
        if len(outputs) != 2:
            raise ValueError(
                "StarGAN's discriminator has two heads [D_src map, D_cls logits], got "
                f"{len(outputs)} output(s) (networks.stargan_discriminator builds it)."
            )
        if not _base.shape_fits(self.discriminator.input_shape[1:], image_shape):
            raise ValueError(
                f"The discriminator takes images of shape {self.discriminator.input_shape[1:]}, the generator "
                f"{image_shape}."
            )
        d_domains = self.discriminator.output_shape[1][-1]
        if d_domains != num_domains:
            raise ValueError(
                f"The generator takes {num_domains} domains, but the discriminator classifies {d_domains}."
            )
        return image_shape, int(num_domains)

    # --- config --------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "lambda_cls": self.lambda_cls,
                "lambda_rec": self.lambda_rec,
                "lambda_gp": self.lambda_gp,
                "critic_steps": self.critic_steps,
                "domain_names": self.domain_names,
            }
        )
        return config


def build_stargan(
    image_shape=(128, 128, 3),
    num_domains=5,
    generator_filters=64,
    discriminator_filters=64,
    num_residual_blocks=6,
    discriminator_layers=6,
    learning_rate=1e-4,
    seed=None,
    **options,
):
    """A compiled StarGAN with the paper's networks and optimizers.

    Args:
        image_shape: (height, width, channels) (128x128x3 in the paper).
        num_domains: attributes of the domain vector (5 in the paper's CelebA).
        generator_filters, discriminator_filters: conv_dim of G and D (64).
        num_residual_blocks: G's residual blocks (6).
        discriminator_layers: D's stride-2 layers (6).
        learning_rate: both Adams' rate (1e-4; beta_1 0.5, beta_2 0.999).
        seed: as `StarGAN`.
        **options: `StarGAN` options (lambda_*, critic_steps, domain_names)
            and `compile` options (jit_compile, ...).

    Returns:
        A compiled `StarGAN`.
    """
    from keras_gans.networks.stargan import stargan_discriminator, stargan_generator

    compile_keys = ("jit_compile", "steps_per_execution", "run_eagerly")
    compile_kwargs = {k: options.pop(k) for k in compile_keys if k in options}
    model = StarGAN(
        stargan_generator(image_shape, num_domains, generator_filters, num_residual_blocks),
        stargan_discriminator(image_shape, num_domains, discriminator_filters, discriminator_layers),
        seed=seed,
        **options,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.999),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.999),
        **compile_kwargs,
    )
    return model
