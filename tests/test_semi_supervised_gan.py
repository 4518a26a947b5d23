"""SemiSupervisedGAN: K-class discriminator with feature matching, its standalone classifier and data."""

import numpy as np
import keras
import pytest
import tensorflow as tf

from keras_gans import networks
from keras_gans.datasets.semi_supervised import labelled_subset, semi_supervised_dataset
from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN, log_z
from keras_gans.networks import conditional
from tests import harness

LATENT, K, SHAPE = 4, 3, (16, 16, 1)


def arrays(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n,) + SHAPE).astype("float32"), np.arange(n) % K


def data(batch_size=8):
    images, labels = arrays()
    ds, _ = semi_supervised_dataset(images, labels, labels_per_class=4, batch_size=batch_size, shuffle=False)
    return ds


def ssgan(dropout=0.5, **kwargs):
    def build():
        model = SemiSupervisedGAN(
            networks.dcgan_generator(LATENT, SHAPE, base_filters=8),
            conditional.semi_supervised_discriminator(
                SHAPE, K, base_filters=8, dropout=dropout, input_dropout=min(dropout, 0.2)
            ),
            latent_dim=LATENT,
            num_classes=K,
            seed=3,
            **kwargs,
        )
        model.compile()
        return model

    return build


Z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")


def test_trains_with_feature_matching():
    _, history = harness.run_train_step_test(ssgan(), data())
    logs = history.history
    assert abs(logs["supervised_loss"][0] - np.log(K)) < 1.0
    assert logs["unsupervised_loss"][0] > 0 and logs["g_loss"][0] >= 0


def test_trains_with_the_game_and_r1():
    _, history = harness.run_train_step_test(ssgan(feature_matching=False, r1_weight=1.0), data())
    assert history.history["penalty"][0] > 0


def test_save_load_resume(tmp_path):
    # Without dropout: Keras does not save Dropout's random state (see test_acgan).
    loaded = harness.run_save_load_test(
        ssgan(dropout=0.0, classifier_ema_decay=0.9), data(), tmp_path, lambda m: m.generate(latent=Z)
    )
    x = arrays(4)[0]
    # The reloaded model's classifier is rebuilt on the reloaded discriminator.
    np.testing.assert_allclose(loaded.classifier(x), tf.nn.softmax(loaded.ema_discriminator(x)[0]), atol=1e-6)


def test_config_round_trip():
    rebuilt = harness.run_config_round_trip_test(
        ssgan(unsupervised_weight=0.5, feature_matching=False, classifier_ema_decay=0.99)()
    )
    assert rebuilt.unsupervised_weight == 0.5 and rebuilt.feature_matching is False
    assert rebuilt.ema_discriminator is not None


def test_classifier_uses_the_moving_average_of_d():
    model, _ = harness.run_train_step_test(ssgan(classifier_ema_decay=0.5), data())
    x = arrays(4)[0]
    assert not np.allclose(model.ema_discriminator.get_weights()[0], model.discriminator.get_weights()[0])
    np.testing.assert_allclose(model.classifier(x), tf.nn.softmax(model.ema_discriminator(x)[0]), atol=1e-6)


def test_implicit_fake_class_logit():
    logits = tf.constant([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5]])
    # D(x) = Z / (Z + 1) with Z = sum exp(l): sigmoid(log Z).
    z = np.exp(logits.numpy()).sum(-1)
    np.testing.assert_allclose(tf.sigmoid(log_z(logits)).numpy(), z / (z + 1), rtol=1e-6)


def test_classifier_stands_alone(tmp_path):
    model = ssgan()()
    model.fit(data(), epochs=1, steps_per_epoch=2, verbose=0)
    images, labels = arrays(16, seed=4)
    probabilities = model.classifier.predict(images, verbose=0)
    assert probabilities.shape == (16, K)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    # It shares the discriminator's weights.
    np.testing.assert_allclose(probabilities, tf.nn.softmax(model.discriminator(images, training=False)[0]), atol=1e-6)
    path = str(tmp_path / "classifier.keras")
    model.classifier.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(images, verbose=0), probabilities, atol=1e-6)
    model.classifier.export(str(tmp_path / "classifier"), format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "classifier"))  # keep a reference: it owns the variables
    served = reloaded.serve(images)
    np.testing.assert_allclose(served.numpy(), probabilities, atol=1e-5)
    # evaluate() on (images, labels) reports the classifier's accuracy.
    test = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    accuracy = model.evaluate(test, verbose=0, return_dict=True)["accuracy"]
    assert np.isclose(accuracy, np.mean(probabilities.argmax(-1) == labels), atol=1e-6)


def test_dataset_helper():
    images, labels = arrays(60)
    index = labelled_subset(labels, 5, seed=1)
    assert len(index) == 15 and np.all(np.bincount(labels[index]) == 5)
    np.testing.assert_array_equal(index, labelled_subset(labels, 5, seed=1))
    ds, index2 = semi_supervised_dataset(images, labels, 5, batch_size=10, labelled_batch_size=6, image_size=32, seed=1)
    np.testing.assert_array_equal(index, index2)
    (x_lab, y_lab), x_unl = next(iter(ds))
    assert x_lab.shape == (6, 32, 32, 1) and y_lab.shape == (6,) and x_unl.shape == (10, 32, 32, 1)
    assert set(y_lab.numpy()) <= set(range(K))
    assert sum(1 for _ in ds) == 6  # epochs follow the unlabelled stream
    harness.assert_clear_error(lambda: labelled_subset(labels, 30), "Class 0 has 20 examples", error=ValueError)


@pytest.mark.parametrize(
    "batch,fragment",
    [
        (lambda x, y: x, "((labelled_images, labels), unlabelled_images)"),
        (lambda x, y: (x, y), "semi_supervised_dataset"),
        (lambda x, y: ((x, tf.one_hot(y, K)), x), "one-hot"),
    ],
    ids=["images_only", "labelled_only", "one_hot"],
)
def test_bad_data_is_named_before_training(batch, fragment):
    model = ssgan()()
    images, labels = arrays(16)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8).map(batch)
    harness.assert_clear_error(lambda: model.fit(ds, epochs=1, verbose=0), fragment, error=ValueError)
    assert int(model.d_optimizer.iterations.numpy()) == 0


def test_out_of_range_labels_stop_the_first_step():
    model = ssgan()()
    images, labels = arrays(16)
    ds = tf.data.Dataset.from_tensor_slices(((images, labels + K), images)).batch(8)
    before = harness.weights_of(model)
    harness.assert_clear_error(
        lambda: model.fit(ds, epochs=1, verbose=0),
        "labels must be class ids in [0, 3)",
        "from 3 to 5",
        error=ValueError,
    )
    for a, b in zip(before, harness.weights_of(model)):
        np.testing.assert_array_equal(a, b)


def test_discriminator_contract():
    harness.assert_clear_error(
        lambda: SemiSupervisedGAN(
            networks.dcgan_generator(LATENT, SHAPE, base_filters=8),
            networks.dcgan_discriminator(SHAPE, base_filters=8),
            LATENT,
            K,
        ),
        f"[class logits ({K},), features]",
        error=ValueError,
    )


def _example():
    import importlib.util

    spec = importlib.util.spec_from_file_location("semi_supervised_digits", "examples/semi_supervised_digits.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def test_example_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _example().parse_args(["--help"])
    assert exit_info.value.code == 0
    assert "--labels-per-class" in capsys.readouterr().out


@pytest.mark.slow
def test_example_smoke_run(tmp_path):
    results = _example().main(["--smoke", "--output", str(tmp_path)])
    assert 0.0 <= results[0]["semi_supervised_gan"] <= 1.0 and 0.0 <= results[0]["labels_only"] <= 1.0
    assert (tmp_path / "classifier_seed0.keras").exists()
