"""ConditionalGAN (concat and projection discriminators), its networks, ClassGrid and bad labels."""

import os

import numpy as np
import keras
import pytest
import tensorflow as tf

from keras_gans.callbacks import ClassGrid, class_grid
from keras_gans.models.conditional_gan import ConditionalGAN
from keras_gans.networks import conditional
from tests import harness

LATENT, K, SHAPE = 4, 3, (16, 16, 1)


def labelled_arrays(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n,) + SHAPE).astype("float32"), rng.integers(0, K, n).astype("int64")


def labelled_data(batch_size=8, labels=None):
    images, default = labelled_arrays()
    labels = default if labels is None else labels
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size, drop_remainder=True)


def cgan(conditioning="projection", **kwargs):
    def build():
        model = ConditionalGAN(
            conditional.conditional_generator(LATENT, K, SHAPE, base_filters=8),
            conditional.conditional_discriminator(SHAPE, K, conditioning=conditioning, base_filters=8),
            latent_dim=LATENT,
            num_classes=K,
            seed=3,
            **kwargs,
        )
        model.compile()
        return model

    return build


Z = np.random.default_rng(1).normal(size=(6, LATENT)).astype("float32")
Y = np.array([0, 1, 2, 2, 1, 0])


def sample(model):
    return model.generate(latent=Z, labels=Y)


def test_projection_discriminator_trains():
    harness.run_train_step_test(cgan("projection"), labelled_data())


def test_concat_discriminator_trains_with_options():
    _, history = harness.run_train_step_test(
        cgan("concat", label_flip_rate=0.3, r1_weight=1.0, instance_noise=0.1), labelled_data()
    )
    assert history.history["penalty"][0] > 0


def test_save_load_resume(tmp_path):
    harness.run_save_load_test(cgan(ema_decay=0.9), labelled_data(), tmp_path, sample)


def test_config_round_trip():
    rebuilt = harness.run_config_round_trip_test(cgan("concat", loss="hinge")())
    assert rebuilt.num_classes == K and rebuilt.loss == "hinge"


def test_generate_label_plumbing():
    model = cgan()()
    assert model.generate(labels=np.arange(K)).shape == (K,) + SHAPE
    assert model.generate(5, labels=2).shape == (5,) + SHAPE
    assert model.generate(7, seed=0).shape == (7,) + SHAPE
    np.testing.assert_array_equal(model.generate(4, seed=5), model.generate(4, seed=5))
    # The label reaches the output: same z, different classes, different images.
    z = np.repeat(Z[:1], K, axis=0)
    images = model.generate(latent=z, labels=np.arange(K))
    assert not np.allclose(images[0], images[1]) and not np.allclose(images[1], images[2])
    # ... and the output matches the generator called on (z, y).
    direct = model.sampling_generator([z, np.arange(K)], training=False)
    np.testing.assert_allclose(images, direct, atol=1e-6)


def test_generate_rejects_bad_labels():
    model = cgan()()
    harness.assert_clear_error(lambda: model.generate(labels=[0, 3]), "[0, 3)", "from 0 to 3", error=ValueError)
    harness.assert_clear_error(lambda: model.generate(labels=np.eye(K)), "one-hot", error=ValueError)
    harness.assert_clear_error(lambda: model.generate(labels=[0.0, 1.0]), "integer", error=ValueError)
    harness.assert_clear_error(lambda: model.generate(5, labels=[0, 1]), "5", "2", error=ValueError)
    harness.assert_clear_error(lambda: model.generate(latent=Z, labels=[0]), "latent gives 6", error=ValueError)
    harness.assert_clear_error(lambda: model.generate(), "num_samples, labels or latent", error=ValueError)


def test_bad_data_is_named_before_training():
    model = cgan()()
    images, labels = labelled_arrays()
    unlabelled = tf.data.Dataset.from_tensor_slices(images).batch(8)
    harness.assert_clear_error(
        lambda: model.fit(unlabelled, epochs=1, verbose=0), "labelled batches", "with_labels=True", error=ValueError
    )
    one_hot = tf.data.Dataset.from_tensor_slices((images, np.eye(K, dtype="float32")[labels])).batch(8)
    harness.assert_clear_error(
        lambda: model.fit(one_hot, epochs=1, verbose=0), "shape (batch,)", "one-hot", "tf.argmax", error=ValueError
    )
    floats = tf.data.Dataset.from_tensor_slices((images, labels.astype("float32"))).batch(8)
    harness.assert_clear_error(lambda: model.fit(floats, epochs=1, verbose=0), "float32 labels", error=ValueError)
    harness.assert_clear_error(
        lambda: model.fit(images, labels + K, batch_size=8, epochs=1, verbose=0), "[0, 3)", error=ValueError
    )
    assert int(model.g_optimizer.iterations.numpy()) == 0


def test_out_of_range_dataset_labels_stop_the_first_step():
    model = cgan()()
    before = harness.weights_of(model)
    bad = np.array([0, 1, 2, 7] * 8, "int64")
    harness.assert_clear_error(
        lambda: model.fit(labelled_data(labels=bad), epochs=1, verbose=0),
        "labels must be class ids in [0, 3)",
        "from 0 to 7",
        error=ValueError,  # the first batch is checked before fit; later ones raise ValueError too (test_bad_input)
    )
    for a, b in zip(before, harness.weights_of(model)):
        np.testing.assert_array_equal(a, b)


def test_network_checks():
    harness.assert_clear_error(
        lambda: ConditionalGAN(
            keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(256), keras.layers.Reshape(SHAPE)]),
            conditional.conditional_discriminator(SHAPE, K, base_filters=8),
            LATENT,
            K,
        ),
        "two inputs",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: ConditionalGAN(
            conditional.conditional_generator(LATENT, K, SHAPE, base_filters=8),
            conditional.conditional_discriminator(SHAPE, K, base_filters=8),
            LATENT,
            num_classes=K + 2,
        ),
        "num_classes=5",
        "3 entries",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: conditional.conditional_discriminator(SHAPE, K, conditioning="film"), "concat", error=ValueError
    )


@pytest.mark.parametrize("size,channels", [(16, 1), (32, 3), (128, 3)])
def test_networks_cover_16_to_128_pixels(size, channels):
    shape = (size, size, channels)
    g = conditional.conditional_generator(LATENT, K, shape, base_filters=4)
    y = tf.constant([0, 2])
    x = g([tf.zeros((2, LATENT)), y])
    assert x.shape == (2,) + shape
    for conditioning in conditional.CONDITIONINGS:
        d = conditional.conditional_discriminator(shape, K, conditioning=conditioning, base_filters=4)
        assert d([x, y]).shape == (2, 1)
    source, classes = conditional.acgan_discriminator(shape, K, base_filters=4)(x)
    assert source.shape == (2, 1) and classes.shape == (2, K)
    logits, features = conditional.semi_supervised_discriminator(shape, K, base_filters=4)(x)
    assert logits.shape == (2, K) and features.shape[0] == 2


def test_projection_uses_the_label():
    d = conditional.conditional_discriminator(SHAPE, K, conditioning="projection", base_filters=8)
    x = np.random.default_rng(0).uniform(-1, 1, (2,) + SHAPE).astype("float32")
    a = d([x, np.array([0, 0])], training=False)
    b = d([x, np.array([1, 1])], training=False)
    assert not np.allclose(a, b)


@pytest.mark.parametrize("pooling", ["sum", "flatten"])
def test_projection_head_by_hand(pooling):
    """D(x, y) = psi(h) + <embed(y), h>, h the last features summed over positions (Miyato & Koyama's code) or flattened."""
    d = conditional.conditional_discriminator(
        SHAPE, K, conditioning="projection", base_filters=4, normalization=None, projection_pooling=pooling
    )
    x = np.random.default_rng(0).uniform(-1, 1, (5,) + SHAPE).astype("float32")
    y = np.array([0, 1, 2, 1, 0])
    last = [layer for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)][-1]
    feature_map = keras.Model(d.inputs, last.output)([x, y]).numpy()
    h = feature_map.sum(axis=(1, 2)) if pooling == "sum" else feature_map.reshape(len(x), -1)
    embeddings = d.get_layer("label_embedding").embeddings.numpy()
    assert embeddings.shape == (K, h.shape[-1])  # sum: one weight per channel, not per position
    psi = d.get_layer("logit")
    expected = h @ psi.kernel.numpy() + psi.bias.numpy() + (embeddings[y] * h).sum(-1, keepdims=True)
    np.testing.assert_allclose(d([x, y], training=False), expected, rtol=1e-4, atol=1e-4)


def test_fit_on_arrays_with_a_class_grid(tmp_path):
    model = cgan()()
    grid = ClassGrid(str(tmp_path), samples_per_class=4)
    images, labels = labelled_arrays()
    model.fit(images, labels, batch_size=8, epochs=1, callbacks=[grid], verbose=0)  # fit(x, y) works too
    assert int(model.g_optimizer.iterations.numpy()) == 4
    assert grid.paths == [os.path.join(str(tmp_path), "epoch_001.png")]
    png = tf.io.decode_png(tf.io.read_file(grid.paths[0])).numpy()
    # save_image_grid upscales 4 columns of 16 px by 256 // 64 = 4, padding 1.
    assert png.shape[:2] == (((16 + 1) * K + 1) * 4, ((16 + 1) * 4 + 1) * 4)
    images = class_grid(model, samples_per_class=4)
    assert images.shape == (K * 4,) + SHAPE
    # Row r shows class r: it equals generate() for that class with the same latents.
    z = model.sample_latent(4, seed=tf.constant([0, 0], tf.int64)).numpy()
    np.testing.assert_allclose(images[4:8], model.generate(latent=z, labels=1), atol=1e-6)


def test_generator_exports_with_latent_and_labels_signature(tmp_path):
    from keras_gans import export

    model = cgan(ema_decay=0.9)()
    manifest = export.export_generator(
        model, str(tmp_path), formats=("saved_model", "tflite"), quantize=("float32",), allow_untrained=True
    )
    assert manifest["kind"] == "conditional" and manifest["description"]["num_classes"] == K
    assert set(manifest["signatures"]["serving_default"]["inputs"]) == {"latent", "labels"}
    for path in (str(tmp_path), str(tmp_path / "model_float32.tflite")):
        outputs = export.load_exported(path).run({"latent": Z, "labels": Y.astype("int32")})
        np.testing.assert_allclose(outputs["images"], sample(model), atol=1e-5, err_msg=path)


@pytest.mark.slow
def test_example_smoke_run(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("cgan_mnist", "examples/cgan_mnist.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    result = example.main(["--smoke", "--output", str(tmp_path)])
    assert os.path.exists(tmp_path / "class_grid.png") and os.path.exists(tmp_path / "cgan.keras")
    assert len(result["fidelity_per_class"]) == 10


def test_example_help(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("cgan_mnist", "examples/cgan_mnist.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with pytest.raises(SystemExit) as exit_info:
        example.parse_args(["--help"])
    assert exit_info.value.code == 0
    assert "--smoke" in capsys.readouterr().out
