"""`load_unpaired(...)`: two image domains drawn independently, for CycleGAN.

Sources: the TFDS `cycle_gan/*` datasets (horse2zebra, monet2photo, ...,
splits trainA/trainB/testA/testB), two folders of images (or one folder with
the reference's trainA/trainB/testA/testB sub-folders), and an offline
default made from the embedded digits: thin strokes (domain A) and thick
strokes (domain B), whose labels stay available (`stroke_digits`) to measure
whether a translation keeps the digit.
"""

import functools
import os
import re

import numpy as np
import tensorflow as tf

from keras_gans.datasets import embedded, pipeline, sources

# The reference's preprocessing: resize to 286, random crop 256.
_LOAD_OVER_CROP = 286 / 256
_DEFAULT_IMAGE_SIZE = {"digits": 32}
_TFDS_NAME = re.compile(r"[a-z][a-z0-9_]*(/[a-z0-9_.\-]+)?(:[0-9.*]+)?")


def load_unpaired(
    name="digits",
    split="train",
    batch_size=1,
    image_size=None,
    load_size=None,
    augment=None,
    flip=None,
    channels=None,
    shuffle=True,
    seed=0,
    cache=True,
    data_dir=None,
):
    """Batches of (image_a, image_b), the two domains drawn independently.

    Each domain is shuffled on its own and repeated, and the two streams are
    zipped: an epoch has max(len(A), len(B)) pairs, as the reference's
    unaligned dataset (the smaller domain is reshuffled when it runs out).
    Training images are resized to `load_size` (286 for 256), randomly
    cropped to `image_size` and randomly mirrored, as in the paper; without
    augmentation they are resized to `image_size`. Images are float32 in
    [-1, 1].

    Args:
        name: "digits" (offline: thin-stroke digits -> thick-stroke digits,
            32x32x1); a TFDS name "cycle_gan/horse2zebra" (or any
            "cycle_gan/<pair>"; downloads on first use); a pair of folders
            (folder_a, folder_b); or one folder with trainA/trainB (and
            testA/testB) sub-folders, the reference's layout.
        split: "train" or "test".
        batch_size: the global batch size (1 in the paper).
        image_size: side of the square images; default 32 for digits,
            256 otherwise.
        load_size: side images are resized to before the random crop;
            default image_size * 286 / 256.
        augment: random crop and mirroring; default: for the train split.
        flip: random left-right mirroring when augmenting; default True,
            False for digits (a mirrored digit is another shape).
        channels: 1 or 3 to convert both domains; default as stored.
        shuffle: shuffle each domain every epoch.
        seed: seed of the shuffles and the augmentation.
        cache: cache each domain's decoded images in memory.
        data_dir: TFDS data directory.

    Returns:
        A tf.data.Dataset of (image_a, image_b) batches, shapes
        (batch_size, image_size, image_size, channels_a / channels_b).

    Example:

    >>> ds = keras_gans.datasets.load_unpaired("cycle_gan/horse2zebra", batch_size=1)
    >>> horse, zebra = next(iter(ds))  # (1, 256, 256, 3) each
    """
    if batch_size is None or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels!r}.")
    is_digits = isinstance(name, str) and name == "digits"
    image_size = int(image_size or _DEFAULT_IMAGE_SIZE.get(name if is_digits else "", 256))
    load_size = int(load_size or round(image_size * _LOAD_OVER_CROP))
    if load_size < image_size:
        raise ValueError(f"load_size ({load_size}) must be >= image_size ({image_size}).")
    augment = split == "train" if augment is None else bool(augment)
    flip = (not is_digits) if flip is None else bool(flip)

    domains = _domains(name, split, image_size, data_dir)
    for domain, (_, size, where) in zip("AB", domains):
        if size == 0:
            raise ValueError(f"Domain {domain} ({where}) holds no images.")
        if size < batch_size:
            raise ValueError(f"Domain {domain} ({where}) has {size} images, fewer than batch_size={batch_size}.")
    length = max(size for _, size, _ in domains)

    streams = []
    for i, (ds, size, _) in enumerate(domains):
        if cache:
            ds = ds.cache()
        if shuffle:
            ds = ds.shuffle(size, seed=seed + 101 * i, reshuffle_each_iteration=True)
        streams.append(ds.repeat())
    noise = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    ds = tf.data.Dataset.zip((streams[0], streams[1], noise)).take(length)
    transform = _transform(image_size, load_size, augment, flip, channels)
    ds = ds.map(lambda a, b, s: (transform(a, s[0]), transform(b, s[1])), num_parallel_calls=tf.data.AUTOTUNE)
    return pipeline.batched(ds, batch_size)


def _transform(image_size, load_size, augment, flip, channels):
    """uint8 or float image -> float32 [-1, 1], resized (and cropped, mirrored)."""

    def transform(image, seed):
        size = load_size if augment else image_size
        image = sources.transform_image(image, (size, size), channels, method="bicubic")
        depth = image.shape[-1]
        if augment:
            seed = tf.stack([seed, tf.constant(0, tf.int64)])
            image = tf.image.stateless_random_crop(image, (image_size, image_size, depth), seed=seed)
            if flip:
                image = tf.image.stateless_random_flip_left_right(image, seed=seed + 1)
        return tf.clip_by_value(image, -1.0, 1.0)

    return transform


def _domains(name, split, image_size, data_dir):
    """[(dataset of single images, size, description)] for domains A and B."""
    if isinstance(name, (tuple, list)):
        if len(name) != 2:
            raise ValueError(f"Expected two folders (folder_a, folder_b), got {len(name)}: {name!r}.")
        return [_folder(path, domain) for path, domain in zip(name, "AB")]
    name = str(name)
    if name == "digits":
        images_a, _, images_b, _ = stroke_digits(split, image_size)
        return [
            (tf.data.Dataset.from_tensor_slices(images), len(images), f"digits {split}, {kind} strokes")
            for images, kind in ((images_a, "thin"), (images_b, "thick"))
        ]
    if os.path.isdir(name):
        folders = [os.path.join(name, f"{split}{d}") for d in "AB"]
        missing = [f for f in folders if not os.path.isdir(f)]
        if missing:
            raise FileNotFoundError(
                f"The folder {name!r} has no {', '.join(os.path.basename(f) for f in missing)} "
                f"sub-folder(s); expected {split}A and {split}B (the reference's layout), or give "
                f"two folders (folder_a, folder_b)."
            )
        return [_folder(path, domain) for path, domain in zip(folders, "AB")]
    if not _TFDS_NAME.fullmatch(name):  # not "dataset", "dataset/config" or "dataset/config:version"
        raise FileNotFoundError(f"No folder of images at {name!r}.")
    return [_tfds(name, f"{split}{d}", data_dir) for d in "AB"]


def _folder(path, domain):
    if not os.path.isdir(str(path)):
        raise FileNotFoundError(f"No folder of images at {str(path)!r} (domain {domain}).")
    files = sources.image_files(path)
    where = f"folder {str(path)!r}"
    if not files:
        return tf.data.Dataset.from_tensor_slices(np.zeros((0,), "uint8")), 0, where
    depth = sources.image_depth(files[0])
    ds = tf.data.Dataset.from_tensor_slices(files)
    ds = ds.map(lambda file: sources.decode_image(file, depth), num_parallel_calls=tf.data.AUTOTUNE)
    return ds, len(files), where


def _tfds(name, split, data_dir):
    builder = sources.tfds_builder(
        name, data_dir, f"Unknown dataset {name!r} (e.g. 'cycle_gan/horse2zebra'): not 'digits', not a folder"
    )
    splits = builder.info.splits  # empty while the dataset's metadata is not available
    if splits and split not in splits:
        raise ValueError(
            f"TFDS dataset {name!r} has no split {split!r} (it has {sorted(splits)}); unpaired "
            f"datasets need trainA/trainB (and testA/testB), as cycle_gan/*."
        )
    if "image" not in builder.info.features:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' feature.")
    ds = sources.tfds_load(name, split, data_dir, "load_unpaired('digits') or two folders")
    ds = ds.map(lambda ex: ex["image"], num_parallel_calls=tf.data.AUTOTUNE)
    size = splits[split].num_examples if splits else int(ds.cardinality())
    if size < 0:  # unknown: count once
        size = int(ds.reduce(0, lambda n, _: n + 1))
    return ds, size, f"{name} {split}"


def stroke_digits(split="train", image_size=32):
    """The offline domains: thin-stroke digits (A) and thick-stroke digits (B), with labels.

    The embedded 8x8 digits are upscaled (bicubic) to 3/4 of `image_size`
    and centred on a black canvas; domain A erodes the strokes (grey-level
    3x3 erosion at 32 px, then a soft threshold), domain B dilates them
    (a 3x3 cross at 32 px, then a soft threshold). The
    split's digits are divided in two disjoint halves (alternate examples),
    one per domain, so no digit appears in both: the domains are unpaired.

    Args:
        split: "train" (1,438 digits: 719 in A, 719 in B) or "test" (180 + 179).
        image_size: side of the images (>= 16).

    Returns:
        images_a, labels_a, images_b, labels_b: float32 (n, size, size, 1) in
        [-1, 1] and int64 labels.
    """
    images_a, images_b = _strokes(split, int(image_size))
    _, labels = embedded.digits(split)
    return images_a, labels[0::2], images_b, labels[1::2]


@functools.lru_cache(maxsize=4)
def _strokes(split, image_size):
    if image_size < 16:
        raise ValueError(f"The stroke digits need image_size >= 16, got {image_size}.")
    images, _ = embedded.digits(split)
    ink = (images + 1.0) / 2.0  # 0 background, 1 ink
    inner = int(round(image_size * 3 / 4))
    ink = tf.image.resize(ink, (inner, inner), method="bicubic").numpy().clip(0.0, 1.0)
    margin = image_size - inner
    ink = np.pad(ink, ((0, 0), (margin // 2, margin - margin // 2), (margin // 2, margin - margin // 2), (0, 0)))
    to_range = lambda x: (2.0 * x - 1.0).astype("float32")  # noqa: E731
    return to_range(stroke_width(ink[0::2], "thin")), to_range(stroke_width(ink[1::2], "thick"))


def stroke_width(ink, kind, thin_footprint="square"):
    """Thin or thick strokes: grey-level erosion or dilation, then a soft threshold.

    The structuring element grows with the image: 3x3 at 32 px (a square
    for erosion, a cross for dilation), odd at every size.

    Args:
        ink: float array (n, size, size, 1), 0 background, 1 ink.
        kind: "thin" (erosion) or "thick" (dilation).
        thin_footprint: the erosion's element, "square" or "cross" (gentler:
            the 2-3 px strokes of 28 px MNIST survive it).

    Returns:
        The transformed ink, same shape, in [0, 1].
    """
    from scipy import ndimage

    if kind not in ("thin", "thick"):
        raise ValueError(f"kind must be 'thin' or 'thick', got {kind!r}.")
    if thin_footprint not in ("square", "cross"):
        raise ValueError(f"thin_footprint must be 'square' or 'cross', got {thin_footprint!r}.")
    k = max(3, int(round(3 * ink.shape[1] / 32)) | 1)  # odd structuring element, 3 at 32 px
    r = np.arange(k) - k // 2
    disk = (r[:, None] ** 2 + r[None, :] ** 2 <= (k // 2) ** 2)[None, :, :, None]  # a cross at 3x3
    if kind == "thin" and thin_footprint == "square":
        return _smoothstep(ndimage.grey_erosion(ink, size=(1, k, k, 1)), 0.3, 0.6)
    if kind == "thin":
        return _smoothstep(ndimage.grey_erosion(ink, footprint=disk), 0.3, 0.6)
    return _smoothstep(ndimage.grey_dilation(ink, footprint=disk), 0.4, 0.6)


def _smoothstep(x, lo, hi):
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
