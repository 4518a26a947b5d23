import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.metrics import DomainClassifier
from keras_gans.metrics import InceptionExtractor
from keras_gans.metrics import classifier as classifier_module
from keras_gans.metrics import compute_features
from keras_gans.metrics import inception_feature_extractor
from keras_gans.metrics import iterate_image_batches
from keras_gans.metrics import train_domain_classifier


def _top_bottom_images(n, seed=0):
    """Class 0: bright top half; class 1: bright bottom half (8x8x1)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    images = np.full((n, 8, 8, 1), -0.8, dtype=np.float32)
    images[labels == 0, :4] = 0.8
    images[labels == 1, 4:] = 0.8
    images += rng.normal(size=images.shape).astype(np.float32) * 0.2
    return np.clip(images, -1, 1), labels.astype(np.int32)


def _mean_pixels(images):
    return np.asarray(images).mean(axis=(1, 2))


# ------------------------------------------------------------- streaming


def test_compute_features_from_all_sources():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, size=(23, 4, 4, 3)).astype(np.float32)
    expected = _mean_pixels(images)

    out = compute_features(_mean_pixels, images, 23, batch_size=5)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert compute_features(_mean_pixels, images, 10, 4).shape == (10, 3)

    def check(source, num, batch_size, want):
        got = compute_features(_mean_pixels, source, num, batch_size)
        np.testing.assert_allclose(got, want, rtol=1e-6)

    ds = tf.data.Dataset.from_tensor_slices((images, np.zeros(23)))
    check(ds, 23, 6, expected)
    check(ds.batch(7), 20, 6, expected[:20])
    check(tf.data.Dataset.from_tensor_slices({"image": images}), 23, 8, expected)

    calls = []

    def generate(n):
        calls.append(n)
        return tf.constant(images[sum(calls) - n : sum(calls)])

    check(generate, 23, 10, expected)
    assert calls == [10, 10, 3]

    with pytest.warns(UserWarning, match="23 < num_samples=30"):
        assert len(compute_features(_mean_pixels, ds, 30, 10)) == 23


def test_uint8_images_are_mapped_to_unit_range():
    images = np.array([0, 255], dtype=np.uint8).reshape(2, 1, 1, 1)
    (batch,) = list(iterate_image_batches(images, 2, 2))
    assert batch.dtype == np.float32
    np.testing.assert_allclose(batch.ravel(), [-1.0, 1.0])


# ------------------------------------------------------------- inception


def test_inception_offline_error(monkeypatch):
    def offline_get_file(*args, **kwargs):
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/...: None "
            "-- [Errno -3] Temporary failure in name resolution"
        )

    monkeypatch.setattr(keras.utils, "get_file", offline_get_file)
    with pytest.raises(RuntimeError) as info:
        inception_feature_extractor()
    message = str(info.value)
    assert "ImageNet weights" in message and "download" in message
    assert "train_domain_classifier" in message
    assert 'features="domain"' in message
    assert "name resolution" in message


def test_inception_preprocess_grayscale_and_resize():
    images = np.full((2, 32, 32, 1), 0.5, dtype=np.float32)
    out = InceptionExtractor.preprocess(images).numpy()
    assert out.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(out, 0.5, atol=1e-6)
    with pytest.raises(ValueError, match="channels"):
        InceptionExtractor.preprocess(np.zeros((1, 8, 8, 2)))


@pytest.mark.slow
def test_inception_random_weights_feature_shape():
    extractor = inception_feature_extractor(weights=None)
    assert extractor.name == "inception_v3_keras_random"
    feats = extractor(np.zeros((2, 28, 28, 1), dtype=np.float32))
    assert feats.shape == (2, 2048) and np.all(np.isfinite(feats))


# ------------------------------------------------------ domain classifier


def test_domain_classifier_train_cache_and_reload(tmp_path, monkeypatch):
    images, labels = _top_bottom_images(200)
    train = tf.data.Dataset.from_tensor_slices((images, labels))
    test_images, test_labels = _top_bottom_images(100, seed=1)
    test = tf.data.Dataset.from_tensor_slices((test_images, test_labels))

    clf = train_domain_classifier(
        train,
        num_classes=2,
        epochs=3,
        batch_size=16,
        cache_dir=str(tmp_path),
        name="topbottom",
    )
    assert isinstance(clf, DomainClassifier)
    assert clf.image_shape == (8, 8, 1) and clf.num_classes == 2
    assert clf.accuracy(test) > 0.9
    assert clf.accuracy(test.batch(13)) == clf.accuracy(test)
    feats = clf.features(test_images)
    probs = clf.probabilities(test_images)
    assert feats.shape == (100, 128)
    assert probs.shape == (100, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert os.path.exists(tmp_path / "topbottom.keras")

    # Second call: loads from the cache, does not build/train a model.
    def no_build(*args, **kwargs):
        raise AssertionError("should load from cache")

    monkeypatch.setattr(classifier_module, "build_domain_classifier", no_build)
    loaded = train_domain_classifier(train, num_classes=2, cache_dir=str(tmp_path), name="topbottom")
    np.testing.assert_allclose(loaded.features(test_images), feats, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.probabilities(test_images), probs, rtol=1e-5, atol=1e-6)

    with pytest.raises(ValueError, match="takes images of shape"):
        loaded.features(np.zeros((2, 16, 16, 1), np.float32))
    # A different image shape under the same name is retrained.
    with pytest.raises(AssertionError, match="should load from cache"):
        with pytest.warns(UserWarning, match="retraining"):
            train_domain_classifier(
                train.map(lambda x, y: (tf.tile(x, [1, 1, 3]), y)),
                num_classes=2,
                cache_dir=str(tmp_path),
                name="topbottom",
            )


def test_repeated_generated_batches_are_flagged():
    images = np.random.default_rng(0).uniform(-1, 1, (10, 4, 4, 1))
    with pytest.warns(UserWarning, match="same images for two batches"):
        list(iterate_image_batches(lambda n: images[:n], 30, batch_size=10))


def test_keras_inception_is_labelled_not_comparable_with_published_fid():
    extractor = InceptionExtractor(None, with_probabilities=False, name="inception_v3_keras_imagenet")
    assert "NOT comparable with published FID" in extractor.protocol["comparable_with"]
    assert extractor.protocol["resize"].startswith("299x299 bilinear")
