"""BigGAN: BigGAN-style networks, orthogonal regularization, the truncation trick (sampling and export)."""

import math

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import zoo
from keras_gans.export import truncate_latent
from keras_gans.models.biggan import orthogonal_regularization
from keras_gans.networks import biggan
from tests import harness

K, SHAPE, LATENT = 3, (28, 28, 1), 6  # 28 px: z in 3 chunks of 2
Z = np.random.default_rng(1).normal(size=(6, LATENT)).astype("float32")
Y = np.array([0, 1, 2, 2, 1, 0])


def tiny(shape=SHAPE, latent_dim=LATENT, optimizer=None, **kwargs):
    def build():
        model = keras_gans.BigGAN(
            biggan.biggan_generator(latent_dim, K, shape, channels=2, embedding_dim=4, synchronized_batch_norm=True),
            biggan.biggan_discriminator(shape, K, channels=2),
            latent_dim=latent_dim,
            num_classes=K,
            seed=3,
            **kwargs,
        )
        model.compile(*(None, None) if optimizer is None else (optimizer(), optimizer()))
        return model

    return build


def labelled_data(shape=SHAPE, n=16, batch_size=8):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (n,) + shape).astype("float32")
    labels = rng.integers(0, K, n).astype("int32")
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size, drop_remainder=True)


def sample(model):
    return model.generate(latent=Z, labels=Y)


def test_trains_saves_and_resumes(tmp_path):
    harness.run_model_tests(tiny(ema_decay=0.9), labelled_data(), tmp_path, sample)


def test_two_replicas_equal_one_device():
    # SGD: with Adam, G's first-layer biases (their gradient nearly cancelled by the
    # batch norm after them, ~1e-9) took full-size steps of opposite rounding noise
    # (-1.1e-4 vs -0.8e-4 after two steps). atol 1e-5: one run differed by 1.7e-6 in
    # one entry of a power-iteration vector u (392 entries), rounding of the summed gradients.
    sgd = lambda: keras.optimizers.SGD(0.05, momentum=0.5)  # noqa: E731
    harness.run_distribution_test(tiny(optimizer=sgd), labelled_data(n=12, batch_size=6), atol=1e-5)


def test_export_takes_latent_labels_and_truncation(tmp_path):
    model = tiny()()
    model.fit(labelled_data(), epochs=1, verbose=0)
    result = harness.run_export_test(
        model, {"latent": Z, "labels": Y, "truncation": np.float32(0.5)}, tmp_path, quantize=("float32",)
    )
    inputs = result["manifest"]["signatures"]["serving_default"]["inputs"]
    assert set(inputs) == {"latent", "labels", "truncation"} and inputs["truncation"]["shape"] == []
    # The signature truncates as generate(truncation=psi) does; inf is no truncation.
    serve = model.serving_signatures()["serving_default"][0]
    truncated = serve(tf.constant(Z * 3), tf.constant(Y, tf.int32), tf.constant(0.5))["images"].numpy()
    np.testing.assert_allclose(truncated, model.generate(latent=Z * 3, labels=Y, truncation=0.5), atol=1e-5)
    untruncated = serve(tf.constant(Z * 3), tf.constant(Y, tf.int32), tf.constant(np.inf))["images"].numpy()
    np.testing.assert_allclose(untruncated, model.generate(latent=Z * 3, labels=Y), atol=1e-5)
    assert np.abs(truncated - untruncated).max() > 1e-3
    served = keras_gans.export.load_exported(str(tmp_path / "BigGAN" / "export"))
    np.testing.assert_allclose(served.generate(4, seed=0, labels=1), served.generate(4, seed=0, labels=1))
    assert not np.allclose(served.generate(4, seed=0, labels=1, truncation=0.3), served.generate(4, seed=0, labels=1))


@pytest.mark.parametrize("size", [32, 64, 128])
def test_paper_size_networks_build_and_step(size):
    shape = (size, size, 3)
    chunks = biggan.latent_chunks(shape)
    assert chunks == {32: 4, 64: 5, 128: 6}[size]  # the first layer + one per block
    build = tiny(shape, latent_dim=2 * chunks)
    model, _ = harness.run_train_step_test(build, labelled_data(shape, n=4, batch_size=2), steps=1)
    assert model.generate(latent=np.zeros((2, 2 * chunks), "float32"), labels=[0, 1]).shape == (2,) + shape
    start, arch = biggan.G_ARCH[size]
    assert model.generator.get_layer("start").output.shape[1:] == (start, start, 2 * arch[0][0])


def test_the_generator_uses_every_z_chunk_and_the_class():
    g = biggan.biggan_generator(LATENT, K, SHAPE, channels=2, embedding_dim=4)
    base = g([Z[:1], np.array([0])], training=False).numpy()
    for i in range(3):
        z = Z[:1].copy()
        z[:, 2 * i : 2 * i + 2] += 1.0  # chunk 0 feeds the first layer, chunks 1, 2 the blocks' CBNs
        assert np.abs(g([z, np.array([0])], training=False).numpy() - base).max() > 1e-4, i
    assert np.abs(g([Z[:1], np.array([1])], training=False).numpy() - base).max() > 1e-4
    cbns = [layer for layer in g.layers if isinstance(layer, keras_gans.layers.ConditionalBatchNormalization)]
    assert len(cbns) == 4 and all(layer.gain.layer.kernel.shape[0] == 4 + 2 for layer in cbns)


def test_bad_arguments_are_named():
    harness.assert_clear_error(lambda: biggan.biggan_generator(7, K, SHAPE), "multiple of 3", "got 7")
    harness.assert_clear_error(lambda: biggan.biggan_discriminator((48, 48, 3), K), "[28, 32, 64, 128]", "(48, 48, 3)")
    model = tiny()()
    harness.assert_clear_error(lambda: model.generate(2, labels=0, truncation=0.0), "truncation must be > 0", "0.0")


def test_defaults_are_biggans():
    model = tiny()()
    assert model.loss == "hinge" and model.orthogonal_regularization == 1e-4
    for optimizer, rate in ((model.g_optimizer, 1e-4), (model.d_optimizer, 4e-4)):
        assert float(optimizer.learning_rate) == pytest.approx(rate)
        assert optimizer.beta_1 == 0.0 and optimizer.beta_2 == 0.999
    rebuilt = harness.run_config_round_trip_test(tiny(orthogonal_regularization=3e-4)())
    assert rebuilt.orthogonal_regularization == 3e-4
    built = zoo.build("biggan", SHAPE, dataset="mnist5k", channels=2, latent_dim=6)
    assert isinstance(built, keras_gans.BigGAN) and built.num_classes == 10
    assert zoo.MODELS["biggan"].grid == "classes" and zoo.MODELS["biggan"].default_dataset == "mnist5k"


def test_orthogonal_regularization_by_hand():
    w = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, -1.0]], "float32")  # (in 3, out 2)
    # W^T W = [[2, 1], [1, 6]]: the off-diagonal 1, 1 -> ||.||_F^2 = 2.
    assert float(orthogonal_regularization([w], beta=0.5)) == pytest.approx(1.0)
    # A conv kernel (kh, kw, in, out) is read as (kh*kw*in, out).
    assert float(orthogonal_regularization([w.reshape(1, 3, 1, 2)], beta=1.0)) == pytest.approx(2.0)
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 5)))
    assert float(orthogonal_regularization([q.astype("float32") * 3.0], beta=1.0)) == pytest.approx(0.0, abs=1e-4)


def test_generator_loss_adds_the_regularizer_of_gs_kernels_but_the_shared_embedding():
    model = tiny()()
    shared = model.generator.get_layer("shared_embedding").embeddings
    shared.assign(np.random.default_rng(0).normal(size=shared.shape) * 5)  # would dominate R_beta if counted
    fake_out = tf.constant([[0.5], [-1.0]])
    g_loss, logs = model.generator_loss(None, None, None, fake_out)
    kernels = [v for v in model.generator.trainable_weights if len(v.shape) >= 2 and "shared_embedding" not in v.path]
    expected = 1e-4 * sum(
        float(np.sum((m.T @ m * (1 - np.eye(m.shape[1]))) ** 2))
        for m in (v.numpy().reshape(-1, v.shape[-1]) for v in kernels)
    )
    assert float(logs["ortho"]) == pytest.approx(expected, rel=1e-4) and expected > 0
    assert float(g_loss) == pytest.approx(-np.mean([0.5, -1.0]) + expected, rel=1e-5)
    off, _ = tiny(orthogonal_regularization=0.0)().generator_loss(None, None, None, fake_out)
    assert float(off) == pytest.approx(0.25)


def _truncated_normal_std(psi):
    pdf, mass = math.exp(-psi * psi / 2) / math.sqrt(2 * math.pi), math.erf(psi / math.sqrt(2))
    return math.sqrt(1 - 2 * psi * pdf / mass)


@pytest.mark.parametrize("psi", [0.25, 1.0, 2.0])
def test_truncation_resamples_beyond_psi(psi):
    z = np.random.default_rng(4).normal(size=(500, 40)).astype("float32")
    t = truncate_latent(z, psi).numpy()
    assert np.abs(t).max() <= psi
    inside = np.abs(z) <= psi
    np.testing.assert_array_equal(t[inside], z[inside])  # kept
    assert np.all(t[~inside] != z[~inside])  # resampled, not clipped to the border
    assert np.abs(t[~inside]).max() < psi  # (a clip would put them at exactly +-psi)
    assert t.std() == pytest.approx(_truncated_normal_std(psi), rel=0.02)
    assert abs(t.mean()) < 0.02


def test_large_psi_is_the_untruncated_stream():
    model = tiny()()
    z = np.random.default_rng(4).normal(size=(64, 8)).astype("float32")
    np.testing.assert_array_equal(truncate_latent(z, 1e3).numpy(), z)
    np.testing.assert_array_equal(truncate_latent(z, np.inf).numpy(), z)
    np.testing.assert_array_equal(
        model.generate(5, labels=1, seed=2, truncation=1e3), model.generate(5, labels=1, seed=2)
    )
    truncated = model.generate(5, labels=1, seed=2, truncation=0.5)
    assert not np.allclose(truncated, model.generate(5, labels=1, seed=2))
    latent = model.sample_latent(5, seed=tf.constant([2, 0], tf.int64)).numpy()
    np.testing.assert_array_equal(truncated, model.generate(latent=truncate_latent(latent, 0.5).numpy(), labels=1))


def _example():
    import importlib.util

    spec = importlib.util.spec_from_file_location("biggan_mnist", "examples/biggan_mnist.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


@pytest.mark.slow
def test_example_smoke_run(tmp_path):
    _example().main(["--smoke", "--output", str(tmp_path)])
    assert (tmp_path / "biggan.keras").exists() and (tmp_path / "class_grid_psi_0.5.png").exists()
    reloaded = keras.saving.load_model(tmp_path / "biggan.keras")
    assert (
        isinstance(reloaded, keras_gans.BigGAN) and reloaded.generate(2, labels=3, truncation=0.5).shape == (2,) + SHAPE
    )


def test_example_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _example().parse_args(["--help"])
    assert exit_info.value.code == 0 and "--truncation" in capsys.readouterr().out
