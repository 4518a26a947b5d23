"""The games against hand-computed values, and the saturation property."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses
from tests import harness

REAL = np.array([2.0, -1.0], "float32")
FAKE = np.array([0.5, -3.0], "float32")


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def mean(values):
    return sum(values) / len(values)


# Hand-computed: D = sigmoid(logit).
D_REAL = [sigmoid(x) for x in REAL]
D_FAKE = [sigmoid(x) for x in FAKE]
CROSS_ENTROPY_D = -mean([math.log(d) for d in D_REAL]) - mean([math.log(1 - d) for d in D_FAKE])

EXPECTED = {
    ("minimax", "d"): CROSS_ENTROPY_D,
    ("minimax", "g"): mean([math.log(1 - d) for d in D_FAKE]),
    ("non_saturating", "d"): CROSS_ENTROPY_D,
    ("non_saturating", "g"): -mean([math.log(d) for d in D_FAKE]),
    ("maximum_likelihood", "d"): CROSS_ENTROPY_D,
    # -1/2 E exp(sigma^-1(D(G(z)))) with sigma^-1(D) = log(D / (1 - D)).
    ("maximum_likelihood", "g"): -0.5 * mean([d / (1 - d) for d in D_FAKE]),
    ("least_squares", "d"): 0.5 * mean([(x - 1) ** 2 for x in REAL]) + 0.5 * mean([x**2 for x in FAKE]),
    ("least_squares", "g"): 0.5 * mean([(x - 1) ** 2 for x in FAKE]),
    ("wasserstein", "d"): mean(FAKE) - mean(REAL),
    ("wasserstein", "g"): -mean(FAKE),
    ("hinge", "d"): mean([max(0, 1 - x) for x in REAL]) + mean([max(0, 1 + x) for x in FAKE]),
    ("hinge", "g"): -mean(FAKE),
}


@pytest.mark.parametrize("game", losses.GAMES)
def test_games_match_hand_computed_values(game):
    g = losses.get(game)
    assert float(g.discriminator_loss(REAL, FAKE)) == pytest.approx(EXPECTED[(game, "d")], rel=1e-5)
    assert float(g.generator_loss(REAL, FAKE)) == pytest.approx(EXPECTED[(game, "g")], rel=1e-5)
    # The module-level functions are the same ones.
    d_fn = getattr(losses, f"{game}_discriminator_loss")
    assert float(d_fn(REAL, FAKE)) == pytest.approx(EXPECTED[(game, "d")], rel=1e-5)


def test_least_squares_options():
    g = losses.get("least_squares", a=-1.0, b=1.0, c=0.0)
    expected_d = 0.5 * mean([(x - 1) ** 2 for x in REAL]) + 0.5 * mean([(x + 1) ** 2 for x in FAKE])
    assert float(g.discriminator_loss(REAL, FAKE)) == pytest.approx(expected_d, rel=1e-5)
    assert float(g.generator_loss(None, FAKE)) == pytest.approx(0.5 * mean([x**2 for x in FAKE]), rel=1e-5)


def test_one_sided_label_smoothing_moves_only_the_real_target():
    alpha = 0.1
    g = losses.get("non_saturating", label_smoothing=alpha)
    expected = mean([-(1 - alpha) * math.log(d) - alpha * math.log(1 - d) for d in D_REAL]) - mean(
        [math.log(1 - d) for d in D_FAKE]
    )
    assert float(g.discriminator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("game", losses.GAMES)
def test_patch_shaped_outputs(game):
    g = losses.get(game)
    real = np.tile(REAL.reshape(2, 1, 1, 1), (1, 3, 3, 1))
    fake = np.tile(FAKE.reshape(2, 1, 1, 1), (1, 3, 3, 1))
    assert float(g.discriminator_loss(real, fake)) == pytest.approx(EXPECTED[(game, "d")], rel=1e-5)
    assert float(g.generator_loss(real, fake)) == pytest.approx(EXPECTED[(game, "g")], rel=1e-5)


@pytest.mark.parametrize("game", losses.GAMES)
def test_numerically_stable_for_extreme_logits(game):
    g = losses.get(game)
    extreme = np.array([-1e4, 1e4, 80.0, -80.0], "float32")
    assert np.isfinite(float(g.discriminator_loss(extreme, extreme)))
    assert np.isfinite(float(g.generator_loss(extreme, extreme)))
    with tf.GradientTape() as tape:
        x = tf.constant(extreme)
        tape.watch(x)
        loss = g.generator_loss(None, x) + g.discriminator_loss(x, x)
    assert np.all(np.isfinite(tape.gradient(loss, x).numpy()))


def generator_gradient(game, logit):
    x = tf.constant([logit])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = losses.get(game).generator_loss(None, x)
    return float(tape.gradient(loss, x)[0])


def test_minimax_saturates_and_non_saturating_does_not():
    # As D(G(z)) -> 0 (logit -> -inf), the minimax generator's gradient
    # vanishes; the non-saturating one stays near -1 per logit.
    for logit in (-5.0, -10.0, -20.0):
        assert abs(generator_gradient("minimax", logit)) < 1e-2
        assert abs(generator_gradient("non_saturating", logit)) > 0.99
    assert abs(generator_gradient("minimax", -20.0)) < 1e-8
    # The two agree on the direction: both push the logit up.
    assert generator_gradient("minimax", 0.0) < 0 and generator_gradient("non_saturating", 0.0) < 0


def test_unknown_game_lists_the_valid_ones():
    e = harness.assert_clear_error(lambda: losses.get("wgan"), "wgan", error=ValueError)
    for name in losses.GAMES:
        assert name in str(e)
    harness.assert_clear_error(lambda: losses.get("hinge", a=1.0), "takes no option", error=ValueError)


def test_gradient_penalty_is_zero_for_unit_slope_critic():
    # D(x) = sum(x) / sqrt(d) has ||grad|| = 1 everywhere: no penalty.
    d = 4

    def critic(x, training=True):
        return tf.reduce_sum(x, axis=1, keepdims=True) / math.sqrt(d)

    real = tf.random.normal((8, d), seed=1)
    fake = tf.random.normal((8, d), seed=2)
    seed = tf.constant([1, 2], tf.int64)
    assert float(losses.gradient_penalty(critic, real, fake, seed)) == pytest.approx(0.0, abs=1e-6)

    def steep(x, training=True):
        return 3.0 * critic(x)

    # ||grad|| = 3: penalty (3 - 1)^2 = 4.
    assert float(losses.gradient_penalty(steep, real, fake, seed)) == pytest.approx(4.0, rel=1e-5)
    assert float(losses.dragan_penalty(steep, real, seed)) == pytest.approx(4.0, rel=1e-5)
    # R1 is E||grad||^2 = 9.
    assert float(losses.r1_penalty(steep, real)) == pytest.approx(9.0, rel=1e-5)


def test_penalties_use_the_critic_of_a_patch_shaped_discriminator():
    # A PatchGAN-like D: every element of its 8x8 map is x . w with ||w|| = 2.
    # The games average the map, so the critic of an example is x . w: GP and
    # DRAGAN (||grad|| - 1)^2 = 1 and R1 ||grad||^2 = 4, not those of the map's sum.
    d = 5
    w = np.full((d,), 2.0 / np.sqrt(d), "float32")

    def patch_critic(x, training=True):
        per_example = tf.linalg.matvec(x, w)
        return tf.tile(per_example[:, None, None, None], [1, 8, 8, 1])

    real = tf.random.stateless_normal((6, d), seed=[1, 2])
    fake = tf.random.stateless_normal((6, d), seed=[3, 4])
    seed = tf.constant([5, 6], tf.int64)
    assert float(losses.gradient_penalty(patch_critic, real, fake, seed)) == pytest.approx(1.0, rel=1e-5)
    assert float(losses.dragan_penalty(patch_critic, real, seed)) == pytest.approx(1.0, rel=1e-5)
    assert float(losses.r1_penalty(patch_critic, real)) == pytest.approx(4.0, rel=1e-5)
