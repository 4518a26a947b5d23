"""datasets.load: embedded sets, folders, TFDS (mock data), and its errors."""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gans import datasets
from tests import harness


def test_digits_are_real_digits_in_range():
    images, labels = datasets.digits("all")
    assert images.shape == (1797, 8, 8, 1) and labels.shape == (1797,)
    assert images.min() == -1.0 and images.max() == 1.0
    assert np.bincount(labels).min() >= 170  # ten balanced classes
    train, test = datasets.digits("train")[0], datasets.digits("test")[0]
    assert len(train) + len(test) == 1797
    # Disjoint splits.
    flat = {x.tobytes() for x in train.reshape(len(train), -1)}
    assert sum(x.tobytes() in flat for x in test.reshape(len(test), -1)) < 10  # the set has a few duplicates


def test_load_digits_pipeline():
    ds = datasets.load("digits", batch_size=32)
    batch = next(iter(ds))
    assert batch.shape == (32, 16, 16, 1) and batch.dtype == tf.float32
    assert float(tf.reduce_min(batch)) >= -1.0 and float(tf.reduce_max(batch)) <= 1.0
    assert ds.cardinality().numpy() == 1438 // 32  # drop_remainder
    images, labels = next(iter(datasets.load("digits", batch_size=8, with_labels=True, image_size=32, channels=3)))
    assert images.shape == (8, 32, 32, 3) and labels.dtype == tf.int64


def test_mixtures():
    centers = datasets.mixture_centers("grid25")
    assert centers.shape == (25, 2) and set(np.unique(centers)) == {-4, -2, 0, 2, 4}
    ring = datasets.mixture("ring8", 8000, seed=0)
    radius = np.linalg.norm(ring, axis=1)
    assert abs(radius.mean() - 1.0) < 0.01 and radius.std() < 0.02
    batch = next(iter(datasets.load("ring8", batch_size=64, num_samples=1000)))
    assert batch.shape == (64, 2)


def test_same_seed_same_order():
    a = next(iter(datasets.load("digits", batch_size=16, seed=5))).numpy()
    b = next(iter(datasets.load("digits", batch_size=16, seed=5))).numpy()
    np.testing.assert_array_equal(a, b)


def test_folder_of_images(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            pixels = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
            tf.io.write_file(str(tmp_path / cls / f"{i}.png"), tf.io.encode_png(pixels))
    images, labels = next(
        iter(datasets.load(str(tmp_path), batch_size=6, image_size=16, with_labels=True, shuffle=False))
    )
    assert images.shape == (6, 16, 16, 3)
    assert sorted(labels.numpy().tolist()) == [0, 0, 0, 1, 1, 1]
    harness.assert_clear_error(
        lambda: datasets.load(str(tmp_path / "cats"), batch_size=10), "3 examples", "batch_size=10", error=ValueError
    )
    harness.assert_clear_error(
        lambda: datasets.load(str(tmp_path / "missing"), batch_size=2), "missing", error=FileNotFoundError
    )


def test_tfds_mock_mnist():
    with tfds.testing.mock_data(num_examples=40):
        ds = datasets.load("mnist", batch_size=8, image_size=16)
        batch = next(iter(ds))
    assert batch.shape == (8, 16, 16, 1)
    assert float(tf.reduce_min(batch)) >= -1.0 and float(tf.reduce_max(batch)) <= 1.0


def test_tfds_offline_error_names_the_offline_sets(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(tfds, "load", offline)
    e = harness.assert_clear_error(
        lambda: datasets.load("mnist", batch_size=8), "needs the network", "digits", error=RuntimeError
    )
    assert "ring8" in str(e) and "folder" in str(e)


def test_unknown_dataset():
    harness.assert_clear_error(
        lambda: datasets.load("no_such_dataset_xyz", batch_size=8), "no_such_dataset_xyz", "digits", error=ValueError
    )
    harness.assert_clear_error(lambda: datasets.load("digits", batch_size=0), "batch_size", error=ValueError)
    harness.assert_clear_error(lambda: datasets.digits("valid"), "valid", error=ValueError)


def test_the_shared_image_transform():
    """sources.transform_image, which load, load_paired and load_unpaired all use."""
    from keras_gans.datasets import sources

    pixels = np.array([[[0], [255]], [[51], [204]]], dtype="uint8")
    image = sources.transform_image(pixels).numpy()
    np.testing.assert_allclose(image[..., 0], [[-1.0, 1.0], [-0.6, 0.6]], atol=1e-6)
    assert sources.transform_image(pixels, channels=3).shape == (2, 2, 3)
    assert sources.transform_image(np.zeros((2, 2, 3), "uint8"), channels=1).shape == (2, 2, 1)
    outside = np.full((2, 2, 1), 1.5, "float32")
    same = sources.transform_image(outside, size=(2, 2), method="bicubic").numpy()
    np.testing.assert_array_equal(same, outside)  # already that size: not resized, not clipped
    bigger = sources.transform_image(pixels, size=(4, 6), method="bicubic").numpy()
    assert bigger.shape == (4, 6, 1) and bigger.min() >= -1.0 and bigger.max() <= 1.0
