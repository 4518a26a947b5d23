"""Networks: shapes for every supported size, the DCGAN layout, clear errors."""

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import networks
from tests import harness


@pytest.mark.parametrize("size", [16, 32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes(size, channels):
    g = networks.dcgan_generator(8, (size, size, channels), base_filters=4)
    d = networks.dcgan_discriminator((size, size, channels), base_filters=4)
    images = g(np.zeros((2, 8), "float32"))
    assert images.shape == (2, size, size, channels)
    assert d(images).shape == (2, 1)


def test_dcgan_follows_the_paper():
    g = networks.dcgan_generator(100, (64, 64, 3))
    convs = [l for l in g.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert [l.filters for l in convs] == [256, 128, 64, 3]
    assert g.get_layer("project").units == 4 * 4 * 512
    # Batch norm everywhere but the output; tanh output.
    assert g.layers[-1].activation.__name__ == "tanh"
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in g.layers[-2:])
    d = networks.dcgan_discriminator((64, 64, 3))
    layer_types = [type(l).__name__ for l in d.layers]
    # No batch norm right after the input convolution.
    assert layer_types[1:3] == ["Conv2D", "LeakyReLU"]
    assert layer_types.count("BatchNormalization") == 3


def test_generator_output_in_range():
    g = networks.dcgan_generator(8, (16, 16, 1), base_filters=4)
    out = g(np.random.default_rng(0).normal(size=(4, 8)).astype("float32") * 100)
    assert np.abs(np.asarray(out)).max() <= 1.0


def test_discriminator_options():
    sn = networks.dcgan_discriminator((16, 16, 3), base_filters=4, spectral_norm=True, normalization=None)
    assert any(isinstance(l, keras_gans.layers.SpectralNormalization) for l in sn.layers)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in sn.layers)
    inst = networks.dcgan_discriminator((16, 16, 3), base_filters=4, normalization="instance")
    norms = [l for l in inst.layers if isinstance(l, networks.InstanceNormalization)]
    # Instance norm (per image and channel), not layer norm: each channel of each image has mean 0.
    assert norms
    x = np.random.default_rng(0).normal(3.0, 2.0, (2, 6, 6, norms[0].input.shape[-1])).astype("float32")
    y = keras.ops.convert_to_numpy(norms[0](x))  # gamma 1, beta 0 at initialisation
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-2)
    sync = networks.dcgan_generator(4, (16, 16, 1), base_filters=4, synchronized_batch_norm=True)
    assert all(l.synchronized for l in sync.layers if isinstance(l, keras.layers.BatchNormalization))


def test_mlp():
    g = networks.mlp_generator(3, 2, hidden_units=(8, 8))
    d = networks.mlp_discriminator(2, hidden_units=(8,), spectral_norm=True)
    assert d(g(np.zeros((5, 3), "float32"))).shape == (5, 1)


def test_bad_shapes():
    harness.assert_clear_error(lambda: networks.dcgan_generator(8, (48, 48, 3)), "48", error=ValueError)
    harness.assert_clear_error(lambda: networks.dcgan_discriminator((32, 16, 3)), "(32, 16, 3)", error=ValueError)
    harness.assert_clear_error(lambda: networks.dcgan_generator(8, (32, 32, 2)), "1 or 3 channels", error=ValueError)
    harness.assert_clear_error(
        lambda: networks.dcgan_discriminator((32, 32, 3), normalization="group"), "normalization", error=ValueError
    )


def test_acgan_discriminator_dropout_is_the_papers():
    """Odena et al. 2017 (appendix, table 3): dropout 0.5 after every convolution of D."""
    from keras_gans.networks import conditional

    model = conditional.acgan_discriminator((16, 16, 1), 10, base_filters=4)
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert rates == [0.5] * len(convs) and convs
