"""SNGAN: the harness at tiny sizes, the paper's defaults, and its ResNet networks at 32, 64 and 128 px."""

import warnings

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import networks, zoo
from keras_gans.layers import spectral_layers
from keras_gans.networks import resnet_gan
from tests import harness

LATENT = 4
SHAPE = (28, 28, 1)
Z = np.random.default_rng(1).normal(size=(3, LATENT)).astype("float32")


def sngan(architecture="resnet", synchronized=False, discriminator_steps=2, **kwargs):
    # n_dis = 2 in the harness runs (each D update is traced: 5 would triple the graph); the default 5 is tested below.
    def build():
        if architecture == "resnet":
            generator = networks.resnet_gan_generator(LATENT, SHAPE, channels=4, synchronized_batch_norm=synchronized)
            discriminator = networks.resnet_gan_discriminator(SHAPE, channels=4)
        else:
            generator = networks.dcgan_generator(LATENT, SHAPE, base_filters=4, synchronized_batch_norm=synchronized)
            discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4, normalization=None, spectral_norm=True)
        model = keras_gans.SNGAN(
            generator, discriminator, LATENT, discriminator_steps=discriminator_steps, seed=3, **kwargs
        )
        model.compile()
        return model

    return build


def images(n=16, batch_size=8):
    return harness.random_images(SHAPE, n, batch_size)


@pytest.mark.parametrize("architecture", ["resnet", "dcgan"])
def test_trains_saves_and_resumes(architecture, tmp_path):
    harness.run_model_tests(sngan(architecture), images(), tmp_path, lambda m: m.generate(latent=Z))


def test_two_replicas_equal_one_device():
    # k D updates per G update, spectral norm advancing in each; G's batch norm synchronized.
    harness.run_distribution_test(sngan(synchronized=True, ema_decay=0.5), images(n=15, batch_size=15))


@pytest.mark.slow  # a serving subprocess and three TFLite conversions
def test_export(tmp_path):
    model = sngan()()
    model.fit(images(), epochs=1, steps_per_epoch=1, verbose=0)
    harness.run_export_test(model, {"latent": Z}, tmp_path)


def test_the_papers_defaults():
    model = keras_gans.SNGAN(
        networks.resnet_gan_generator(LATENT, SHAPE, channels=4),
        networks.resnet_gan_discriminator(SHAPE, channels=4),
        LATENT,
    )
    model.compile()
    assert model.loss == "hinge" and model.discriminator_steps == 5
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate.numpy()) == pytest.approx(2e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)
    config = model.get_config()
    assert config["loss"] == "hinge" and config["discriminator_steps"] == 5
    # Every layer with a kernel in D is spectrally normalized: 3x3, 1x1 convolutions and the dense.
    kernels = [
        layer for layer in model.discriminator.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
    ]
    assert not kernels, f"unnormalized layers in D: {[k.name for k in kernels]}"
    assert len(spectral_layers(model.discriminator)) == 1 + 3 + 3 * 2 + 1  # opt block, block2 (+1x1), blocks 3-4, dense
    # One step is n_dis D updates and one G update, each D update advancing D's u once.
    u_before = [s.u.numpy() for s in spectral_layers(model.discriminator)]
    model.fit(images(n=8), epochs=1, verbose=0)
    assert (int(model.d_optimizer.iterations), int(model.g_optimizer.iterations)) == (5, 1)
    assert all(not np.allclose(a, s.u.numpy()) for a, s in zip(u_before, spectral_layers(model.discriminator)))


def test_a_discriminator_without_spectral_norm_warns():
    with pytest.warns(UserWarning, match="no SpectralNormalization"):
        keras_gans.SNGAN(
            networks.dcgan_generator(LATENT, SHAPE, base_filters=4),
            networks.dcgan_discriminator(SHAPE, base_filters=4),
            LATENT,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sngan()()


# The paper's block structure per resolution (Miyato et al. 2018, tables 4-7; pfnet-research/sngan_projection):
# G up-sampling blocks and their output widths in ch; D blocks, their widths in ch and which down-sample.
PAPER = {
    32: ([1, 1, 1], [(1, True), (1, True), (1, False), (1, False)], 4),
    64: ([8, 4, 2, 1], [(1, True), (2, True), (4, True), (8, True), (16, True)], 4),
    128: ([16, 8, 4, 2, 1], [(1, True), (2, True), (4, True), (8, True), (16, True), (16, False)], 4),
}


@pytest.mark.parametrize("size", [32, 64, 128])
def test_paper_size_networks_have_the_papers_blocks_and_take_a_step(size):
    ch = 2
    generator = networks.resnet_gan_generator(8, (size, size, 3), channels=ch)
    discriminator = networks.resnet_gan_discriminator((size, size, 3), channels=ch)
    g_widths, d_blocks, bottom = PAPER[size]
    assert generator.get_layer("project").output.shape[-1] == bottom * bottom * ch * (16 if size > 32 else 1)
    assert [generator.get_layer(f"block{i + 1}_conv2").output.shape[1:] for i in range(len(g_widths))] == [
        (bottom * 2 ** (i + 1), bottom * 2 ** (i + 1), w * ch) for i, w in enumerate(g_widths)
    ]
    assert not any(layer.name.startswith(f"block{len(g_widths) + 1}_") for layer in generator.layers)
    side = size
    for i, (width, down) in enumerate(d_blocks):
        side = side // 2 if down else side
        assert discriminator.get_layer(f"block{i + 1}_add").output.shape[1:] == (side, side, width * ch)
    assert not any(layer.name.startswith(f"block{len(d_blocks) + 1}_") for layer in discriminator.layers)
    assert resnet_gan.num_blocks(size) == (len(g_widths), len(d_blocks))
    assert isinstance(discriminator.get_layer("sum_pool"), resnet_gan.GlobalSumPooling2D)
    model = keras_gans.SNGAN(generator, discriminator, 8, discriminator_steps=1, seed=0)
    model.compile()
    batch = tf.data.Dataset.from_tensors(np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype("float32"))
    history = model.fit(batch, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert model.generate(2, seed=0).shape == (2, size, size, 3)


def test_global_sum_pooling_sums_as_the_authors_code():
    # D's features are summed over positions (F.sum(h, axis=(2, 3))), not averaged.
    x = np.arange(2 * 3 * 3 * 2, dtype="float32").reshape(2, 3, 3, 2)
    np.testing.assert_array_equal(resnet_gan.GlobalSumPooling2D()(x), x.sum(axis=(1, 2)))


def test_optimized_block_and_shortcuts_are_the_authors():
    d = networks.resnet_gan_discriminator((32, 32, 3), channels=4, spectral_norm=False)
    x = np.random.default_rng(0).normal(size=(1, 32, 32, 3)).astype("float32")
    conv1, conv2, shortcut = (d.get_layer(f"block1_{n}") for n in ("conv1", "conv2", "shortcut"))
    # The optimized block: conv, ReLU, conv, avgpool + conv1x1(avgpool(x)), no ReLU before its first conv.
    pool = keras.layers.AveragePooling2D(2)
    expected = pool(conv2(keras.ops.relu(conv1(x)))) + shortcut(pool(x))
    np.testing.assert_allclose(_output(d, "block1_add", x), expected, atol=1e-5)
    # Blocks 3 and 4 neither down-sample nor change width: identity shortcuts.
    assert not any(layer.name in ("block3_shortcut", "block4_shortcut") for layer in d.layers)


def _output(model, name, x):
    return keras.Model(model.input, model.get_layer(name).output)(x)


def test_zoo_entries_and_bad_options():
    model = zoo.build("sngan", SHAPE, latent_dim=LATENT, channels=4, seed=0)
    assert isinstance(model, keras_gans.SNGAN) and model.discriminator_steps == 5
    assert model.discriminator.get_layer("sum_pool") is not None
    dcgan_style = zoo.build("sngan", SHAPE, latent_dim=LATENT, architecture="dcgan", channels=4, seed=0)
    assert len(spectral_layers(dcgan_style.discriminator)) == 3  # two convolutions and the dense
    vectors = zoo.build("sngan", (2,), seed=0)
    dense = [layer for layer in vectors.discriminator.layers if isinstance(layer, keras.layers.Dense)]
    assert not dense and len(spectral_layers(vectors.discriminator)) == 3  # two hidden layers and the logit
    assert zoo.MODELS["sngan"].default_dataset == "mnist5k"
    harness.assert_clear_error(
        lambda: zoo.build("sngan", SHAPE, architecture="vgg"), "'resnet' or 'dcgan'", "'vgg'", error=ValueError
    )
    harness.assert_clear_error(
        lambda: networks.resnet_gan_generator(4, (48, 48, 3)), "(28, 32, 64, 128)", "(48, 48, 3)", error=ValueError
    )
    harness.assert_clear_error(
        lambda: networks.resnet_gan_discriminator((32, 32, 3), attention_resolution=32), "[8, 16]", "got 32"
    )


def test_nearest_up_sampling_repeats_each_pixel():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 2)).astype("float32")
    expected = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
    np.testing.assert_array_equal(resnet_gan.NearestUpSampling2D()(x), expected)
