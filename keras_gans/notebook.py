"""The set-up cell every notebook shares: smoke mode, GPU, precision, seed, output folder."""

import dataclasses
import os

import keras
import tensorflow as tf

from keras_gans import distribute

SMOKE_VARIABLE = "KERAS_GANS_SMOKE"
PRECISION_VARIABLE = "KERAS_GANS_PRECISION"


@dataclasses.dataclass(frozen=True)
class Setup:
    """What `setup` chose.

    Attributes:
        smoke: True when `KERAS_GANS_SMOKE=1` (offline, tiny networks, a few steps).
        gpu: True when TensorFlow sees a GPU.
        precision: the Keras dtype policy set ("float32", "mixed_float16", ...).
        out: the folder the notebook writes its pictures and exports to (created).
    """

    smoke: bool
    gpu: bool
    precision: str
    out: str


def setup(out, seed=0, precision="auto"):
    """Prepare a notebook run and print what was chosen.

    Reads `KERAS_GANS_SMOKE` (smoke mode when it is "1"), looks for a GPU,
    sets Keras' global dtype policy, seeds Python, NumPy and TensorFlow, and
    creates the output folder.

    Args:
        out: the output folder, e.g. "runs/dcgan_notebook".
        seed: passed to `keras.utils.set_random_seed`; None leaves the
            generators unseeded.
        precision: "auto" picks `KERAS_GANS_PRECISION` when it is set, else
            "mixed_float16" on a GPU (float16 matmuls, float32 weights and
            losses) and "float32" on a CPU, which has no fast half precision.
            A policy name ("float32", "mixed_float16", "mixed_bfloat16") is
            used as given and `KERAS_GANS_PRECISION` is ignored: for a model
            not tested under mixed precision, pass "float32".

    Returns:
        A `Setup` (smoke, gpu, precision, out).

    Example:
        >>> run = keras_gans.notebook.setup("runs/dcgan_notebook", seed=0)
        >>> SMOKE, OUT = run.smoke, run.out
    """
    smoke = os.environ.get(SMOKE_VARIABLE) == "1"
    gpu = bool(tf.config.list_physical_devices("GPU"))
    if precision == "auto":
        precision = os.environ.get(PRECISION_VARIABLE) or ("mixed_float16" if gpu else "float32")
    precision = distribute.set_precision(precision)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    os.makedirs(out, exist_ok=True)
    # The package imports this module: its version is read at call time.
    from keras_gans import __version__  # pylint: disable=import-outside-toplevel

    print(
        f"keras_gans {__version__}, TensorFlow {tf.__version__}, Keras {keras.__version__}; "
        f"GPU: {gpu}; precision: {precision}; smoke mode: {smoke}"
    )
    return Setup(smoke=smoke, gpu=gpu, precision=precision, out=out)
