"""load_paired: the offline digits pairs, folders, arrays, TFDS, augmentation, bad input."""

import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gans.datasets import embedded
from keras_gans.datasets.paired import augment_pair, digits_pairs, load_paired
from tests import harness

RNG = np.random.default_rng(0)


def first(ds):
    return [x.numpy() for x in next(iter(ds))]


def write_png(path, image):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(image))


def test_digits_pairs_are_outlines_of_the_digits():
    edges, digits = digits_pairs("test")
    assert edges.shape == digits.shape == (len(embedded.digits("test")[0]), 32, 32, 1)
    assert set(np.unique(edges)) == {-1.0, 1.0} and digits.min() >= -1 and digits.max() <= 1
    # The upscaled digit, downscaled, is the embedded 8x8 digit again.
    small = tf.image.resize((digits + 1) / 2, (8, 8), method="area").numpy() * 2 - 1
    assert np.abs(small - embedded.digits("test")[0]).mean() < 0.1
    # Outline pixels sit where the digit changes: the gradient there is larger than elsewhere.
    grad = np.abs(np.diff(digits, axis=2))[:, :, :, 0]
    on_edge = edges[:, :, 1:, 0] > 0
    assert grad[on_edge].mean() > 3 * grad[~on_edge].mean()
    ds = load_paired("digits", split="test", batch_size=50)
    assert ds.cardinality().numpy() == len(edges) // 50  # full batches only
    a, b = first(ds)
    np.testing.assert_array_equal(a, edges[:50])  # no shuffle, no jitter outside "train"
    np.testing.assert_array_equal(b, digits[:50])


def test_direction_swaps_the_pair():
    a, b = first(load_paired("digits", split="test", batch_size=4))
    b2, a2 = first(load_paired("digits", split="test", batch_size=4, direction="BtoA"))
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    harness.assert_clear_error(lambda: load_paired("digits", direction="A2B"), "'A2B'", "AtoB", error=ValueError)


def test_jitter_and_mirror_are_identical_for_both_images():
    x = RNG.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    ds = load_paired((x, x[..., :1]), batch_size=8, split="train", seed=1)
    seen = []
    for _ in range(2):  # two epochs: new crops each epoch
        a, b = first(ds)
        np.testing.assert_allclose(a[..., :1], b, atol=1e-6)
        seen.append(a)
        assert a.shape == (8, 32, 32, 3)
    assert not np.allclose(seen[0], seen[1])
    # The crop is taken from the image resized to 286/256 of its size (36 for 32): a
    # jittered image is not any shift of the original.
    jittered = augment_pair(tf.constant(x[0]), tf.constant(x[0]), tf.constant(7, tf.int64), mirror=False)[0].numpy()
    big = tf.image.resize(x[0], (36, 36), method="bicubic").numpy().clip(-1, 1)
    offsets = [np.abs(big[i : i + 32, j : j + 32] - jittered).max() for i in range(5) for j in range(5)]
    assert min(offsets) < 1e-6
    # Mirroring alone flips both images or neither.
    a, b = first(load_paired((x, x[..., :1]), batch_size=8, split="train", jitter=False, mirror=True, shuffle=False))
    flipped = [np.array_equal(a[i], x[i, :, ::-1]) for i in range(8)]
    kept = [np.array_equal(a[i], x[i]) for i in range(8)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    np.testing.assert_array_equal(a[..., :1], b)


def test_side_by_side_folder(tmp_path):
    images = RNG.integers(0, 256, (4, 16, 32, 3), dtype=np.uint8)
    for i, image in enumerate(images):
        write_png(str(tmp_path / "train" / f"{i}.png"), image)
    a, b = first(load_paired(str(tmp_path), split="train", batch_size=4, shuffle=False, jitter=False))
    np.testing.assert_allclose(a, images[:, :, :16] / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(b, images[:, :, 16:] / 127.5 - 1, atol=1e-6)
    a, _ = first(load_paired(str(tmp_path), batch_size=2, image_size=32, channels=1, split="train"))
    assert a.shape == (2, 32, 32, 1)
    write_png(str(tmp_path / "odd" / "0.png"), images[0, :, :31])
    harness.assert_clear_error(
        lambda: load_paired(str(tmp_path / "odd"), batch_size=1), "even width", "16x31", error=ValueError
    )


def test_two_folders_of_matching_names(tmp_path):
    a_images = RNG.integers(0, 256, (3, 32, 32, 1), dtype=np.uint8)
    b_images = RNG.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    for i in range(3):
        write_png(str(tmp_path / "A" / f"{i}.png"), a_images[i])
        write_png(str(tmp_path / "B" / f"{i}.png"), b_images[i])
    a, b = first(load_paired(str(tmp_path), batch_size=3, split="test"))
    np.testing.assert_allclose(a, a_images / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(b, b_images / 127.5 - 1, atol=1e-6)
    b2, _ = first(load_paired((str(tmp_path / "A"), str(tmp_path / "B")), batch_size=3, split="test", direction="BtoA"))
    np.testing.assert_array_equal(b, b2)
    write_png(str(tmp_path / "B" / "3.png"), b_images[0])
    harness.assert_clear_error(
        lambda: load_paired(str(tmp_path), batch_size=1), "only in B: ['3.png']", error=ValueError
    )
    write_png(str(tmp_path / "A" / "3.png"), a_images[0, :16])
    harness.assert_clear_error(
        lambda: load_paired(str(tmp_path), batch_size=1), "'3.png'", "A is 16x32", "B is 32x32", error=ValueError
    )


class TinyPairs(tfds.core.GeneratorBasedBuilder):
    """A TFDS dataset with two image features (examples come from tfds.testing.mock_data)."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        image = tfds.features.Image(shape=(32, 32, 3))
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict({"photo": image, "labels": image, "id": tfds.features.Text()}),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        yield 0, {}


def test_tfds_with_two_image_features():
    with tfds.testing.mock_data(num_examples=8):
        a, b = first(
            load_paired(
                "tiny_pairs", features=("photo", "labels"), batch_size=4, split="train", shuffle=False, jitter=False
            )
        )
        b2, a2 = first(
            load_paired(
                "tiny_pairs", features=("labels", "photo"), batch_size=4, split="train", shuffle=False, jitter=False
            )
        )
        default = first(load_paired("tiny_pairs", batch_size=4, split="train", shuffle=False, jitter=False))
    assert a.shape == b.shape == (4, 32, 32, 3) and a.min() >= -1 and a.max() <= 1
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    assert any(np.array_equal(default[0], x) for x in (a, b))
    harness.assert_clear_error(
        lambda: load_paired("tiny_pairs", features=("photo", "id")), "two image features", "'id'", error=ValueError
    )


def test_bad_input_is_named():
    x = np.zeros((4, 32, 32, 3), "float32")
    harness.assert_clear_error(
        lambda: load_paired((x, x[:, :16, :16])), "same size", "(32, 32, 3)", "(16, 16, 3)", error=ValueError
    )
    harness.assert_clear_error(lambda: load_paired((x, x), batch_size=8), "4 pairs", "batch_size=8", error=ValueError)
    harness.assert_clear_error(lambda: load_paired("./no/such/folder"), "./no/such/folder", error=FileNotFoundError)
    harness.assert_clear_error(lambda: load_paired("digits", channels=2), "channels", error=ValueError)
