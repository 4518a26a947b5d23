"""The normalization layers of keras_gans: the fused InstanceNormalization equals GroupNormalization(groups=-1), and
InstanceNormalization and LayerNormalization have exact second derivatives (gradient penalties)."""

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


def _exact_instance_norm(x, epsilon):
    """Instance norm on moments without tf.nn.moments' stop_gradient, which keeps the first
    derivative exact but drops a term of the second (GroupNormalization goes through it)."""
    mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=[1, 2], keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + epsilon)


def _penalty_gradients(normalize, x, kernel):
    """R1/WGAN-GP's shape of computation: d/dkernel of ||d D(x) / dx||^2, D = normalize(conv(x))."""
    with tf.GradientTape() as outer:
        outer.watch(kernel)
        with tf.GradientTape() as inner:
            inner.watch(x)
            d = tf.reduce_sum(tf.tanh(normalize(tf.nn.conv2d(x, kernel, 1, "SAME"))) * tf.cos(x))
        penalty = tf.reduce_sum(tf.square(inner.gradient(d, x)))
    return penalty, outer.gradient(penalty, kernel)


def test_second_order_gradients_are_exact():
    """A gradient penalty (R1, WGAN-GP, DRAGAN) differentiates D's input gradient again: the fused
    kernel's gradient must have the second derivative of instance norm. Checked against autodiff
    of the exact formula, which float64 finite differences confirm (docs/benchmarks.md)."""
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(2, 5, 5, 3)).astype("float32"))
    kernel = tf.constant(rng.normal(0.0, 0.3, (3, 3, 3, 3)).astype("float32"))
    layer = InstanceNormalization(epsilon=1e-5, center=False, scale=False)
    want_penalty, want = _penalty_gradients(lambda h: _exact_instance_norm(h, 1e-5), x, kernel)
    got_penalty, got = _penalty_gradients(layer, x, kernel)
    np.testing.assert_allclose(got_penalty, want_penalty, rtol=1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


def test_the_networks_use_the_fused_layer():
    from keras_gans.networks import patchgan, resnet, unet

    g = resnet.resnet_generator((32, 32, 3), num_residual_blocks=1, base_filters=4)
    d = patchgan.patchgan_discriminator((32, 32, 3), base_filters=4, normalization="instance", conditional=False)
    u = unet.unet_generator((32, 32, 3), base_filters=4, normalization="instance")
    for model in (g, d, u):
        kinds = {type(layer).__name__ for layer in model.layers}
        assert "InstanceNormalization" in kinds and "GroupNormalization" not in kinds, (model.name, kinds)


def _exact_layer_norm(x, epsilon):
    mean = tf.reduce_mean(x, axis=-1, keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + epsilon)


def test_layer_norm_outputs_equal_keras_and_second_order_gradients_are_exact(tmp_path):
    """networks.LayerNormalization (the factory's "layer", WGAN-GP's critic) computes Keras' function,
    with the second derivative that tf.nn.moments' stop_gradient drops."""
    from keras_gans.networks import LayerNormalization

    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(1.0, 2.0, (2, 5, 5, 3)).astype("float32"))
    kernel = tf.constant(rng.normal(0.0, 0.3, (3, 3, 3, 3)).astype("float32"))
    ours, theirs = LayerNormalization(epsilon=1e-5), keras.layers.LayerNormalization(epsilon=1e-5)
    ours.build(x.shape)
    theirs.build(x.shape)
    weights = [rng.uniform(0.5, 1.5, 3).astype("float32"), rng.normal(size=3).astype("float32")]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5)
    plain = LayerNormalization(epsilon=1e-5, center=False, scale=False)
    want_penalty, want = _penalty_gradients(lambda h: _exact_layer_norm(h, 1e-5), x, kernel)
    got_penalty, got = _penalty_gradients(plain, x, kernel)
    np.testing.assert_allclose(got_penalty, want_penalty, rtol=1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, LayerNormalization(name="ln")(inputs))
    model.save(tmp_path / "ln.keras")
    loaded = keras.models.load_model(tmp_path / "ln.keras")
    assert type(loaded.get_layer("ln")) is LayerNormalization


@pytest.mark.parametrize("batch", [1, 3])
def test_batch_norm_equals_keras_in_training_and_inference(batch):
    """networks.BatchNormalization (the factory's "batch"): fused in training, the same outputs, gradients
    and moving statistics as Keras' layer; inference is Keras' code."""
    from keras_gans.networks import BatchNormalization

    rng = np.random.default_rng(5)
    x = tf.constant(rng.normal(1.5, 2.0, (batch, 5, 4, 3)).astype("float32"))
    ours = BatchNormalization(momentum=0.9, epsilon=1e-5)
    theirs = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    ours.build(x.shape)
    theirs.build(x.shape)
    weights = [rng.uniform(0.5, 1.5, 3), rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3)]
    weights = [w.astype("float32") for w in weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        got, want = ours(x, training=True), theirs(x, training=True)
        loss_got, loss_want = tf.reduce_sum(got * tf.sin(x)), tf.reduce_sum(want * tf.sin(x))
    np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(tape.gradient(loss_got, x), tape.gradient(loss_want, x), atol=1e-4)
    for g, w in zip(
        tape.gradient(loss_got, ours.trainable_variables), tape.gradient(loss_want, theirs.trainable_variables)
    ):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-4)
    for g, w in zip(ours.non_trainable_variables, theirs.non_trainable_variables):  # moving mean, variance
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
        assert np.abs(np.asarray(g) - weights[2 if "mean" in g.path else 3]).max() > 1e-3  # they did move
    np.testing.assert_allclose(ours(x, training=False), theirs(x, training=False), atol=1e-5)


def test_the_networks_use_the_fused_batch_norm():
    from keras_gans.networks import BatchNormalization, dcgan, patchgan, unet

    for model in (
        dcgan.dcgan_generator(4, (16, 16, 1), base_filters=4),
        patchgan.patchgan_discriminator((32, 32, 3), base_filters=4, conditional=False),
        unet.unet_generator((32, 32, 3), base_filters=4),
    ):
        norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
        assert norms and all(type(layer) is BatchNormalization for layer in norms), model.name


def test_float64_inputs_which_the_fused_kernel_does_not_take():
    """In float64 (no fused kernel) instance norm writes the moments out and batch norm is Keras' code."""
    from keras_gans.networks import BatchNormalization

    x = np.random.default_rng(6).normal(1.0, 2.0, (2, 5, 4, 3))
    pairs = [
        (
            InstanceNormalization(epsilon=1e-5, dtype="float64"),
            keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, dtype="float64"),
        ),
        (
            BatchNormalization(epsilon=1e-5, dtype="float64"),
            keras.layers.BatchNormalization(epsilon=1e-5, dtype="float64"),
        ),
    ]
    for ours, theirs in pairs:
        got, want = ours(x, training=True), theirs(x, training=True)
        assert got.dtype == tf.float64
        np.testing.assert_allclose(got, want, atol=1e-10)
