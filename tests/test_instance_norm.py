"""keras_gans.networks.instance_norm.InstanceNormalization equals GroupNormalization(groups=-1)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.networks.instance_norm import InstanceNormalization
from tests import harness


@pytest.mark.parametrize("batch,affine", [(1, False), (3, True)])
def test_outputs_and_gradients_equal_group_normalization(batch, affine):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, (batch, 6, 5, 4)).astype("float32"))  # non-square, channels != batch
    reference = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=affine, scale=affine)
    fused = InstanceNormalization(epsilon=1e-5, center=affine, scale=affine)
    reference.build(x.shape)
    fused.build(x.shape)
    if affine:
        weights = [rng.uniform(0.5, 1.5, 4).astype("float32"), rng.normal(size=4).astype("float32")]
        reference.set_weights(weights)
        fused.set_weights(weights)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        want, got = reference(x), fused(x)
        loss_want, loss_got = tf.reduce_sum(want * tf.sin(x)), tf.reduce_sum(got * tf.sin(x))
    np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(tape.gradient(loss_got, x), tape.gradient(loss_want, x), atol=1e-5)
    if affine:
        for g, w in zip(
            tape.gradient(loss_got, fused.trainable_variables), tape.gradient(loss_want, reference.trainable_variables)
        ):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_config_round_trip_in_a_model_and_bad_rank(tmp_path):
    inputs = keras.Input((8, 8, 2))
    model = keras.Model(inputs, InstanceNormalization(epsilon=1e-5, name="norm")(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 2)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)
    assert loaded.get_layer("norm").get_config()["epsilon"] == 1e-5
    harness.assert_clear_error(
        lambda: InstanceNormalization()(tf.zeros([2, 3])),
        "(batch, height, width, channels)",
        "(2, 3)",
        error=ValueError,
    )
