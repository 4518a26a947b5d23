"""Small domain classifiers: offline feature extractors for FID/KID/IS."""

import hashlib
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "keras_gans", "classifiers")
FEATURE_DIM = 128


class DomainClassifier:
    """A trained image classifier used as a feature extractor.

    The penultimate 128-d layer (named `"features"`) gives the features
    for FID/KID/precision/recall and the softmax head the class
    probabilities for the Inception/MODE score, as in the MNIST-classifier
    protocols of e.g. Che et al. 2017 and Lucic et al. 2018 ("Are GANs
    Created Equal?"). Create with `train_domain_classifier`.

    Args:
        model: A Keras classifier with a layer named `"features"`.
        name: Name recorded in evaluation protocols.
        batch_size: Images per forward pass.
    """

    resize = "none"

    def __init__(self, model, name="domain_classifier", batch_size=256):
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.image_shape = tuple(model.input_shape[1:])
        self.num_classes = int(model.output_shape[-1])
        self.feature_dim = int(model.get_layer("features").output.shape[-1])
        self._dual = keras.Model(model.inputs, [model.get_layer("features").output, model.output])
        self._fn = tf.function(self._forward, reduce_retracing=True)

    def _forward(self, images):
        return tuple(self._dual(images, training=False))

    @property
    def protocol(self):
        """What the features are, for evaluation protocols."""
        digest = hashlib.sha256()
        for w in self.model.get_weights():
            digest.update(np.ascontiguousarray(w).tobytes())
        return {
            "feature_network": f"domain classifier {self.name!r} (small CNN, "
            f"{self.feature_dim}-d 'features' layer, {self.num_classes} "
            "classes)",
            "weights": f"trained on the real data, sha256 {digest.hexdigest()[:12]}",
            "resize": self.resize,
            "comparable_with": "only results from this same classifier "
            "(same weights) at the same sample counts; not with published "
            "FID/KID/IS, which use Inception features",
        }

    def features_and_probabilities(self, images):
        """Returns `(features, probabilities)` numpy arrays for `images`."""
        images = np.asarray(images, dtype=np.float32)
        if tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(
                f"Classifier {self.name!r} takes images of shape {self.image_shape}; got {tuple(images.shape[1:])}."
            )
        feats, probs = [], []
        for i in range(0, len(images), self.batch_size):
            f, p = self._fn(images[i : i + self.batch_size])
            feats.append(f.numpy())
            probs.append(p.numpy())
        return np.concatenate(feats), np.concatenate(probs)

    def features(self, images):
        """Penultimate-layer features, shape `(n, 128)`."""
        return self.features_and_probabilities(images)[0]

    def probabilities(self, images):
        """Softmax class probabilities, shape `(n, num_classes)`."""
        return self.features_and_probabilities(images)[1]

    __call__ = features

    def accuracy(self, dataset):
        """Classification accuracy on a labelled dataset of (images, labels)."""
        correct = total = 0
        for images, labels in _prepare(dataset, 256).as_numpy_iterator():
            pred = np.argmax(self.probabilities(images), axis=-1)
            correct += int(np.sum(pred == labels.reshape(-1)))
            total += len(labels)
        return correct / max(total, 1)

    def save(self, path):
        """Saves the Keras model (`.keras` file), atomically."""
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path[: -len(".keras")] + ".tmp.keras"
        self.model.save(tmp)
        os.replace(tmp, path)


def _to_pair(element):
    if isinstance(element, dict):
        return element["image"], element["label"]
    return element[0], element[1]


def _prepare(dataset, batch_size, shuffle_seed=None):
    """Maps a labelled dataset to batched (float images in [-1, 1], labels)."""
    images_spec, _ = _to_pair(dataset.element_spec)

    def convert(*element):
        x, y = _to_pair(element[0] if len(element) == 1 else element)
        if x.dtype == tf.uint8:
            x = tf.cast(x, tf.float32) / 127.5 - 1.0
        return tf.cast(x, tf.float32), tf.cast(y, tf.int32)

    ds = dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
    if images_spec.shape.rank == 3:
        if shuffle_seed is not None:
            ds = ds.shuffle(10_000, seed=shuffle_seed)
        ds = ds.batch(batch_size)
    return ds.prefetch(tf.data.AUTOTUNE)


def build_domain_classifier(image_shape, num_classes, seed=0):
    """The small CNN: 3 conv layers, global pooling, 128-d `features`."""
    init = lambda i: keras.initializers.GlorotUniform(seed=seed + i)  # noqa
    inputs = keras.Input(shape=tuple(image_shape))
    x = inputs
    for i, (filters, strides) in enumerate([(32, 1), (64, 2), (128, 2)]):
        x = keras.layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            activation="relu",
            kernel_initializer=init(i),
        )(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(
        FEATURE_DIM,
        activation="relu",
        name="features",
        kernel_initializer=init(3),
    )(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation="softmax",
        name="probabilities",
        kernel_initializer=init(4),
    )(x)
    return keras.Model(inputs, outputs, name="domain_classifier")


def _infer_image_shape(dataset):
    spec, _ = _to_pair(dataset.element_spec)
    shape = spec.shape.as_list()
    if len(shape) == 4:
        shape = shape[1:]
    if None in shape:
        first, _ = _to_pair(next(iter(dataset)))
        shape = list(first.shape[-3:])
    return tuple(int(s) for s in shape)


def train_domain_classifier(
    dataset,
    num_classes,
    image_shape=None,
    epochs=5,
    cache_dir=None,
    name="domain_classifier",
    batch_size=64,
    learning_rate=1e-3,
    seed=0,
    force_retrain=False,
    verbose=0,
):
    """Trains (or loads from cache) a small CNN classifier on real data.

    This is the offline alternative to InceptionV3 features: its 128-d
    penultimate layer serves as the feature space of FID/KID and its
    softmax as the classifier of the Inception/MODE score (the protocol
    of e.g. Lucic et al. 2018 for MNIST-like data). The trained model is
    cached at `<cache_dir>/<name>.keras` and reloaded when a cached model
    with the same name, image shape and number of classes exists.

    Args:
        dataset: `tf.data.Dataset` of `(images, int labels)` (or dicts with
            `"image"`/`"label"`), batched or not, images in [-1, 1] (uint8
            is rescaled). Unbatched datasets are shuffled and batched.
        num_classes: Number of classes.
        image_shape: `(height, width, channels)`; inferred when `None`.
        epochs: Training epochs.
        cache_dir: Cache directory; default `~/.cache/keras_gans/classifiers`.
        name: Cache file name (and protocol name).
        batch_size: Batch size for unbatched datasets.
        learning_rate: Adam learning rate.
        seed: Seed of the weight initialisation and shuffling.
        force_retrain: Ignore (and overwrite) a cached model.
        verbose: Keras `fit` verbosity.

    Returns:
        A `DomainClassifier`.

    Example:

    >>> clf = train_domain_classifier(mnist_train, num_classes=10,
    ...                               name="mnist")
    >>> clf.accuracy(mnist_test), clf.features(images).shape
    """
    image_shape = tuple(image_shape or _infer_image_shape(dataset))
    cache_dir = os.path.expanduser(cache_dir or DEFAULT_CACHE_DIR)
    path = os.path.join(cache_dir, f"{name}.keras")
    if os.path.exists(path) and not force_retrain:
        model = keras.saving.load_model(path, compile=False)
        if tuple(model.input_shape[1:]) == image_shape and int(model.output_shape[-1]) == num_classes:
            return DomainClassifier(model, name=name)
        warnings.warn(
            f"Cached classifier {path} has input {model.input_shape[1:]} and "
            f"{model.output_shape[-1]} classes; retraining for {image_shape} "
            f"and {num_classes} classes."
        )
    model = build_domain_classifier(image_shape, num_classes, seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        _prepare(dataset, batch_size, shuffle_seed=seed),
        epochs=epochs,
        shuffle=False,  # Unbatched datasets are shuffled by `_prepare`.
        verbose=verbose,
    )
    classifier = DomainClassifier(model, name=name)
    classifier.save(path)
    return classifier
