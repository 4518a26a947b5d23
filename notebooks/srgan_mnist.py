# %% [markdown]
# # SRGAN: x4 super-resolution
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/srgan_mnist.ipynb)
#
# `keras_gans.SRGAN` (Ledig et al. 2017): the SRResNet generator (residual
# blocks, sub-pixel upsampling) turns a low-resolution image into one four
# times larger; a discriminator judges high-resolution images against the
# generator's; the generator's loss is a content loss plus 1e-3 times the
# adversarial loss. Low-resolution inputs are made by bicubic downsampling.
# The notebook pretrains the SRResNet on the pixel MSE (the paper's
# initialisation), trains SRGAN, compares both with bicubic upscaling (PSNR,
# SSIM on held-out images), exports the generator and runs the export on an
# image of another size. `examples/srgan_mnist.py` is the script.
#
# The content loss: with network access, `CONTENT_LOSS = "vgg"` uses the
# paper's VGG19 feature loss (the ImageNet weights download once); this
# notebook uses the pixel MSE (the paper's SRGAN-MSE), which works offline.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): tiny networks, a few steps. The
# documentation site shows that mode's outputs: they show the notebook runs,
# not what the model learns.
#
# `OWNER/keras_gans` in the links is a placeholder: the repository has no
# public address yet.

# %%
# Install keras_gans from the repository (Colab); skipped when it is already importable or in smoke mode.
import importlib.util
import os
import subprocess
import sys

SMOKE = os.environ.get("KERAS_GANS_SMOKE") == "1"
if not SMOKE and importlib.util.find_spec("keras_gans") is None:  # OWNER/keras_gans: placeholder address
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/OWNER/keras_gans"])

# %%
import numpy as np
import tensorflow as tf
import keras
from IPython.display import Image, display

import keras_gans
from keras_gans.datasets import bicubic_upscale, load_super_resolution
from keras_gans.metrics import evaluate_super_resolution
from keras_gans.models import build_srgan, pretrain_srresnet

# float32 on a GPU too: this notebook has not been run under mixed precision.
OUT = keras_gans.notebook.setup("runs/srgan_notebook", precision="float32").out
SCALE = 4
CONTENT_LOSS = "pixel"  # "vgg" with network access: the paper's VGG19 phi_5,4 loss

# %% [markdown]
# ## Data
#
# The embedded MNIST digits (28x28, offline) and their bicubic x4
# downsamples (7x7). `load_super_resolution` makes such pairs from any image
# set `datasets.load` reads: a folder of your images, a TFDS name.

# %%
BATCH = 8 if SMOKE else 16
PRETRAIN_STEPS, STEPS = (3, 3) if SMOKE else (600, 600)
train = load_super_resolution("mnist5k", scale=SCALE, batch_size=BATCH, seed=0).repeat()
test = load_super_resolution("mnist5k", split="test", scale=SCALE, batch_size=100, shuffle=False)
low, high = next(iter(test))
print("low-res", low.shape, "high-res", high.shape)

# %% [markdown]
# ## The model
#
# Small networks for 28x28 digits (the paper's are `blocks=16, filters=64`
# and a discriminator of base width 64 on 96x96 crops).

# %%
networks = (
    dict(blocks=1, filters=8, discriminator_filters=4, dense_units=16)
    if SMOKE
    else dict(blocks=4, filters=32, discriminator_filters=16, dense_units=128)
)
model = build_srgan(channels=1, scale=SCALE, hr_shape=(28, 28, 1), content_loss=CONTENT_LOSS, seed=0, **networks)
print(f"generator {model.generator.count_params():,} parameters, discriminator {model.discriminator.count_params():,}")

# %% [markdown]
# ## SRResNet pretraining, then SRGAN

# %%
pretrain_srresnet(model.generator, train, steps_per_epoch=PRETRAIN_STEPS, verbose=2)
srresnet = keras.models.clone_model(model.generator)
srresnet.set_weights(model.generator.get_weights())
history = model.fit(train, epochs=1, steps_per_epoch=STEPS, verbose=2)

# %% [markdown]
# ## Against bicubic upscaling, on the 1,000 held-out digits
#
# PSNR and SSIM on [0, 1]. Rows of the picture: low-res input (enlarged),
# bicubic, SRResNet, SRGAN, high-res.

# %%
evaluation = test.take(1) if SMOKE else test
for name, network in (("SRResNet", srresnet), ("SRGAN", model.generator)):
    scores = evaluate_super_resolution(network, evaluation)
    print(f"{name:<9} PSNR {scores['psnr']:.2f} dB  SSIM {scores['ssim']:.3f}")
print(f"{'bicubic':<9} PSNR {scores['bicubic_psnr']:.2f} dB  SSIM {scores['bicubic_ssim']:.3f}")
few = low[:8].numpy()
rows = [
    np.repeat(np.repeat(few, SCALE, axis=1), SCALE, axis=2),
    bicubic_upscale(few, SCALE).numpy(),
    srresnet.predict(few, verbose=0),
    model.upscale(few),
    high[:8].numpy(),
]
display(Image(keras_gans.plotting.save_image_grid(np.concatenate(rows), f"{OUT}/srgan.png", columns=8)))

# %% [markdown]
# ## Export, and any input size
#
# The exported generator (SavedModel and TFLite) takes low-resolution images
# of any size.

# %%
keras_gans.export.export_generator(model, f"{OUT}/export", overwrite=True, benchmark=False, static_batch_sizes=())
served = tf.saved_model.load(f"{OUT}/export/saved_model/1").signatures["serving_default"]
wide = np.concatenate([few[:1], few[1:2]], axis=2)  # one 7x14 image
print("served", served(source=tf.constant(wide))["images"].shape)
