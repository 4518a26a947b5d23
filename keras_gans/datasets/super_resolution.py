"""`load_super_resolution(...)`: (low_res, high_res) pairs for super-resolution (SRGAN).

The low-resolution images are made from any image set as in SRGAN (Ledig et
al., 2017, section 3.1): the high-resolution image downsampled by the scale
factor with a bicubic kernel (`tf.image.resize(method="bicubic",
antialias=True)`). The high-resolution images come from `datasets.load`
(embedded sets, folders, TFDS), so every source it reads works here.

Offline: mnist5k at x4 (28x28 digits from 7x7 inputs, the paper's factor);
at x2 the inputs are 14x14.
"""

import tensorflow as tf

from keras_gans.datasets import loading, pipeline


def downsample(images, scale):
    """I^LR: `images` (batch, h, w, c) in [-1, 1] shrunk by `scale` (bicubic, antialiased), clipped to [-1, 1]."""
    scale = int(scale)
    size = _size(images, lambda side: side // scale)
    low = tf.image.resize(tf.cast(images, tf.float32), size, method="bicubic", antialias=True)
    return tf.clip_by_value(low, -1.0, 1.0)


def bicubic_upscale(images, scale):
    """The baseline: `images` (batch, h, w, c) in [-1, 1] enlarged by `scale` (bicubic), clipped to [-1, 1]."""
    size = _size(images, lambda side: side * int(scale))
    return tf.clip_by_value(tf.image.resize(tf.cast(images, tf.float32), size, method="bicubic"), -1.0, 1.0)


def _size(images, fn):
    # Static sizes when known (the batches' spec keeps them), else dynamic.
    static = images.shape[1:3]
    if all(side is not None for side in static):
        return [fn(int(side)) for side in static]
    return fn(tf.shape(images)[1:3])


def load_super_resolution(
    source="mnist5k",
    split="train",
    batch_size=16,
    scale=4,
    image_size=None,
    channels=None,
    shuffle=None,
    seed=0,
    data_dir=None,
):
    """A batched tf.data pipeline of (low_res, high_res) pairs in [-1, 1].

    Args:
        source: anything `datasets.load` reads: "mnist5k" or "digits"
            (offline), a folder of images (resized to `image_size`), a TFDS
            image dataset name.
        split: "train", "test", ... as `datasets.load`.
        batch_size: the global batch size (full batches).
        scale: the downsampling factor (4 in the paper); the high-resolution
            side must be a multiple of it.
        image_size: side of the high-resolution images; default as stored
            (28 for mnist5k, 16 for digits).
        channels: 1 or 3 to convert the images; default as stored.
        shuffle: shuffle every epoch; default: on for split "train".
        seed: shuffle seed.
        data_dir: TFDS data directory.

    Returns:
        A tf.data.Dataset of float32 batches (low_res, high_res), low_res
        `scale` times smaller in height and width.

    Example:

    >>> ds = load_super_resolution("mnist5k", scale=4, batch_size=16)
    >>> low, high = next(iter(ds))  # (16, 7, 7, 1), (16, 28, 28, 1)
    """
    scale = int(scale)
    if scale < 2:
        raise ValueError(f"scale must be an integer >= 2, got {scale!r}.")
    shuffle = split == "train" if shuffle is None else bool(shuffle)
    high = loading.load(
        source,
        split=split,
        batch_size=batch_size,
        image_size=image_size,
        channels=channels,
        shuffle=shuffle,
        seed=seed,
        data_dir=data_dir,
    )
    height, width = high.element_spec.shape[1:3]
    if height is not None and (height % scale or width % scale):
        raise ValueError(
            f"The high-resolution images of {source!r} are {height}x{width}, not a multiple of scale={scale}: "
            f"pick image_size= a multiple of {scale} (e.g. {max(scale, height // scale * scale)})."
        )
    pairs = high.map(lambda images: (downsample(images, scale), images), num_parallel_calls=tf.data.AUTOTUNE)
    return pipeline.finish(pairs)
