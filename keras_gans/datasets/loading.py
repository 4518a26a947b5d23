"""`load(name)`: one tf.data pipeline for every kind of image data."""

import os

import numpy as np
import tensorflow as tf

from keras_gans.datasets import embedded, pipeline, sources

EMBEDDED = ("digits", "mnist5k", "ring8", "grid25")
_DEFAULT_IMAGE_SIZE = {"digits": 16}


def available():
    """Names accepted by `load`, besides folders and any TFDS image dataset."""
    return EMBEDDED


def num_classes(name, data_dir=None):
    """The number of label classes of a dataset accepted by `load`."""
    if name in ("digits", "mnist5k"):
        return 10
    if name in ("ring8", "grid25"):
        raise ValueError(f"{name} has no labels.")
    if os.path.isdir(str(name)):
        classes = [d for d in os.listdir(name) if os.path.isdir(os.path.join(name, d))]
        if not classes:
            raise ValueError(f"The folder {name!r} has no class sub-folders, so no labels.")
        return len(classes)
    import tensorflow_datasets as tfds

    features = tfds.builder(name, data_dir=data_dir).info.features
    if "label" not in features:
        raise ValueError(f"TFDS dataset {name!r} has no 'label' feature (features: {list(features)}).")
    return int(features["label"].num_classes)


def load(
    name,
    split="train",
    batch_size=64,
    image_size=None,
    channels=None,
    with_labels=False,
    shuffle=True,
    seed=0,
    cache=True,
    num_samples=100_000,
    data_dir=None,
):
    """A batched tf.data pipeline of samples scaled to [-1, 1].

    Shuffled, batched with drop_remainder (every step sees a full global
    batch, which distributed training needs), cached and prefetched.

    Args:
        name: "digits", "mnist5k", "ring8", "grid25" (embedded, offline); a folder of
            images; or a TFDS image dataset name ("mnist", "cifar10",
            "celeb_a", ...), which downloads when first used.
        split: "train", "test" ("all" for digits and mnist5k; any TFDS split string).
        batch_size: the global batch size.
        image_size: resize images to (image_size, image_size); digits
            default to 16 (from 8), mnist5k stays 28x28, folders keep
            their first image's size.
        channels: 1 or 3 to convert images; default: as stored.
        with_labels: yield (images, labels) instead of images (digits,
            mnist5k and labelled TFDS datasets).
        shuffle: shuffle every epoch.
        seed: shuffle seed (and mixture sampling seed).
        cache: cache the decoded examples in memory.
        num_samples: size of a Gaussian-mixture dataset.
        data_dir: TFDS data directory.

    Returns:
        A tf.data.Dataset of float32 batches (and int64 labels).

    Example:

    >>> ds = keras_gans.datasets.load("digits", batch_size=64)
    >>> next(iter(ds)).shape
    TensorShape([64, 16, 16, 1])
    """
    if batch_size is None or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if name in ("ring8", "grid25"):
        if with_labels:
            raise ValueError(f"{name} has no labels; use with_labels=False.")
        ds = tf.data.Dataset.from_tensor_slices(embedded.mixture(name, num_samples, seed=seed + _split_offset(split)))
        size = num_samples
    elif name == "digits":
        images, labels = embedded.digits(split)
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        size = len(images)
        image_size = image_size or _DEFAULT_IMAGE_SIZE["digits"]
    elif name == "mnist5k":
        images, labels = embedded.mnist5k(split)
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        size = len(images)
    elif os.path.isdir(str(name)):
        ds, size = _folder(name, with_labels)
    elif os.path.sep in str(name) or str(name).startswith("."):
        raise FileNotFoundError(f"No folder of images at {name!r}.")
    else:
        ds, size = _tfds(name, split, data_dir, with_labels)

    if name not in ("ring8", "grid25"):
        ds = ds.map(_image_transform(image_size, channels), num_parallel_calls=tf.data.AUTOTUNE)
        if not with_labels:
            ds = ds.map(lambda image, label: image)
    if size is not None and size < batch_size:
        raise ValueError(f"Dataset {name!r} ({split}) has {size} examples, fewer than batch_size={batch_size}.")
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(size or 10_000, 10_000), seed=seed, reshuffle_each_iteration=True)
    return pipeline.batched(ds, batch_size)


def _split_offset(split):
    return {"train": 0, "test": 1}.get(split, 2)


def _image_transform(image_size, channels):
    size = None if image_size is None else (image_size, image_size)
    return lambda image, label: (sources.transform_image(image, size, channels), label)


def _folder(path, with_labels):
    """Images of a folder (recursively), resized to the first one's size; sub-folder names are the labels."""
    files = sources.image_files(path)
    if not files:
        raise ValueError(f"The folder {path!r} holds no images ({', '.join(sources.IMAGE_EXTENSIONS)}).")
    classes = sorted({os.path.relpath(os.path.dirname(f), path) for f in files})
    labels = [classes.index(os.path.relpath(os.path.dirname(f), path)) for f in files]
    first = tf.io.decode_image(tf.io.read_file(files[0]), expand_animations=False)
    height, width, depth = first.shape

    def read(file, label):
        image = tf.image.resize(sources.decode_image(file, depth), (height, width))
        return tf.cast(image, tf.float32) / 127.5 - 1.0, label

    ds = tf.data.Dataset.from_tensor_slices((files, np.asarray(labels, "int64")))
    return ds.map(read, num_parallel_calls=tf.data.AUTOTUNE), len(files)


_OFFLINE = f"an embedded set ({', '.join(EMBEDDED)}) or a folder of images"


def _tfds(name, split, data_dir, with_labels):
    builder = sources.tfds_builder(
        name, data_dir, f"Unknown dataset {name!r}: not an embedded set ({', '.join(EMBEDDED)}), not a folder"
    )
    features = builder.info.features
    if "image" not in features:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' feature (features: {list(features)}).")
    if with_labels and "label" not in features:
        raise ValueError(f"TFDS dataset {name!r} has no 'label' feature; use with_labels=False.")
    ds = sources.tfds_load(name, split, data_dir, _OFFLINE)
    has_label = "label" in features
    ds = ds.map(
        lambda ex: (ex["image"], ex["label"] if has_label else tf.constant(-1, tf.int64)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds, sources.tfds_count(builder, split)
