"""`load_attributes(...)`: images with binary domain attributes, for StarGAN.

Sources: TFDS `celeb_a` with selected attributes (the paper's five by
default; downloads on first use), and an offline set derived from the
embedded MNIST digits (`attribute_digits`): two binary attributes, thick
strokes (dilation, else erosion: `unpaired.stroke_width`) and inverted
(white background), drawn at random for every image.
"""

import functools

import numpy as np
import tensorflow as tf

from keras_gans.datasets import embedded, pipeline, unpaired

# The attributes the reference trains on (yunjey/stargan, main.py's selected_attrs).
CELEB_A_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
DIGIT_ATTRIBUTES = ("thick", "inverted")
_SPLIT_SALTS = {"train": 0, "test": 1, "all": 2}


def load_attributes(
    name="mnist5k",
    split="train",
    batch_size=16,
    attributes=None,
    image_size=None,
    augment=None,
    shuffle=True,
    seed=0,
    cache=True,
    data_dir=None,
):
    """Batches of (images, attributes): images in [-1, 1], attributes float32 {0, 1}.

    Args:
        name: "mnist5k" (offline: `attribute_digits`, 28x28x1, attributes
            ("thick", "inverted")) or "celeb_a" (TFDS; 178x178 centre crop
            resized to `image_size`, 128 by default, as the reference).
        split: "train" or "test" ("validation" too for celeb_a).
        batch_size: the global batch size (16 in the paper).
        attributes: celeb_a attribute names (default `CELEB_A_ATTRIBUTES`).
        image_size: side of the square images (celeb_a; mnist5k stays 28).
        augment: random left-right mirroring (celeb_a, the reference's
            training transform); default: for the train split.
        shuffle: shuffle every epoch.
        seed: seed of the shuffle, the mirroring and the digits' attributes.
        cache: cache the decoded examples in memory.
        data_dir: TFDS data directory.

    Returns:
        A tf.data.Dataset of (images (batch, size, size, channels),
        attributes (batch, num_attributes)) batches.

    Example:

    >>> ds = keras_gans.datasets.load_attributes("mnist5k", batch_size=16)
    >>> images, attributes = next(iter(ds))  # (16, 28, 28, 1), (16, 2)
    """
    if batch_size is None or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if name == "mnist5k":
        if attributes not in (None, list(DIGIT_ATTRIBUTES), DIGIT_ATTRIBUTES):
            raise ValueError(f"mnist5k's attributes are {list(DIGIT_ATTRIBUTES)}, got {attributes!r}.")
        if image_size not in (None, 28):
            raise ValueError(f"The mnist5k attribute digits are 28x28, got image_size={image_size}.")
        images, labels, _ = attribute_digits(split, seed)
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        size = len(images)
    elif name == "celeb_a":
        ds, size = _celeb_a(split, tuple(attributes or CELEB_A_ATTRIBUTES), data_dir)
        augment = split == "train" if augment is None else bool(augment)
        noise = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        transform = _celeb_a_transform(int(image_size or 128), augment)
        ds = tf.data.Dataset.zip((ds, noise)).map(transform, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        raise ValueError(f"load_attributes knows 'mnist5k' (offline) and 'celeb_a' (TFDS), got {name!r}.")
    if size is not None and size < batch_size:
        raise ValueError(f"{name} ({split}) has {size} examples, fewer than batch_size={batch_size}.")
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(size or 10_000, 10_000), seed=seed, reshuffle_each_iteration=True)
    return pipeline.batched(ds, batch_size)


def attribute_names(name="mnist5k", attributes=None):
    """The attribute names `load_attributes(name, attributes=...)` yields, in order."""
    if name == "mnist5k":
        return list(DIGIT_ATTRIBUTES)
    return list(attributes or CELEB_A_ATTRIBUTES)


def attribute_digits(split="train", seed=0):
    """The offline multi-domain set: mnist5k digits with random binary attributes.

    Each digit gets two attributes drawn independently with probability 1/2
    (a fixed generator seeded by `seed` and the split): "thick" (grey-level
    dilation of the strokes by a 3x3 cross; else erosion by a 3x3 cross,
    thin strokes; `unpaired.stroke_width`), and "inverted" (white digit on
    black becomes black on white: x -> -x). The four domains hold about a
    quarter of the images each.

    Args:
        split: "train" (4,000 digits), "test" (1,000) or "all".
        seed: seed of the attribute draws.

    Returns:
        images float32 (n, 28, 28, 1) in [-1, 1]; attributes float32 (n, 2)
        in {0, 1} ("thick", "inverted"); the digit labels int64 (n,).
    """
    images, attributes, digits = _attribute_digits(split, int(seed))
    return images.copy(), attributes.copy(), digits.copy()


@functools.lru_cache(maxsize=4)
def _attribute_digits(split, seed):
    images, digits = embedded.mnist5k(split)
    rng = np.random.default_rng([seed, _SPLIT_SALTS[split], 16])
    attributes = rng.integers(0, 2, size=(len(images), 2)).astype("float32")
    ink = (images + 1.0) / 2.0  # 0 background, 1 ink
    thick = unpaired.stroke_width(ink, "thick")
    thin = unpaired.stroke_width(ink, "thin", thin_footprint="cross")
    ink = np.where(attributes[:, 0, None, None, None] == 1, thick, thin)
    images = (2.0 * ink - 1.0).astype("float32")
    images = np.where(attributes[:, 1, None, None, None] == 1, -images, images)
    return images, attributes, digits


def _celeb_a(split, attributes, data_dir):
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder("celeb_a", data_dir=data_dir)
        known = builder.info.features["attributes"]
    except Exception as e:
        raise _unavailable(e) from e
    missing = [a for a in attributes if a not in known]
    if missing:
        raise ValueError(f"celeb_a has no attributes {missing}; it has {sorted(known)}.")
    try:
        ds = tfds.load("celeb_a", split=split, data_dir=data_dir, shuffle_files=False)
    except Exception as e:
        raise _unavailable(e) from e

    def example(ex):
        vector = tf.stack([tf.cast(ex["attributes"][a], tf.float32) for a in attributes])
        return ex["image"], vector

    try:
        size = builder.info.splits[split].num_examples
    except Exception:
        size = None
    return ds.map(example, num_parallel_calls=tf.data.AUTOTUNE), size or None


def _unavailable(error):
    return RuntimeError(
        f"Could not load the TFDS dataset 'celeb_a' ({type(error).__name__}: {error}). It is downloaded "
        "once, which needs the network (and, for celeb_a, Google Drive access; TFDS says how to place the "
        "files by hand in its manual_dir). Offline, use load_attributes('mnist5k')."
    )


def _celeb_a_transform(image_size, augment):
    """The reference's CelebA transform: centre crop 178, resize, (flip), to [-1, 1]."""

    def transform(example, seed):
        image, attributes = example
        image = tf.image.resize_with_crop_or_pad(image, 178, 178)
        image = tf.image.resize(tf.cast(image, tf.float32), (image_size, image_size), antialias=True)
        if augment:
            image = tf.image.stateless_random_flip_left_right(image, seed=seed)
        image = tf.clip_by_value(image / 127.5 - 1.0, -1.0, 1.0)
        return image, attributes

    return transform
