"""The engine: GAN, WGAN and WGAN-GP through the shared harness, plus its options."""

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import networks
from tests import harness

LATENT = 4


def mixture_data(batch_size=32, n=128):
    return keras_gans.datasets.load("ring8", batch_size=batch_size, num_samples=n, shuffle=False)


def image_data(batch_size=8, n=32):
    return harness.random_images((16, 16, 1), n, batch_size)


def mlp_gan(cls=keras_gans.GAN, **kwargs):
    def build():
        model = cls(
            networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
            networks.mlp_discriminator(2, hidden_units=(16,)),
            latent_dim=LATENT,
            seed=3,
            **kwargs,
        )
        model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
        return model

    return build


def dcgan(**kwargs):
    def build():
        model = keras_gans.GAN(
            networks.dcgan_generator(LATENT, (16, 16, 1), base_filters=8),
            networks.dcgan_discriminator((16, 16, 1), base_filters=8),
            latent_dim=LATENT,
            seed=3,
            **kwargs,
        )
        model.compile()
        return model

    return build


Z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")


def sample(model):
    return model.generate(latent=Z)


@pytest.mark.parametrize("loss", keras_gans.losses.GAMES)
def test_every_game_trains(loss):
    harness.run_train_step_test(mlp_gan(loss=loss), mixture_data())


@pytest.mark.parametrize(
    "options",
    [
        {"label_smoothing": 0.1},
        {"label_flip_rate": 0.2},
        {"instance_noise": 0.1, "instance_noise_decay_steps": 10},
        {"r1_weight": 1.0},
        {"dragan_weight": 1.0},
        {"ema_decay": 0.9},
        {"discriminator_steps": 3},
    ],
    ids=lambda o: ",".join(o),
)
def test_stabilization_options_train(options):
    model, history = harness.run_train_step_test(mlp_gan(**options), mixture_data())
    if "r1_weight" in options or "dragan_weight" in options:
        assert history.history["penalty"][0] > 0
    if "discriminator_steps" in options:
        assert int(model.d_optimizer.iterations.numpy()) == 3 * int(model.g_optimizer.iterations.numpy())


def test_wgan_clips_the_critic():
    model, _ = harness.run_train_step_test(mlp_gan(keras_gans.WGAN, clip_value=0.01), mixture_data())
    for w in model.discriminator.trainable_weights:
        assert np.abs(w.numpy()).max() <= 0.01 + 1e-7
    assert int(model.d_optimizer.iterations.numpy()) == 5 * int(model.g_optimizer.iterations.numpy())


def test_wgan_gp_logs_its_penalty_and_refuses_batch_norm():
    _, history = harness.run_train_step_test(mlp_gan(keras_gans.WGANGP), mixture_data())
    assert history.history["penalty"][0] > 0
    harness.assert_clear_error(
        lambda: keras_gans.WGANGP(
            networks.dcgan_generator(LATENT, (16, 16, 1), base_filters=8),
            networks.dcgan_discriminator((16, 16, 1), base_filters=8, normalization="batch"),
            LATENT,
        ),
        "BatchNormalization",
        "normalization=None",
        error=ValueError,
    )


def test_paper_default_optimizers():
    wgan = mlp_gan(keras_gans.WGAN)()
    wgan.compile()
    assert isinstance(wgan.d_optimizer, keras.optimizers.RMSprop)
    assert np.isclose(float(wgan.d_optimizer.learning_rate), 5e-5)
    gp = mlp_gan(keras_gans.WGANGP)()
    gp.compile()
    assert np.isclose(float(gp.g_optimizer.beta_2), 0.9) and float(gp.g_optimizer.beta_1) == 0.0
    assert gp.discriminator_steps == 5 and gp.gp_weight == 10.0


def test_dcgan_trains_on_images():
    harness.run_train_step_test(dcgan(), image_data())


@pytest.mark.parametrize(
    "build",
    [mlp_gan(), mlp_gan(keras_gans.WGAN), mlp_gan(keras_gans.WGANGP, ema_decay=0.5)],
    ids=["gan", "wgan", "wgan_gp+ema"],
)
def test_save_load_resume(build, tmp_path):
    harness.run_save_load_test(build, mixture_data(), tmp_path, sample)


def test_dcgan_save_load_resume(tmp_path):
    harness.run_save_load_test(dcgan(ema_decay=0.9), image_data(), tmp_path, sample)


def test_config_round_trip():
    model = mlp_gan(loss="least_squares", loss_options={"a": -1.0, "b": 1.0, "c": 0.0})()
    rebuilt = harness.run_config_round_trip_test(model)
    assert rebuilt.loss_options == {"a": -1.0, "b": 1.0, "c": 0.0}


def test_same_seed_same_run():
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(0)
        model = mlp_gan()()
        model.fit(mixture_data(), epochs=1, steps_per_epoch=3, verbose=0)
        runs.append(harness.weights_of(model))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_ema_generator_lags_the_generator():
    model, _ = harness.run_train_step_test(mlp_gan(ema_decay=0.9), mixture_data())
    assert model.sampling_generator is model.ema_generator
    g, ema = model.generator.get_weights()[0], model.ema_generator.get_weights()[0]
    assert not np.allclose(g, ema)


def test_shape_mismatch_is_named_before_training():
    model = dcgan()()
    wrong = tf.data.Dataset.from_tensor_slices(np.zeros((16, 32, 32, 3), "float32")).batch(8)
    before = harness.weights_of(model)
    harness.assert_clear_error(
        lambda: model.fit(wrong, epochs=1, verbose=0), "(32, 32, 3)", "(16, 16, 1)", error=ValueError
    )
    for a, b in zip(before, harness.weights_of(model)):
        np.testing.assert_array_equal(a, b)
    harness.assert_clear_error(
        lambda: model.fit(np.zeros((16, 8, 8, 1), "float32"), epochs=1, verbose=0), "(8, 8, 1)", error=ValueError
    )


def test_wrong_latent_size_is_named():
    model = mlp_gan()()
    harness.assert_clear_error(
        lambda: model.generate(latent=np.zeros((2, 7))), f"(num_samples, {LATENT})", "(2, 7)", error=ValueError
    )
    harness.assert_clear_error(
        lambda: keras_gans.GAN(networks.mlp_generator(3, 2), networks.mlp_discriminator(2), latent_dim=5),
        "latent_dim=5",
        error=ValueError,
    )


def test_nan_stops_training_naming_step_and_loss(tmp_path):
    model = mlp_gan()()
    data = mixture_data()  # finite data: the divergence is the model's
    path = str(tmp_path / "ckpt.keras")
    model.save(path)
    kernel = model.discriminator.trainable_weights[0]
    kernel.assign(np.full(kernel.shape, np.nan, "float32"))
    with pytest.raises(FloatingPointError, match=r"d_\w+ is nan at epoch 1, step 1.*data.*finite"):
        model.fit(data, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(path)])
    # The checkpoint written before the error still loads and is finite.
    restored = keras.models.load_model(path)
    assert all(np.all(np.isfinite(w)) for w in restored.get_weights())


def test_compile_rejects_keras_loss_arguments():
    model = mlp_gan()()
    harness.assert_clear_error(lambda: model.compile(optimizer="adam"), "d_optimizer and g_optimizer", error=ValueError)


def test_label_smoothing_only_for_cross_entropy_games():
    harness.assert_clear_error(lambda: mlp_gan(loss="hinge", label_smoothing=0.1)(), "cross-entropy", error=ValueError)


def test_two_consecutive_fits_do_not_repeat_noise():
    model = mlp_gan()()
    seed_a = model.step_seed(tf.constant(0, tf.int64), 1).numpy()
    seed_b = model.step_seed(tf.constant(1, tf.int64), 1).numpy()
    assert not np.array_equal(seed_a, seed_b)


@pytest.mark.parametrize(
    "build",
    [mlp_gan(loss=game) for game in keras_gans.losses.GAMES] + [mlp_gan(keras_gans.WGAN), mlp_gan(keras_gans.WGANGP)],
    ids=list(keras_gans.losses.GAMES) + ["wgan", "wgan_gp"],
)
def test_a_few_hundred_steps_on_ring8_stay_finite(build):
    model = build()
    data = keras_gans.datasets.load("ring8", batch_size=64, num_samples=2048, seed=0).repeat()
    history = model.fit(data, epochs=2, steps_per_epoch=100, verbose=0)
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
    assert int(model.g_optimizer.iterations.numpy()) == 200
    assert np.all(np.isfinite(model.generate(256, seed=0)))
