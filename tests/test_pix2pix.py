"""pix2pix: the networks' architecture, the model through the shared harness, bad input."""

import numpy as np
import keras
import pytest
import tensorflow as tf

from keras_gans.datasets.paired import digits_pairs
from keras_gans.metrics.pairs import evaluate_pairs
from keras_gans.models.pix2pix import Pix2Pix, _seed_states, build_pix2pix
from keras_gans import networks
from keras_gans.networks.patchgan import patchgan_discriminator, receptive_field
from keras_gans.networks.unet import unet_generator
from tests import harness

SHAPE = (32, 32, 1)
EDGES, DIGITS = (a[:32] for a in digits_pairs("train"))


def pairs(batch_size=8):
    return tf.data.Dataset.from_tensor_slices((EDGES, DIGITS)).batch(batch_size, drop_remainder=True)


def tiny(**kwargs):
    def build():
        model = Pix2Pix(
            unet_generator(SHAPE, depth=3, base_filters=4),
            patchgan_discriminator(SHAPE, n_layers=1, base_filters=4),
            seed=3,
            **kwargs,
        )
        model.compile()
        return model

    return build


def sample(model):
    return model.translate(EDGES[:4])


# --- networks -----------------------------------------------------------------


def walk_receptive_field(model):
    """From the output back: r <- (r - 1) * stride + kernel, over the conv layer configs."""
    field = 1
    convs = [l.get_config() for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    for config in reversed(convs):
        assert config["kernel_size"][0] == config["kernel_size"][1]
        field = (field - 1) * config["strides"][0] + config["kernel_size"][0]
    return field


def test_patchgan_default_is_70x70():
    d = patchgan_discriminator((256, 256, 3))
    kernels = [
        (l.get_config()["kernel_size"][0], l.get_config()["strides"][0])
        for l in d.layers
        if isinstance(l, keras.layers.Conv2D)
    ]
    assert kernels == [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]
    assert walk_receptive_field(d) == 70 == receptive_field(d)
    assert d.output_shape == (None, 30, 30, 1)
    assert [tuple(t.shape[1:]) for t in d.inputs] == [(256, 256, 3), (256, 256, 3)]


@pytest.mark.parametrize("n_layers, field, out", [(0, 1, 32), (1, 16, 14), (2, 34, 6)])
def test_patchgan_variants(n_layers, field, out):
    d = patchgan_discriminator(SHAPE, n_layers=n_layers, base_filters=4, conditional=False, normalization="instance")
    assert walk_receptive_field(d) == field
    assert d.output_shape == (None, out, out, 1)
    whole = patchgan_discriminator(SHAPE, n_layers="image", base_filters=4, input_channels=3)
    assert whole.output_shape == (None, 1, 1, 1) and walk_receptive_field(whole) >= 32
    norms = [l for l in d.layers if isinstance(l, networks.InstanceNormalization)]
    assert norms and all(not l.weights for l in norms)  # the reference's InstanceNorm2d(affine=False)


def test_patchgan_too_deep_for_the_image_is_named():
    harness.assert_clear_error(
        lambda: patchgan_discriminator(SHAPE, n_layers=4), "n_layers=4", "32x32", "n_layers <= 3", error=ValueError
    )


def test_unet_skip_connections_carry_the_input():
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    outputs = {}
    for skips in (True, False):
        g = unet_generator(SHAPE, base_filters=4, skip_connections=skips)
        assert sum(isinstance(l, keras.layers.Concatenate) for l in g.layers) == (4 if skips else 0)
        # Cut the bottleneck: its convolution outputs zeros whatever the input.
        bottleneck = g.get_layer("down4")
        bottleneck.set_weights([np.zeros_like(w) for w in bottleneck.get_weights()])
        y = g(x, training=False).numpy()
        outputs[skips] = np.abs(y[0] - y[1]).max()
    assert outputs[True] > 1e-3  # the input reaches the output through the skips
    assert outputs[False] < 1e-6  # without skips nothing gets past the cut bottleneck


def test_unet_shapes_and_dropout():
    g = unet_generator((64, 96, 3), output_channels=1, base_filters=4)
    assert g.output_shape == (None, 64, 96, 1) and g.get_layer("down4").output.shape[1:3] == (2, 3)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    plain = unet_generator(SHAPE, base_filters=4)
    np.testing.assert_array_equal(plain(x, training=False), plain(x, training=False))
    noisy = unet_generator(SHAPE, base_filters=4, inference_dropout=True)
    assert np.abs(noisy(x, training=False) - noisy(x, training=False)).max() > 0
    assert sum(isinstance(l, keras.layers.Dropout) for l in noisy.layers) == 3


def test_unet_bad_sizes_are_named():
    harness.assert_clear_error(
        lambda: unet_generator((48, 48, 3), depth=5), "48x48", "multiples of 32", error=ValueError
    )
    harness.assert_clear_error(lambda: unet_generator((16, 16, 3)), "32 to 512", "16x16", error=ValueError)
    harness.assert_clear_error(lambda: unet_generator((32, 32)), "(32, 32)", error=ValueError)


# --- the model ------------------------------------------------------------------


def test_trains():
    model, history = harness.run_train_step_test(tiny(), pairs())
    assert set(history.history) == {"d_loss", "g_loss", "g_gan", "g_l1"}
    logs = {k: v[-1] for k, v in history.history.items()}
    assert np.isclose(logs["g_loss"], logs["g_gan"] + 100.0 * logs["g_l1"], rtol=1e-4)
    assert int(model.g_optimizer.iterations.numpy()) == int(model.d_optimizer.iterations.numpy()) == 2


def test_ablation_weights():
    for options, expected in (
        ({"gan_weight": 0.0, "l1_weight": 10.0}, lambda l: 10.0 * l["g_l1"]),
        ({"l1_weight": 0.0}, lambda l: l["g_gan"]),
    ):
        model = tiny(**options)()
        model.compile(run_eagerly=True)  # one eager step: no tracing
        logs = model.fit(pairs(), epochs=1, steps_per_epoch=1, verbose=0).history
        logs = {k: v[0] for k, v in logs.items()}
        assert np.isclose(logs["g_loss"], expected(logs), rtol=1e-5)


def test_adversarial_terms_are_the_references():
    """The reference's GANLoss: least squares is MSE (twice this library's
    1/2-weighted LSGAN terms), vanilla is the BCE mean; D's loss is halved.
    So L_cGAN weighs against 100 * L1 as in junyanz/pytorch-CycleGAN-and-pix2pix."""
    mse = lambda x, t: float(tf.reduce_mean(tf.square(x - t)))  # noqa: E731
    softplus = lambda x: float(tf.reduce_mean(tf.nn.softplus(x)))  # noqa: E731
    source, target = tf.constant(EDGES[:4]), tf.constant(DIGITS[:4])
    for loss, d_expected, g_expected in (
        ("least_squares", lambda r, f: 0.5 * (mse(r, 1) + mse(f, 0)), lambda f: mse(f, 1)),
        ("non_saturating", lambda r, f: 0.5 * (softplus(-r) + softplus(f)), lambda f: softplus(-f)),
    ):
        model = tiny(loss=loss)()
        model.reset_metrics()
        logs = {k: float(v) for k, v in model.test_step((source, target)).items()}
        fake = model.generator(source, training=False)
        real_logits = model.discriminator([source, target], training=False)
        fake_logits = model.discriminator([source, fake], training=False)
        np.testing.assert_allclose(logs["d_loss"], d_expected(real_logits, fake_logits), rtol=1e-5, err_msg=loss)
        np.testing.assert_allclose(logs["g_gan"], g_expected(fake_logits), rtol=1e-5, err_msg=loss)


def test_save_load_resume(tmp_path):
    harness.run_save_load_test(tiny(), pairs(), tmp_path, sample)


def test_config_round_trip():
    rebuilt = harness.run_config_round_trip_test(tiny(l1_weight=10.0, loss="least_squares")())
    assert rebuilt.l1_weight == 10.0 and rebuilt.loss == "least_squares"


def test_dropout_noise_follows_the_seed_and_step():
    # Keras does not save Dropout's seed state; the model reseeds it from (seed, step), so
    # the resume test above depends on it. Here: the streams differ by step and by seed.
    def states(model, step):
        model.seed_noise(tf.constant(step))
        return np.stack([s.numpy() for s in _seed_states(model.generator)])

    model, other = tiny()(), tiny()()
    other._seed_value += 1
    assert len(states(model, 0)) == 2  # dropout in the first decoder blocks (depth 3: two)
    np.testing.assert_array_equal(states(model, 4), states(model, 4))
    assert not np.array_equal(states(model, 4), states(model, 5))
    assert not np.array_equal(states(model, 4), states(other, 4))


def test_build_pix2pix_paper_defaults():
    model = build_pix2pix((32, 32, 3), output_channels=1, generator_filters=4, discriminator_filters=4, n_layers=1)
    assert model.generator.output_shape == (None, 32, 32, 1)
    assert [tuple(t.shape[1:]) for t in model.discriminator.inputs] == [(32, 32, 3), (32, 32, 1)]
    assert model.l1_weight == 100.0 and model.loss == "non_saturating"
    assert np.isclose(float(model.g_optimizer.learning_rate), 2e-4) and np.isclose(float(model.d_optimizer.beta_1), 0.5)


def test_paper_test_protocol():
    """test_mode="paper": dropout on and the test batch's batch-norm statistics
    (the moving ones untouched), through build_pix2pix, translate and
    evaluate_pairs; "inference" stays deterministic with moving statistics."""
    x, y = EDGES[:4], DIGITS[:4]
    kwargs = dict(generator_filters=4, discriminator_filters=4, n_layers=1, depth=3)
    no_dropout = build_pix2pix(SHAPE, dropout_rate=0.0, test_mode="paper", **kwargs)
    moving = [v.numpy() for v in no_dropout.generator.non_trainable_variables]
    batch_stats = no_dropout.generator(x, training=True).numpy()  # what the reference computes
    for v, value in zip(no_dropout.generator.non_trainable_variables, moving):
        v.assign(value)
    paper = no_dropout.translate(x, batch_size=4)
    np.testing.assert_allclose(paper, batch_stats, rtol=1e-5, atol=1e-6)
    for v, value in zip(no_dropout.generator.non_trainable_variables, moving):
        np.testing.assert_array_equal(v.numpy(), value)  # the moving statistics are left alone
    inference = no_dropout.translate(x, test_mode="inference")
    assert np.abs(inference - paper).max() > 1e-3
    scores = evaluate_pairs(no_dropout, tf.data.Dataset.from_tensor_slices((x, y)).batch(4))
    expected = np.mean(np.abs((y + 1) / 2 - np.clip((batch_stats + 1) / 2, 0, 1)))
    np.testing.assert_allclose(scores["l1"], expected, rtol=1e-5)
    assert (
        evaluate_pairs(no_dropout, tf.data.Dataset.from_tensor_slices((x, y)).batch(4), test_mode="inference")["l1"]
        != scores["l1"]
    )

    with_dropout = build_pix2pix(SHAPE, test_mode="paper", **kwargs)
    assert not np.allclose(with_dropout.translate(x), with_dropout.translate(x))  # z is sampled at test time
    np.testing.assert_array_equal(
        with_dropout.translate(x, test_mode="inference"), with_dropout.translate(x, test_mode="inference")
    )
    harness.assert_clear_error(
        lambda: build_pix2pix(SHAPE, test_mode="eval", **kwargs), "test_mode", "paper", error=ValueError
    )


def test_build_pix2pix_learning_rate_schedules():
    """Constant by default (the paper); steps_per_epoch: the PyTorch port's 100 + 100 linear decay."""
    kwargs = dict(generator_filters=4, discriminator_filters=4, n_layers=1, depth=3)
    constant = build_pix2pix(SHAPE, **kwargs)
    assert np.isclose(float(constant.g_optimizer.learning_rate), 2e-4)
    decayed = build_pix2pix(SHAPE, steps_per_epoch=10, **kwargs)
    schedule = decayed.g_optimizer._learning_rate
    for step, rate in ((0, 2e-4), (1000, 2e-4), (1500, 1e-4), (2000, 0.0)):
        assert np.isclose(float(schedule(step)), rate, atol=1e-9), step
    assert decayed.d_optimizer._learning_rate is schedule


def test_evaluate_pairs_exact_values():
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (6, 32, 32, 1)).astype("float32")
    identity = keras.Sequential([keras.Input(SHAPE), keras.layers.Identity()])
    same = evaluate_pairs(identity, tf.data.Dataset.from_tensor_slices((x, x)).batch(4))
    assert same["num_pairs"] == 6 and same["l1"] == 0.0 and np.isclose(same["ssim"], 1.0)
    # Targets 0.2 above the outputs on [-1, 1] are 0.1 above on [0, 1]: L1 0.1, PSNR 20 dB.
    shifted = evaluate_pairs(identity, tf.data.Dataset.from_tensor_slices((x, x + 0.2)).batch(4), max_pairs=5)
    assert shifted["num_pairs"] == 5
    assert np.isclose(shifted["l1"], 0.1, atol=1e-5) and np.isclose(shifted["psnr"], 20.0, atol=1e-3)


# --- bad input --------------------------------------------------------------------


def test_bad_pairs_are_named_before_training():
    model = tiny()()
    before = harness.weights_of(model)
    small = np.zeros((16, 16, 16, 1), "float32")
    mismatched = tf.data.Dataset.from_tensor_slices((EDGES[:16], small)).batch(8)
    harness.assert_clear_error(
        lambda: model.fit(mismatched, verbose=0), "same size", "(32, 32, 1)", "(16, 16, 1)", error=ValueError
    )
    rgb = tf.data.Dataset.from_tensor_slices((np.zeros((16, 32, 32, 3), "float32"), DIGITS[:16])).batch(8)
    harness.assert_clear_error(
        lambda: model.fit(rgb, verbose=0), "input images", "(32, 32, 3)", "(32, 32, 1)", error=ValueError
    )
    harness.assert_clear_error(
        lambda: model.fit(DIGITS[:16], verbose=0), "(input_image, target_image) pairs", error=ValueError
    )
    harness.assert_clear_error(
        lambda: model.fit(EDGES[:16], small, verbose=0), "same size", "(16, 16, 1)", error=ValueError
    )
    for a, b in zip(before, harness.weights_of(model)):
        np.testing.assert_array_equal(a, b)


def test_bad_networks_are_named():
    g = unet_generator(SHAPE, base_filters=4)
    harness.assert_clear_error(
        lambda: Pix2Pix(g, patchgan_discriminator(SHAPE, base_filters=4, conditional=False)),
        "conditional=True",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: Pix2Pix(g, patchgan_discriminator((32, 32, 3), base_filters=4)),
        "(32, 32, 1)",
        "(32, 32, 3)",
        error=ValueError,
    )
    harness.assert_clear_error(lambda: model_with_bad_image(), "multiples of 32", "48x48", error=ValueError)
    harness.assert_clear_error(
        lambda: tiny()().translate(np.zeros((2, 32, 32, 3))), "(32, 32, 1)", "(2, 32, 32, 3)", error=ValueError
    )


def model_with_bad_image():
    return build_pix2pix((48, 48, 3), depth=5)
