"""Where images come from, for every loader: folders of image files, TFDS, arrays.

`load`, `load_paired` and `load_unpaired` (and any new loader) build on these
pieces instead of each having its own:

- folders: `image_files` (the files, checked), `image_depth`, `decode_image`;
- TFDS: `tfds_builder` and `tfds_load`, whose errors say what was expected
  and, offline, what to use instead (`tfds_error`), and `tfds_count`;
- arrays: `array_images`;
- the one image transform, `transform_image`: uint8 or float -> float32 in
  [-1, 1], channel conversion, resizing.
"""

import os

import numpy as np
import tensorflow as tf

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# The first bytes of the formats tf.io.decode_image reads.
_IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8", b"GIF8", b"BM")


# --- folders ----------------------------------------------------------------


def image_files(folder, recursive=True, check=True):
    """The sorted paths of the image files in `folder` (and its sub-folders when `recursive`).

    With `check`, the files' headers are checked (`check_image_files`).
    """
    folder = os.fspath(folder)
    if recursive:
        files = [os.path.join(root, f) for root, _, names in os.walk(folder) for f in names]
    else:
        files = [os.path.join(folder, f) for f in os.listdir(folder)]
    files = sorted(f for f in files if f.lower().endswith(IMAGE_EXTENSIONS))
    if check and files:
        check_image_files(files)
    return files


def check_image_files(files):
    """Raise a ValueError naming the files that are empty or not PNG, JPEG, GIF or BMP.

    Checked before training (the headers only), because a file tf.data cannot
    decode fails mid-epoch with an error that does not name it.
    """
    bad = []
    for file in files:
        with open(file, "rb") as f:
            head = f.read(4)
        if not head.startswith(_IMAGE_SIGNATURES):
            bad.append(file)
    if bad:
        raise ValueError(
            f"{len(bad)} of {len(files)} image files cannot be decoded (empty, or not PNG, JPEG, GIF "
            f"or BMP despite the extension): {bad[:5]}{' ...' if len(bad) > 5 else ''}. Remove or "
            "re-encode them."
        )


def image_depth(path):
    """The channels an image file is read with: 1 or 3 (an alpha channel is dropped)."""
    depth = tf.io.decode_image(tf.io.read_file(path), expand_animations=False).shape[-1]
    return 3 if depth == 4 else int(depth)


def decode_image(file, depth, size=(None, None)):
    """The uint8 image (height, width, depth) of an image file, in a tf.data map.

    `size`: the (height, width) every file is known to have, or None's.
    """
    image = tf.io.decode_image(tf.io.read_file(file), channels=depth, expand_animations=False)
    image.set_shape(tuple(size) + (depth,))
    return image


# --- arrays -----------------------------------------------------------------


def array_images(images, name="images"):
    """A numpy array of images (n, height, width, channels): uint8 kept, anything else float32."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"Expected {name} of shape (n, height, width, channels), got {images.shape}.")
    return images if images.dtype == np.uint8 else images.astype("float32")


# --- TFDS -------------------------------------------------------------------


def tfds_builder(name, data_dir, not_this):
    """tfds.builder(name), or a ValueError "Unknown dataset ...: {not_this}, and not a TFDS dataset (...)"."""
    import tensorflow_datasets as tfds

    try:
        return tfds.builder(name, data_dir=data_dir)
    except Exception as e:  # tfds raises DatasetNotFoundError (and others) for unknown names
        if _missing_module(e):
            raise tfds_error(name, e) from e
        raise ValueError(f"{not_this}, and not a TFDS dataset ({type(e).__name__}: {e}).") from e


def tfds_load(name, split, data_dir=None, offline="a folder of images"):
    """tfds.load(name, split) unshuffled, or a RuntimeError from `tfds_error`."""
    import tensorflow_datasets as tfds

    try:
        return tfds.load(name, split=split, data_dir=data_dir, shuffle_files=False)
    except Exception as e:
        raise tfds_error(name, e, offline) from e


def tfds_count(builder, split):
    """The number of examples of `split`, or None when the metadata does not say."""
    try:
        return builder.info.splits[split].num_examples or None
    except Exception:
        return None


def tfds_error(name, error, offline="a folder of images"):
    """A RuntimeError naming why TFDS could not prepare `name`: a missing module, the network, or else.

    `offline`: what to use instead without the network ("an embedded set ...").
    """
    missing = _missing_module(error)
    if missing is not None:
        module = missing.name or str(missing)
        return RuntimeError(
            f"Could not prepare the TFDS dataset {name!r}: TensorFlow Datasets needs the module {module!r}, "
            f"which is not installed ({type(missing).__name__}: {missing}). Install it with "
            f"`pip install {module}` (keras_gans declares what TFDS needs: reinstalling keras_gans does it too)."
        )
    network = _network_error(error)
    if network is not None:
        return RuntimeError(
            f"Could not load the TFDS dataset {name!r}: it must be downloaded once, which needs the network "
            f"({type(network).__name__}: {network}). Offline, use {offline}."
        )
    return RuntimeError(f"Could not load the TFDS dataset {name!r} ({type(error).__name__}: {error}).")


def _causes(error):
    """The error and the errors it was raised from (or during)."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _missing_module(error):
    return next((e for e in _causes(error) if isinstance(e, ImportError)), None)


def _network_error(error):
    import socket

    network = (ConnectionError, TimeoutError, socket.gaierror, socket.herror)
    for e in _causes(error):
        # requests' and urllib3's errors (what TFDS downloads with), without importing them.
        module = type(e).__module__.split(".")[0]
        if isinstance(e, network) or module in ("requests", "urllib3") or type(e).__name__ == "DownloadError":
            return e
    return None


# --- the image transform ----------------------------------------------------


def transform_image(image, size=None, channels=None, method="bilinear"):
    """An image as float32 in [-1, 1]: uint8 scaled, channels converted, resized.

    Args:
        image: uint8 (0..255) or float (already in [-1, 1]) (height, width, c).
        size: (height, width) to resize to (antialiased; nothing is done
            when the image has it already), or None.
        channels: 1 or 3 to convert grey <-> RGB, or None.
        method: the resize method ("bilinear", "bicubic", ...).

    Returns:
        float32 (height, width, channels); clipped to [-1, 1] after a resize.
    """
    image = tf.convert_to_tensor(image)
    if image.dtype == tf.uint8:
        image = tf.cast(image, tf.float32) / 127.5 - 1.0
    image = tf.cast(image, tf.float32)
    if channels == 3 and image.shape[-1] == 1:
        image = tf.image.grayscale_to_rgb(image)
    elif channels == 1 and image.shape[-1] == 3:
        image = tf.image.rgb_to_grayscale(image)
    if size is not None and tuple(image.shape[:2]) != tuple(size):
        image = tf.clip_by_value(tf.image.resize(image, size, method=method, antialias=True), -1.0, 1.0)
    return image
