"""`SRGAN`: photo-realistic single-image super-resolution with a GAN."""

import copy
import warnings

import numpy as np
import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans.models import _base

CONTENT_LOSSES = ("vgg", "pixel")
# The paper's rescaling of the VGG feature maps ("a rescaling factor of 1/12.75").
VGG_FEATURE_SCALE = 1.0 / 12.75
# phi_5,4: the feature map of the 4th convolution (after its ReLU) before the 5th max-pooling.
VGG_LAYER = "block5_conv4"
VGG_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


@keras.saving.register_keras_serializable(package="keras_gans")
class SRGAN(_base.PairedData, _base.AdversarialModel):
    """SRGAN (Ledig et al., 2017): super-resolution with a perceptual loss.

    https://arxiv.org/abs/1609.04802

    Paper names: `low_res` is I^LR, `high_res` is I^HR, `generator` is
    G_theta_G (SRResNet, `networks.srgan_generator`), `discriminator` is
    D_theta_D; the perceptual loss (eq. 3) is l^SR = l^SR_X + 1e-3 l^SR_Gen:
    the content loss l^SR_X (`content_loss`) plus `adversarial_weight` times
    the adversarial loss l^SR_Gen = -log D(G(I^LR)) (eq. 6, the
    non-saturating game). D minimises the cross-entropy of real HR images
    against G's outputs (eq. 2). Each step updates D, then G (G's output is
    computed once and used by both, as in pix2pix).

    Content loss:

    - "vgg" (the paper's SRGAN-VGG54): the MSE between the VGG19 feature maps
      phi_5,4 of G(I^LR) and I^HR, each rescaled by 1/12.75 (the paper's
      factor). The extractor is `feature_extractor` when given (any Keras
      model images in [-1, 1] -> features), else `vgg19_features()`, which
      needs the ImageNet weights of keras.applications.VGG19 (downloaded
      once with network access); without them it raises a RuntimeError
      naming the fix. There is no silent fallback.
    - "pixel" (SRGAN-MSE): the MSE between G(I^LR) and I^HR (images in
      [-1, 1]). Offline this is what trains; the model warns which is used.

    Args:
        generator: a Keras model I^LR -> I^SR (e.g. `networks.srgan_generator`).
        discriminator: a Keras model I^HR -> logits (e.g.
            `networks.srgan_discriminator`).
        content_loss: "vgg" or "pixel" (see above).
        adversarial_weight: the weight of l^SR_Gen (1e-3); 0 trains G on the
            content loss alone (while D still learns).
        feature_extractor: the "vgg" content loss's network (default VGG19
            phi_5,4 with the ImageNet weights). Serialised with the model when
            given; the default VGG19 is rebuilt from the Keras weights cache.
        feature_scale: the factor applied to the feature maps (1/12.75).
        seed: seed of the training noise (none is drawn: G and D are
            deterministic; kept for the common interface).

    Data: (low_res, high_res) pairs, e.g.
    `keras_gans.datasets.load_super_resolution("mnist5k", scale=4)`. Metrics:
    d_loss, g_loss (total), g_content (l^SR_X), g_adversarial (l^SR_Gen).

    Example:

    >>> model = build_srgan(channels=1, scale=4, hr_shape=(28, 28, 1), blocks=4, filters=32)
    >>> model.fit(datasets.load_super_resolution("mnist5k", scale=4))
    >>> high = model.upscale(low)  # any size: (n, h, w, 1) -> (n, 4h, 4w, 1)
    """

    pair_keys = ("low_res", "high_res")  # (I^LR, I^HR)
    pair_expected = "SRGAN trains on (low_res, high_res) image pairs (e.g. datasets.load_super_resolution(...))"
    target_name = "The high-resolution images"

    def __init__(
        self,
        generator,
        discriminator,
        content_loss="vgg",
        adversarial_weight=1e-3,
        feature_extractor=None,
        feature_scale=VGG_FEATURE_SCALE,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if content_loss not in CONTENT_LOSSES:
            raise ValueError(f"content_loss must be one of {CONTENT_LOSSES}, got {content_loss!r}.")
        if float(adversarial_weight) < 0:
            raise ValueError(f"adversarial_weight must be >= 0, got {adversarial_weight}.")
        if feature_extractor is not None and content_loss != "vgg":
            raise ValueError(
                f"feature_extractor is used by content_loss='vgg' only; got content_loss={content_loss!r}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.content_loss = content_loss
        self.adversarial_weight = float(adversarial_weight)
        self.feature_scale = float(feature_scale)
        self.game = losses_lib.get("non_saturating")
        self._custom_extractor = feature_extractor is not None
        if content_loss == "vgg":
            self.feature_extractor = feature_extractor if feature_extractor is not None else vgg19_features()
            self.feature_extractor.trainable = False
        else:
            self.feature_extractor = None
            warnings.warn(
                "SRGAN content loss: pixel MSE (content_loss='pixel', the paper's SRGAN-MSE), not the VGG19 "
                "feature loss of SRGAN-VGG54. Use content_loss='vgg' with network access for the paper's loss.",
                stacklevel=2,
            )
        self.create_trackers(["d_loss", "g_loss", "g_content", "g_adversarial"])
        self.built = True

    def default_optimizers(self):
        """The paper's Adam(1e-4, beta_1=0.9) for both players."""
        return keras.optimizers.Adam(1e-4, beta_1=0.9), keras.optimizers.Adam(1e-4, beta_1=0.9)

    # --- the step, as in the paper -------------------------------------------

    def train_step(self, data):
        low_res, high_res = self.unpack_pair(data)
        with tf.GradientTape() as g_tape:
            fake = self.generator(low_res, training=True)  # I^SR = G(I^LR)
        d_logs = self.discriminator_update(high_res, fake)
        g_logs = self.generator_update(high_res, fake, g_tape)
        return self.record({**d_logs, **g_logs})

    def discriminator_update(self, high_res, fake):
        """One update of D: I^HR against G(I^LR) (eq. 2)."""
        fake = tf.stop_gradient(fake)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(high_res, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = self.game.discriminator_loss(real_logits, fake_logits)
        self.apply_update(self.d_optimizer, tape, d_loss, self.discriminator.trainable_variables)
        return {"d_loss": d_loss}

    def generator_update(self, high_res, fake, tape):
        """One update of G on the perceptual loss l^SR_X + w l^SR_Gen (eq. 3).

        `tape` recorded G(I^LR); the loss is recorded on it too.
        """
        with tape:
            fake_logits = self.discriminator(fake, training=True)
            losses = self.generator_losses(high_res, fake, fake_logits)
        self.apply_update(self.g_optimizer, tape, losses["g_loss"], self.generator.trainable_variables)
        return losses

    def generator_losses(self, high_res, fake, fake_logits):
        """{"g_loss", "g_content", "g_adversarial"} of G's outputs `fake` against `high_res`."""
        content = self.content(high_res, fake)
        adversarial = self.game.generator_loss(None, fake_logits)  # -E log D(G(I^LR))
        return {
            "g_loss": content + self.adversarial_weight * adversarial,
            "g_content": content,
            "g_adversarial": adversarial,
        }

    def content(self, high_res, fake):
        """l^SR_X: the MSE of the rescaled feature maps ("vgg") or of the pixels ("pixel")."""
        if self.content_loss == "pixel":
            return mse(high_res, fake)
        scale = self.feature_scale
        real_features = tf.stop_gradient(self.feature_extractor(high_res, training=False))
        fake_features = self.feature_extractor(fake, training=False)
        return mse(scale * tf.cast(real_features, tf.float32), scale * tf.cast(fake_features, tf.float32))

    def test_step(self, data):
        low_res, high_res = self.unpack_pair(data)
        fake = self.generator(low_res, training=False)
        real_logits = self.discriminator(high_res, training=False)
        fake_logits = self.discriminator(fake, training=False)
        return self.record(
            {
                "d_loss": self.game.discriminator_loss(real_logits, fake_logits),
                **self.generator_losses(high_res, fake, fake_logits),
            }
        )

    # --- inference -----------------------------------------------------------

    def call(self, inputs, training=False):
        """Upscale a batch of low-resolution images."""
        return self.generator(inputs, training=training)

    def upscale(self, images, batch_size=64):
        """G(I^LR) for low-resolution images in [-1, 1] of any size, as numpy."""
        images = np.asarray(images, dtype="float32")
        channels = self.generator.input_shape[-1]
        if images.ndim != 4 or images.shape[-1] != channels:
            raise ValueError(
                f"Expected low-resolution images of shape (n, height, width, {channels}), got {images.shape}."
            )
        return self.run_batched(self.generator, images, batch_size)

    def serving_description(self):  # the export takes low-resolution images of any size
        return {"kind": "image_to_image", "scale": self.scale}

    @property
    def scale(self):
        """The upscaling factor of the generator (output side / input side)."""
        return int(self.generator.compute_output_shape((1, 8, 8, self.generator.input_shape[-1]))[1] // 8)

    # --- data ----------------------------------------------------------------

    def check_data(self, element_spec):
        """Fail before training when the pairs do not fit the networks."""
        low, high = (tuple(s.shape)[1:] for s in self.unpack_pair(element_spec))
        if len(low) != 3 or len(high) != 3:
            raise ValueError(
                f"Expected (low_res, high_res) image pairs (height, width, channels); got shapes {low} and {high}."
            )
        scale = self.scale
        if low[0] is not None and high[0] is not None and (low[0] * scale, low[1] * scale) != tuple(high[:2]):
            raise ValueError(
                f"The generator upscales by {scale}: low-resolution images of shape {low} give {low[0] * scale}x"
                f"{low[1] * scale}, but the high-resolution images have shape {high}. Make the pairs with "
                f"datasets.load_super_resolution(..., scale={scale})."
            )
        expected = tuple(self.discriminator.input_shape[1:])
        if any(e is not None and h is not None and int(e) != int(h) for e, h in zip(expected, high)):
            raise ValueError(
                f"The high-resolution images have shape {high}, but the discriminator judges {expected}. "
                "Build it for that shape (networks.srgan_discriminator(image_shape=...))."
            )

    # --- config --------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        extractor = self.feature_extractor if self._custom_extractor else None
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "content_loss": self.content_loss,
                "adversarial_weight": self.adversarial_weight,
                "feature_extractor": None if extractor is None else keras.saving.serialize_keras_object(extractor),
                "feature_scale": self.feature_scale,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialisation consumes nested dicts
        if config.get("feature_extractor") is not None:
            config["feature_extractor"] = keras.saving.deserialize_keras_object(config["feature_extractor"])
        return super().from_config(config)


def mse(target, output):
    """The mean squared difference (float32)."""
    return tf.reduce_mean(tf.square(tf.cast(target, tf.float32) - tf.cast(output, tf.float32)))


def vgg19_features(layer=VGG_LAYER, weights="imagenet"):
    """VGG19's phi_5,4 as a Keras model: images in [-1, 1] (1 or 3 channels, any size) -> features.

    Images are mapped to [0, 255], grey images repeated to RGB, and
    preprocessed as VGG19 expects (`keras.applications.vgg19.preprocess_input`:
    BGR, ImageNet means subtracted).

    Raises:
        RuntimeError: the ImageNet weights cannot be loaded (no network and no
            cached file), with the ways to fix it.
    """
    try:
        vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(None, None, 3))
    except Exception as error:  # urllib's URLError, OSError, ... whatever the download raised
        raise RuntimeError(
            "content_loss='vgg' needs the ImageNet weights of VGG19 (keras.applications.VGG19), which could not "
            f"be loaded ({type(error).__name__}: {error}). Fix: run once with network access (Keras downloads "
            f"~/.keras/models/{VGG_WEIGHTS_FILE}), or copy that file there; or pass your own "
            "feature_extractor=...; or train with content_loss='pixel' (the paper's SRGAN-MSE)."
        ) from error
    features = keras.Model(vgg.input, vgg.get_layer(layer).output, name="vgg19_" + layer)
    inputs = keras.Input((None, None, None), name="images")
    x = VGGPreprocess(name="vgg19_preprocess")(inputs)
    return keras.Model(inputs, features(x), name="vgg19_features")


@keras.saving.register_keras_serializable(package="keras_gans")
class VGGPreprocess(keras.layers.Layer):
    """Images in [-1, 1] (1 or 3 channels) -> VGG19's input (BGR, ImageNet means subtracted)."""

    def call(self, images):
        images = (tf.cast(images, tf.float32) + 1.0) * 127.5
        images = tf.cond(tf.shape(images)[-1] == 1, lambda: tf.tile(images, [1, 1, 1, 3]), lambda: images)
        return keras.applications.vgg19.preprocess_input(images)


def build_srgan(
    channels=3,
    scale=4,
    hr_shape=(96, 96, 3),
    blocks=16,
    filters=64,
    discriminator_filters=64,
    dense_units=1024,
    content_loss="vgg",
    adversarial_weight=1e-3,
    feature_extractor=None,
    learning_rate=1e-4,
    beta_1=0.9,
    seed=None,
):
    """A compiled SRGAN: SRResNet generator, the paper's discriminator, Adam(1e-4, 0.9).

    Args:
        channels: image channels.
        scale: the upscaling factor (4 in the paper).
        hr_shape: (height, width, channels) of the high-resolution training
            crops, the discriminator's input (96x96 in the paper).
        blocks, filters: the generator's residual blocks and width (16, 64).
        discriminator_filters, dense_units: the discriminator's first width
            and hidden dense layer (64, 1024).
        content_loss, adversarial_weight, feature_extractor: as in `SRGAN`.
        learning_rate, beta_1: Adam's, for both players (1e-4, 0.9).
        seed: training-noise seed.

    Returns:
        A compiled `SRGAN`.
    """
    from keras_gans.networks.srgan import srgan_discriminator, srgan_generator

    hr_shape = tuple(int(d) for d in hr_shape)
    if hr_shape[-1] != int(channels):
        raise ValueError(f"hr_shape {hr_shape} must end in channels={channels}.")
    generator = srgan_generator(channels, scale=scale, blocks=blocks, filters=filters)
    discriminator = srgan_discriminator(hr_shape, base_filters=discriminator_filters, dense_units=dense_units)
    model = SRGAN(
        generator,
        discriminator,
        content_loss=content_loss,
        adversarial_weight=adversarial_weight,
        feature_extractor=feature_extractor,
        seed=seed,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
    )
    return model


def pretrain_srresnet(generator, data, epochs=1, steps_per_epoch=None, learning_rate=1e-4, beta_1=0.9, **fit_kwargs):
    """Train `generator` alone on the pixel MSE (SRResNet, the paper's initialisation of SRGAN's G).

    Fits a functional copy that shares the generator's layers (the generator
    itself is not compiled), with Adam(1e-4, 0.9) as in the paper.

    Args:
        generator: the SRResNet to train (its weights change in place).
        data: (low_res, high_res) batches.
        epochs, steps_per_epoch, **fit_kwargs: passed to `fit`.
        learning_rate, beta_1: Adam's.

    Returns:
        The Keras History.
    """
    trainer = keras.Model(generator.inputs, generator.outputs, name="srresnet_mse")
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1), loss="mse")
    if hasattr(data, "element_spec"):
        fit_kwargs.setdefault("shuffle", False)  # a tf.data pipeline shuffles itself
    return trainer.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, **fit_kwargs)
