"""The FID Inception network: the features every published FID uses.

Published FIDs (Heusel et al. 2017) are computed with the 2015-12-05
Inception graph of the TTUR code, whose weights pytorch-fid ported to
`pt_inception-2015-12-05-6726825d.pth`. It is an InceptionV3 with 1008
classes whose pooling differs from torchvision's / keras.applications' in
three places (average pools that do not count the padding, a max pool in
the last block): this module builds that network in Keras, with layer
names equal to the PyTorch state-dict keys, and loads the published
weights into it (downloaded once; reading the `.pth` needs no PyTorch, see
`torch_weights`).

Paper names: pool3 (the 2048-d features of FID) is the output of the
final average pool; the 1008-way softmax of its logits gives the class
probabilities of the Inception Score.
"""

import hashlib
import os

import keras
import numpy as np
import tensorflow as tf

from keras_gans.metrics import torch_weights
from keras_gans.metrics.features import InceptionExtractor, rgb_images

FID_SIZE = 299
FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"
)
FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
# PyTorch hub convention: the file name carries the sha256's first digits.
FID_WEIGHTS_SHA256_PREFIX = "6726825d"
NUM_CLASSES = 1008


# --- the network --------------------------------------------------------


def _conv(x, name, filters, kernel, strides=1, padding="valid"):
    """torchvision's BasicConv2d: conv (no bias), batch norm (eps 1e-3), ReLU."""
    x = keras.layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding=padding,
        use_bias=False,
        name=f"{name}.conv",
    )(x)
    x = keras.layers.BatchNormalization(epsilon=1e-3, name=f"{name}.bn")(x)
    return keras.layers.ReLU(name=f"{name}.relu")(x)


def _avg_pool(x, name):
    # TF's "same" average pool leaves the padding out of the mean: the
    # FID network's pooling (pytorch-fid: count_include_pad=False).
    return keras.layers.AveragePooling2D(3, 1, "same", name=name)(x)


def _block_a(x, name, pool_features):  # torchvision InceptionA (Mixed_5b-d)
    b1 = _conv(x, f"{name}.branch1x1", 64, 1)
    b5 = _conv(x, f"{name}.branch5x5_1", 48, 1)
    b5 = _conv(b5, f"{name}.branch5x5_2", 64, 5, padding="same")
    b3 = _conv(x, f"{name}.branch3x3dbl_1", 64, 1)
    b3 = _conv(b3, f"{name}.branch3x3dbl_2", 96, 3, padding="same")
    b3 = _conv(b3, f"{name}.branch3x3dbl_3", 96, 3, padding="same")
    bp = _conv(_avg_pool(x, f"{name}.pool"), f"{name}.branch_pool", pool_features, 1)
    return keras.layers.Concatenate(name=name)([b1, b5, b3, bp])


def _block_b(x, name):  # InceptionB (Mixed_6a)
    b3 = _conv(x, f"{name}.branch3x3", 384, 3, strides=2)
    bd = _conv(x, f"{name}.branch3x3dbl_1", 64, 1)
    bd = _conv(bd, f"{name}.branch3x3dbl_2", 96, 3, padding="same")
    bd = _conv(bd, f"{name}.branch3x3dbl_3", 96, 3, strides=2)
    bp = keras.layers.MaxPooling2D(3, 2, name=f"{name}.pool")(x)
    return keras.layers.Concatenate(name=name)([b3, bd, bp])


def _block_c(x, name, c7):  # InceptionC (Mixed_6b-e)
    b1 = _conv(x, f"{name}.branch1x1", 192, 1)
    b7 = _conv(x, f"{name}.branch7x7_1", c7, 1)
    b7 = _conv(b7, f"{name}.branch7x7_2", c7, (1, 7), padding="same")
    b7 = _conv(b7, f"{name}.branch7x7_3", 192, (7, 1), padding="same")
    bd = _conv(x, f"{name}.branch7x7dbl_1", c7, 1)
    bd = _conv(bd, f"{name}.branch7x7dbl_2", c7, (7, 1), padding="same")
    bd = _conv(bd, f"{name}.branch7x7dbl_3", c7, (1, 7), padding="same")
    bd = _conv(bd, f"{name}.branch7x7dbl_4", c7, (7, 1), padding="same")
    bd = _conv(bd, f"{name}.branch7x7dbl_5", 192, (1, 7), padding="same")
    bp = _conv(_avg_pool(x, f"{name}.pool"), f"{name}.branch_pool", 192, 1)
    return keras.layers.Concatenate(name=name)([b1, b7, bd, bp])


def _block_d(x, name):  # InceptionD (Mixed_7a)
    b3 = _conv(x, f"{name}.branch3x3_1", 192, 1)
    b3 = _conv(b3, f"{name}.branch3x3_2", 320, 3, strides=2)
    b7 = _conv(x, f"{name}.branch7x7x3_1", 192, 1)
    b7 = _conv(b7, f"{name}.branch7x7x3_2", 192, (1, 7), padding="same")
    b7 = _conv(b7, f"{name}.branch7x7x3_3", 192, (7, 1), padding="same")
    b7 = _conv(b7, f"{name}.branch7x7x3_4", 192, 3, strides=2)
    bp = keras.layers.MaxPooling2D(3, 2, name=f"{name}.pool")(x)
    return keras.layers.Concatenate(name=name)([b3, b7, bp])


def _block_e(x, name, max_pool):  # InceptionE (Mixed_7b avg, Mixed_7c max)
    b1 = _conv(x, f"{name}.branch1x1", 320, 1)
    b3 = _conv(x, f"{name}.branch3x3_1", 384, 1)
    b3 = keras.layers.Concatenate(name=f"{name}.branch3x3")(
        [
            _conv(b3, f"{name}.branch3x3_2a", 384, (1, 3), padding="same"),
            _conv(b3, f"{name}.branch3x3_2b", 384, (3, 1), padding="same"),
        ]
    )
    bd = _conv(x, f"{name}.branch3x3dbl_1", 448, 1)
    bd = _conv(bd, f"{name}.branch3x3dbl_2", 384, 3, padding="same")
    bd = keras.layers.Concatenate(name=f"{name}.branch3x3dbl")(
        [
            _conv(bd, f"{name}.branch3x3dbl_3a", 384, (1, 3), padding="same"),
            _conv(bd, f"{name}.branch3x3dbl_3b", 384, (3, 1), padding="same"),
        ]
    )
    if max_pool:  # The FID graph's quirk in its last block.
        pooled = keras.layers.MaxPooling2D(3, 1, "same", name=f"{name}.pool")(x)
    else:
        pooled = _avg_pool(x, f"{name}.pool")
    bp = _conv(pooled, f"{name}.branch_pool", 192, 1)
    return keras.layers.Concatenate(name=name)([b1, b3, bd, bp])


def build_fid_inception(with_logits=True, image_size=FID_SIZE):
    """The FID Inception network, untrained (see `load_fid_inception_weights`).

    Input: `(batch, 299, 299, 3)` images in [-1, 1]. Outputs: the 2048-d
    pool3 features and, with `with_logits`, the 1008 class logits.
    `image_size` other than 299 (at least 75) is for fast tests only: FID
    is defined at 299.
    """
    inputs = keras.Input((image_size, image_size, 3), name="images")
    x = _conv(inputs, "Conv2d_1a_3x3", 32, 3, strides=2)
    x = _conv(x, "Conv2d_2a_3x3", 32, 3)
    x = _conv(x, "Conv2d_2b_3x3", 64, 3, padding="same")
    x = keras.layers.MaxPooling2D(3, 2, name="maxpool1")(x)
    x = _conv(x, "Conv2d_3b_1x1", 80, 1)
    x = _conv(x, "Conv2d_4a_3x3", 192, 3)
    x = keras.layers.MaxPooling2D(3, 2, name="maxpool2")(x)
    x = _block_a(x, "Mixed_5b", 32)
    x = _block_a(x, "Mixed_5c", 64)
    x = _block_a(x, "Mixed_5d", 64)
    x = _block_b(x, "Mixed_6a")
    for name, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        x = _block_c(x, name, c7)
    x = _block_d(x, "Mixed_7a")
    x = _block_e(x, "Mixed_7b", max_pool=False)
    x = _block_e(x, "Mixed_7c", max_pool=True)
    pool3 = keras.layers.GlobalAveragePooling2D(name="pool3")(x)
    outputs = [pool3]
    if with_logits:
        outputs.append(keras.layers.Dense(NUM_CLASSES, name="fc")(pool3))
    return keras.Model(inputs, outputs, name="fid_inception_v3")


# --- the weights --------------------------------------------------------


def load_fid_inception_weights(model, state_dict):
    """Copies a pytorch-fid state dict (name -> numpy array) into `model`.

    Every convolution, batch norm and the `fc` layer of `model` must find
    its tensors (`<layer>.weight`, `.bias`, `.running_mean`,
    `.running_var`) with the PyTorch shapes; convolution kernels are
    transposed from `(out, in, h, w)` to Keras' `(h, w, in, out)`.

    Raises:
        ValueError: naming the missing, unused or mis-shaped tensors.
    """
    state = {k: np.asarray(v) for k, v in state_dict.items()}
    used, problems = set(), []

    def take(key, shape):
        if key not in state:
            problems.append(f"missing {key}")
            return None
        used.add(key)
        value = state[key]
        if tuple(value.shape) != tuple(shape):
            problems.append(f"{key} has shape {value.shape}, expected {tuple(shape)}")
            return None
        return value

    assignments = []
    for layer in model.layers:
        name = layer.name
        if isinstance(layer, keras.layers.Conv2D):
            h, w, cin, cout = layer.kernel.shape
            kernel = take(f"{name}.weight", (cout, cin, h, w))
            if kernel is not None:
                assignments.append((layer, [kernel.transpose(2, 3, 1, 0)]))
        elif isinstance(layer, keras.layers.BatchNormalization):
            (c,) = layer.gamma.shape
            values = [take(f"{name}.{k}", (c,)) for k in ("weight", "bias", "running_mean", "running_var")]
            if all(v is not None for v in values):
                assignments.append((layer, values))
        elif isinstance(layer, keras.layers.Dense):
            cin, cout = layer.kernel.shape
            kernel, bias = take(f"{name}.weight", (cout, cin)), take(f"{name}.bias", (cout,))
            if kernel is not None and bias is not None:
                assignments.append((layer, [kernel.T, bias]))
    unused = sorted(k for k in state if k not in used and not k.endswith("num_batches_tracked"))
    has_fc = any(layer.name == "fc" for layer in model.layers)
    unused = [k for k in unused if has_fc or not k.startswith("fc.")]
    problems += [f"unused {k}" for k in unused]
    if problems:
        shown = "; ".join(problems[:8]) + (f"; ... ({len(problems)} in all)" if len(problems) > 8 else "")
        raise ValueError(
            "The state dict does not fit the FID Inception network "
            f"(expected pytorch-fid's {FID_WEIGHTS_FILE}): {shown}."
        )
    for layer, values in assignments:
        layer.set_weights([np.asarray(v, dtype=np.float32) for v in values])
    return model


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_fid_weights(cache_dir=None):
    """Path of the pytorch-fid weights file, downloaded once.

    Raises:
        RuntimeError: when the download fails (no network) or the file's
            sha256 does not start with the published prefix.
    """
    try:
        path = keras.utils.get_file(FID_WEIGHTS_FILE, FID_WEIGHTS_URL, cache_subdir="models", cache_dir=cache_dir)
    except Exception as e:
        raise RuntimeError(
            f"The FID Inception weights need a one-time download from {FID_WEIGHTS_URL} "
            f"(into ~/.keras/models/), which failed: {e}. Connect to the network once or "
            "copy the file there, or pass weights=<path to the .pth file>. Offline "
            "alternative (not comparable with published FID): features='domain'."
        ) from e
    actual = _sha256(path)
    if not actual.startswith(FID_WEIGHTS_SHA256_PREFIX):
        raise RuntimeError(
            f"{path} has sha256 {actual[:16]}..., expected {FID_WEIGHTS_SHA256_PREFIX}...: "
            "a corrupt or different file; delete it and download again."
        )
    return path


# --- the extractor ------------------------------------------------------


class FIDInceptionExtractor(InceptionExtractor):
    """Pool3 features (and 1008-class probabilities) of the FID network.

    Preprocessing as pytorch-fid's: images in [-1, 1] (the network's input
    range; pytorch-fid maps its [0, 1] input there), grayscale repeated to
    3 channels, resized to 299x299 with bilinear interpolation without
    antialiasing and with half-pixel centres (PyTorch's
    `F.interpolate(mode="bilinear", align_corners=False)`). Create with
    `fid_inception_extractor()`.
    """

    feature_dim = 2048
    resize = f"{FID_SIZE}x{FID_SIZE} bilinear, align_corners=False, no antialias (as pytorch-fid)"

    def __init__(self, model, with_probabilities, name, batch_size=32):
        self.size = int(model.input_shape[1])
        super().__init__(model, with_probabilities, name, batch_size=batch_size)

    @property
    def protocol(self):
        return {
            "feature_network": "FID Inception v3 (TTUR 2015-12-05 graph, 2048-d pool3)",
            "weights": self.name,
            "resize": self.resize,
            "comparable_with": "FIDs of TTUR / pytorch-fid at the same numbers of samples "
            "(published FIDs: 50,000 generated; pytorch-fid reads 8-bit images)",
        }

    def preprocess(self, images):
        x = rgb_images(images)
        if tuple(x.shape[1:3]) != (self.size, self.size):
            x = tf.image.resize(x, (self.size, self.size), "bilinear", antialias=False)
        return x

    def _forward(self, images):
        out = self.model(images, training=False)
        if not isinstance(out, (list, tuple)):
            out = [out]
        if self.with_probabilities:
            return out[0], tf.nn.softmax(out[1], axis=-1)
        return (out[0],)

    # features_and_probabilities, features, probabilities and __call__: as InceptionExtractor's.


def fid_inception_extractor(weights="pytorch-fid", with_probabilities=False):
    """The FID Inception network of published FIDs, as a feature extractor.

    Args:
        weights: `"pytorch-fid"` (download pytorch-fid's published
            `pt_inception-2015-12-05-6726825d.pth` once into
            `~/.keras/models/` and check its sha256 prefix), a path to that
            file, or a dict of numpy arrays with its keys (tests use a
            stub of the right shapes).
        with_probabilities: Also return the 1008-class softmax (for the
            Inception Score).

    Returns:
        A `FIDInceptionExtractor`.

    Raises:
        RuntimeError: when the weights cannot be downloaded.
        ValueError: when the file or dict does not fit the network.

    Example:

    >>> extractor = fid_inception_extractor()  # needs the network once
    >>> extractor(np.zeros((2, 32, 32, 3))).shape
    (2, 2048)
    """
    if isinstance(weights, dict):
        state, name = weights, "state dict (user-supplied)"
    else:
        path = download_fid_weights() if weights == "pytorch-fid" else str(weights)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No FID Inception weights file at {path!r}.")
        state = torch_weights.load_state_dict(path)
        name = os.path.basename(path)
    model = build_fid_inception(with_logits=with_probabilities)
    load_fid_inception_weights(model, state)
    return FIDInceptionExtractor(model, with_probabilities, name)
