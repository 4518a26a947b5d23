"""load_unpaired: the digit stroke domains, folders, TFDS cycle_gan (mocked), augmentation, bad input."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.datasets.unpaired import load_unpaired, stroke_digits
from tests import harness


def write_images(folder, values, size=8, channels=1):
    """One constant PNG per value (the value identifies the image)."""
    os.makedirs(folder, exist_ok=True)
    for i, value in enumerate(values):
        image = np.full((size, size, channels), value, "uint8")
        tf.io.write_file(os.path.join(folder, f"{i:03d}.png"), tf.io.encode_png(image))
    return str(folder)


def ids(batch):
    """The value of each constant image back from [-1, 1]."""
    return np.round((batch.numpy()[:, 0, 0, 0] + 1.0) * 127.5).astype(int).tolist()


def test_digit_domains_thin_and_thick_with_labels():
    ds = load_unpaired(batch_size=8)
    a, b = next(iter(ds))
    assert a.shape == b.shape == (8, 32, 32, 1)
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(b)) <= 1.0
    assert len(list(ds)) == 719 // 8  # max(len A, len B) pairs per epoch
    images_a, labels_a, images_b, labels_b = stroke_digits("train")
    assert len(images_a) == len(labels_a) and len(images_b) == len(labels_b)
    assert set(labels_a.tolist()) == set(labels_b.tolist()) == set(range(10))
    # Thick strokes have well over twice the ink of thin ones.
    ink_a, ink_b = (images_a > 0).mean(), (images_b > 0).mean()
    assert ink_b > 2.5 * ink_a, (ink_a, ink_b)
    test_a, _, test_b, _ = stroke_digits("test")
    assert len(test_a) + len(test_b) == 359


def test_domains_are_drawn_independently(tmp_path):
    folder_a = write_images(tmp_path / "a", range(10, 70, 10))  # 6 images
    folder_b = write_images(tmp_path / "b", range(100, 140, 10))  # 4 images
    ds = load_unpaired((folder_a, folder_b), batch_size=1, image_size=8, augment=False, seed=1)
    epochs = [[(ids(a)[0], ids(b)[0]) for a, b in ds] for _ in range(3)]
    for pairs in epochs:
        assert len(pairs) == 6  # the larger domain's size
        assert sorted(a for a, _ in pairs) == list(range(10, 70, 10))  # every A once per epoch
        assert set(b for _, b in pairs) <= set(range(100, 140, 10))
    assert len({tuple(p) for p in epochs}) == 3  # reshuffled, repaired every epoch
    again = [
        (ids(a)[0], ids(b)[0])
        for a, b in load_unpaired((folder_a, folder_b), batch_size=1, image_size=8, augment=False, seed=1)
    ]
    assert again == epochs[0]  # seeded


def test_resize_crop_and_mirror(tmp_path):
    half = np.zeros((40, 40, 3), "uint8")
    half[:, :20] = 255  # white left half
    for domain in ("trainA", "trainB", "testA", "testB"):
        os.makedirs(tmp_path / domain)
        for i in range(4):
            tf.io.write_file(str(tmp_path / domain / f"{i}.png"), tf.io.encode_png(half))
    ds = load_unpaired(str(tmp_path), batch_size=4, image_size=32, seed=0)
    mirrored = []
    for _ in range(4):
        for a, b in ds:
            assert a.shape == b.shape == (4, 32, 32, 3)
            left, right = tf.reduce_mean(a[:, :, :8], [1, 2, 3]), tf.reduce_mean(a[:, :, -8:], [1, 2, 3])
            mirrored += (left < right).numpy().tolist()
    assert 0 < sum(mirrored) < len(mirrored)  # some mirrored, some not
    # load size 36 (32 * 286 / 256), random 32 crop: the edge moves by up to 4 pixels.
    crops = load_unpaired(str(tmp_path), batch_size=4, image_size=32, flip=False, seed=0)
    edges = {int(np.argmax(a.numpy()[k, 0, :, 0] < 0)) for _ in range(3) for a, _ in crops for k in range(4)}
    assert len(edges) > 1 and all(14 <= e <= 18 for e in edges), edges
    # The test split is not augmented: a plain resize, the edge stays in the middle.
    for a, _ in load_unpaired(str(tmp_path), split="test", batch_size=4, image_size=32):
        assert {int(np.argmax(row < 0)) for row in a.numpy()[:, 0, :, 0]} == {16}


def test_channels_of_each_domain_and_conversion(tmp_path):
    grey = write_images(tmp_path / "grey", [50, 60], channels=1)
    rgb = write_images(tmp_path / "rgb", [70, 80], channels=3)
    a, b = next(iter(load_unpaired((grey, rgb), batch_size=2, image_size=8, augment=False)))
    assert a.shape[-1] == 1 and b.shape[-1] == 3
    a, b = next(iter(load_unpaired((grey, rgb), batch_size=2, image_size=8, augment=False, channels=3)))
    assert a.shape[-1] == b.shape[-1] == 3


def test_tfds_cycle_gan_mocked():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=4):
        ds = load_unpaired("cycle_gan/horse2zebra", batch_size=2, image_size=32)
        a, b = next(iter(ds))
        test_a, _ = next(iter(load_unpaired("cycle_gan/horse2zebra", split="test", batch_size=2, image_size=32)))
    assert a.shape == b.shape == test_a.shape == (2, 32, 32, 3)
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(a)) <= 1.0


def test_bad_input_is_named(tmp_path):
    full = write_images(tmp_path / "full", [1, 2, 3])
    empty = str(tmp_path / "empty")
    os.makedirs(empty)
    missing = str(tmp_path / "missing")
    harness.assert_clear_error(lambda: load_unpaired((full, missing)), missing, "domain B", error=FileNotFoundError)
    harness.assert_clear_error(lambda: load_unpaired((empty, full)), "Domain A", empty, "no images", error=ValueError)
    harness.assert_clear_error(
        lambda: load_unpaired((full, full), batch_size=4), "3 images", "batch_size=4", error=ValueError
    )
    harness.assert_clear_error(lambda: load_unpaired(str(tmp_path)), "trainA, trainB", error=FileNotFoundError)
    harness.assert_clear_error(lambda: load_unpaired(missing), missing, error=FileNotFoundError)
    harness.assert_clear_error(lambda: load_unpaired((full,)), "two folders", error=ValueError)
    harness.assert_clear_error(lambda: load_unpaired(split="validation"), "'validation'", error=ValueError)
    harness.assert_clear_error(lambda: load_unpaired("no_such_dataset_xyz"), "no_such_dataset_xyz", error=ValueError)
