"""`load_paired(...)`: (input_image, target_image) pipelines for image-to-image translation.

Sources, as in pix2pix (Isola et al., 2017) and its authors' code:
- "digits": offline pairs made from the embedded digits, the outline of the
  digit upscaled to 32x32 (A) and the digit itself (B): "edges -> digit".
- a folder of side-by-side A|B images (the authors' "aligned" format, e.g.
  facades/train/1.jpg holds the photo on the left and the labels on the right),
  optionally with split sub-folders (train/, val/, test/);
- a folder with sub-folders A/ and B/ of matching file names (optionally
  A/train, B/train), or a tuple (folder_a, folder_b);
- a tuple of arrays (images_a, images_b) in [-1, 1] (or uint8);
- a TFDS dataset with two image features (`features=("a", "b")`).

Training pipelines apply the authors' augmentation to both images of a pair
identically: random jitter (resize to 286/256 of the size, random crop back)
and random mirroring.
"""

import os

import tensorflow as tf

from keras_gans.datasets import embedded, pipeline, sources

DIRECTIONS = ("AtoB", "BtoA")
DIGITS_IMAGE_SIZE = 32
# The reference's load_size / crop_size = 286 / 256.
JITTER_RATIO = 286.0 / 256.0


def digits_pairs(split="train", image_size=DIGITS_IMAGE_SIZE, threshold=0.5):
    """The offline paired set: (outline, digit) images from the embedded digits.

    Each 8x8 digit is upscaled (bicubic) to `image_size`; A is its outline,
    the Sobel gradient magnitude thresholded at `threshold` of the image's
    maximum (white lines on black), B the upscaled digit.

    Args:
        split: "train" (1,438 pairs), "test" (359) or "all".
        image_size: side of the square images.
        threshold: fraction of the largest gradient magnitude marked as edge.

    Returns:
        (edges, digits): float32 arrays (n, image_size, image_size, 1) in [-1, 1].
    """
    images, _ = embedded.digits(split)
    up = tf.image.resize((images + 1.0) / 2.0, (image_size, image_size), method="bicubic")
    up = tf.clip_by_value(up, 0.0, 1.0)
    magnitude = tf.norm(tf.image.sobel_edges(up), axis=-1)
    peak = tf.reduce_max(magnitude, axis=(1, 2, 3), keepdims=True)
    edges = tf.where(magnitude > threshold * peak, 1.0, -1.0)
    return edges.numpy().astype("float32"), (up * 2.0 - 1.0).numpy().astype("float32")


def load_paired(
    source="digits",
    split="train",
    batch_size=32,
    image_size=None,
    direction="AtoB",
    jitter=None,
    mirror=None,
    channels=None,
    features=None,
    shuffle=None,
    seed=0,
    cache=True,
    data_dir=None,
):
    """A batched tf.data pipeline of (input_image, target_image) pairs in [-1, 1].

    Args:
        source: "digits" (offline), a folder (side-by-side A|B images, or
            sub-folders A/ and B/ of matching names), a tuple of two folders,
            a tuple of two arrays, or a TFDS dataset name.
        split: "train", "test", "val" ("all" for digits). For folders, the
            sub-folder of that name when there is one.
        batch_size: the global batch size (batches are full: drop_remainder).
        image_size: resize both images to this side (an int or (height,
            width)); default: as stored (32 for digits).
        direction: "AtoB" yields (A, B), "BtoA" yields (B, A).
        jitter: random jitter, the same for both images: resize to 286/256 of
            the size, random crop back. Default: on for split "train".
        mirror: random left-right flip of both images. Default: as jitter.
        channels: 1 or 3 to convert both images; default: as stored.
        features: for TFDS, the names of the (A, B) image features; default:
            the dataset's two image features.
        shuffle: shuffle every epoch; default: on for split "train".
        seed: seed of the shuffle and of the augmentation.
        cache: cache the decoded pairs in memory (before augmentation).
        data_dir: TFDS data directory.

    Returns:
        A tf.data.Dataset of float32 batches (input_images, target_images).

    Example:

    >>> ds = keras_gans.datasets.load_paired("digits", batch_size=16)
    >>> edges, digits = next(iter(ds))   # (16, 32, 32, 1) each
    >>> ds = load_paired("facades", direction="BtoA")  # labels -> photo
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")
    if batch_size is None or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels!r}.")
    training = split == "train"
    jitter = training if jitter is None else bool(jitter)
    mirror = jitter if mirror is None else bool(mirror)
    shuffle = training if shuffle is None else bool(shuffle)
    size = _as_size(image_size)

    ds, count, name = _source(source, split, features, data_dir, size)
    ds = ds.map(_prepare(size, channels), num_parallel_calls=tf.data.AUTOTUNE)
    if count is not None and count < batch_size:
        raise ValueError(f"The paired data {name} ({split}) has {count} pairs, fewer than batch_size={batch_size}.")
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(count or 10_000, 10_000), seed=seed, reshuffle_each_iteration=True)
    if jitter or mirror:
        randoms = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, randoms)).map(
            lambda pair, r: augment_pair(pair[0], pair[1], r, jitter, mirror),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    if direction == "BtoA":
        ds = ds.map(lambda a, b: (b, a))
    return pipeline.batched(ds, batch_size)


def augment_pair(a, b, seed, jitter=True, mirror=True):
    """The reference's train-time augmentation, identical for both images.

    The two images are stacked along channels, so one crop and one flip
    apply to both.

    Args:
        a, b: images (height, width, channels_a / channels_b), same size.
        seed: an int64 scalar; the stateless seeds of crop and flip derive
            from it.
        jitter: resize to 286/256 of the size (bicubic), then crop back at a
            random offset.
        mirror: flip left-right with probability 1/2.
    """
    channels_a = a.shape[-1]
    pair = tf.concat([a, b], axis=-1)
    shape = tf.shape(pair)
    if jitter:
        big = tf.cast(tf.round(tf.cast(shape[:2], tf.float32) * JITTER_RATIO), tf.int32)
        pair = tf.clip_by_value(tf.image.resize(pair, big, method="bicubic"), -1.0, 1.0)
        pair = tf.image.stateless_random_crop(pair, shape, seed=tf.stack([seed, tf.constant(0, seed.dtype)]))
    if mirror:
        pair = tf.image.stateless_random_flip_left_right(pair, seed=tf.stack([seed, tf.constant(1, seed.dtype)]))
    return pair[..., :channels_a], pair[..., channels_a:]


# --- sources ----------------------------------------------------------------


def _source(source, split, features, data_dir, size=None):
    """(dataset of (a, b) images, count, description) for any kind of source."""
    if isinstance(source, str) and source == "digits":
        square = size is not None and size[0] == size[1]
        edges, digits = digits_pairs(split, size[0] if square else DIGITS_IMAGE_SIZE)
        return tf.data.Dataset.from_tensor_slices((edges, digits)), len(edges), "'digits'"
    if isinstance(source, (tuple, list)) and len(source) == 2:
        if all(isinstance(s, (str, os.PathLike)) for s in source):
            return _two_folders(*(os.fspath(s) for s in source), split)
        return _arrays(*source)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if os.path.isdir(path):
            return _folder(path, split)
        if os.path.sep in path or path.startswith("."):
            raise FileNotFoundError(f"No folder of paired images at {path!r}.")
        return _tfds(path, split, features, data_dir)
    raise ValueError(
        "load_paired takes 'digits', a folder, a tuple (folder_a, folder_b), a tuple of two "
        f"arrays or a TFDS name; got {type(source).__name__}."
    )


def _arrays(a, b):
    a, b = sources.array_images(a, "A images"), sources.array_images(b, "B images")
    if a.shape[:3] != b.shape[:3]:
        raise ValueError(
            f"The two images of a pair must have the same size: A images have shape {a.shape[1:]} "
            f"and B images {b.shape[1:]} (counts {len(a)} and {len(b)})."
        )
    return tf.data.Dataset.from_tensor_slices((a, b)), len(a), "arrays"


def _split_folder(path, split):
    sub = os.path.join(path, split)
    return sub if os.path.isdir(sub) else path


def _folder(path, split):
    a_dir, b_dir = os.path.join(path, "A"), os.path.join(path, "B")
    if os.path.isdir(a_dir) and os.path.isdir(b_dir):
        return _two_folders(a_dir, b_dir, split)
    folder = _split_folder(path, split)
    files = sources.image_files(folder, recursive=False)
    if not files:
        raise ValueError(
            f"The folder {folder!r} holds no images ({', '.join(sources.IMAGE_EXTENSIONS)}): expected "
            "side-by-side A|B images, or sub-folders A/ and B/ of matching file names."
        )
    shapes = {_image_size(f) for f in files}
    if len(shapes) > 1:
        raise ValueError(
            f"The side-by-side images of {folder!r} differ in size: {sorted(shapes)} (height, width). "
            "Every file must hold two images of one size, A left and B right."
        )
    height, width = shapes.pop()
    if width % 2:
        raise ValueError(
            f"Side-by-side A|B images must have an even width (two halves of one size); the images "
            f"of {folder!r} are {height}x{width} (height x width)."
        )
    depth = sources.image_depth(files[0])

    def read(file):
        image = sources.decode_image(file, depth, (height, width))
        return image[:, : width // 2], image[:, width // 2 :]

    ds = tf.data.Dataset.from_tensor_slices(files)
    return ds.map(read, num_parallel_calls=tf.data.AUTOTUNE), len(files), repr(folder)


def _two_folders(a_dir, b_dir, split):
    a_dir, b_dir = _split_folder(a_dir, split), _split_folder(b_dir, split)
    for folder in (a_dir, b_dir):
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"No folder of images at {folder!r}.")
    names = [
        sorted(os.path.basename(f) for f in sources.image_files(d, recursive=False, check=False))
        for d in (a_dir, b_dir)
    ]
    a_files, b_files = names
    if set(a_files) != set(b_files):
        only_a = sorted(set(a_files) - set(b_files))[:5]
        only_b = sorted(set(b_files) - set(a_files))[:5]
        raise ValueError(
            f"The folders {a_dir!r} and {b_dir!r} must hold the same file names (one pair per name); "
            f"only in A: {only_a}, only in B: {only_b}."
        )
    if not a_files:
        raise ValueError(f"The folders {a_dir!r} and {b_dir!r} hold no images.")
    a_paths = [os.path.join(a_dir, f) for f in a_files]
    b_paths = [os.path.join(b_dir, f) for f in a_files]
    sources.check_image_files(a_paths + b_paths)
    sizes_a = [_image_size(f) for f in a_paths]
    sizes_b = [_image_size(f) for f in b_paths]
    for name, sa, sb in zip(a_files, sizes_a, sizes_b):
        if sa != sb:
            raise ValueError(
                f"The two images of the pair {name!r} differ in size: A is {sa[0]}x{sa[1]} and "
                f"B is {sb[0]}x{sb[1]} (height x width)."
            )
    if len(set(sizes_a)) > 1:
        raise ValueError(f"The images of {a_dir!r} differ in size: {sorted(set(sizes_a))}; pass image_size=.")
    size, depth_a, depth_b = sizes_a[0], sources.image_depth(a_paths[0]), sources.image_depth(b_paths[0])
    ds = tf.data.Dataset.from_tensor_slices((a_paths, b_paths))
    ds = ds.map(
        lambda a, b: (sources.decode_image(a, depth_a, size), sources.decode_image(b, depth_b, size)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds, len(a_files), f"{a_dir!r} + {b_dir!r}"


def _image_size(path):
    """(height, width) of an image file, from its header when Pillow is there."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.height, image.width
    except ImportError:
        shape = tf.io.decode_image(tf.io.read_file(path), expand_animations=False).shape
        return int(shape[0]), int(shape[1])


def _tfds(name, split, features, data_dir):
    import tensorflow_datasets as tfds

    builder = sources.tfds_builder(name, data_dir, f"Unknown paired dataset {name!r}: not 'digits', not a folder")
    info_features = builder.info.features
    images = [k for k, v in info_features.items() if isinstance(v, tfds.features.Image)]
    if features is None:
        if len(images) != 2:
            raise ValueError(
                f"TFDS dataset {name!r} has image features {images}; pass features=(a, b) naming the "
                "two images of a pair."
            )
        features = tuple(images)
    features = tuple(features)
    missing = [f for f in features if f not in images]
    if len(features) != 2 or missing:
        raise ValueError(f"features must name two image features of {name!r} ({images}), got {features}.")
    ds = sources.tfds_load(name, split, data_dir, "'digits' or a folder of pairs")
    first, second = features
    shape_a, shape_b = info_features[first].shape, info_features[second].shape
    if None not in shape_a[:2] + shape_b[:2] and shape_a[:2] != shape_b[:2]:
        raise ValueError(
            f"The two images of a pair must have the same size: {name!r} has {first!r} of shape "
            f"{shape_a} and {second!r} of shape {shape_b}."
        )
    ds = ds.map(lambda ex: (ex[first], ex[second]), num_parallel_calls=tf.data.AUTOTUNE)
    return ds, sources.tfds_count(builder, split), repr(name)


# --- per-pair transforms ----------------------------------------------------


def _as_size(image_size):
    if image_size is None:
        return None
    if isinstance(image_size, int):
        return (image_size, image_size)
    size = tuple(int(s) for s in image_size)
    if len(size) != 2:
        raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}.")
    return size


def _prepare(size, channels):
    def convert(image):
        return sources.transform_image(image, size, channels, method="bicubic")

    return lambda a, b: (convert(a), convert(b))
