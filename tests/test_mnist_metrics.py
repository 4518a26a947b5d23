"""MNIST score and Frechet distance: the formulas, the cache, the callback (tiny classifier)."""

import os

import keras
import numpy as np
import pytest

from keras_gans import datasets, metrics, zoo
from keras_gans.metrics import mnist
from tests import harness


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    # 1 epoch on the 4,000 train images: a tiny but real classifier (a few seconds).
    return mnist.mnist_classifier(cache_dir=str(tmp_path_factory.mktemp("cache")), epochs=1)


class _OneHot:
    """A stub classifier: image i is confidently class labels[i]; features = pixel means."""

    name = "stub"

    def __init__(self, labels):
        self.labels = labels

    def probabilities(self, images):
        return np.eye(10)[self.labels[: len(images)]]

    def features(self, images):
        return images.reshape(len(images), -1)[:, :4]


def test_score_is_exp_expected_kl():
    images = np.zeros((100, 28, 28, 1), "float32")
    # Confident and spread evenly over 10 digits: 10; all the same digit: 1;
    # evenly over 2 digits: 2 (exp of the entropy of the marginal).
    assert mnist.mnist_score(images, _OneHot(np.arange(100) % 10)) == pytest.approx(10.0, rel=1e-6)
    assert mnist.mnist_score(images, _OneHot(np.full(100, 3))) == pytest.approx(1.0, rel=1e-6)
    assert mnist.mnist_score(images, _OneHot(np.arange(100) % 2)) == pytest.approx(2.0, rel=1e-6)


def test_classifier_is_trained_once_and_cached(tmp_path, classifier):
    cache = str(tmp_path)
    first = mnist.mnist_classifier(cache_dir=cache, epochs=1)
    file = os.path.join(cache, "mnist5k_classifier_e1_s0.keras")
    assert os.path.exists(file)
    stamp = os.path.getmtime(file)
    second = mnist.mnist_classifier(cache_dir=cache, epochs=1)
    assert os.path.getmtime(file) == stamp  # loaded, not retrained
    images = datasets.mnist5k("test")[0][:16]
    np.testing.assert_allclose(first.probabilities(images), second.probabilities(images), atol=1e-6)
    # Seeded: the module's classifier (same seed, other cache) predicts the same.
    np.testing.assert_allclose(first.probabilities(images), classifier.probabilities(images), atol=1e-4)


def test_real_digits_score_high_and_noise_far(classifier):
    assert classifier.accuracy(mnist.mnist_test_dataset()) > 0.8
    test = datasets.mnist5k("test")[0]
    train = datasets.mnist5k("train")[0][:1000]
    noise = np.random.default_rng(0).uniform(-1, 1, test.shape).astype("float32")
    ones = test[datasets.mnist5k("test")[1] == 1]
    assert mnist.mnist_score(test, classifier) > 7.0
    assert mnist.mnist_score(ones, classifier) < 2.0  # one digit only
    assert mnist.mnist_frechet_distance(test, test, classifier) == pytest.approx(0.0, abs=1e-6)
    fd_train = mnist.mnist_frechet_distance(train, classifier=classifier)
    fd_noise = mnist.mnist_frechet_distance(noise, classifier=classifier)
    fd_ones = mnist.mnist_frechet_distance(ones, classifier=classifier)
    assert fd_train < fd_ones / 5 and fd_train < fd_noise / 5


def test_callback_logs_fd_per_epoch(classifier):
    keras.utils.set_random_seed(0)
    data = datasets.load("mnist5k", batch_size=16, seed=0).take(2)
    model = zoo.build("dcgan", (28, 28, 1), latent_dim=8, seed=0)
    callback = mnist.MNISTFrechetDistance(classifier, num_samples=64)
    history = model.fit(data, epochs=2, callbacks=[callback], verbose=0)
    assert [epoch for epoch, _, _ in callback.history] == [1, 2]
    assert np.all(np.isfinite(history.history["mnist_fd"])) and len(history.history["mnist_score"]) == 2
    fd, score = callback.history[-1][1:]
    images = model.generate(64, seed=callback.seed)
    assert fd == pytest.approx(mnist.mnist_frechet_distance(images, classifier=classifier), rel=1e-4)
    assert score == pytest.approx(mnist.mnist_score(images, classifier), rel=1e-4)


def test_protocol_and_errors(classifier):
    text = mnist.mnist_protocol(classifier, 1000)
    assert "Not comparable with TF-GAN" in text and "test accuracy 0." in text
    assert metrics.mnist_frechet_distance is mnist.mnist_frechet_distance
    harness.assert_clear_error(
        lambda: mnist.mnist_score(np.zeros((4, 16, 16, 1)), classifier),
        "(n, 28, 28, 1)",
        "(4, 16, 16, 1)",
        error=ValueError,
    )
