"""SRGAN: the networks, the losses against hand-computed values, the shared harness, the data and metrics."""

import warnings

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import zoo
from keras_gans.datasets.super_resolution import bicubic_upscale, downsample, load_super_resolution
from keras_gans.metrics.super_resolution import evaluate_super_resolution
from keras_gans.models import srgan as srgan_lib
from keras_gans.models.srgan import SRGAN, pretrain_srresnet
from keras_gans.networks.srgan import DepthToSpace, srgan_discriminator, srgan_generator
from tests import harness

HR = (16, 16, 1)
SCALE = 4
IMAGES = keras_gans.datasets.load("digits", batch_size=32, shuffle=False)  # 16x16 digits
LOW = np.random.default_rng(0).uniform(-1, 1, (3, 4, 4, 1)).astype("float32")


def pairs(batch_size=8, n=32):
    hr = np.concatenate([b.numpy() for b in IMAGES.take(2)])[:n]
    return tf.data.Dataset.from_tensor_slices((downsample(hr, SCALE), hr)).batch(batch_size)


def stub_extractor():
    """A tiny random conv net standing in for VGG19's phi_5,4 (offline)."""
    inputs = keras.Input((None, None, 1))
    x = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="stub_conv")(inputs)
    return keras.Model(inputs, x, name="stub_features")


def tiny(content_loss="pixel", optimizer=None, **kwargs):
    def build():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model = SRGAN(
                srgan_generator(1, scale=SCALE, blocks=1, filters=4),
                srgan_discriminator(HR, base_filters=2, dense_units=8),
                content_loss=content_loss,
                feature_extractor=stub_extractor() if content_loss == "vgg" else None,
                seed=3,
                **kwargs,
            )
        model.compile(*(None, None) if optimizer is None else (optimizer(), optimizer()))
        return model

    return build


# --- networks -------------------------------------------------------------------


def test_subpixel_layout_is_depth_to_space():
    """Output (2h + i, 2w + j, c) is input (h, w, (2i + j) C + c), computed by hand."""
    channels = 2
    x = np.arange(1 * 2 * 3 * 4 * channels, dtype="float32").reshape(1, 2, 3, 4 * channels)
    y = DepthToSpace(2)(x).numpy()
    expected = np.zeros((1, 4, 6, channels), "float32")
    for h in range(2):
        for w in range(3):
            for i in range(2):
                for j in range(2):
                    for c in range(channels):
                        expected[0, 2 * h + i, 2 * w + j, c] = x[0, h, w, (2 * i + j) * channels + c]
    np.testing.assert_array_equal(y, expected)
    assert DepthToSpace(2).compute_output_shape((None, None, 5, 8)) == (None, None, 10, 2)


def test_generator_paper_layout_and_any_input_size():
    g = srgan_generator(3, scale=4)  # the paper's B = 16, 64 filters
    assert sum(isinstance(l, keras.layers.Add) for l in g.layers) == 16 + 1  # blocks + global skip
    assert sum(isinstance(l, DepthToSpace) for l in g.layers) == 2  # log2(4)
    kernels = [l.kernel_size[0] for l in g.layers if isinstance(l, keras.layers.Conv2D)]
    assert kernels[0] == kernels[-1] == 9 and set(kernels[1:-1]) == {3}
    assert [l.filters for l in g.layers if "subpixel" in l.name and isinstance(l, keras.layers.Conv2D)] == [256, 256]
    assert g.input_shape == (None, None, None, 3)
    small = srgan_generator(1, scale=2, blocks=1, filters=4)
    assert small(np.zeros((2, 5, 7, 1), "float32")).shape == (2, 10, 14, 1)
    harness.assert_clear_error(lambda: srgan_generator(1, scale=3), "power of two", "3", error=ValueError)


def test_discriminator_paper_layout():
    d = srgan_discriminator((96, 96, 3))
    convs = [(l.filters, l.strides[0]) for l in d.layers if isinstance(l, keras.layers.Conv2D)]
    assert convs == [(64, 1), (64, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 2)]
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in d.layers) == 7
    assert [l.units for l in d.layers if isinstance(l, keras.layers.Dense)] == [1024, 1]
    assert d.output_shape == (None, 1)


# --- the model through the shared harness ----------------------------------------


@pytest.mark.parametrize("content_loss", ["pixel", "vgg"])
def test_trains_saves_and_resumes(content_loss, tmp_path):
    reloaded = harness.run_model_tests(tiny(content_loss), pairs(), tmp_path, lambda m: m.upscale(LOW))
    assert reloaded.content_loss == content_loss


def test_two_replicas_equal_one_device():
    # Batch norm in both networks: synchronized under two replicas (the engine does it).
    sgd = lambda: keras.optimizers.SGD(0.05)  # noqa: E731
    harness.run_distribution_test(tiny(optimizer=sgd), pairs(batch_size=8, n=16), rtol=1e-4, atol=1e-5)


def test_export_takes_any_size(tmp_path):
    model = tiny()()
    model.fit(pairs(), epochs=1, steps_per_epoch=1, verbose=0)
    # Served without Keras (SavedModel and TFLite) against the model, at 3x4 inputs.
    result = harness.run_export_test(model, {"source": LOW[:, :3]}, tmp_path, quantize=("float32",))
    inputs = result["manifest"]["signatures"]["serving_default"]["inputs"]
    assert [d for d in inputs["source"]["shape"]] == [None, None, None, 1], inputs
    # The same SavedModel at another size.
    saved_model = tmp_path / "SRGAN" / "export" / result["manifest"]["artifacts"]["saved_model"]["path"]
    served = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
    for low in (LOW, np.zeros((1, 2, 5, 1), "float32")):
        out = served(source=tf.constant(low))["images"].numpy()
        np.testing.assert_allclose(out, model.upscale(low), atol=1e-5)
    assert out.shape == (1, 8, 20, 1)


# --- the losses, by hand ---------------------------------------------------------------


def test_losses_are_the_papers():
    model = tiny()()
    high = tf.constant(np.linspace(-1, 1, 2 * 16 * 16).reshape(2, 16, 16, 1), tf.float32)
    fake = high * 0.5
    logits = tf.constant([[1.0], [-2.0]])
    logs = model.generator_losses(high, fake, logits)
    content = np.mean((high.numpy() * 0.5) ** 2)
    adversarial = np.mean(np.log1p(np.exp(-np.array([1.0, -2.0]))))  # -log sigmoid(l)
    assert float(logs["g_content"]) == pytest.approx(content, rel=1e-5)
    assert float(logs["g_adversarial"]) == pytest.approx(adversarial, rel=1e-5)
    assert float(logs["g_loss"]) == pytest.approx(content + 1e-3 * adversarial, rel=1e-5)
    d_loss = model.game.discriminator_loss(tf.constant([[2.0]]), tf.constant([[0.5]]))
    assert float(d_loss) == pytest.approx(np.log1p(np.exp(-2.0)) + np.log1p(np.exp(0.5)), rel=1e-5)


def test_vgg_content_loss_with_a_stub_extractor():
    """MSE of phi(I^HR) / 12.75 against phi(G(I^LR)) / 12.75, phi the stub."""
    model = tiny("vgg")()
    phi = model.feature_extractor
    rng = np.random.default_rng(1)
    high = rng.uniform(-1, 1, (2, 16, 16, 1)).astype("float32")
    fake = rng.uniform(-1, 1, (2, 16, 16, 1)).astype("float32")
    expected = np.mean((phi(high).numpy() / 12.75 - phi(fake).numpy() / 12.75) ** 2)
    assert float(model.content(high, fake)) == pytest.approx(expected, rel=1e-5)
    assert expected != pytest.approx(np.mean((high - fake) ** 2), rel=1e-2)  # not the pixel loss


def test_vgg_without_weights_is_a_clear_error(monkeypatch):
    def offline(**kwargs):
        raise OSError("URL fetch failure on https://storage.googleapis.com/...: no network")

    monkeypatch.setattr(keras.applications, "VGG19", offline)
    harness.assert_clear_error(
        lambda: SRGAN(srgan_generator(1, blocks=1, filters=4), srgan_discriminator(HR, 2, 8), content_loss="vgg"),
        "VGG19",
        srgan_lib.VGG_WEIGHTS_FILE,
        "content_loss='pixel'",
        "no network",
        error=RuntimeError,
    )


def test_vgg19_phi54_network_without_downloading():
    """The real extractor's graph (weights=None: random, nothing downloaded): grey or RGB in [-1, 1] -> phi_5,4."""
    phi = srgan_lib.vgg19_features(weights=None)
    assert phi.layers[-1].get_layer("block5_conv4").output.shape[-1] == 512
    grey = np.full((1, 32, 32, 1), -1.0, "float32")  # black
    assert phi(grey).shape == (1, 2, 2, 512)  # 4 poolings before block5: 32 -> 2
    # Black in [-1, 1] is 0 in [0, 255]: BGR minus the ImageNet means.
    prep = srgan_lib.VGGPreprocess()(grey).numpy()
    np.testing.assert_allclose(prep[0, 0, 0], [-103.939, -116.779, -123.68], atol=1e-3)


def test_pixel_loss_says_so():
    with pytest.warns(UserWarning, match="pixel MSE"):
        SRGAN(srgan_generator(1, blocks=1, filters=4), srgan_discriminator(HR, 2, 8), content_loss="pixel")


def test_each_player_lowers_its_own_loss_against_a_frozen_opponent():
    data = pairs(batch_size=16)
    low, high = next(iter(data))

    def losses(model):
        fake = model.generator(low, training=False)
        real_logits, fake_logits = model.discriminator(high), model.discriminator(fake)
        return float(model.game.discriminator_loss(real_logits, fake_logits)), float(
            model.generator_losses(high, fake, fake_logits)["g_loss"]
        )

    for player in (0, 1):  # 0: D learns against a frozen G; 1: G against a frozen D
        model = tiny()()
        model.compile(keras.optimizers.Adam(1e-2 if player == 0 else 0.0), keras.optimizers.Adam(1e-2 * player))
        before = losses(model)[player]
        model.fit(data.repeat(), epochs=1, steps_per_epoch=15, verbose=0)
        assert losses(model)[player] < before - 1e-3


def test_pretrain_srresnet_lowers_the_pixel_loss():
    model = tiny()()
    low, high = next(iter(pairs(batch_size=32)))
    before = float(srgan_lib.mse(high, model.generator(low)))
    pretrain_srresnet(model.generator, pairs().repeat(), steps_per_epoch=15, learning_rate=1e-2, verbose=0)
    assert float(srgan_lib.mse(high, model.generator(low))) < before


def test_bad_pairs_are_named_before_training():
    model = tiny()()
    hr = np.zeros((8,) + HR, "float32")
    harness.assert_clear_error(
        lambda: model.fit(np.zeros((8, 8, 8, 1), "float32"), hr, verbose=0),
        "upscales by 4",
        "32x32",
        "scale=4",
        error=ValueError,
    )
    harness.assert_clear_error(lambda: model.fit(hr, verbose=0), "(low_res, high_res)", error=ValueError)


# --- data, metrics, zoo ------------------------------------------------------------


def test_pairs_are_bicubic_downsamples():
    ds = load_super_resolution("mnist5k", split="test", scale=4, batch_size=5, shuffle=False)
    low, high = next(iter(ds))
    assert low.shape == (5, 7, 7, 1) and high.shape == (5, 28, 28, 1)
    expected = tf.image.resize(high, (7, 7), method="bicubic", antialias=True)
    np.testing.assert_allclose(low, np.clip(expected, -1, 1), atol=1e-6)
    harness.assert_clear_error(
        lambda: load_super_resolution("mnist5k", scale=8), "28x28", "scale=8", "image_size", error=ValueError
    )


def test_evaluation_scores_model_and_bicubic():
    low = downsample(np.concatenate([b.numpy() for b in IMAGES.take(1)])[:4], 2)
    high = np.concatenate([b.numpy() for b in IMAGES.take(1)])[:4]
    ds = tf.data.Dataset.from_tensor_slices((low, high)).batch(2)

    # A "generator" that is bicubic upscaling itself (written out here) scores exactly as the baseline.
    def by_hand(x):
        return tf.clip_by_value(tf.image.resize(x, (16, 16), method="bicubic"), -1.0, 1.0)

    bicubic = keras.Sequential([keras.layers.Lambda(by_hand)])
    result = evaluate_super_resolution(bicubic, ds)
    assert result["num_pairs"] == 4
    assert result["psnr"] == pytest.approx(result["bicubic_psnr"]) and result["ssim"] == pytest.approx(
        result["bicubic_ssim"]
    )
    np.testing.assert_allclose(bicubic_upscale(low, 2), by_hand(low), atol=1e-6)
    # PSNR by hand: 10 log10(1 / MSE) on [0, 1].
    up = (by_hand(low).numpy() + 1) / 2
    mse = np.mean(((high + 1) / 2 - up) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(result["per_pair"]["bicubic_psnr"], 10 * np.log10(1 / mse), rtol=1e-4)


def test_zoo_entry():
    data = zoo.load_data("srgan", None, batch_size=4)
    assert zoo.MODELS["srgan"].default_dataset == "mnist5k"
    low, high = next(iter(data))
    assert low.shape == (4, 7, 7, 1) and high.shape == (4, 28, 28, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = zoo.build("srgan", data.element_spec, dataset="mnist5k", seed=0)
    assert isinstance(model, SRGAN) and model.content_loss == "pixel" and model.scale == 4
    # Sample grids: low-res inputs enlarged (nearest), their upscalings, the high-res targets.
    data = zoo.load_data("srgan", None, split="test", batch_size=4)  # unshuffled: the sampler sees this batch
    low, high = next(iter(data))
    sample_fn, columns = zoo.grid_sampler("srgan", data)
    grid = sample_fn(model, 8, 0)
    assert columns == 8 and grid.shape == (12, 28, 28, 1)
    np.testing.assert_allclose(grid[:4], np.repeat(np.repeat(low.numpy(), 4, axis=1), 4, axis=2))
    np.testing.assert_allclose(grid[4:8], model.upscale(low.numpy()), atol=1e-5)
    np.testing.assert_allclose(grid[8:], high.numpy())


def test_cli_trains_samples_and_evaluates(tmp_path, capsys):
    from keras_gans import cli

    out = tmp_path / "srgan"
    base = ["--out", out, "--epochs", "1", "--steps-per-epoch", "1", "--verbose", "0", "--batch-size", "8"]
    assert cli.main(["train", "srgan", *map(str, base)]) == 0
    assert (out / "samples" / "epoch_001.png").exists()
    assert cli.main(["sample", str(out)]) == 0 and (out / "samples.png").exists()
    capsys.readouterr()
    assert cli.main(["evaluate", str(out)]) == 0
    table = capsys.readouterr().out
    for word in ("psnr", "ssim", "bicubic", "mnist5k:test", "1000 images"):
        assert word in table, word
