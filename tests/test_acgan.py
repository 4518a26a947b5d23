"""ACGAN: the auxiliary classifier losses, save/load, config and its discriminator contract."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.models.acgan import ACGAN
from keras_gans.labels import class_cross_entropy
from keras_gans.networks import conditional
from tests import harness

LATENT, K, SHAPE = 4, 3, (16, 16, 1)


def labelled_data(batch_size=8, n=32):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (n,) + SHAPE).astype("float32")
    labels = rng.integers(0, K, n).astype("int64")
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size, drop_remainder=True)


def acgan(dropout=0.25, **kwargs):
    def build():
        model = ACGAN(
            conditional.conditional_generator(LATENT, K, SHAPE, base_filters=8),
            conditional.acgan_discriminator(SHAPE, K, base_filters=8, dropout=dropout),
            latent_dim=LATENT,
            num_classes=K,
            seed=3,
            **kwargs,
        )
        model.compile()
        return model

    return build


Z = np.random.default_rng(1).normal(size=(6, LATENT)).astype("float32")
Y = np.array([0, 1, 2, 2, 1, 0])


def test_trains_and_logs_the_class_terms():
    _, history = harness.run_train_step_test(acgan(r1_weight=1.0), labelled_data())
    logs = history.history
    for key in ("class_loss", "class_accuracy", "fake_class_accuracy", "penalty"):
        assert key in logs
    # A fresh auxiliary classifier of K classes starts near log K.
    assert abs(logs["class_loss"][0] - np.log(K)) < 1.0
    assert logs["penalty"][0] > 0


def test_losses_are_the_papers():
    """D minimises -(L_S + L_C), G minimises -(L_C - L_S) (non-saturating L_S)."""
    model = acgan(dropout=0.0)()  # no dropout: the recomputation sees the same network
    real = (np.random.default_rng(2).uniform(-1, 1, (4,) + SHAPE).astype("float32"), tf.constant([0, 1, 2, 0]))
    model.build_optimizers()
    weights = harness.weights_of(model.discriminator)
    streams = model.random_streams("discriminator")  # the streams of the coming update
    logs = model.discriminator_update(real)
    # Recompute the loss on the same inputs with the weights before the update.
    model.discriminator.set_weights(weights)
    fake_labels = model.sample_labels(4, seed=streams.labels)
    fake = model.generator([model.sample_latent(4, seed=streams.latent), fake_labels], training=True)
    real_source, real_class = model.discriminator(real[0], training=True)
    fake_source, fake_class = model.discriminator(fake, training=True)
    expected = (
        tf.reduce_mean(tf.nn.softplus(-real_source))
        + tf.reduce_mean(tf.nn.softplus(fake_source))
        + class_cross_entropy(real[1], real_class)
        + class_cross_entropy(fake_labels, fake_class)
    )
    np.testing.assert_allclose(float(logs["d_loss"]), float(expected), rtol=1e-4)


def test_save_load_resume(tmp_path):
    # Without dropout: Keras does not save Dropout's random state, so a resumed
    # run with dropout cannot repeat the uninterrupted run exactly.
    harness.run_save_load_test(
        acgan(dropout=0.0, ema_decay=0.9), labelled_data(), tmp_path, lambda m: m.generate(latent=Z, labels=Y)
    )


def test_config_round_trip():
    rebuilt = harness.run_config_round_trip_test(acgan(class_loss_weight=0.5, loss="least_squares")())
    assert rebuilt.class_loss_weight == 0.5 and rebuilt.num_classes == K


def test_generate_by_class():
    model = acgan()()
    assert model.generate(labels=np.arange(K)).shape == (K,) + SHAPE
    assert model.generate(4, labels=1).shape == (4,) + SHAPE


@pytest.mark.parametrize(
    "discriminator,fragment",
    [
        (lambda: conditional.conditional_discriminator(SHAPE, K, base_filters=8), "image only"),
        (lambda: conditional.acgan_discriminator(SHAPE, K + 1, base_filters=8), f"({K},)"),
    ],
    ids=["conditional_d", "wrong_classes"],
)
def test_discriminator_contract(discriminator, fragment):
    harness.assert_clear_error(
        lambda: ACGAN(conditional.conditional_generator(LATENT, K, SHAPE, base_filters=8), discriminator(), LATENT, K),
        fragment,
        error=ValueError,
    )


def test_unlabelled_data_is_refused():
    model = acgan()()
    images = tf.data.Dataset.from_tensor_slices(np.zeros((16,) + SHAPE, "float32")).batch(8)
    harness.assert_clear_error(
        lambda: model.fit(images, epochs=1, verbose=0), "ACGAN needs labelled batches", error=ValueError
    )
