"""ConditionalBatchNormalization: BN(x) * (1 + gain(c)) + bias(c), as BigGAN's ccbn."""

import numpy as np
import keras
import pytest

from keras_gans.layers import ConditionalBatchNormalization, SpectralNormalization
from tests import harness

RNG = np.random.default_rng(0)
X = RNG.normal(2.0, 3.0, (6, 4, 4, 5)).astype("float32")
C = RNG.normal(size=(6, 7)).astype("float32")


def zeroed(layer):
    layer([X, C])
    for weight in layer.gain.weights + layer.bias.weights:
        if len(weight.shape) == 2:
            weight.assign(np.zeros(weight.shape, "float32"))
    return layer


@pytest.mark.parametrize("training", [True, False])
def test_zero_maps_equal_plain_batch_norm(training):
    cbn = zeroed(ConditionalBatchNormalization())
    plain = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, center=False, scale=False)
    plain.build(X.shape)
    for _ in range(2):  # the moving statistics move alike
        expected = plain(X, training=training)
        np.testing.assert_allclose(cbn([X, C], training=training), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(cbn.batch_norm.moving_mean, plain.moving_mean, rtol=1e-6)


def test_gain_and_bias_follow_the_formula():
    cbn = ConditionalBatchNormalization()
    out = cbn([X, C], training=True).numpy()
    mean, var = X.mean((0, 1, 2)), X.var((0, 1, 2))
    normalized = (X - mean) / np.sqrt(var + 1e-5)
    gain = 1 + C @ cbn.gain.kernel.numpy()
    bias = C @ cbn.bias.kernel.numpy()
    np.testing.assert_allclose(out, normalized * gain[:, None, None] + bias[:, None, None], rtol=1e-4, atol=1e-4)


def test_different_conditions_give_different_outputs():
    cbn = ConditionalBatchNormalization()
    x = np.repeat(X[:1], 2, axis=0)
    c = np.stack([C[0], C[1]])  # e.g. two classes' embeddings
    out = cbn([x, c], training=False).numpy()
    assert np.abs(out[0] - out[1]).max() > 1e-2
    same = cbn([x, np.stack([C[0], C[0]])], training=False).numpy()
    np.testing.assert_allclose(same[0], same[1], rtol=1e-6)


def test_spectral_norm_and_config_round_trip():
    cbn = ConditionalBatchNormalization(momentum=0.99, spectral_norm=True, name="cbn")
    out = cbn([X, C], training=False)
    assert isinstance(cbn.gain, SpectralNormalization) and isinstance(cbn.bias, SpectralNormalization)
    rebuilt = ConditionalBatchNormalization.from_config(cbn.get_config())
    rebuilt([X, C])
    rebuilt.set_weights(cbn.get_weights())
    np.testing.assert_allclose(rebuilt([X, C], training=False), out, rtol=1e-6)
    assert rebuilt.momentum == 0.99 and rebuilt.spectral_norm


def test_condition_of_the_wrong_rank_is_named():
    harness.assert_clear_error(
        lambda: ConditionalBatchNormalization(name="cbn")([X, C[:, None]]), "(batch, condition_dim)", "(6, 1, 7)"
    )
