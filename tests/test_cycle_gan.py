"""CycleGAN: the harness at 32x32 with tiny networks, the image pool, the schedule, bad input."""

import numpy as np
import keras
import pytest
import tensorflow as tf

from keras_gans import schedules
from keras_gans.models.cycle_gan import CycleGAN, build_cycle_gan
from keras_gans.layers.image_pool import ImagePool
from keras_gans import networks
from keras_gans.networks.patchgan import patchgan_discriminator, receptive_field
from keras_gans.networks.resnet import resnet_generator
from tests import harness

SIZE = 32


def generator(shape, output_channels, name):
    return resnet_generator(shape, 1, base_filters=4, num_downsamplings=1, output_channels=output_channels, name=name)


def discriminator(shape, name):
    return patchgan_discriminator(
        shape, n_layers=1, base_filters=4, normalization="instance", conditional=False, name=name
    )


def tiny_cycle_gan(channels_a=1, channels_b=1, schedule=False, optimizer="adam", compile_kwargs=None, **kwargs):
    def build():
        shape_a, shape_b = (SIZE, SIZE, channels_a), (SIZE, SIZE, channels_b)
        model = CycleGAN(
            generator(shape_a, channels_b, "g_ab"),
            generator(shape_b, channels_a, "g_ba"),
            discriminator(shape_a, "d_a"),
            discriminator(shape_b, "d_b"),
            seed=3,
            **{"pool_size": 5, **kwargs},
        )

        def make_optimizer():
            rate = schedules.linear_decay_schedule(1e-3, 1, 2, steps_per_epoch=2) if schedule else 1e-3
            if optimizer == "sgd":
                return keras.optimizers.SGD(0.01)
            return keras.optimizers.Adam(rate, beta_1=0.5)

        # No XLA: compiling is slower than these few steps (the pool is tested under XLA below).
        model.compile(
            d_optimizer=make_optimizer(),
            g_optimizer=make_optimizer(),
            **{"jit_compile": False, **(compile_kwargs or {})},
        )
        return model

    return build


def unpaired_data(channels_a=1, channels_b=1, batch_size=4, n=16):
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n, SIZE, SIZE, channels_a)).astype("float32")
    b = rng.uniform(-1, 1, (n, SIZE, SIZE, channels_b)).astype("float32")
    return tf.data.Dataset.from_tensor_slices((a, b)).batch(batch_size, drop_remainder=True)


A = np.random.default_rng(1).uniform(-1, 1, (3, SIZE, SIZE, 1)).astype("float32")


def sample(model):
    return np.concatenate([model.translate(A), model.translate(A, "b_to_a")])


# --- the model through the harness -------------------------------------------


def test_trains_every_player_and_fills_the_pools():
    model, history = harness.run_train_step_test(tiny_cycle_gan(), unpaired_data(), steps=2)
    assert sorted(history.history) == sorted(
        ["d_a_loss", "d_b_loss", "g_ab_loss", "g_ba_loss", "cycle_a", "cycle_b", "identity_a", "identity_b"]
    )
    # One generator and one discriminator update per step, as the reference.
    assert int(model.g_optimizer.iterations.numpy()) == int(model.d_optimizer.iterations.numpy()) == 2
    # 2 steps x 4 fakes per direction, in pools of 5: full.
    for pool in (model.pool_a, model.pool_b):
        assert int(pool.count.numpy()) == 5
        assert np.abs(pool.images.numpy()).max() > 0


def test_save_load_resume_includes_the_pools(tmp_path):
    # The pool (5 images) is full after the first 2 steps: the resumed steps swap.
    loaded = harness.run_save_load_test(tiny_cycle_gan(schedule=True), unpaired_data(), tmp_path, sample)
    assert isinstance(loaded.g_optimizer._learning_rate, schedules.ConstantThenLinearDecay)
    paths = [w.path for w in loaded.weights]
    assert any(p.startswith("pool_a/") for p in paths) and any(p.startswith("pool_b/") for p in paths)
    assert int(loaded.pool_b.count.numpy()) == 5


def test_config_round_trip():
    model = tiny_cycle_gan(cycle_weight=5.0, identity_weight=0.0, pool_size=7, loss="hinge")()
    rebuilt = harness.run_config_round_trip_test(model)
    assert (rebuilt.cycle_weight, rebuilt.identity_weight, rebuilt.pool_size, rebuilt.loss) == (5.0, 0.0, 7, "hinge")
    assert rebuilt.pool_a.images.shape == (7, SIZE, SIZE, 1)


def test_domains_with_different_channels_train_without_identity():
    # Eagerly: the step is the one traced above; this checks the shapes.
    model, history = harness.run_train_step_test(
        tiny_cycle_gan(1, 3, identity_weight=0.0, compile_kwargs={"run_eagerly": True}), unpaired_data(1, 3), steps=1
    )
    assert "identity_a" not in history.history
    assert model.translate(A).shape == (3, SIZE, SIZE, 3)
    logs = model.evaluate(unpaired_data(1, 3), verbose=0, return_dict=True)
    assert sorted(logs) == ["cycle_a", "cycle_b", "d_a_loss", "d_b_loss", "g_ab_loss", "g_ba_loss"]
    assert all(np.isfinite(v) for v in logs.values())


@pytest.mark.slow  # a two-device subprocess: 24 s on the idle machine, ~70 s under load
def test_two_replicas_equal_one_device():
    """Under a 2-replica MirroredStrategy the global pool equals the one-device pool.

    Step 1 fills the pools with 4 images each, step 2 stores one more and sends
    three through the swap rule. SGD, not Adam: the convolution biases before
    instance norm (as in the reference) get gradients of rounding noise only,
    which Adam scales up to full steps. A small learning rate: these tiny
    networks amplify the rounding differences of the gradient all-reduce
    (a 1e-7 change of the weights moves them by ~1e-4 after two steps of
    SGD(0.05), on one device alone).
    """
    build = tiny_cycle_gan(pool_size=5, optimizer="sgd")
    result = harness.run_distribution_test(build, unpaired_data(), steps=2, rtol=1e-4, atol=1e-5)
    if result is not None:  # in the two-device process
        one, two = result["one_device"], result["mirrored"]
        np.testing.assert_allclose(two.pool_b.images.numpy(), one.pool_b.images.numpy(), atol=1e-5)
        assert int(two.pool_b.count.numpy()) == 5


def test_builder_has_the_papers_networks_and_schedule():
    model = build_cycle_gan((128, 128, 3), generator_filters=4, discriminator_filters=4, steps_per_epoch=10)
    adds = [l for l in model.generator_ab.layers if isinstance(l, keras.layers.Add)]
    assert len(adds) == 6  # 6 residual blocks at 128 px
    assert receptive_field(model.discriminator_b) == 70 and model.discriminator_b.output_shape == (None, 14, 14, 1)
    for optimizer in (model.d_optimizer, model.g_optimizer):
        schedule = optimizer._learning_rate
        assert isinstance(schedule, schedules.ConstantThenLinearDecay)
        assert (schedule.constant_steps, schedule.decay_steps) == (1000, 1000)  # 100 + 100 epochs
        assert float(optimizer.beta_1) == 0.5
    assert (model.cycle_weight, model.identity_weight, model.pool_size, model.loss) == (10.0, 0.5, 50, "least_squares")


# --- the game ----------------------------------------------------------------


def test_losses_are_the_references():
    model = tiny_cycle_gan()()
    real = tf.constant([[0.3, 1.4], [-0.2, 0.9]])
    fake = tf.constant([[0.1, -0.5], [0.7, 0.2]])
    # GANLoss("lsgan"): MSE; the D loss is halved.
    mse = lambda x, t: float(tf.reduce_mean(tf.square(x - t)))  # noqa: E731
    np.testing.assert_allclose(
        float(model.discriminator_loss(real, fake)), 0.5 * (mse(real, 1) + mse(fake, 0)), rtol=1e-6
    )
    np.testing.assert_allclose(float(model.generator_loss(fake)), mse(fake, 1), rtol=1e-6)
    bce = tiny_cycle_gan(loss="non_saturating")()
    softplus = lambda x: float(tf.reduce_mean(tf.nn.softplus(x)))  # noqa: E731
    np.testing.assert_allclose(
        float(bce.discriminator_loss(real, fake)), 0.5 * (softplus(-real) + softplus(fake)), rtol=1e-6
    )
    np.testing.assert_allclose(float(bce.generator_loss(fake)), softplus(-fake), rtol=1e-6)


# --- the image pool ------------------------------------------------------------


def test_pool_returns_past_images_half_of_the_time_in_a_compiled_function():
    pool_size, batch, steps = 50, 8, 100
    pool = ImagePool(pool_size, (1, 1, 1))

    @tf.function(jit_compile=True)
    def query(images, step):
        return pool.query(images, tf.stack([tf.constant(7, tf.int64), step]))

    fill_steps = pool_size // batch + 1  # the pool is full after step 6 (56 > 50 images)
    past = total = 0
    inserted = set()
    for step in range(steps):
        ids = np.arange(step * batch, (step + 1) * batch, dtype="float32")
        out = query(tf.constant(ids.reshape(-1, 1, 1, 1)), tf.constant(step, tf.int64)).numpy().ravel()
        new = set(ids.tolist())
        if step * batch + batch <= pool_size:  # filling: every image is returned as it is
            np.testing.assert_array_equal(out, ids)
        returned_past = [v for v in out if v not in new]
        assert all(v in inserted for v in returned_past), "returned an image that was never generated"
        if step >= fill_steps:
            past += len(returned_past)
            total += batch
        inserted |= new
    n = total
    # Binomial(n, 1/2): within 4 standard deviations.
    assert abs(past - n / 2) <= 4 * np.sqrt(n / 4), f"{past} past images out of {n}"
    assert int(pool.count.numpy()) == pool_size
    # Every stored image is a distinct generated one.
    stored = pool.images.numpy().ravel()
    assert len(set(stored.tolist())) == pool_size and set(stored.tolist()) <= inserted


def test_pool_of_size_zero_and_seeded_draws():
    images = tf.random.normal((4, 2, 2, 1))
    assert ImagePool(0, (2, 2, 1)).query(images, tf.constant([0, 1], tf.int64)) is images
    runs = []
    for _ in range(2):
        pool = ImagePool(2, (2, 2, 1))
        runs.append([pool.query(images + i, tf.constant([5, i], tf.int64)).numpy() for i in range(4)])
    np.testing.assert_array_equal(np.stack(runs[0]), np.stack(runs[1]))


def test_pool_draws_are_its_own_whatever_wraps_tf_random(monkeypatch):
    """The pool's draws are over the global batch, the same on every replica: a wrapper
    of tf.random's draws (as the distribution tests install) must not reach them."""
    images = tf.reshape(tf.range(12, dtype=tf.float32), (12, 1, 1, 1))

    def run():
        pool = ImagePool(4, (1, 1, 1))
        return np.stack([pool.query(images + 100 * i, tf.constant([3, i], tf.int64)).numpy() for i in range(3)])

    expected = run()

    def wrapped(*args, **kwargs):
        raise AssertionError("the pool drew through tf.random.stateless_uniform")

    monkeypatch.setattr(tf.random, "stateless_uniform", wrapped)
    np.testing.assert_array_equal(run(), expected)


# --- the schedule --------------------------------------------------------------


def test_constant_then_linear_decay_to_zero():
    schedule = schedules.linear_decay_schedule(2e-4, constant_epochs=100, decay_epochs=100, steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 999, 1000, 1500, 2000, 2500)]
    np.testing.assert_allclose(rates, [2e-4, 2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-12)
    rebuilt = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert isinstance(rebuilt, schedules.ConstantThenLinearDecay) and rebuilt.get_config() == schedule.get_config()


# --- the generator -------------------------------------------------------------


def test_resnet_generator_is_the_papers():
    g = resnet_generator((256, 256, 3))  # c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3
    conv_types = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    convs = [(l.name, l.filters, l.kernel_size[0], l.strides[0]) for l in g.layers if isinstance(l, conv_types)]
    assert convs[:3] == [("c7s1", 64, 7, 1), ("d0", 128, 3, 2), ("d1", 256, 3, 2)]
    assert sum(name.startswith("r") for name, *_ in convs) == 18 and all(c[1] == 256 for c in convs[3:21])
    assert convs[21:] == [("u0", 128, 3, 2), ("u1", 64, 3, 2), ("to_image", 3, 7, 1)]
    norms = [l for l in g.layers if isinstance(l, networks.InstanceNormalization)]
    assert len(norms) == 1 + 2 + 9 * 2 + 2
    # Instance norm as InstanceNorm2d(affine=False): no learned scale or offset, epsilon 1e-5.
    assert all(not n.scale and not n.center and n.epsilon == 1e-5 and not n.weights for n in norms)
    assert g.output_shape == (None, 256, 256, 3)
    assert len([l for l in resnet_generator((128, 128, 3), 6).layers if isinstance(l, keras.layers.Add)]) == 6


def test_instance_norm_and_reflection_padding():
    g = resnet_generator((16, 16, 1), 1, base_filters=4)
    x = np.random.default_rng(0).normal(size=(2, 16, 16, 1)).astype("float32")
    other = x.copy()
    other[1] *= 5.0
    # Instance norm: an image's output does not depend on the rest of the batch.
    np.testing.assert_allclose(g(x)[0], g(other)[0], atol=1e-5)
    pad = g.get_layer("c7s1_pad")
    padded = pad(x).numpy()
    np.testing.assert_array_equal(padded[:, 2, 3:-3], x[:, 1])  # reflection, no edge repeat
    harness.assert_clear_error(lambda: resnet_generator((30, 30, 3)), "multiples of 4", "(30, 30, 3)", error=ValueError)


# --- bad input -----------------------------------------------------------------


def test_channel_mismatches_are_named_before_training():
    harness.assert_clear_error(
        lambda: tiny_cycle_gan(1, 3)(), "identity_weight=0.5", "A: 1 and B: 3 channels", error=ValueError
    )
    g13 = resnet_generator((SIZE, SIZE, 1), 1, base_filters=4, output_channels=3)
    harness.assert_clear_error(
        lambda: CycleGAN(
            g13,
            g13,
            patchgan_discriminator((SIZE, SIZE, 1), n_layers=2, base_filters=4, conditional=False),
            patchgan_discriminator((SIZE, SIZE, 3), n_layers=2, base_filters=4, conditional=False),
            identity_weight=0.0,
        ),
        "generator_ba (F) input",
        "(32, 32, 1)",
        "(32, 32, 3)",
        error=ValueError,
    )
    model = tiny_cycle_gan()()
    before = harness.weights_of(model)
    harness.assert_clear_error(
        lambda: model.fit(unpaired_data(1, 3), epochs=1, verbose=0),
        "Domain B images have shape (32, 32, 3)",
        "takes images of shape (32, 32, 1)",
        error=ValueError,
    )
    single = tf.data.Dataset.from_tensor_slices(A).batch(1)
    harness.assert_clear_error(lambda: model.fit(single, epochs=1, verbose=0), "(image_a, image_b)", error=ValueError)
    for a, b in zip(before, harness.weights_of(model)):
        np.testing.assert_array_equal(a, b)
    harness.assert_clear_error(lambda: model.translate(np.zeros((2, 16, 16, 1))), "(16, 16, 1)", error=ValueError)


# --- export ----------------------------------------------------------------------


@pytest.mark.slow  # a serving subprocess and three TFLite conversions
def test_export_both_directions(tmp_path):
    model = tiny_cycle_gan()()
    result = harness.run_export_test(model, {"source": A}, tmp_path, quantize=("float32",), allow_untrained=True)
    assert {"serving_default", "uint8", "a2b", "a2b_uint8", "b2a", "b2a_uint8"} <= set(result["manifest"]["signatures"])
