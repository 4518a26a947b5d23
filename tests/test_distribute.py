"""Distributed training: strategies, equivalence with one device, noise, multi-worker fit.

The tests that need two replicas run in one subprocess with two logical CPU
devices (`harness.on_two_devices`); the multi-worker test starts two more
worker processes (tests/_multiworker_worker.py).
"""

import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import keras
import pytest
import tensorflow as tf

from keras_gans import datasets, distribute, networks
from keras_gans.models.gan import GAN
from keras_gans.models.wgan import WGAN
from keras_gans.models.wgan_gp import WGANGP
from tests import _multiworker_worker, harness

LATENT = 4


def mixture_data(batch_size=16, n=64):
    return datasets.load("ring8", batch_size=batch_size, num_samples=n, shuffle=False)


def image_data(batch_size=8, n=32):
    return harness.random_images((16, 16, 1), n, batch_size)


def sgd():
    # The equivalence tests use SGD: its update is linear in the gradient, so
    # 1e-5 bounds the gradient error. Adam divides by sqrt(v): a gradient that
    # is 1e-9 in one run and 2e-9 in the other (float rounding of a sum in
    # another order) moves the weight by the learning rate in both.
    return keras.optimizers.SGD(0.1, momentum=0.5)


def mlp(cls=GAN, optimizer=sgd, **kwargs):
    def build():
        model = cls(
            networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
            networks.mlp_discriminator(2, hidden_units=(16,)),
            latent_dim=LATENT,
            seed=3,
            **kwargs,
        )
        model.compile(optimizer(), optimizer())
        return model

    return build


def dcgan(synchronized=True, **kwargs):
    def build():
        model = GAN(
            networks.dcgan_generator(LATENT, (16, 16, 1), base_filters=4, synchronized_batch_norm=synchronized),
            networks.dcgan_discriminator((16, 16, 1), base_filters=4, synchronized_batch_norm=synchronized),
            latent_dim=LATENT,
            seed=3,
            **kwargs,
        )
        model.compile(sgd(), sgd())
        return model

    return build


# --- strategies, precision, sharding (in this process) ----------------------


def test_get_strategy_names_and_errors(monkeypatch):
    harness.assert_clear_error(
        lambda: distribute.get_strategy("horovod"), "'horovod'", *distribute.STRATEGIES, error=ValueError
    )
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.delenv("SLURM_PROCID", raising=False)
    harness.assert_clear_error(lambda: distribute.get_strategy("multi_worker"), "TF_CONFIG", "SLURM", error=ValueError)
    # On this CPU machine "auto" is the default strategy: one replica.
    assert distribute.get_strategy("auto") is tf.distribute.get_strategy()
    assert isinstance(distribute.get_strategy("one_device"), tf.distribute.OneDeviceStrategy)
    mirrored = distribute.get_strategy("mirrored")
    assert isinstance(mirrored, tf.distribute.MirroredStrategy) and mirrored.num_replicas_in_sync == 1
    assert distribute.get_strategy(mirrored) is mirrored
    assert not distribute.is_multi_worker(mirrored)


def test_configure_sets_precision_and_compile_options():
    strategy, compile_kwargs = distribute.configure("auto", "mixed_bfloat16", jit_compile=True)
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert compile_kwargs == {"jit_compile": True} and strategy.num_replicas_in_sync == 1
    assert distribute.configure(precision=None)[1] == {}
    assert keras.mixed_precision.global_policy().name == "float32"
    harness.assert_clear_error(
        lambda: distribute.set_precision("float16"), "'float16'", "mixed_float16", error=ValueError
    )
    harness.assert_clear_error(lambda: distribute.configure(jit_compile="yes"), "jit_compile", error=ValueError)


def test_shard_policy(tmp_path):
    in_memory = mixture_data()
    assert distribute.shard_policy(in_memory) == "auto"
    assert distribute.shard_policy(distribute.with_shard_policy(in_memory)) == "data"
    files = tf.data.TFRecordDataset([str(tmp_path / "a.tfrecord")])
    chosen = distribute.with_shard_policy(files, "file")
    assert distribute.shard_policy(chosen) == "file"
    # "auto" (what fit applies under a multi-worker strategy) keeps a policy the user chose.
    assert distribute.shard_policy(distribute.with_shard_policy(chosen, "auto")) == "file"
    harness.assert_clear_error(
        lambda: distribute.with_shard_policy(in_memory, "rows"), "'rows'", "data", error=ValueError
    )


def test_xla_step_trains():
    def build():
        model = mlp()()
        model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), jit_compile=True)
        assert model.jit_compile is True
        return model

    harness.run_train_step_test(build, mixture_data())


# --- two replicas (one subprocess with two logical CPU devices) --------------


@pytest.mark.parametrize(
    "build,data",
    [
        (mlp(r1_weight=1.0, dragan_weight=1.0, ema_decay=0.5, label_flip_rate=0.2), mixture_data),
        (mlp(WGAN, discriminator_steps=2), mixture_data),
        (mlp(WGANGP, discriminator_steps=1, instance_noise=0.1), mixture_data),
        (dcgan(synchronized=True), image_data),
    ],
    ids=["gan+r1+dragan+ema+flips", "wgan", "wgan_gp+noise", "dcgan_sync_bn"],
)
def test_two_replicas_equal_one_device(build, data):
    # Same weights, iterations and logged losses: the loss scaling, the
    # gradient sum, the metrics' reduction, EMA, clipping and synchronized
    # batch norm are those of one device with the same global batch.
    harness.run_distribution_test(build, data())


def test_replicas_draw_different_latents():
    if not harness.on_two_devices():
        return
    strategy = harness.two_replica_strategy()
    with strategy.scope():
        model = mlp()()

    @tf.function
    def draw():
        return model.sample_latent(4, seed=model.step_seed(tf.constant(7, tf.int64), 1))

    first, second = [z.numpy() for z in strategy.experimental_local_results(strategy.run(draw))]
    assert not np.allclose(first, second), "both replicas drew the same latents"
    np.testing.assert_array_equal(first, draw().numpy())  # replica 0 draws what one device draws
    again = [z.numpy() for z in strategy.experimental_local_results(strategy.run(draw))]
    np.testing.assert_array_equal(again[1], second)  # seeded: reproducible


def test_replicas_draw_different_dropout_masks():
    if not harness.on_two_devices():
        return

    def dropout_net():
        return keras.Sequential([keras.Input((64,)), keras.layers.Dropout(0.5, seed=1)])

    strategy = harness.two_replica_strategy()
    with strategy.scope():
        net = dropout_net()
    assert distribute.per_replica_noise(net) == 1
    assert distribute.per_replica_noise(net) == 0  # idempotent
    masks = tf.function(lambda: net(tf.ones((2, 64)), training=True))
    first, second = [m.numpy() for m in strategy.experimental_local_results(strategy.run(masks))]
    assert 0 < (first == 0).mean() < 1
    assert not np.array_equal(first, second), "both replicas drew the same dropout mask"
    # On one device the masks stay Keras' own.
    patched, plain = dropout_net(), dropout_net()
    distribute.per_replica_noise(patched)
    ones = tf.ones((2, 64))
    np.testing.assert_array_equal(patched(ones, training=True), plain(ones, training=True))


def test_fit_makes_dropout_per_replica():
    discriminator = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(8), keras.layers.Dropout(0.3), keras.layers.Dense(1)]
    )
    model = GAN(networks.mlp_generator(LATENT, 2, hidden_units=(8,)), discriminator, latent_dim=LATENT, seed=1)
    model.compile()
    model.fit(mixture_data(), epochs=1, steps_per_epoch=1, verbose=0)
    generator = discriminator.layers[1]._seed_generators[0]
    assert generator._keras_gans_per_replica


def clipped_sgd(**clipping):
    return lambda: keras.optimizers.SGD(0.1, momentum=0.5, **clipping)


def spectral_norm_gan():
    model = GAN(
        networks.dcgan_generator(LATENT, (16, 16, 1), base_filters=4, synchronized_batch_norm=True),
        networks.dcgan_discriminator((16, 16, 1), base_filters=4, spectral_norm=True, normalization=None),
        latent_dim=LATENT,
        loss="hinge",
        r1_weight=1.0,
        seed=3,
    )
    model.compile(sgd(), sgd())
    return model


@pytest.mark.parametrize(
    "build,data",
    [
        (mlp(optimizer=clipped_sgd(global_clipnorm=1e-3)), mixture_data),
        (mlp(optimizer=clipped_sgd(clipnorm=1e-3)), mixture_data),
        (mlp(optimizer=clipped_sgd(clipvalue=1e-4)), mixture_data),
        # A global batch of 15: shares of 8 and 7 examples.
        (mlp(dragan_weight=1.0), lambda: mixture_data(batch_size=15, n=30)),
        # A last batch of 1: one replica's share is empty.
        (mlp(discriminator_steps=2), lambda: mixture_data(batch_size=16, n=17)),
        # Plain batch norm: made synchronized under replicas.
        (dcgan(synchronized=False), image_data),
        (spectral_norm_gan, image_data),
    ],
    ids=["global_clipnorm", "clipnorm", "clipvalue", "batch_15", "empty_share", "plain_batch_norm", "spectral_norm"],
)
def test_two_replicas_equal_one_device_under_every_option(build, data):
    # Clipping acts on the aggregated gradient; uneven and empty shares are
    # weighted by their size; batch norm is synchronized; spectral norm's u
    # advances once per update on every replica.
    harness.run_distribution_test(build, data())


def test_loss_scale_overflow_on_one_replica_skips_the_step_on_every_replica():
    if not harness.on_two_devices():
        return
    distribute.set_precision("mixed_float16")
    with harness.two_replica_strategy().scope():
        model = mlp()()
        model.build_optimizers()
    # The second replica's half of the batch makes D's scaled float16 gradient
    # overflow there only; the losses stay finite.
    real = np.zeros((16, 2), "float32")
    real[8:] = 300.0
    before = harness.weights_of(model.discriminator)
    scale = float(model.d_optimizer.dynamic_scale.numpy())
    history = model.fit(tf.data.Dataset.from_tensors(real), epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0]), history
    for a, b in zip(before, harness.weights_of(model.discriminator)):
        np.testing.assert_array_equal(a, b)  # skipped on both replicas: weights unchanged
    assert float(model.d_optimizer.dynamic_scale.numpy()) == scale / 2
    assert int(model.d_optimizer.iterations.numpy()) == 0
    assert int(model.g_optimizer.iterations.numpy()) == 1  # G's gradient was finite


def test_mixed_float16_under_a_strategy():
    if harness.on_two_devices():
        _check_mixed_precision_under_a_strategy("mixed_float16")


@pytest.mark.slow
def test_mixed_bfloat16_under_a_strategy():
    if harness.on_two_devices():
        _check_mixed_precision_under_a_strategy("mixed_bfloat16")


def _check_mixed_precision_under_a_strategy(precision):
    distribute.set_precision(precision)
    with harness.two_replica_strategy().scope():
        model, history = harness.run_train_step_test(mlp(), mixture_data())
    scaled = precision == "mixed_float16"
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer) is scaled
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer) is scaled
    assert model.generator.get_layer("hidden0").compute_dtype == precision.split("_")[1]
    assert model.generate(latent=np.zeros((2, LATENT))).dtype == np.float32
    assert model.discriminator(np.zeros((2, 2))).dtype == "float32"


def test_jit_compile_under_two_replicas_warns_and_is_off():
    if not harness.on_two_devices():
        return
    with harness.two_replica_strategy().scope():
        model = mlp()()
        with pytest.warns(UserWarning, match="jit_compile=True is not supported"):
            model.compile(sgd(), sgd(), jit_compile=True)
    assert model.jit_compile is False


def test_strategy_trained_model_saves_reloads_and_resumes(tmp_path):
    if not harness.on_two_devices():
        return
    strategy = harness.two_replica_strategy()
    z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")
    with strategy.scope():
        loaded = harness.run_save_load_test(
            mlp(ema_decay=0.5), mixture_data(), tmp_path, lambda m: m.generate(latent=z)
        )
    assert loaded.distribute_strategy is strategy
    # The file also loads and trains on one device.
    single = keras.models.load_model(tmp_path / "model.keras")
    assert single.distribute_strategy.num_replicas_in_sync == 1
    single.fit(mixture_data(), epochs=1, steps_per_epoch=1, verbose=0)
    assert int(single.g_optimizer.iterations.numpy()) == 3


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multi_worker_fit_matches_mirrored(tmp_path):
    """Two worker processes (MultiWorkerMirroredStrategy over 127.0.0.1, one CPU
    each) train with fit and end with the weights of a MirroredStrategy run over
    two devices in one process."""
    if not harness.on_two_devices():
        return
    ports = ",".join(str(_free_port()) for _ in range(2))
    root = pathlib.Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KERAS_GANS_TWO_DEVICE", "PYTEST"))}
    outs = [tmp_path / f"worker{i}.npz" for i in range(2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests._multiworker_worker", str(i), ports, str(out)],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i, out in enumerate(outs)
    ]
    try:
        reference, history = _multiworker_worker.train(harness.two_replica_strategy())
        logs = [worker.communicate(timeout=600)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, log in zip(workers, logs):
        assert worker.returncode == 0, log[-4000:]
    results = [np.load(out) for out in outs]
    for i, variable in enumerate(reference.weights):
        np.testing.assert_array_equal(results[1][f"w{i}"], results[0][f"w{i}"], err_msg=variable.path)
        np.testing.assert_allclose(results[0][f"w{i}"], variable.numpy(), rtol=1e-5, atol=1e-6, err_msg=variable.path)
    for result in results:
        evaluation = json.loads(str(result["evaluation"]))
        assert sorted(evaluation) == sorted(history) and all(np.isfinite(list(evaluation.values())))
        worker_history = json.loads(str(result["history"]))
        assert sorted(worker_history) == sorted(history)
        for key in history:
            np.testing.assert_allclose(worker_history[key], history[key], rtol=1e-5, err_msg=key)


# --- the other models of the library -----------------------------------------

SHAPE, K = (16, 16, 1), 3


def labelled_data(batch_size=8, n=32):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (n,) + SHAPE).astype("float32")
    return tf.data.Dataset.from_tensor_slices((images, rng.integers(0, K, n).astype("int64"))).batch(
        batch_size, drop_remainder=True
    )


def conditional_gan():
    from keras_gans.models.conditional_gan import ConditionalGAN
    from keras_gans.networks import conditional

    model = ConditionalGAN(
        conditional.conditional_generator(LATENT, K, SHAPE, base_filters=4, synchronized_batch_norm=True),
        conditional.conditional_discriminator(
            SHAPE, K, conditioning="projection", base_filters=4, synchronized_batch_norm=True
        ),
        latent_dim=LATENT,
        num_classes=K,
        seed=3,
        label_flip_rate=0.2,
        ema_decay=0.5,
    )
    model.compile(sgd(), sgd())
    return model


def acgan():
    from keras_gans.models.acgan import ACGAN
    from keras_gans.networks import conditional

    model = ACGAN(
        conditional.conditional_generator(LATENT, K, SHAPE, base_filters=4, synchronized_batch_norm=True),
        conditional.acgan_discriminator(SHAPE, K, base_filters=4, dropout=0.0, synchronized_batch_norm=True),
        latent_dim=LATENT,
        num_classes=K,
        seed=3,
    )
    model.compile(sgd(), sgd())
    return model


def semi_supervised_gan():
    from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN
    from keras_gans.networks import conditional

    model = SemiSupervisedGAN(
        networks.dcgan_generator(LATENT, SHAPE, base_filters=4, synchronized_batch_norm=True),
        conditional.semi_supervised_discriminator(SHAPE, K, base_filters=4, dropout=0.0, input_dropout=0.0),
        latent_dim=LATENT,
        num_classes=K,
        seed=3,
    )
    model.compile(sgd(), sgd())
    return model


def semi_supervised_data():
    from keras_gans.datasets.semi_supervised import semi_supervised_dataset

    images = np.random.default_rng(0).uniform(-1, 1, (32,) + SHAPE).astype("float32")
    data, _ = semi_supervised_dataset(images, np.arange(32) % K, labels_per_class=4, batch_size=8, shuffle=False)
    return data


def pix2pix():
    from keras_gans.models.pix2pix import Pix2Pix
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.unet import unet_generator

    shape = (32, 32, 1)
    model = Pix2Pix(
        unet_generator(shape, depth=3, base_filters=4, dropout_rate=0.0, synchronized_batch_norm=True),
        patchgan_discriminator(shape, n_layers=1, base_filters=4, normalization="instance"),
        seed=3,
    )
    model.compile(sgd(), sgd())
    return model


def image_pairs(batch_size=4, n=8):
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, (n, 32, 32, 1)).astype("float32") for _ in range(2))
    return tf.data.Dataset.from_tensor_slices((a, b)).batch(batch_size, drop_remainder=True)


def seqgan():
    from keras_gans.models.seqgan import SeqGAN
    from keras_gans.networks.text import lstm_generator, text_cnn_discriminator

    model = SeqGAN(
        lstm_generator(12, 8, 8, 5),
        text_cnn_discriminator(12, 5, embedding_dim=8, filter_widths=(1, 2), filter_counts=(4, 4), dropout=0.0),
        seq_len=5,
        rollouts=2,
        seed=3,
    )
    model.compile(sgd(), sgd())
    return model


def token_data(batch_size=8, n=32):
    tokens = np.random.default_rng(0).integers(0, 12, (n, 5)).astype("int32")
    return tf.data.Dataset.from_tensor_slices(tokens).batch(batch_size, drop_remainder=True)


@pytest.mark.parametrize(
    "build,data",
    [(conditional_gan, labelled_data), (pix2pix, image_pairs)],
    ids=["conditional_gan", "pix2pix"],
)
def test_every_model_two_replicas_equal_one_device(build, data):
    # CycleGAN's equivalence test is in test_cycle_gan.py (with its image pool).
    harness.run_distribution_test(build, data())


@pytest.mark.slow
@pytest.mark.parametrize(
    "build,data",
    [(acgan, labelled_data), (semi_supervised_gan, semi_supervised_data), (seqgan, token_data)],
    ids=["acgan", "semi_supervised_gan", "seqgan"],
)
def test_every_model_two_replicas_equal_one_device_slow(build, data):
    harness.run_distribution_test(build, data())
