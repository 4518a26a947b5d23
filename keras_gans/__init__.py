"""keras_gans: generative adversarial networks for TensorFlow and Keras 3."""

import os as _os

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_gans import callbacks, datasets, distribute, export, layers, losses, metrics, networks, plotting, zoo  # noqa: E402
from keras_gans.models import (  # noqa: E402
    ACGAN,
    GAN,
    WGAN,
    WGANGP,
    ConditionalGAN,
    CycleGAN,
    Pix2Pix,
    RelativisticGAN,
    SemiSupervisedGAN,
    SeqGAN,
    StarGAN,
    SRGAN,
)
from keras_gans.models import BigGAN  # noqa: E402
from keras_gans.models import SAGAN, SNGAN  # noqa: E402
from keras_gans import notebook  # noqa: E402

__version__ = "0.1.0"
