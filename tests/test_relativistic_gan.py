"""RelativisticGAN: the worked example of CONTRIBUTING.md (a model = one file, a zoo entry, this test file)."""

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import networks, zoo
from tests import harness

LATENT = 4
Z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")


def ragan(loss="non_saturating", optimizer=None, **kwargs):
    def build():
        model = keras_gans.RelativisticGAN(
            networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
            networks.mlp_discriminator(2, hidden_units=(16,)),
            latent_dim=LATENT,
            loss=loss,
            seed=3,
            **kwargs,
        )
        model.compile(*(None, None) if optimizer is None else (optimizer(), optimizer()))
        return model

    return build


def ring(batch_size=16, n=64):
    return keras_gans.datasets.load("ring8", batch_size=batch_size, num_samples=n, shuffle=False)


@pytest.mark.parametrize("loss", ["non_saturating", "least_squares"])
def test_trains_saves_and_resumes(loss, tmp_path):
    harness.run_model_tests(ragan(loss), ring(), tmp_path, lambda m: m.generate(latent=Z))


def test_two_replicas_equal_one_device():
    # The averages E C(x) are global-batch means: uneven shares included.
    # SGD: the loss is invariant to a constant shift of C, so D's last bias has a
    # zero gradient up to rounding, which Adam would scale to a full step.
    sgd = lambda: keras.optimizers.SGD(0.1, momentum=0.5)  # noqa: E731
    harness.run_distribution_test(ragan(ema_decay=0.5, optimizer=sgd), ring(batch_size=15, n=30))


def test_losses_are_the_papers():
    model = ragan()()
    c_real = tf.constant([[1.0], [3.0]])
    c_fake = tf.constant([[0.0], [-2.0]])
    # C(x_r) - E C(x_f) = [2, 4]; C(x_f) - E C(x_r) = [-2, -4].
    sp = lambda x: np.log1p(np.exp(x))  # noqa: E731
    d_loss, _ = model.discriminator_loss(None, None, c_real, c_fake)
    assert float(d_loss) == pytest.approx(np.mean(sp(-np.array([2, 4]))) + np.mean(sp(np.array([-2, -4]))), rel=1e-5)
    g_loss, _ = model.generator_loss(None, None, c_real, c_fake)
    assert float(g_loss) == pytest.approx(np.mean(sp(np.array([2, 4]))) + np.mean(sp(-np.array([-2, -4]))), rel=1e-5)
    least_squares = ragan("least_squares")()
    d_loss, _ = least_squares.discriminator_loss(None, None, c_real, c_fake)
    assert float(d_loss) == pytest.approx(np.mean((np.array([2, 4]) - 1) ** 2) + np.mean((np.array([-2, -4]) + 1) ** 2))


def test_each_player_lowers_its_own_loss_against_a_frozen_opponent():
    real = np.concatenate([b.numpy() for b in ring(n=256)], axis=0)
    z = np.random.default_rng(2).normal(size=(256, LATENT)).astype("float32")

    def losses(model):
        c_real, c_fake = model.discriminator(real), model.discriminator(model.generator(z))
        return float(model.discriminator_loss(None, None, c_real, c_fake)[0]), float(
            model.generator_loss(None, None, c_real, c_fake)[0]
        )

    for player in (0, 1):  # 0: D learns against a frozen G; 1: G against a frozen D
        model = ragan()()
        model.compile(
            keras.optimizers.Adam(1e-2 if player == 0 else 0.0),
            keras.optimizers.Adam(1e-2 if player == 1 else 0.0),
        )
        before = losses(model)[player]
        model.fit(ring(n=256, batch_size=64), epochs=5, verbose=0)
        assert losses(model)[player] < before - 1e-3


def test_zoo_entry_and_bad_loss():
    model = zoo.build("ragan", (2,), seed=0)
    assert isinstance(model, keras_gans.RelativisticGAN) and model.generator_uses_real
    harness.assert_clear_error(lambda: ragan("hinge")(), "'hinge'", "least_squares", error=ValueError)
