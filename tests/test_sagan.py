"""SAGAN: the harness at tiny sizes, TTUR defaults, attention in both networks, spectral norm in G advancing."""

import numpy as np
import keras
import pytest

import keras_gans
from keras_gans import networks, zoo
from keras_gans.layers import SelfAttention, spectral_layers
from tests import harness

LATENT = 4
SHAPE = (28, 28, 1)
Z = np.random.default_rng(1).normal(size=(3, LATENT)).astype("float32")


def sagan(synchronized=False, attention_resolution=14, **kwargs):
    def build():
        generator = networks.resnet_gan_generator(
            LATENT,
            SHAPE,
            channels=8,
            attention_resolution=attention_resolution,
            spectral_norm=True,
            synchronized_batch_norm=synchronized,
        )
        discriminator = networks.resnet_gan_discriminator(SHAPE, channels=8, attention_resolution=attention_resolution)
        model = keras_gans.SAGAN(generator, discriminator, LATENT, seed=3, **kwargs)
        model.compile()
        return model

    return build


def images(n=16, batch_size=8):
    return harness.random_images(SHAPE, n, batch_size)


def test_trains_saves_and_resumes(tmp_path):
    loaded = harness.run_model_tests(sagan(), images(), tmp_path, lambda m: m.generate(latent=Z))
    # gamma (attention) learns in both networks and survives the round trip.
    for network in (loaded.generator, loaded.discriminator):
        assert float(network.get_layer("attention14").gamma.numpy()) != 0.0


def test_two_replicas_equal_one_device():
    harness.run_distribution_test(sagan(synchronized=True), images(n=15, batch_size=15))


@pytest.mark.slow  # a serving subprocess and three TFLite conversions
def test_export(tmp_path):
    model = sagan()()
    model.fit(images(), epochs=1, steps_per_epoch=1, verbose=0)
    harness.run_export_test(model, {"latent": Z}, tmp_path)


def test_the_papers_defaults():
    model = sagan()()
    assert model.loss == "hinge" and model.discriminator_steps == 1
    rates = {"d": 4e-4, "g": 1e-4}
    for player, optimizer in (("d", model.d_optimizer), ("g", model.g_optimizer)):
        assert float(optimizer.learning_rate.numpy()) == pytest.approx(rates[player])
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)
    for network in (model.generator, model.discriminator):
        attention = network.get_layer("attention14")
        assert isinstance(attention, SelfAttention) and attention.spectral_norm
        assert attention.output.shape[1:3] == (14, 14)
        unnormalized = [
            layer.name for layer in network.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
        ]
        assert not unnormalized, f"{network.name}: layers without spectral norm: {unnormalized}"
    # G: the dense, 3 convolutions per block (2 blocks), the output conv, 4 in the attention layer.
    assert len(spectral_layers(model.generator)) == 1 + 3 * 2 + 1 + 4


def _top_singular_values(network):
    """sigma_max(W_SN) of every spectrally normalized kernel, W_SN as the forward pass uses it."""
    values = []
    for layer in spectral_layers(network):
        w = keras.ops.convert_to_numpy(layer._matrix(layer.normalized_kernel()))
        values.append(np.linalg.svd(w, compute_uv=False)[0])
    return np.array(values)


def test_spectral_norm_in_the_generator_constrains_its_kernels_after_training():
    # G's u vectors advance in G's updates (the engine's apply_update covers every
    # network's spectrally normalized layers whose kernels the update changes), so
    # after some steps sigma(W) estimates the largest singular value of each of G's
    # kernels and W / sigma(W) has largest singular value ~1.
    model = sagan()()
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    u_before = [layer.u.numpy() for layer in spectral_layers(model.generator)]
    model.fit(images(n=64, batch_size=8).repeat(), epochs=1, steps_per_epoch=40, verbose=0)
    for before, layer in zip(u_before, spectral_layers(model.generator)):
        assert not np.allclose(before, layer.u.numpy()), f"{layer.name}: u never advanced in G's updates"
    sigmas = _top_singular_values(model.generator)
    assert np.all(sigmas > 1 - 1e-3) and np.all(sigmas < 1.1), sigmas
    # Without spectral norm G's kernels are not constrained: their largest singular values are not ~1.
    plain = networks.resnet_gan_generator(LATENT, SHAPE, channels=8, attention_resolution=14)
    raw = [
        np.linalg.svd(w.numpy().reshape(-1, w.shape[-1]), compute_uv=False)[0]
        for w in plain.trainable_weights
        if "kernel" in w.path
    ]
    assert max(abs(np.array(raw) - 1.0)) > 0.3


def test_zoo_entry_and_bad_input():
    model = zoo.build("sagan", SHAPE, latent_dim=LATENT, channels=8, seed=0)
    assert isinstance(model, keras_gans.SAGAN)
    assert model.generator.get_layer("attention14").spectral_norm
    assert model.discriminator.get_layer("attention14").spectral_norm
    assert float(model.d_optimizer.learning_rate.numpy()) == pytest.approx(4e-4)
    assert float(model.g_optimizer.learning_rate.numpy()) == pytest.approx(1e-4)
    harness.assert_clear_error(lambda: zoo.build("sagan", (2,)), "needs images", "(2,)", error=ValueError)
    harness.assert_clear_error(
        lambda: networks.resnet_gan_generator(4, SHAPE, attention_resolution=7), "[14, 28]", "got 7", error=ValueError
    )
    with pytest.warns(UserWarning, match="generator has no SpectralNormalization"):
        keras_gans.SAGAN(
            networks.resnet_gan_generator(LATENT, SHAPE, channels=4),
            networks.resnet_gan_discriminator(SHAPE, channels=4),
            LATENT,
        )
