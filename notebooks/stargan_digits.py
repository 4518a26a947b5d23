# %% [markdown]
# # StarGAN: one generator for every domain
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/stargan_digits.ipynb)
#
# `keras_gans.StarGAN` (Choi et al. 2018) translates an image x to any target
# domain c with one generator G(x, c). The discriminator has two heads: a
# PatchGAN critic D_src (the WGAN-GP game) and a domain classifier D_cls,
# trained on real images with their attributes; G learns to be classified as
# c and to come back to x from G(x, c) with the original attributes
# (reconstruction L1, lambda 10). The offline data are the attribute digits:
# mnist5k at 28x28 with two random binary attributes per image, thick
# strokes and inverted. With the network, set `DATASET = "celeb_a"` for the
# paper's CelebA attributes at 128x128. `examples/stargan_digits.py` is the
# script; `benchmarks/stargan.py` measures the attribute accuracy of the
# translations (see the docs' StarGAN page).
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
from IPython.display import Image, display

import keras_gans
from keras_gans.models.stargan import StarGAN
from keras_gans.networks.stargan import stargan_discriminator, stargan_generator

# float32 on a GPU too: this notebook has not been run under mixed precision.
OUT = keras_gans.notebook.setup("runs/stargan_notebook", precision="float32").out
DATASET = "mnist5k"  # "celeb_a" with network access (TFDS download)

# %% [markdown]
# ## Data: images with attribute vectors
#
# Batches of (images in [-1, 1], attributes in {0, 1}). The four domains of
# the digits hold about a quarter of the images each.

# %%
train = keras_gans.datasets.load_attributes(DATASET, batch_size=16, seed=0)
names = keras_gans.datasets.attribute_names(DATASET)
sources, attributes = next(
    iter(keras_gans.datasets.load_attributes(DATASET, split="test", batch_size=8, shuffle=False))
)
sources, attributes = sources.numpy(), attributes.numpy()
print("attributes:", names)
print("test images' attributes:", attributes.astype(int).tolist())
display(Image(keras_gans.plotting.save_image_grid(sources, f"{OUT}/sources.png", columns=8, scale=3)))

# %% [markdown]
# ## The model
#
# The zoo's builder picks small networks for 28 px (conv_dim 16, 3 residual
# blocks, 3 D layers) with the paper's losses and Adam(1e-4, 0.5, 0.999);
# `build_stargan()` with no arguments gives the paper's 128 px networks.

# %%
if SMOKE:
    shape = tuple(train.element_spec[0].shape[1:])
    model = StarGAN(
        stargan_generator(shape, len(names), base_filters=4, num_residual_blocks=1),
        stargan_discriminator(shape, len(names), base_filters=4, num_layers=2),
        critic_steps=2,
        domain_names=names,
        seed=0,
    )
    model.compile()
    STEPS = 3
else:
    model = keras_gans.zoo.build("stargan", train.element_spec, dataset=DATASET, seed=0)
    STEPS = 1200  # the README's run; the paper trains 200,000 iterations on CelebA
history = model.fit(train.repeat(), epochs=1, steps_per_epoch=STEPS, verbose=0 if SMOKE else 2)
print({k: round(float(v[-1]), 3) for k, v in history.history.items()})

# %% [markdown]
# ## Translations
#
# First row: the sources; then one row per target domain, in the order of
# `model.grid_domains()` (for two attributes: 00, 01, 10, 11 = thin, thin
# inverted, thick, thick inverted).

# %%
print("rows after the sources:", model.grid_domains().astype(int).tolist())
display(Image(keras_gans.plotting.save_image_grid(model.domain_grid(sources), f"{OUT}/grid.png", columns=8, scale=3)))

# %% [markdown]
# ## Save, export, load back
#
# The export's `serving_default` takes `source` images and `domains`
# vectors and returns `images` in [-1, 1] (`uint8`: 0..255).

# %%
model.save(f"{OUT}/stargan.keras")
keras_gans.export.export_generator(model, f"{OUT}/export", formats=("saved_model",), overwrite=True)
served = keras_gans.export.load_exported(f"{OUT}/export")
targets = 1.0 - attributes  # flip every attribute
images = served.run({"source": sources, "domains": targets})["images"]
print(f"SavedModel vs Keras: max |difference| {np.abs(images - model.translate(sources, targets)).max():.2e}")
