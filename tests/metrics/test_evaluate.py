import glob
import json
import tracemalloc
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.metrics import MetricsCallback
from keras_gans.metrics import evaluate_generator
from keras_gans.metrics import format_table
from keras_gans.metrics import frechet_distance_from_features
from keras_gans.metrics import kid
from keras_gans.metrics import protocol_line
from keras_gans.metrics import seeded_sampler
from keras_gans.metrics.evaluate import _Reservoir
from keras_gans.metrics.evaluate import batch_seed

_PROJECTION = np.random.default_rng(123).normal(size=(32 * 32 * 3, 16)).astype(np.float32) / np.sqrt(32 * 32 * 3)


def flat_projection(images):
    """Trivial fast extractor: a fixed random projection of the pixels."""
    x = np.asarray(images, dtype=np.float32)
    return x.reshape(len(x), -1) @ _PROJECTION


def mean_pixels(images):
    return np.asarray(images).mean(axis=(1, 2))


def sequential_generator(images):
    """generate_fn(n) returning the next n images of a fixed array."""
    position = [0]

    def generate(n):
        out = images[position[0] : position[0] + n]
        position[0] += n
        return out

    return generate


class BrightnessClassifier:
    """Deterministic 2-class 'classifier': bright vs dark images."""

    name = "brightness"

    def features(self, images):
        return mean_pixels(images)

    def probabilities(self, images):
        bright = np.asarray(images).mean(axis=(1, 2, 3)) > 0
        return np.eye(2)[bright.astype(int)]


# ------------------------------------------------------------------------


def test_evaluate_matches_direct_computation():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, size=(200, 4, 4, 3)).astype(np.float32)
    fake = (rng.uniform(-1, 1, size=(200, 4, 4, 3)) * 0.5 + 0.2).astype(np.float32)
    results = evaluate_generator(
        sequential_generator(fake),
        tf.data.Dataset.from_tensor_slices(real),
        metrics=("fid", "kid", "precision", "recall", "one_nn"),
        num_samples=200,
        batch_size=32,
        features=mean_pixels,
        kid_subsets=10,
        kid_subset_size=50,
        reference_split="toy/test",
    )
    f_real, f_fake = mean_pixels(real), mean_pixels(fake)
    assert results["fid"] == pytest.approx(frechet_distance_from_features(f_real, f_fake), rel=1e-6)
    # With all features kept (in stream order), KID is the direct value.
    expected_kid = kid(f_real, f_fake, 10, 50, seed=0)
    assert results["kid"] == pytest.approx(expected_kid[0], rel=1e-5)
    assert results["kid_std"] == pytest.approx(expected_kid[1], rel=1e-5)
    assert results["kid"] > 0
    assert 0 <= results["precision"] <= 1 and 0 <= results["recall"] <= 1
    assert results["one_nn_accuracy"] > 0.6
    protocol = results["protocol"]
    assert protocol["feature_extractor"] == "mean_pixels"
    assert protocol["feature_dim"] == 3
    assert protocol["num_real_samples"] == 200
    assert protocol["num_fake_samples"] == 200
    assert protocol["reference_split"] == "toy/test"
    assert protocol["kid_subset_size"] == 50
    assert protocol["kernel_samples"] == (200, 200)


def test_evaluate_scores_with_classifier():
    rng = np.random.default_rng(1)
    real = np.concatenate([rng.uniform(0.1, 1, (100, 4, 4, 1)), rng.uniform(-1, -0.1, (100, 4, 4, 1))]).astype(
        np.float32
    )
    real = real[rng.permutation(200)]
    collapsed = lambda n: rng.uniform(0.1, 1, (n, 4, 4, 1))  # noqa: E731
    results = evaluate_generator(
        collapsed,
        real,
        metrics=("is", "mode_score"),
        num_samples=100,
        batch_size=30,
        features="domain",
        classifier=BrightnessClassifier(),
        is_splits=5,
        num_real_samples=200,
    )
    assert results["is"] == pytest.approx(1.0, abs=1e-6)
    assert results["mode_score"] == pytest.approx(0.5, rel=1e-6)
    assert results["protocol"]["classifier"] == "brightness"
    assert results["protocol"]["feature_extractor"] == "brightness"
    good = evaluate_generator(
        sequential_generator(real),
        real,
        metrics=("is", "mode_score", "fid"),
        num_samples=200,
        features="domain",
        classifier=BrightnessClassifier(),
        is_splits=2,
    )
    assert good["is"] == pytest.approx(2.0, rel=1e-2)
    assert good["mode_score"] == pytest.approx(2.0, rel=1e-2)
    assert good["fid"] == pytest.approx(0.0, abs=1e-8)


def test_evaluate_argument_errors():
    images = np.zeros((10, 4, 4, 3), np.float32)
    gen = lambda n: images[:n]  # noqa: E731
    with pytest.raises(ValueError, match="Unknown metrics"):
        evaluate_generator(gen, images, metrics=("fjd",), features=mean_pixels)
    with pytest.raises(ValueError, match="classifier"):
        evaluate_generator(gen, images, metrics=("fid",))
    with pytest.raises(ValueError, match="probabilities"):
        evaluate_generator(gen, images, metrics=("is",), features=mean_pixels)


def test_reservoir_is_uniform():
    reservoir = _Reservoir(1000, seed=0)
    for chunk in np.array_split(np.arange(10_000, dtype=np.float32)[:, None], 37):
        reservoir.update(chunk)
    kept = reservoir.values()[:, 0]
    assert kept.shape == (1000,) and len(np.unique(kept)) == 1000
    # A prefix would have mean 499.5; a uniform sample ~5000 (sd ~90).
    assert abs(kept.mean() - 5000) < 400
    assert kept.max() > 9000


def test_format_table():
    results = {
        "fid": 12.3456789,
        "kid": 0.0123,
        "kid_std": 0.0004,
        "protocol": {"feature_extractor": "domain", "num_real_samples": 10},
    }
    table = format_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "value", "protocol"]
    assert any(line.split() == ["fid", "12.3457"] for line in lines)
    assert any(line.split() == ["kid", "0.0123", "±", "0.0004"] for line in lines)
    results["protocol"]["metrics"] = {"fid": "10 real / 20 generated"}
    lines = format_table(results).splitlines()
    assert any(line.split() == ["fid", "12.3457", "10", "real", "/", "20", "generated"] for line in lines)
    assert not any("metrics:" in line for line in lines)
    assert "kid_std" not in table
    assert "  feature_extractor: domain" in lines
    assert "  num_real_samples: 10" in lines


def test_evaluate_streams_50000_images_in_bounded_memory():
    n, batch = 50_000, 250
    real = tf.data.Dataset.range(n // batch).map(
        lambda i: tf.random.stateless_uniform((batch, 32, 32, 3), seed=tf.stack([i, 0]), minval=-1, maxval=1)
    )
    rng = np.random.default_rng(0)

    def generate(k):
        return rng.random((k, 32, 32, 3), dtype=np.float32) * 2 - 1

    tracemalloc.start()
    try:
        results = evaluate_generator(
            generate,
            real,
            metrics=("fid", "kid", "precision", "recall"),
            num_samples=n,
            batch_size=batch,
            features=flat_projection,
            max_kernel_samples=2000,
            kid_subsets=20,
            kid_subset_size=500,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    all_images_bytes = n * 32 * 32 * 3 * 4  # 614 MB
    assert peak < 60e6, f"peak {peak / 1e6:.1f} MB"
    assert peak < all_images_bytes / 10
    protocol = results["protocol"]
    assert protocol["num_real_samples"] == n
    assert protocol["num_fake_samples"] == n
    assert protocol["kernel_samples"] == (2000, 2000)
    # Same distribution on both sides.
    assert 0 <= results["fid"] < 0.05
    assert abs(results["kid"]) < 3 * results["kid_std"] + 1e-4
    assert results["precision"] > 0.5 and results["recall"] > 0.5


def test_seeded_sampler_gives_distinct_reproducible_batches():
    def generate(n, seed=None):
        return np.random.default_rng(seed).uniform(-1, 1, (n, 2, 2, 1))

    first = [seeded_sampler(generate, 0)(5) for _ in range(1)]
    sample = seeded_sampler(generate, 0)
    a, b = sample(5), sample(5)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, first[0])
    assert not np.array_equal(seeded_sampler(generate, 1)(5), a)
    assert batch_seed(0, 0) != batch_seed(0, 1) != batch_seed(1, 0)


def test_evaluate_records_every_metrics_protocol():
    rng = np.random.default_rng(4)
    real = rng.uniform(-1, 1, size=(120, 4, 4, 1)).astype(np.float32)
    fake = rng.uniform(-1, 1, size=(300, 4, 4, 1)).astype(np.float32)
    with pytest.warns(UserWarning, match="KID subset size 120"):
        results = evaluate_generator(
            sequential_generator(fake),
            real,
            metrics=("fid", "kid", "is", "mode_score", "precision", "one_nn"),
            num_samples=300,
            num_real_samples=120,
            batch_size=50,
            features="domain",
            classifier=BrightnessClassifier(),
            kid_subsets=5,
            is_splits=7,
            reference_split="toy:test",
        )
    protocol = results["protocol"]
    assert "mode_score_std" not in results and isinstance(results["mode_score"], float)
    assert protocol["num_real_samples"] == 120 and protocol["num_fake_samples"] == 300
    assert protocol["one_nn_samples"] == (120, 120)
    assert protocol["one_nn_ideal"] == pytest.approx(119 / 239)
    assert protocol["kid_subset_size"] == 120
    notes = protocol["metrics"]
    assert set(notes) == {"fid", "kid", "is", "mode_score", "precision", "one_nn_accuracy"}
    assert notes["is"] == "7 splits of 300 generated, classifier brightness"
    assert notes["kid"].startswith("5 subsets of 120 per set")
    assert "ideal 0.498" in notes["one_nn_accuracy"]
    assert "user-supplied" in protocol["feature_network"]
    assert "NOT comparable with published" in protocol["comparable_with"]
    line = protocol_line(results)
    for words in ("120 real (toy:test) / 300 generated", "7 splits", "comparable with"):
        assert words in line
    # The same generator fed to 1-NN at full size would sit near 0.71.
    assert abs(results["one_nn_accuracy"] - 0.5) < 0.12


def test_evaluate_warns_when_fid_has_fewer_samples_than_dimensions():
    rng = np.random.default_rng(5)
    real = rng.uniform(-1, 1, size=(40, 32, 32, 3)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 40 samples of 16-d features: fine
        results = evaluate_generator(
            lambda n: rng.uniform(-1, 1, (n, 32, 32, 3)),
            real,
            metrics=("fid",),
            num_samples=40,
            features=flat_projection,
            batch_size=20,
        )
    assert results["protocol"]["metrics"]["fid"] == "40 real / 40 generated"
    with pytest.warns(UserWarning, match="fewer samples than dimensions"):
        results = evaluate_generator(
            lambda n: rng.uniform(-1, 1, (n, 32, 32, 3)),
            real[:10],
            metrics=("fid",),
            num_samples=10,
            features=flat_projection,
        )
    assert "biased" in results["protocol"]["metrics"]["fid"]


# ------------------------------------------------------------- callback


class DummyGAN(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.rng = np.random.default_rng(0)

    def call(self, x):
        return self.dense(x)

    def generate(self, num_samples=None, latent=None):
        images = self.rng.uniform(-1, 1, (num_samples, 32, 32, 3))
        return tf.constant(images, tf.float32)


def test_metrics_callback_writes_logs_and_tensorboard(tmp_path, capsys):
    real = np.random.default_rng(1).uniform(-1, 1, (64, 32, 32, 3)).astype("float32")
    model = DummyGAN()
    model.compile(optimizer="sgd", loss="mse")
    callback = MetricsCallback(
        real,
        metrics=("fid", "kid"),
        num_samples=64,
        log_dir=str(tmp_path),
        features=flat_projection,
        batch_size=32,
        kid_subsets=5,
        kid_subset_size=32,
    )
    history = model.fit(
        np.zeros((8, 2)),
        np.zeros((8, 1)),
        epochs=1,
        verbose=0,
        callbacks=[callback],
    )
    assert "fid" in history.history and "kid_std" in history.history
    assert np.isfinite(history.history["fid"][0]) and history.history["fid"][0] >= 0
    assert callback.results[0][0] == 0
    assert callback.results[0][1]["protocol"]["num_fake_samples"] == 64
    (event_file,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    scalars = {
        value.tag: (event.step, tf.make_ndarray(value.tensor))
        for event in tf.compat.v1.train.summary_iterator(event_file)
        for value in event.summary.value
        if value.metadata.plugin_data.plugin_name == "scalars"
    }
    assert set(scalars) == {"metrics/fid", "metrics/kid", "metrics/kid_std"}
    step, fid = scalars["metrics/fid"]
    assert step == 0
    assert fid == pytest.approx(history.history["fid"][0], rel=1e-6)
    # Every saved figure carries its protocol: the scalars' descriptions, a
    # text summary, metrics.jsonl, and the printed line.
    events = [value for event in tf.compat.v1.train.summary_iterator(event_file) for value in event.summary.value]
    described = {v.tag: v.metadata.summary_description for v in events}
    assert "64 real / 64 generated" in described["metrics/fid"]
    assert "5 subsets of 32 per set" in described["metrics/kid_std"]
    assert "user-supplied" in described["metrics/fid"]
    (text,) = [v for v in events if v.tag == "metrics/protocol"]
    assert b"comparable with" in tf.make_ndarray(text.tensor).item()
    with open(tmp_path / "metrics.jsonl") as f:
        (record,) = [json.loads(line) for line in f]
    assert record["epoch"] == 0 and record["fid"] == pytest.approx(fid, rel=1e-6)
    assert record["protocol"]["num_fake_samples"] == 64
    assert record["protocol"]["metrics"]["kid"].startswith("5 subsets of 32")
    printed = capsys.readouterr().out
    assert "MetricsCallback epoch 1: fid" in printed and "protocol:" in printed

    every_two = MetricsCallback(
        real,
        metrics=("fid",),
        every_n_epochs=2,
        num_samples=64,
        features=flat_projection,
    )
    model.fit(
        np.zeros((8, 2)),
        np.zeros((8, 1)),
        epochs=3,
        verbose=0,
        callbacks=[every_two],
    )
    assert [epoch for epoch, _ in every_two.results] == [1]


class SeededDummyGAN(DummyGAN):
    def generate(self, num_samples=None, latent=None, seed=None):
        images = np.random.default_rng(seed).uniform(-1, 1, (num_samples, 32, 32, 3))
        return tf.constant(images, tf.float32)


def test_metrics_callback_seeded_samples_are_distinct_and_reproducible():
    real = np.random.default_rng(1).uniform(-1, 1, (60, 32, 32, 3)).astype("float32")
    seen = []

    def features(images):
        seen.append(np.asarray(images))
        return flat_projection(images)

    def run():
        model = SeededDummyGAN()
        model.compile(optimizer="sgd", loss="mse")
        callback = MetricsCallback(
            real, metrics=("fid",), num_samples=60, features=features, batch_size=20, seed=7, verbose=0
        )
        model.fit(np.zeros((8, 2)), np.zeros((8, 1)), epochs=2, verbose=0, callbacks=[callback])
        return [r["fid"] for _, r in callback.results], callback.results[0][1]["protocol"]

    first, protocol = run()
    fake = np.concatenate(seen[3:6]).reshape(60, -1)  # epoch 1: 3 real, then 3 generated batches
    assert len(np.unique(fake, axis=0)) == 60
    assert first[0] != first[1]  # a new sample set each epoch
    assert run()[0] == first
    assert "seed 7, epoch 0" in protocol["fake_sampling"]
