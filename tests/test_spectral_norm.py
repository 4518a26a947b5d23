"""keras_gans.layers.SpectralNormalization against Miyato et al. 2018."""

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import networks
from keras_gans.layers import SpectralNormalization
from tests import harness

LAYERS = {
    "dense": (lambda: keras.layers.Dense(5), (3, 7)),
    "conv2d": (lambda: keras.layers.Conv2D(4, 3), (2, 8, 8, 3)),
    "conv2d_transpose": (lambda: keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same"), (2, 4, 4, 3)),
}


def matrix(layer, kernel):
    kernel = np.asarray(kernel)
    if layer._transposed:
        kernel = np.swapaxes(kernel, -1, -2)
    return kernel.reshape(-1, kernel.shape[-1])


@pytest.mark.parametrize("name", LAYERS)
def test_a_forward_pass_changes_no_weight_and_repeats_exactly(name):
    make, shape = LAYERS[name]
    sn = SpectralNormalization(make())
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    first = np.asarray(sn(x, training=True))
    weights = [w.numpy() for w in sn.weights]
    second = np.asarray(sn(x, training=True))
    np.testing.assert_array_equal(first, second)
    for before, w in zip(weights, sn.weights):
        np.testing.assert_array_equal(before, w.numpy(), err_msg=w.path)


@pytest.mark.parametrize("name", LAYERS)
def test_sigma_is_the_largest_singular_value(name):
    make, shape = LAYERS[name]
    sn = SpectralNormalization(make())
    sn(np.zeros(shape, "float32"))
    for _ in range(100):
        sn.advance()
    w_sn = matrix(sn, sn.normalized_kernel())
    assert np.linalg.svd(w_sn, compute_uv=False)[0] == pytest.approx(1.0, abs=1e-4)
    # The layer computes the wrapped layer's function with W / sigma.
    raw = sn._raw_kernel()
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    expected_layer = make()
    expected_layer.build(shape)
    expected_layer.set_weights([np.asarray(sn.normalized_kernel()), np.asarray(sn.layer.bias)])
    np.testing.assert_allclose(np.asarray(sn(x)), np.asarray(expected_layer(x)), rtol=1e-5, atol=1e-5)
    assert raw is sn._raw_kernel()


def test_the_gradient_flows_through_sigma():
    # d/dW of f(W) = sum(x @ (W / sigma(W))), u held fixed: compare with finite differences.
    sn = SpectralNormalization(keras.layers.Dense(3, use_bias=False))
    x = tf.constant(np.random.default_rng(2).normal(size=(4, 5)), tf.float32)
    sn(x)
    kernel = sn.layer._kernel
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(sn(x))
    grad = tape.gradient(value, kernel).numpy()
    w0 = kernel.numpy().astype("float64")
    u = sn.u.numpy().astype("float64")
    xs = x.numpy().astype("float64")

    def f(w):
        v = u @ w.T
        v /= np.linalg.norm(v)
        u1 = v @ w
        u1 /= np.linalg.norm(u1)
        sigma = (v @ w @ u1.T).item()
        return float(np.sum(xs @ (w / sigma)))

    # u1, v are stop-gradient: differentiate with them frozen at w0.
    v = u @ w0.T
    v /= np.linalg.norm(v)
    u1 = v @ w0
    u1 /= np.linalg.norm(u1)

    def f_frozen(w):
        sigma = (v @ w @ u1.T).item()
        return float(np.sum(xs @ (w / sigma)))

    numeric = np.zeros_like(w0)
    eps = 1e-6
    for i in np.ndindex(w0.shape):
        d = np.zeros_like(w0)
        d[i] = eps
        numeric[i] = (f_frozen(w0 + d) - f_frozen(w0 - d)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-4)
    # ... which differs from treating sigma as a constant.
    v_const = np.sum(xs, axis=0)[:, None] * np.ones((1, 3)) / (v @ w0 @ u1.T).item()
    assert not np.allclose(grad, v_const, rtol=1e-2)
    assert np.isfinite(f(w0))


def sn_gan(**kwargs):
    model = keras_gans.GAN(
        networks.dcgan_generator(4, (16, 16, 1), base_filters=4),
        networks.dcgan_discriminator((16, 16, 1), base_filters=4, spectral_norm=True, normalization=None),
        latent_dim=4,
        loss="hinge",
        seed=0,
        **kwargs,
    )
    model.compile()
    return model


def images(n=16, batch_size=8):
    x = np.random.default_rng(0).uniform(-1, 1, (n, 16, 16, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).batch(batch_size)


def test_u_advances_once_per_discriminator_update():
    # D is called on real and generated samples and in the penalties: u must
    # move by exactly one power iteration on the kernel the update used.
    model = sn_gan()
    layers = keras_gans.layers.spectral_layers(model.discriminator)
    u0 = [layer.u.numpy() for layer in layers]
    kernels = [layer._raw_kernel().numpy() for layer in layers]
    model.build_optimizers()
    model.discriminator_update(tf.constant(next(iter(images(8)))))
    for layer, u, w in zip(layers, u0, kernels):
        m = matrix(layer, w)
        v = u @ m.T
        v /= np.linalg.norm(v)
        u1 = v @ m
        u1 /= np.linalg.norm(u1)
        np.testing.assert_allclose(layer.u.numpy(), u1, rtol=1e-4, atol=1e-5)


def test_the_discriminator_sees_one_kernel_within_an_update():
    # D(real) and D(fake) in one loss, and the G step, use the same W / sigma:
    # calling D twice between updates gives identical outputs.
    model = sn_gan()
    model.fit(images(), epochs=1, verbose=0)
    x = next(iter(images()))
    np.testing.assert_array_equal(
        np.asarray(model.discriminator(x, training=True)), np.asarray(model.discriminator(x, training=True))
    )


def test_spectral_norm_gan_trains_saves_resumes_and_compiles_with_xla(tmp_path):
    z = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    harness.run_save_load_test(sn_gan, images(), tmp_path, lambda m: m.generate(latent=z))
    model = sn_gan()
    model.compile(jit_compile=True)
    harness.run_train_step_test(lambda: model, images())


def test_unsupported_layer_is_named():
    harness.assert_clear_error(
        lambda: SpectralNormalization(keras.layers.LayerNormalization()), "LayerNormalization", error=ValueError
    )
