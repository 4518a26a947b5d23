# %% [markdown]
# # BigGAN-style conditioning on MNIST, and the truncation trick
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/biggan_mnist.ipynb)
#
# `keras_gans.BigGAN` (Brock et al. 2019) at a small scale: the generator's
# conditional batch norms take the shared class embedding and a chunk of z
# (the hierarchical latent), the discriminator is the projection
# discriminator (Miyato & Koyama 2018) with global sum pooling, both
# spectrally normalized, hinge loss, orthogonal regularization of G.
# Sampling from a truncated normal (threshold psi) trades diversity for
# fidelity; the exported generator takes psi as an input.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): offline, tiny networks, a few steps.
# The documentation site shows that mode's outputs, which show the notebook
# runs, not what the model learns. Measured results are on the site's
# BigGAN page.
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
from IPython.display import Image, display

import keras_gans
from keras_gans import zoo

# float32 on a GPU too: this notebook has not been run under mixed precision.
OUT = keras_gans.notebook.setup("runs/biggan_notebook", precision="float32").out

# %% [markdown]
# ## Data and model
#
# The embedded MNIST (mnist5k, 28x28, offline). The zoo's "biggan" starts the
# generator at 7x7 for 28 px; `channels` is BigGAN's width ch.

# %%
if SMOKE:
    BATCH, EPOCHS, STEPS, CHANNELS = 16, 1, 3, 2
else:
    BATCH, EPOCHS, STEPS, CHANNELS = 64, 10, None, 8
data = zoo.load_data("biggan", "mnist5k", batch_size=BATCH, seed=0)
model = zoo.build("biggan", data.element_spec, dataset="mnist5k", channels=CHANNELS, seed=0)
print(f"G {model.generator.count_params():,} parameters, D {model.discriminator.count_params():,}")
print("z chunks:", [tuple(t.shape) for t in model.generator.get_layer("z_chunks").output])

# %% [markdown]
# ## Training

# %%
history = model.fit(data, epochs=EPOCHS, steps_per_epoch=STEPS, verbose=2)

# %% [markdown]
# ## The truncation trick
#
# The same latents, truncated at several thresholds: entries of z beyond
# |psi| are resampled from the normal truncated to [-psi, psi]. Rows are
# classes, columns latents.

# %%
labels = np.repeat(np.arange(10), 10)
latent = model.sample_latent(len(labels), seed=tf.constant([0, 0], tf.int64)).numpy()
for psi in (None, 1.0, 0.5):
    images = model.generate(latent=latent, labels=labels, truncation=psi)
    path = keras_gans.plotting.save_image_grid(images, f"{OUT}/psi_{psi}.png", columns=10)
    print("truncation", psi)
    display(Image(path))

# %% [markdown]
# ## Export: latent, labels and truncation
#
# The exported signature takes `truncation` as a float32 scalar (inf = no
# truncation, the default of the loader's `generate`).

# %%
keras_gans.export.export_generator(model, f"{OUT}/export", formats=("saved_model",), overwrite=True)
served = keras_gans.export.load_exported(f"{OUT}/export")
exported = served.run({"latent": latent[:10], "labels": labels[:10], "truncation": np.float32(0.5)})["images"]
print(
    f"max |export - Keras| = {np.abs(exported - model.generate(latent=latent[:10], labels=labels[:10], truncation=0.5)).max():.2e}"
)
display(
    Image(
        keras_gans.plotting.save_image_grid(
            served.generate(10, labels=7, seed=1, truncation=0.5), f"{OUT}/sevens.png", columns=10
        )
    )
)
