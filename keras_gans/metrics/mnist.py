"""MNIST score and MNIST Frechet distance on the embedded `mnist5k` set.

In the spirit of TF-GAN's `tfgan.eval.mnist_score` and
`mnist_frechet_distance`: a small MNIST classifier judges generated digits.
The score is `exp(E_x KL(p(y|x) || p(y)))` (the Inception Score formula of
Salimans et al. 2016 on an MNIST classifier: 1 to 10, higher is better); the
Frechet distance (Heusel et al. 2017) is taken between Gaussians fitted to the
classifier's 128-d penultimate features of generated and real test images
(lower is better).

The classifier is keras_gans' own (`build_mnist_classifier`: 2 convolutions
with max pooling, a 128-d "features" layer), trained once, seeded, on the 4,000
mnist5k train images and cached. Its figures are therefore NOT comparable with
TF-GAN's (another classifier, trained on the full 60,000 MNIST images) nor
with figures of another classifier: `mnist_protocol` says which one was used.
"""

import os
import time

import keras
import numpy as np
import tensorflow as tf

from keras_gans.callbacks import EpochCallback
from keras_gans.datasets import embedded
from keras_gans.metrics.classifier import DEFAULT_CACHE_DIR, DomainClassifier
from keras_gans.metrics.distances import frechet_distance_from_features
from keras_gans.metrics.scores import inception_score

IMAGE_SHAPE = (28, 28, 1)
CLASSIFIER_EPOCHS = 5


def build_mnist_classifier(seed=0):
    """The MNIST classifier network, LeNet-like: two 3x3 convolutions (32, 64),
    each followed by 2x2 max pooling, a 128-d ReLU layer named "features"
    (the Frechet distance's feature space) and a 10-way softmax."""
    init = lambda i: keras.initializers.GlorotUniform(seed=seed + i)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for i, filters in enumerate((32, 64)):
        x = keras.layers.Conv2D(filters, 3, activation="relu", kernel_initializer=init(i), name=f"conv{i}")(x)
        x = keras.layers.MaxPooling2D(name=f"pool{i}")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu", kernel_initializer=init(2), name="features")(x)
    outputs = keras.layers.Dense(10, activation="softmax", kernel_initializer=init(3), name="probabilities")(x)
    return keras.Model(inputs, outputs, name="mnist5k_classifier")


def mnist_classifier(cache_dir=None, epochs=CLASSIFIER_EPOCHS, seed=0, force_retrain=False, verbose=0):
    """The MNIST classifier of `mnist_score` and `mnist_frechet_distance`.

    `build_mnist_classifier(seed)` trained on the 4,000 mnist5k "train"
    images (Adam 1e-3, batch 64, `epochs` epochs, shuffling seeded by `seed`)
    on first use, then loaded from
    `<cache_dir>/mnist5k_classifier_e<epochs>_s<seed>.keras`.

    Args:
        cache_dir: the cache directory; default `~/.cache/keras_gans/classifiers`.
        epochs: training epochs.
        seed: seed of the weights and the shuffling.
        force_retrain: train again and overwrite the cached file.
        verbose: Keras fit verbosity.

    Returns:
        A `DomainClassifier` (`.features`, `.probabilities`, `.accuracy`).

    Example:

    >>> clf = mnist_classifier()
    >>> clf.accuracy(mnist_test_dataset())  # about 0.97: see the README
    """
    name = f"mnist5k_classifier_e{epochs}_s{seed}"
    path = os.path.join(os.path.expanduser(cache_dir or DEFAULT_CACHE_DIR), f"{name}.keras")
    if os.path.exists(path) and not force_retrain:
        return DomainClassifier(keras.saving.load_model(path, compile=False), name=name)
    images, labels = embedded.mnist5k("train")
    data = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(64)
    )
    model = build_mnist_classifier(seed)
    model.compile(keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(data, epochs=epochs, shuffle=False, verbose=verbose)  # shuffled above
    classifier = DomainClassifier(model, name=name)
    classifier.save(path)
    return classifier


def mnist_test_dataset(batch_size=256):
    """The 1,000 mnist5k test images and labels, batched, for `accuracy`."""
    return tf.data.Dataset.from_tensor_slices(embedded.mnist5k("test")).batch(batch_size)


def _check_images(images):
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or tuple(images.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(
            f"The MNIST classifier takes images of shape (n, 28, 28, 1) in [-1, 1]; got "
            f"{images.shape}. Resize other sizes first (e.g. tf.image.resize)."
        )
    if len(images) < 2:
        raise ValueError(f"Need at least 2 images, got {len(images)}.")
    return images


def mnist_score(images, classifier=None):
    """exp(E_x KL(p(y|x) || p(y))) of `images` under the MNIST classifier.

    One value over all images (as TF-GAN's `mnist_score`): 1 when every image
    gets the same prediction, 10 for confident predictions spread evenly over
    the digits. The 1,000 real mnist5k test images score about 9.6 (README).

    Args:
        images: (n, 28, 28, 1) (or (n, 28, 28)) in [-1, 1].
        classifier: a `DomainClassifier`; default `mnist_classifier()`.

    Returns:
        A Python float.
    """
    images = _check_images(images)
    classifier = classifier or mnist_classifier()
    return inception_score(classifier.probabilities(images), splits=1)[0]


def mnist_frechet_distance(images, real_images=None, classifier=None):
    """Frechet distance between `images` and real MNIST in the classifier's features.

    Gaussians are fitted to the 128-d penultimate ("features") activations of
    both sets (as TF-GAN's `mnist_frechet_distance` uses its classifier's
    pool layer).

    Args:
        images: generated images, (n, 28, 28, 1) in [-1, 1].
        real_images: the reference; default the 1,000 mnist5k test images.
        classifier: a `DomainClassifier`; default `mnist_classifier()`.

    Returns:
        The squared Frechet distance, a Python float (0 for equal statistics).
    """
    images = _check_images(images)
    real_images = _check_images(embedded.mnist5k("test")[0] if real_images is None else real_images)
    classifier = classifier or mnist_classifier()
    return frechet_distance_from_features(classifier.features(real_images), classifier.features(images))


def mnist_protocol(classifier, num_samples, reference="the 1,000 mnist5k test images"):
    """The text to print next to an MNIST score or Frechet distance."""
    accuracy = classifier.accuracy(mnist_test_dataset())
    return (
        f"MNIST score / Frechet distance of {num_samples} generated images against {reference}, "
        f"in the features (128-d penultimate layer) and softmax of keras_gans' classifier "
        f"{classifier.name!r} (2 convolutions, trained on the 4,000 mnist5k train images; "
        f"test accuracy {accuracy:.4f} on the 1,000 mnist5k test images). Not comparable with "
        f"TF-GAN's mnist_score / mnist_frechet_distance (another classifier, trained on 60,000 "
        f"MNIST images) nor with figures of any other classifier."
    )


class MNISTFrechetDistance(EpochCallback):
    """Logs the MNIST Frechet distance and score of the generator every N epochs.

    At the end of every `every_n_epochs`-th epoch, `model.generate(num_samples,
    seed=seed)` (fixed latents) is scored against the real images, whose
    features are computed once. The values go into the epoch's `logs` as
    `"mnist_fd"` and `"mnist_score"` (so `History`, `LossCurve` and CSV
    loggers placed after this callback see them) and into `self.history`, a
    list of `(epoch, fd, score)` (epochs counted from 1); `self.seconds` is
    the time spent in these evaluations.

    Args:
        classifier: a `DomainClassifier`; default `mnist_classifier()`.
        num_samples: generated images per evaluation.
        every_n_epochs: evaluation period.
        real_images: the reference; default the 1,000 mnist5k test images.
        seed: seed of the generated samples' latents.
    """

    def __init__(self, classifier=None, num_samples=1000, every_n_epochs=1, real_images=None, seed=1234):
        if every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be >= 1, got {every_n_epochs}.")
        super().__init__(int(every_n_epochs))
        self.classifier = classifier or mnist_classifier()
        self.num_samples = int(num_samples)
        self.seed = seed
        real = _check_images(embedded.mnist5k("test")[0] if real_images is None else real_images)
        self._real_features = self.classifier.features(real)
        self.history = []
        self.seconds = 0.0

    def on_epoch_end(self, epoch, logs=None):
        if not self.due(epoch):
            return
        start = time.time()
        images = _check_images(self.model.generate(self.num_samples, seed=self.seed))
        features, probabilities = self.classifier.features_and_probabilities(images)
        fd = frechet_distance_from_features(self._real_features, features)
        score = inception_score(probabilities, splits=1)[0]
        self.history.append((epoch + 1, fd, score))
        self.seconds += time.time() - start
        if logs is not None:
            logs.update({"mnist_fd": fd, "mnist_score": score})
