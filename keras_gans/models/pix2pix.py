"""`Pix2Pix`: image-to-image translation with a conditional GAN."""

import numpy as np
import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans.metrics.pairs import evaluate_pairs, pair_scores  # noqa: F401 -- moved to metrics; old path kept
from keras_gans.models import _base
from keras_gans.models import _reference

# Salt of the generator's dropout noise stream.
_SALT_DROPOUT = 5

# How G runs at test time: "inference" (moving batch-norm statistics, no
# dropout) or "paper" (dropout on and the test batch's own statistics, as
# the paper and its code: the reference never calls model.eval() for pix2pix).
TEST_MODES = ("inference", "paper")


@keras.saving.register_keras_serializable(package="keras_gans")
class Pix2Pix(_base.PairedData, _base.AdversarialModel):
    """pix2pix (Isola et al., 2017): a conditional GAN with an L1 term.

    https://arxiv.org/abs/1611.07004

    Paper names: `source` is x (the input image), `target` is y, `generator`
    is G (its dropout is the noise z: G(x, z)), `discriminator` is D, which
    judges the pair (x, y) against (x, G(x, z)); `l1_weight` is lambda
    (eq. 4: G* = arg min_G max_D L_cGAN(G, D) + lambda L_L1(G)). As in the
    authors' code, G's output is computed once per step and used by both
    updates, D's loss is halved ("slows down the rate at which D learns
    relative to G"), and D is updated before G. `gan_weight=0` gives the
    paper's "L1 only" ablation and `l1_weight=0` its "cGAN only".

    Test time: with `test_mode="inference"` (default), `translate` and
    `metrics.evaluate_pairs` run G in inference mode: batch norm with its moving
    statistics, no dropout. `test_mode="paper"` is the paper's protocol
    (section 3.2.1 and its code): dropout stays on and batch norm uses the
    test batch's statistics (the moving statistics are left as they were);
    with the paper's test batch of 1 these are the image's own statistics.
    `call` and export always use inference mode.

    Args:
        generator: a Keras model x -> y (e.g. `networks.unet_generator`).
        discriminator: a Keras model [x, y] -> logits of any shape (e.g.
            `networks.patchgan_discriminator(..., conditional=True)`).
        l1_weight: lambda, the weight of E|y - G(x, z)|_1 (100 in the paper).
        loss: the adversarial game, a name from `keras_gans.losses.GAMES`
            ("non_saturating" is the paper's; "least_squares" for LSGAN).
            The adversarial terms are scaled as the reference's GANLoss
            (models/_reference.py): least squares is MSE against the
            targets, twice `losses.least_squares_*`, so it weighs against
            `l1_weight` * L1 as in the reference.
        loss_options: options of the game.
        gan_weight: the weight of the adversarial term in G's loss (1; 0 for
            L1 only).
        test_mode: "inference" or "paper", how `translate` and
            `evaluate_pairs` run G (see above).
        seed: seed of the training noise (the generator's dropout). Same
            seed, same data order, same result.

    Data: (input_image, target_image) pairs, e.g.
    `keras_gans.datasets.load_paired(...)`. Metrics: d_loss (halved),
    g_loss (total), g_gan (adversarial term), g_l1 (mean |y - G(x)|).

    Example:

    >>> model = Pix2Pix(networks.unet_generator((256, 256, 3)),
    ...                 networks.patchgan_discriminator((256, 256, 3)))
    >>> model.compile()  # Adam(2e-4, beta_1=0.5) for both, as in the paper
    >>> model.fit(datasets.load_paired("facades", direction="BtoA", batch_size=1))
    >>> outputs = model.translate(inputs)
    """

    pair_keys = ("input", "target")
    pair_expected = "Pix2Pix trains on (input_image, target_image) pairs (e.g. datasets.load_paired(...))"
    target_name = "The target images"

    def __init__(
        self,
        generator,
        discriminator,
        l1_weight=100.0,
        loss="non_saturating",
        loss_options=None,
        gan_weight=1.0,
        test_mode="inference",
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.test_mode = check_test_mode(test_mode)
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = float(l1_weight)
        self.loss = loss
        self.loss_options = dict(loss_options or {})
        self.gan_weight = float(gan_weight)
        if self.l1_weight < 0 or self.gan_weight < 0:
            raise ValueError(f"l1_weight and gan_weight must be >= 0, got {l1_weight} and {gan_weight}.")
        self.game = losses_lib.get(loss, **self.loss_options)
        _check_players(generator, discriminator)
        self.create_trackers(["d_loss", "g_loss", "g_gan", "g_l1"])
        self.built = True

    # --- the step, as in the paper -------------------------------------------

    def train_step(self, data):
        source, target = self.unpack_pair(data)
        self.seed_noise(self.g_optimizer.iterations)
        with tf.GradientTape() as g_tape:
            fake = self.generator(source, training=True)  # G(x, z)
        d_logs = self.discriminator_update(source, target, fake)
        g_logs = self.generator_update(source, target, fake, g_tape)
        return self.record({**d_logs, **g_logs})

    def discriminator_update(self, source, target, fake):
        """One update of D: real pairs (x, y) against (x, G(x, z)), loss halved."""
        fake = tf.stop_gradient(fake)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator([source, fake], training=True)
            real_logits = self.discriminator([source, target], training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
        self.apply_update(self.d_optimizer, tape, d_loss, self.discriminator.trainable_variables)
        return {"d_loss": d_loss}

    def generator_update(self, source, target, fake, tape):
        """One update of G: fool the updated D, and stay close to y in L1.

        `tape` recorded G(x, z); the loss is recorded on it too, so G runs once
        per step as in the reference.
        """
        real_logits = None
        if self.game.generator_uses_real:
            real_logits = self.discriminator([source, target], training=True)
        with tape:
            fake_logits = self.discriminator([source, fake], training=True)
            g_gan = self.generator_loss(real_logits, fake_logits)
            g_l1 = l1_distance(target, fake)
            g_loss = self.gan_weight * g_gan + self.l1_weight * g_l1
        self.apply_update(self.g_optimizer, tape, g_loss, self.generator.trainable_variables)
        return {"g_loss": g_loss, "g_gan": g_gan, "g_l1": g_l1}

    def discriminator_loss(self, real_logits, fake_logits):
        """The reference's halved D loss (least squares: MSE, see models/_reference.py)."""
        return _reference.discriminator_loss(self.game, real_logits, fake_logits)

    def generator_loss(self, real_logits, fake_logits):
        """L_cGAN's term for G, scaled as the reference's criterion (see models/_reference.py)."""
        return _reference.generator_loss(self.game, real_logits, fake_logits)

    def test_step(self, data):
        source, target = self.unpack_pair(data)
        fake = self.generator(source, training=False)
        real_logits = self.discriminator([source, target], training=False)
        fake_logits = self.discriminator([source, fake], training=False)
        g_gan = self.generator_loss(real_logits, fake_logits)
        g_l1 = l1_distance(target, fake)
        return self.record(
            {
                "d_loss": self.discriminator_loss(real_logits, fake_logits),
                "g_loss": self.gan_weight * g_gan + self.l1_weight * g_l1,
                "g_gan": g_gan,
                "g_l1": g_l1,
            }
        )

    # --- noise ---------------------------------------------------------------

    def seed_noise(self, counter):
        """Seed the generator's dropout from (seed, counter).

        Keras' Dropout draws from a SeedGenerator whose state is not saved
        with the model; seeding it from the optimizer's step count makes the
        noise reproducible and a resumed run continue exactly. Every replica
        gets the same stream (the state is a mirrored variable).
        """
        base = tf.constant([self._seed_value, _SALT_DROPOUT], tf.int64)
        base = tf.random.experimental.stateless_fold_in(base, tf.cast(counter, tf.int64))
        for index, state in enumerate(_seed_states(self.generator)):
            value = tf.random.experimental.stateless_fold_in(base, index)
            _base.assign_replica_safe([(state, None)], lambda v, _, value=value: tf.cast(value, v.dtype))

    # --- inference -----------------------------------------------------------

    def call(self, inputs, training=False):
        """Translate a batch of input images."""
        return self.generator(inputs, training=training)

    def translate(self, images, batch_size=64, test_mode=None):
        """G(x) for input images in [-1, 1], as numpy.

        Args:
            images: array (n, height, width, channels) of input images.
            batch_size: generator batch size (with test_mode="paper" the
                batch whose statistics normalise; the paper's is 1).
            test_mode: "inference" or "paper"; default `self.test_mode`.
        """
        images = np.asarray(images, dtype="float32")
        expected = tuple(self.generator.input_shape[1:])
        if images.ndim != 4 or not _base.shape_fits(images.shape[1:], expected):
            raise ValueError(f"Expected input images of shape (n,) + {expected}, got {images.shape}.")
        mode = check_test_mode(test_mode or self.test_mode)
        if mode == "inference":
            return self.run_batched(self.generator, images, batch_size)
        batch_size = int(batch_size)
        return np.concatenate(
            [
                run_generator(self.generator, images[i : i + batch_size], "paper").numpy()
                for i in range(0, len(images), batch_size)
            ]
        )

    # --- data ----------------------------------------------------------------

    def check_data(self, element_spec):
        """Fail before training when the pairs do not fit the networks."""
        source, target = self.unpack_pair(element_spec)
        source_shape, target_shape = tuple(source.shape)[1:], tuple(target.shape)[1:]
        if len(source_shape) != 3 or len(target_shape) != 3:
            raise ValueError(
                f"Expected pairs of images (height, width, channels); got input images of shape "
                f"{source_shape} and target images of shape {target_shape}."
            )
        if not _base.shape_fits(source_shape[:2], target_shape[:2]):
            raise ValueError(
                f"The two images of a pair must have the same size: input images have shape "
                f"{source_shape}, target images {target_shape}."
            )
        for what, shape, expected in (
            ("input images", source_shape, tuple(self.generator.input_shape[1:])),
            ("target images", target_shape, tuple(self.generator.output_shape[1:])),
        ):
            if not _base.shape_fits(shape, expected):
                side = "takes" if what == "input images" else "outputs"
                raise ValueError(
                    f"The dataset's {what} have shape {shape}, but the generator {side} {expected}. "
                    "Resize the data (load_paired(..., image_size=..., channels=...)) or build the "
                    "networks for that shape (build_pix2pix(image_shape, output_channels=...))."
                )

    # --- config --------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "l1_weight": self.l1_weight,
                "loss": self.loss,
                "loss_options": self.loss_options,
                "gan_weight": self.gan_weight,
                "test_mode": self.test_mode,
            }
        )
        return config


def l1_distance(target, output):
    """L_L1 = E|y - G(x, z)|_1, the mean absolute difference (float32)."""
    return tf.reduce_mean(tf.abs(tf.cast(target, tf.float32) - tf.cast(output, tf.float32)))


def build_pix2pix(
    image_shape=(256, 256, 3),
    output_channels=None,
    depth=None,
    generator_filters=64,
    discriminator_filters=64,
    n_layers=3,
    normalization="batch",
    dropout_rate=0.5,
    l1_weight=100.0,
    gan_weight=1.0,
    loss="non_saturating",
    learning_rate=2e-4,
    beta_1=0.5,
    test_mode="inference",
    steps_per_epoch=None,
    constant_epochs=100,
    decay_epochs=100,
    seed=None,
):
    """A compiled pix2pix: U-Net generator, PatchGAN discriminator, the paper's Adam.

    The learning rate is constant by default (the paper gives Adam(2e-4,
    beta_1=0.5) and no decay). With `steps_per_epoch` it follows the PyTorch
    port's schedule (junyanz/pytorch-CycleGAN-and-pix2pix, `--lr_policy
    linear`): constant for `constant_epochs`, then linearly to zero over
    `decay_epochs` (`schedules.linear_decay_schedule`, per step).

    Args:
        image_shape: (height, width, channels) of the input images.
        output_channels: channels of the target images; default as the input.
        depth: U-Net depth; default: down to 1x1 (8 blocks at 256).
        generator_filters, discriminator_filters: ngf and ndf (64).
        n_layers: PatchGAN layers (3: 70x70 patches; 0: pixels; "image").
        normalization: "batch" (the paper) or "instance", for both networks.
        dropout_rate: the U-Net's decoder dropout (the noise z).
        l1_weight, gan_weight, loss: as in `Pix2Pix`.
        learning_rate, beta_1: Adam's, for both players (2e-4, 0.5).
        test_mode: "inference" or "paper" (dropout and test-batch
            statistics at test time), as in `Pix2Pix`.
        steps_per_epoch: batches per epoch (dataset size / batch size);
            given, the rate decays as the PyTorch port's (100 + 100 epochs).
        constant_epochs, decay_epochs: that schedule's n_epochs and
            n_epochs_decay.
        seed: training-noise seed.

    Returns:
        A compiled `Pix2Pix`.

    Example:

    >>> model = build_pix2pix((32, 32, 1), generator_filters=16,
    ...                       discriminator_filters=16, n_layers=2)
    >>> model.fit(datasets.load_paired("digits"), epochs=1)
    """
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.unet import unet_generator

    image_shape = tuple(int(d) for d in image_shape)
    output_channels = image_shape[-1] if output_channels is None else int(output_channels)
    generator = unet_generator(
        image_shape,
        output_channels=output_channels,
        depth=depth,
        base_filters=generator_filters,
        normalization=normalization,
        dropout_rate=dropout_rate,
    )
    discriminator = patchgan_discriminator(
        image_shape[:2] + (output_channels,),
        n_layers=n_layers,
        base_filters=discriminator_filters,
        normalization=normalization,
        conditional=True,
        input_channels=image_shape[-1],
    )
    model = Pix2Pix(
        generator,
        discriminator,
        l1_weight=l1_weight,
        gan_weight=gan_weight,
        loss=loss,
        test_mode=test_mode,
        seed=seed,
    )
    rate = learning_rate
    if steps_per_epoch:
        from keras_gans import schedules

        rate = schedules.linear_decay_schedule(learning_rate, constant_epochs, decay_epochs, steps_per_epoch)
    model.compile(
        d_optimizer=keras.optimizers.Adam(rate, beta_1=beta_1),
        g_optimizer=keras.optimizers.Adam(rate, beta_1=beta_1),
    )
    return model


# --- evaluation: keras_gans.metrics.pairs (re-exported here, its former home) --


def run_generator(generator, images, test_mode="inference"):
    """G(images) in a test mode: "inference", or "paper" (dropout on, batch
    norm with the batch's statistics; the moving statistics are restored)."""
    if check_test_mode(test_mode) == "inference":
        return generator(images, training=False)
    moving = [
        v
        for layer in _all_layers(generator)
        if isinstance(layer, keras.layers.BatchNormalization)
        for v in (layer.moving_mean, layer.moving_variance)
    ]
    saved = [v.numpy() for v in moving]
    output = generator(images, training=True)
    for variable, value in zip(moving, saved):
        variable.assign(value)
    return output


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _all_layers(layer)


def check_test_mode(test_mode):
    """`test_mode` if it is one of TEST_MODES, else a ValueError naming them."""
    if test_mode not in TEST_MODES:
        raise ValueError(f"test_mode must be one of {TEST_MODES}, got {test_mode!r}.")
    return test_mode


# --- helpers -----------------------------------------------------------------


def _seed_states(model):
    """The states of the SeedGenerators (dropout) inside a model, in layer order."""
    states = []
    for layer in getattr(model, "layers", []):
        generator = getattr(layer, "seed_generator", None)
        if generator is not None:
            states.append(generator.state)
        states.extend(_seed_states(layer))
    return states


def _check_players(generator, discriminator):
    """D must take [x, y] with y the generator's output shape."""
    inputs = getattr(discriminator, "inputs", None)
    if not inputs or len(inputs) != 2:
        count = len(inputs) if inputs else "an unknown number of"
        raise ValueError(
            "Pix2Pix's discriminator is conditional: it takes [input_image, output_image], two "
            f"inputs, but has {count} input(s). Build it with "
            "networks.patchgan_discriminator(image_shape, conditional=True)."
        )
    condition, image = (tuple(t.shape[1:]) for t in inputs)
    g_in = tuple(getattr(generator, "input_shape", (None,) * 4)[1:])
    g_out = tuple(getattr(generator, "output_shape", (None,) * 4)[1:])
    if not _base.shape_fits(g_out, image):
        raise ValueError(
            f"The generator outputs images of shape {g_out}, but the discriminator judges images of shape {image}."
        )
    if not _base.shape_fits(g_in, condition):
        raise ValueError(
            f"The generator takes input images of shape {g_in}, but the discriminator's condition "
            f"input has shape {condition}."
        )
