"""`CycleGAN`: unpaired image-to-image translation with cycle consistency."""

import numpy as np
import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import schedules
from keras_gans.models import _base
from keras_gans.models import _reference
from keras_gans.layers.image_pool import ImagePool

# Salts that keep the two pools' random streams apart.
_SALT_POOL_A = 11
_SALT_POOL_B = 12


@keras.saving.register_keras_serializable(package="keras_gans")
class CycleGAN(_base.AdversarialModel):
    """CycleGAN (Zhu et al., 2017): two translators trained with cycle consistency.

    https://arxiv.org/abs/1703.10593

    Paper names (the reference code's in brackets): `generator_ab` is
    G: X -> Y [G_A], `generator_ba` is F: Y -> X [G_B], `discriminator_a` is
    D_X, judging domain A = X [D_B], `discriminator_b` is D_Y, judging
    domain B = Y [D_A]. The full objective (eq. 3, plus the identity loss of
    section 5.2):

        L = L_GAN(G, D_Y) + L_GAN(F, D_X)
            + cycle_weight * (|F(G(x)) - x|_1 + |G(F(y)) - y|_1)
            + identity_weight * cycle_weight * (|G(y) - y|_1 + |F(x) - x|_1)

    One `train_step` is the reference's `optimize_parameters`: the generator
    update (`backward_G`) on the batch, then the discriminator update
    (`backward_D_A`, `backward_D_B`) on the real images and on the step's
    fakes passed through the image pools. As in the reference, one optimizer
    updates both generators (`g_optimizer`) and one both discriminators
    (`d_optimizer`), Adam(2e-4, beta_1=0.5); give both optimizers the same
    `schedules.linear_decay_schedule` for the paper's 100 + 100 epochs (see
    `build_cycle_gan`). The discriminator loss is halved, the adversarial
    losses are the reference's (least squares: MSE against 1 and 0).

    Args:
        generator_ab: G, a Keras model from domain A images to domain B images.
        generator_ba: F, from domain B images to domain A images.
        discriminator_a: D_X, domain A images -> logits (a PatchGAN map or a
            scalar per image).
        discriminator_b: D_Y, domain B images -> logits.
        cycle_weight: lambda of the cycle-consistency losses (10).
        identity_weight: weight of the identity losses relative to
            cycle_weight (0.5, the reference's lambda_identity); 0 disables
            them. Needs domains with the same number of channels.
        pool_size: images kept per direction in the image pools (50); 0
            trains the discriminators on the latest fakes only.
        loss: the adversarial game, a name from `keras_gans.losses.GAMES`
            ("least_squares" as in the paper).
        loss_options: options of the game (e.g. least-squares targets).
        seed: seed of the pools' random draws.

    Data: batches of `(image_a, image_b)`, drawn independently from the two
    domains (`keras_gans.datasets.load_unpaired`), in [-1, 1].

    Example:

    An epoch of the reference is max(|A|, |B|) batches (its unaligned
    dataset's length): horse2zebra has 1,067 horses and 1,334 zebras, so at
    batch 1 an epoch is 1,334 steps.

    >>> model = keras_gans.models.cycle_gan.build_cycle_gan((256, 256, 3), steps_per_epoch=1334)
    >>> data = keras_gans.datasets.load_unpaired("cycle_gan/horse2zebra", batch_size=1)
    >>> int(data.cardinality())   # load_unpaired's epoch is max(|A|, |B|) too
    1334
    >>> model.fit(data, epochs=200)
    >>> zebras = model.translate(horses)  # G(x)
    """

    # The trained networks, for the test harness and the CLI.
    player_names = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        loss="least_squares",
        loss_options=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.generator_ab = generator_ab  # G
        self.generator_ba = generator_ba  # F
        self.discriminator_a = discriminator_a  # D_X
        self.discriminator_b = discriminator_b  # D_Y
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        self.loss = loss
        self.loss_options = dict(loss_options or {})
        self.game = losses_lib.get(loss, **self.loss_options)
        if self.cycle_weight < 0 or self.identity_weight < 0:
            raise ValueError(
                f"cycle_weight and identity_weight must be >= 0, got {cycle_weight} and {identity_weight}."
            )

        self.image_shape_a, self.image_shape_b = self._check_networks()
        # The history of F(y) judged by D_X, and of G(x) judged by D_Y.
        self.pool_a = ImagePool(self.pool_size, self._static(self.image_shape_a, "A"), name="pool_a")
        self.pool_b = ImagePool(self.pool_size, self._static(self.image_shape_b, "B"), name="pool_b")
        # The reference's loss names: D_B, D_A, G_A, G_B, cycle_A, cycle_B, idt_B, idt_A.
        self.create_trackers(
            ["d_a_loss", "d_b_loss", "g_ab_loss", "g_ba_loss", "cycle_a", "cycle_b", "identity_a", "identity_b"]
        )
        self.built = True

    # --- the step, as in the reference ---------------------------------------

    # No tensor-dependent Python control flow here or below (the pool uses
    # tf.while_loop and tf.cond), so AutoGraph's source conversion is skipped:
    # it was about a third of the time of tracing this step (cProfile).
    @tf.autograph.experimental.do_not_convert
    def train_step(self, data):
        real_a, real_b = self.unpack_domains(data)
        g_logs, fake_a, fake_b = self.generator_update(real_a, real_b)
        d_logs = self.discriminator_update(real_a, real_b, fake_a, fake_b)
        return self.record({**g_logs, **d_logs})

    def generator_update(self, real_a, real_b):
        """backward_G: one update of G and F; returns the logs and the fakes."""
        with tf.GradientTape() as tape:
            fake_b = self.generator_ab(real_a, training=True)  # G(x)
            rec_a = self.generator_ba(fake_b, training=True)  # F(G(x))
            fake_a = self.generator_ba(real_b, training=True)  # F(y)
            rec_b = self.generator_ab(fake_a, training=True)  # G(F(y))
            g_ab_loss = self.generator_loss(self.discriminator_b(fake_b, training=True))
            g_ba_loss = self.generator_loss(self.discriminator_a(fake_a, training=True))
            cycle_a = _l1(rec_a, real_a)
            cycle_b = _l1(rec_b, real_b)
            total = g_ab_loss + g_ba_loss + self.cycle_weight * (cycle_a + cycle_b)
            logs = {"g_ab_loss": g_ab_loss, "g_ba_loss": g_ba_loss, "cycle_a": cycle_a, "cycle_b": cycle_b}
            if self.identity_weight:
                identity_b = _l1(self.generator_ab(real_b, training=True), real_b)  # |G(y) - y|
                identity_a = _l1(self.generator_ba(real_a, training=True), real_a)  # |F(x) - x|
                total += self.identity_weight * self.cycle_weight * (identity_a + identity_b)
                logs.update(identity_a=identity_a, identity_b=identity_b)
        variables = self.generator_ab.trainable_variables + self.generator_ba.trainable_variables
        self.apply_update(self.g_optimizer, tape, total, variables)
        return logs, fake_a, fake_b

    def discriminator_update(self, real_a, real_b, fake_a, fake_b):
        """backward_D_A and backward_D_B: one update of D_X and D_Y on pooled fakes."""
        counter = self.d_optimizer.iterations
        fake_a = self.pool_a.query(fake_a, self.pool_seed(counter, _SALT_POOL_A))
        fake_b = self.pool_b.query(fake_b, self.pool_seed(counter, _SALT_POOL_B))
        with tf.GradientTape() as tape:
            d_a_loss = self.discriminator_loss(
                self.discriminator_a(real_a, training=True), self.discriminator_a(fake_a, training=True)
            )
            d_b_loss = self.discriminator_loss(
                self.discriminator_b(real_b, training=True), self.discriminator_b(fake_b, training=True)
            )
            total = d_a_loss + d_b_loss
        variables = self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables
        self.apply_update(self.d_optimizer, tape, total, variables)
        return {"d_a_loss": d_a_loss, "d_b_loss": d_b_loss}

    def pool_seed(self, counter, salt):
        """The pools' seed for this step: the same on every replica (unlike
        `step_seed`), since each replica runs the pool on the global batch."""
        seed = tf.constant([self._seed_value, salt], tf.int64)
        return tf.random.experimental.stateless_fold_in(seed, tf.cast(counter, tf.int64))

    def discriminator_loss(self, real_logits, fake_logits):
        """1/2 (L(D(real), real) + L(D(fake), fake)): the reference's halved D loss
        (least squares: MSE, see models/_reference.py)."""
        return _reference.discriminator_loss(self.game, real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        """L(D(fake), real): the generator's adversarial loss, scaled as the reference's."""
        return _reference.generator_loss(self.game, None, fake_logits)

    def test_step(self, data):
        real_a, real_b = self.unpack_domains(data)
        fake_b = self.generator_ab(real_a, training=False)
        fake_a = self.generator_ba(real_b, training=False)
        logs = {
            "cycle_a": _l1(self.generator_ba(fake_b, training=False), real_a),
            "cycle_b": _l1(self.generator_ab(fake_a, training=False), real_b),
            "g_ab_loss": self.generator_loss(self.discriminator_b(fake_b, training=False)),
            "g_ba_loss": self.generator_loss(self.discriminator_a(fake_a, training=False)),
            "d_a_loss": self.discriminator_loss(
                self.discriminator_a(real_a, training=False), self.discriminator_a(fake_a, training=False)
            ),
            "d_b_loss": self.discriminator_loss(
                self.discriminator_b(real_b, training=False), self.discriminator_b(fake_b, training=False)
            ),
        }
        if self.identity_weight:
            logs["identity_a"] = _l1(self.generator_ba(real_a, training=False), real_a)
            logs["identity_b"] = _l1(self.generator_ab(real_b, training=False), real_b)
        return self.record(logs)

    # --- optimizers ----------------------------------------------------------

    def optimizer_variables(self):
        # As the reference's itertools.chain: one optimizer per pair of players.
        return [
            (self.d_optimizer, self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables),
            (self.g_optimizer, self.generator_ab.trainable_variables + self.generator_ba.trainable_variables),
        ]

    # --- translation ---------------------------------------------------------

    def call(self, inputs, training=False):
        """G(x): translate a batch of domain A images to domain B."""
        return self.generator_ab(inputs, training=training)

    def translate(self, images, direction="a_to_b", batch_size=64):
        """Translate images with G ("a_to_b") or F ("b_to_a"), as numpy.

        Args:
            images: array (n, height, width, channels) in [-1, 1].
            direction: "a_to_b" (G) or "b_to_a" (F).
            batch_size: images per forward pass.
        """
        if direction not in ("a_to_b", "b_to_a"):
            raise ValueError(f"direction must be 'a_to_b' or 'b_to_a', got {direction!r}.")
        generator = self.generator_ab if direction == "a_to_b" else self.generator_ba
        expected = self.image_shape_a if direction == "a_to_b" else self.image_shape_b
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or not _base.shape_fits(images.shape[1:], expected):
            raise ValueError(
                f"translate({direction!r}) takes images of shape {tuple(expected)}, got images of shape "
                f"{images.shape[1:]} (array {images.shape})."
            )
        return self.run_batched(generator, images, batch_size)

    # --- export (protocol: keras_gans.export) -----------------------------------

    @property
    def sampling_generator(self):
        """The network behind `serving_default`: G (A -> B)."""
        return self.generator_ab

    def serving_signatures(self):
        """ "a2b" (G), "b2a" (F), each with its uint8 twin; serving_default/uint8 = a2b."""
        from keras_gans import export

        return {
            **export.translation_signatures(self.generator_ab),
            **export.translation_signatures(self.generator_ab, "a2b"),
            **export.translation_signatures(self.generator_ba, "b2a"),
        }

    def serving_description(self):
        return {
            "kind": "image_to_image",
            "directions": {"a2b": "domain A -> domain B (G)", "b2a": "domain B -> domain A (F)"},
        }

    # --- data ----------------------------------------------------------------

    def unpack_domains(self, data):
        """(image_a, image_b) from a batch."""
        return _base.unpack_pair(
            data,
            None,
            "CycleGAN trains on batches of (image_a, image_b) drawn independently from the two "
            "domains (see keras_gans.datasets.load_unpaired)",
        )

    def range_checks(self, batch):
        """Each domain's images should lie in the output range of the generator that makes them."""
        images_a, images_b = self.unpack_domains(batch)
        return [("Domain A images", images_a, self.generator_ba), ("Domain B images", images_b, self.generator_ab)]

    def check_data(self, element_spec):
        """Fail before training when the batches do not fit the generators."""
        spec_a, spec_b = self.unpack_domains(element_spec)
        for domain, spec, expected, generator in (
            ("A", spec_a, self.image_shape_a, "generator_ab (G)"),
            ("B", spec_b, self.image_shape_b, "generator_ba (F)"),
        ):
            shape = tuple(spec.shape)[1:]
            if len(shape) != 3 or not _base.shape_fits(shape, expected):
                raise ValueError(
                    f"Domain {domain} images have shape {shape}, but {generator} takes images of shape "
                    f"{tuple(expected)}. Load both domains at the generators' size and channels "
                    f"(load_unpaired(..., image_size=..., channels=...)) or build the networks for them."
                )

    def _check_networks(self):
        """The image shapes of the two domains, checked across the four networks."""
        shape_a = tuple(self.generator_ab.input_shape[1:])
        shape_b = tuple(self.generator_ab.output_shape[1:])
        for what, actual, domain, expected in (
            ("generator_ba (F) input", self.generator_ba.input_shape[1:], "B", shape_b),
            ("generator_ba (F) output", self.generator_ba.output_shape[1:], "A", shape_a),
            ("discriminator_a (D_X) input", self.discriminator_a.input_shape[1:], "A", shape_a),
            ("discriminator_b (D_Y) input", self.discriminator_b.input_shape[1:], "B", shape_b),
        ):
            if not _base.shape_fits(tuple(actual), expected):
                raise ValueError(
                    f"The {what} has shape {tuple(actual)}, but domain {domain} images have shape "
                    f"{expected} (generator_ab (G) maps {shape_a} -> {shape_b})."
                )
        if self.identity_weight and shape_a[-1] != shape_b[-1]:
            raise ValueError(
                f"identity_weight={self.identity_weight} needs domains with the same number of channels "
                f"(the identity loss feeds domain B images to generator_ab), got A: {shape_a[-1]} and "
                f"B: {shape_b[-1]} channels. Set identity_weight=0."
            )
        return shape_a, shape_b

    def _static(self, shape, domain):
        if self.pool_size and any(d is None for d in shape):
            raise ValueError(
                f"The image pool stores domain {domain} images, so it needs their full shape; the "
                f"generators give {shape}. Build them for a fixed image_shape, or use pool_size=0."
            )
        return tuple(1 if d is None else d for d in shape)

    # --- config --------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({name: keras.saving.serialize_keras_object(getattr(self, name)) for name in self.player_names})
        config.update(
            {
                "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight,
                "pool_size": self.pool_size,
                "loss": self.loss,
                "loss_options": self.loss_options,
            }
        )
        return config


def build_cycle_gan(
    image_shape=(256, 256, 3),
    image_shape_b=None,
    num_residual_blocks=None,
    generator_filters=64,
    discriminator_filters=64,
    discriminator_layers=3,
    cycle_weight=10.0,
    identity_weight=0.5,
    pool_size=50,
    loss="least_squares",
    learning_rate=2e-4,
    constant_epochs=100,
    decay_epochs=100,
    steps_per_epoch=None,
    seed=None,
    **compile_kwargs,
):
    """A compiled CycleGAN with the paper's networks and optimizers.

    ResNet generators (`networks.resnet.resnet_generator`), 70x70 PatchGAN
    discriminators with instance norm (`networks.patchgan`), Adam(2e-4,
    beta_1=0.5) for both optimizers, constant for `constant_epochs` then
    decaying linearly to zero over `decay_epochs` when `steps_per_epoch` is
    given (constant otherwise).

    Args:
        image_shape: (height, width, channels) of domain A (and B).
        image_shape_b: domain B's shape when its channels differ (then
            identity_weight must be 0).
        num_residual_blocks: default 9 from 256 pixels up, else 6.
        generator_filters, discriminator_filters: ngf and ndf (64).
        discriminator_layers: PatchGAN n_layers (3: 70x70 patches).
        cycle_weight, identity_weight, pool_size, loss, seed: as `CycleGAN`.
        learning_rate: initial rate of both optimizers.
        constant_epochs, decay_epochs: the schedule, in epochs (100 + 100).
        steps_per_epoch: batches per epoch, max(|A|, |B|) / batch size as in
            the reference; needed for the schedule.
        **compile_kwargs: passed to `compile` (e.g. jit_compile).

    Returns:
        A compiled `CycleGAN`.
    """
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.resnet import resnet_generator

    shape_a = tuple(image_shape)
    shape_b = tuple(image_shape_b or image_shape)
    if num_residual_blocks is None:
        num_residual_blocks = 9 if min(shape_a[:2]) >= 256 else 6

    def generator(src, dst, name):
        return resnet_generator(
            src, num_residual_blocks, base_filters=generator_filters, output_channels=dst[-1], name=name
        )

    def discriminator(shape, name):
        return patchgan_discriminator(
            shape,
            n_layers=discriminator_layers,
            base_filters=discriminator_filters,
            normalization="instance",
            conditional=False,
            name=name,
        )

    model = CycleGAN(
        generator(shape_a, shape_b, "generator_ab"),
        generator(shape_b, shape_a, "generator_ba"),
        discriminator(shape_a, "discriminator_a"),
        discriminator(shape_b, "discriminator_b"),
        cycle_weight=cycle_weight,
        identity_weight=identity_weight,
        pool_size=pool_size,
        loss=loss,
        seed=seed,
    )

    def adam():
        rate = learning_rate
        if steps_per_epoch:
            rate = schedules.linear_decay_schedule(learning_rate, constant_epochs, decay_epochs, steps_per_epoch)
        return keras.optimizers.Adam(rate, beta_1=0.5)

    model.compile(d_optimizer=adam(), g_optimizer=adam(), **compile_kwargs)
    return model


def _l1(a, b):
    return tf.reduce_mean(tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)))
