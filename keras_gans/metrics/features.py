"""Feature extractors for evaluation: InceptionV3 and domain classifiers."""

import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_gans.metrics.classifier import DomainClassifier  # noqa: F401
from keras_gans.metrics.classifier import train_domain_classifier  # noqa: F401

INCEPTION_SIZE = 299
_INCEPTION_WEIGHTS = {
    # include_top: (file name, origin, md5), as in keras.applications.
    False: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/"
        "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63",
    ),
    True: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "https://storage.googleapis.com/tensorflow/keras-applications/"
        "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "9a0d58056eeedaa3f26cb7ebd46da564",
    ),
}


def _select_images(element):
    """Takes the images out of a dataset element (tuple or dict)."""
    if isinstance(element, dict):
        for key in ("image", "images", "x"):
            if key in element:
                return element[key]
        return next(iter(element.values()))
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def _to_float_images(batch):
    x = np.asarray(_select_images(batch))
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 127.5 - 1.0
    return x.astype(np.float32, copy=False)


def iterate_image_batches(source, num_samples, batch_size=100):
    """Yields float32 numpy batches of images, `num_samples` in total at most.

    Args:
        source: A `generate_fn(n)` callable returning `n` images, a
            `tf.data.Dataset` (batched or not; elements may be images,
            `(images, labels)` tuples or dicts with an `"image"` key), a
            numpy array / tensor of images, or an iterable of batches.
            `uint8` images are mapped to [-1, 1].
        num_samples: Number of images to yield.
        batch_size: Batch size (for callables, arrays and unbatched
            datasets; batched datasets keep their own batch size).

    Yields:
        Arrays of shape `(batch, height, width, channels)`.
    """
    if callable(source) and not isinstance(source, tf.data.Dataset):
        done, previous = 0, None
        while done < num_samples:
            n = min(batch_size, num_samples - done)
            x = _to_float_images(source(n))[:n]
            if len(x) == 0:
                raise ValueError("The generate function returned no images.")
            if previous is not None and np.array_equal(x, previous[: len(x)]):
                warnings.warn(
                    "The generate function returned the same images for two "
                    "batches: every batch must be new (a fixed seed repeats "
                    "them; wrap a seeded generate in seeded_sampler)."
                )
            previous = x
            done += len(x)
            yield x
        return
    if isinstance(source, tf.data.Dataset):
        spec = _select_images(source.element_spec)
        if spec.shape.rank == 3:
            source = source.batch(batch_size)
        source = source.as_numpy_iterator()
    elif isinstance(source, (np.ndarray, tf.Tensor)):
        array = source
        source = (array[i : i + batch_size] for i in range(0, min(len(array), num_samples), batch_size))
    done = 0
    for batch in source:
        x = _to_float_images(batch)[: num_samples - done]
        done += len(x)
        yield x
        if done >= num_samples:
            return


def _as_feature_fn(extractor):
    if hasattr(extractor, "features"):
        return extractor.features
    if callable(extractor):
        return extractor
    raise TypeError(f"Not a feature extractor: {extractor!r}")


def compute_features(extractor_fn, source, num_samples, batch_size=100):
    """Computes features of `num_samples` images, streaming batches.

    Only one batch of images is in memory at a time; the returned feature
    array has shape `(num_samples, feature_dim)`.

    Args:
        extractor_fn: Callable `images -> features` (or an object with a
            `.features` method, e.g. a `DomainClassifier`).
        source: See `iterate_image_batches`: a `generate_fn(n)`, a
            `tf.data.Dataset`, an array of images or an iterable of batches.
        num_samples: Number of images to process.
        batch_size: Images per batch.

    Returns:
        A float32 array of shape `(n, feature_dim)`, `n <= num_samples`
        (smaller, with a warning, when the source runs out).

    Example:

    >>> fn = lambda x: x.mean(axis=(1, 2))
    >>> compute_features(fn, np.zeros((10, 8, 8, 3)), 10, 4).shape
    (10, 3)
    """
    fn = _as_feature_fn(extractor_fn)
    out, done = None, 0
    for images in iterate_image_batches(source, num_samples, batch_size):
        f = np.asarray(fn(images), dtype=np.float32).reshape(len(images), -1)
        if out is None:
            out = np.empty((num_samples, f.shape[1]), dtype=np.float32)
        out[done : done + len(f)] = f
        done += len(f)
    if out is None:
        raise ValueError("The source yielded no images.")
    if done < num_samples:
        warnings.warn(f"Source yielded {done} < num_samples={num_samples}.")
    return out[:done]


def _download_inception_weights(include_top):
    fname, origin, md5 = _INCEPTION_WEIGHTS[bool(include_top)]
    try:
        return keras.utils.get_file(fname, origin, cache_subdir="models", file_hash=md5)
    except Exception as e:
        raise RuntimeError(
            "The InceptionV3 ImageNet weights need a one-time download from "
            f"{origin} (into ~/.keras/models/), which failed: {e}. Connect "
            "to the network once or copy the file there. Offline "
            "alternative: train a domain classifier on labelled real data "
            "with `train_domain_classifier(dataset, num_classes)` and "
            'evaluate with `features="domain", classifier=...`.'
        ) from e


NOT_COMPARABLE = (
    "NOT comparable with published FID (keras.applications InceptionV3 "
    "ImageNet weights and TF2 resize, not the FID Inception network of "
    "TTUR/pytorch-fid: use features='fid_inception')"
)


class InceptionExtractor:
    """InceptionV3 features (and optionally ImageNet probabilities).

    Takes images in [-1, 1] (InceptionV3's own input range) of any size
    with 1 or 3 channels; grayscale is repeated to 3 channels and images
    are resized to 299x299 (bilinear). Features are the 2048-d global
    average pool. Create with `inception_feature_extractor()`. Values are
    not comparable with published FIDs (see `protocol`).
    """

    feature_dim = 2048
    resize = f"{INCEPTION_SIZE}x{INCEPTION_SIZE} bilinear (tf.image.resize)"

    @property
    def protocol(self):
        """What the features are, for evaluation protocols."""
        return {
            "feature_network": "keras.applications InceptionV3 (2048-d average pool)",
            "weights": self.name,
            "resize": self.resize,
            "comparable_with": "other keras_gans 'inception' results at the same sample counts; " + NOT_COMPARABLE,
        }

    def __init__(self, model, with_probabilities, name, batch_size=64):
        self.model = model
        self.with_probabilities = with_probabilities
        self.name = name
        self.batch_size = batch_size
        self._fn = tf.function(self._forward, reduce_retracing=True)

    @staticmethod
    def preprocess(images):
        x = rgb_images(images)
        if tuple(x.shape[1:3]) != (INCEPTION_SIZE, INCEPTION_SIZE):
            x = tf.image.resize(x, (INCEPTION_SIZE, INCEPTION_SIZE), "bilinear")
        return tf.clip_by_value(x, -1.0, 1.0)

    def _forward(self, images):
        out = self.model(images, training=False)
        return tuple(out) if self.with_probabilities else (out,)

    def features_and_probabilities(self, images):
        """Returns `(features, probabilities or None)` as numpy arrays."""
        feats, probs = [], []
        for i in range(0, len(images), self.batch_size):
            # Eager preprocessing keeps static shapes for the checks; the
            # compiled function then always sees (batch, 299, 299, 3).
            out = self._fn(self.preprocess(images[i : i + self.batch_size]))
            feats.append(out[0].numpy())
            if self.with_probabilities:
                probs.append(out[1].numpy())
        feats = np.concatenate(feats)
        return feats, (np.concatenate(probs) if probs else None)

    def features(self, images):
        """2048-d pool features, shape `(n, 2048)`."""
        return self.features_and_probabilities(images)[0]

    def probabilities(self, images):
        """Class probabilities, shape `(n, classes)` (1000 ImageNet classes; 1008 for the FID network)."""
        if not self.with_probabilities:
            raise ValueError("Create with `with_probabilities=True`.")
        return self.features_and_probabilities(images)[1]

    __call__ = features


def inception_feature_extractor(weights="imagenet", with_probabilities=False):
    """InceptionV3 feature extractor (Szegedy et al. 2016) for FID/KID/IS.

    Uses `keras.applications.InceptionV3` with ImageNet weights; features
    are the 2048-d average-pool output (as in Heusel et al. 2017). These
    Keras weights (and TF2's bilinear resize) differ from the network of
    the reference FID code (the 2015-12-05 Inception graph of TTUR, ported
    as pytorch-fid's `pt_inception-2015-12-05` weights), so the values are
    comparable with each other but NOT with published FIDs. For those use
    `fid_inception_extractor()`.

    Args:
        weights: `"imagenet"` (downloaded once to `~/.keras/models/`), a
            path to a weights file, or `None` (random; for tests only).
        with_probabilities: Also load the classification head so that
            `.probabilities()` (for the Inception Score) is available.

    Returns:
        An `InceptionExtractor`; call it (or `.features`) on images in
        [-1, 1] of shape `(n, h, w, 1 or 3)`.

    Raises:
        RuntimeError: if the ImageNet weights cannot be downloaded.

    Example:

    >>> extractor = inception_feature_extractor()
    >>> extractor(np.zeros((2, 32, 32, 3))).shape
    (2, 2048)
    """
    path = weights
    if weights == "imagenet":
        path = _download_inception_weights(include_top=with_probabilities)
    model = keras.applications.InceptionV3(
        include_top=with_probabilities,
        weights=None,
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        pooling=None if with_probabilities else "avg",
    )
    if path is not None:
        model.load_weights(path)
    if with_probabilities:
        model = keras.Model(model.inputs, [model.get_layer("avg_pool").output, model.output])
    if weights is None or weights == "imagenet":
        name = f"inception_v3_keras_{weights or 'random'}"
    else:
        name = f"inception_v3_keras_{os.path.basename(str(weights))}"
    return InceptionExtractor(model, with_probabilities, name)


def rgb_images(images):
    """float32 (n, h, w, 3) of images (n, h, w), (n, h, w, 1) (grey, repeated) or (n, h, w, 3)."""
    x = tf.convert_to_tensor(images, dtype=tf.float32)
    if x.shape.rank == 3:
        x = x[..., None]
    if x.shape[-1] == 1:
        x = tf.repeat(x, 3, axis=-1)
    if x.shape[-1] != 3:
        raise ValueError(f"Expected images with 1 or 3 channels; got shape {tuple(x.shape)}.")
    return x
