"""The embedded MNIST subset: its file, splits, labels and `load` pipeline."""

import hashlib
import os

import numpy as np
import tensorflow as tf

from keras_gans import datasets
from keras_gans.datasets import embedded
from tests import harness

SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"


def test_file_is_the_attributed_copy():
    with open(os.path.join(embedded._DATA_DIR, "mnist5k.csv.gz"), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == SHA256
    with open(os.path.join(embedded._DATA_DIR, "mnist5k_LICENSE.txt")) as f:
        text = f.read()
    assert SHA256 in text and "LeCun" in text and "Redistribution and use" in text


def test_splits_shape_range_and_balance():
    images, labels = datasets.mnist5k("all")
    assert images.shape == (5000, 28, 28, 1) and images.dtype == np.float32
    assert labels.shape == (5000,) and labels.dtype == np.int64
    assert images.min() == -1.0 and images.max() == 1.0
    for split, per_class in (("train", 400), ("test", 100)):
        x, y = datasets.mnist5k(split)
        assert x.shape == (10 * per_class, 28, 28, 1)
        assert np.bincount(y, minlength=10).tolist() == [per_class] * 10
    # A fixed split: the same images in the same order on every call.
    np.testing.assert_array_equal(datasets.mnist5k("test")[1], datasets.mnist5k("test")[1])


def test_train_and_test_are_disjoint_and_cover_the_set():
    key = lambda x: {row.tobytes() for row in x.reshape(len(x), -1)}
    train, test, everything = (key(datasets.mnist5k(s)[0]) for s in ("train", "test", "all"))
    assert len(everything) == 5000  # no duplicate images in the file
    assert not train & test
    assert train | test == everything


def test_labels_belong_to_their_images():
    # A nearest-class-mean classifier fitted on train labels test images far above
    # chance (10%) only if every label stayed with its image through the split.
    (x, y), (xt, yt) = datasets.mnist5k("train"), datasets.mnist5k("test")
    means = np.stack([x[y == c].reshape(-1, 784).mean(0) for c in range(10)])
    distances = ((xt.reshape(-1, 1, 784) - means[None]) ** 2).sum(-1)
    assert np.mean(distances.argmin(1) == yt) > 0.75


def test_load_pipeline():
    ds = datasets.load("mnist5k", batch_size=32)
    batch = next(iter(ds))
    assert batch.shape == (32, 28, 28, 1) and batch.dtype == tf.float32
    assert float(tf.reduce_min(batch)) >= -1.0 and float(tf.reduce_max(batch)) <= 1.0
    assert ds.cardinality().numpy() == 4000 // 32
    images, labels = next(iter(datasets.load("mnist5k", "test", batch_size=8, with_labels=True, image_size=32)))
    assert images.shape == (8, 32, 32, 1) and labels.dtype == tf.int64
    assert datasets.num_classes("mnist5k") == 10 and "mnist5k" in datasets.available()
    harness.assert_clear_error(lambda: datasets.mnist5k("valid"), "valid", "train", error=ValueError)


def test_dcgan_networks_take_28x28_from_a_7x7_projection():
    import keras

    from keras_gans import networks
    from keras_gans.networks import conditional

    g = networks.dcgan_generator(8, (28, 28, 1), base_filters=4)
    assert g.get_layer("project").units == 7 * 7 * 8
    images = g(np.zeros((2, 8), "float32"))
    assert images.shape == (2, 28, 28, 1)
    assert networks.dcgan_discriminator((28, 28, 1), base_filters=4)(images).shape == (2, 1)
    cg = conditional.conditional_generator(8, 10, (28, 28, 1), base_filters=4)
    assert cg([np.zeros((2, 8), "float32"), np.array([3, 7])]).shape == (2, 28, 28, 1)
    assert isinstance(cg.get_layer("to_image"), keras.layers.Conv2DTranspose)
    harness.assert_clear_error(lambda: networks.dcgan_generator(8, (24, 24, 1)), "28", "got 24", error=ValueError)


def test_zoo_trains_on_mnist5k_at_28x28():
    from keras_gans import zoo

    assert zoo.MODELS["dcgan"].default_dataset == "mnist5k"
    images = next(iter(zoo.load_data("dcgan", None, batch_size=8)))
    assert images.shape == (8, 28, 28, 1)
    batch = next(iter(zoo.load_data("ssgan", "mnist5k", batch_size=8)))
    assert any(
        getattr(t, "shape", None) is not None and tuple(t.shape[1:]) == (28, 28, 1) for t in tf.nest.flatten(batch)
    )
    harness.assert_clear_error(
        lambda: zoo.load_data("ssgan", "ring8", batch_size=8), "mnist5k", "ring8", error=ValueError
    )
