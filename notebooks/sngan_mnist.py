# %% [markdown]
# # SNGAN and SAGAN on MNIST
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/sngan_mnist.ipynb)
#
# Two of the models that made GANs train reliably at scale, on the 28x28
# MNIST digits embedded in keras_gans (`mnist5k`, no download):
#
# - `keras_gans.SNGAN` (Miyato et al. 2018): every layer of the discriminator
#   spectrally normalized (W / sigma(W), one power iteration per update), the
#   hinge loss, 5 D updates per G update, Adam(2e-4, 0, 0.9), and the paper's
#   ResNet generator and discriminator;
# - `keras_gans.SAGAN` (Zhang et al. 2019): the same ResNets with a
#   self-attention layer (`keras_gans.layers.SelfAttention`) in both networks,
#   spectral norm in G too, 1 D update per G update and the two time-scale
#   learning rates Adam(1e-4 G, 4e-4 D).
#
# Both are scored as in `benchmarks/architectures.py`: MNIST Frechet distance
# of 1,000 samples in the features of keras_gans' MNIST classifier.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): tiny networks, two steps, no
# scoring. The documentation site shows that mode's outputs, which show the
# notebook runs, not what the models learn. The measured results are on the
# site's SNGAN and SAGAN pages.
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
import keras
from IPython.display import Image, display

import keras_gans
from keras_gans import zoo

# float32 on a GPU too: this notebook has not been run under mixed precision.
OUT = keras_gans.notebook.setup("runs/sngan_notebook", precision="float32").out

# %% [markdown]
# ## Data and settings
#
# The 4,000 mnist5k training digits, 28x28, in [-1, 1]. The ResNets start
# from 7x7 at 28 px (two up-sampling blocks), so the digits need no resizing.
# `CHANNELS` is the networks' width ch (the paper uses 256 in G and 128 in D
# at 32 px; 16 trains in minutes on a CPU; on a GPU raise it and `EPOCHS`).

# %%
if SMOKE:
    EPOCHS, STEPS, CHANNELS, LATENT, BATCH = 1, 2, 4, 8, 16
else:
    EPOCHS, STEPS, CHANNELS, LATENT, BATCH = 10, None, 16, 32, 64
data = keras_gans.datasets.load("mnist5k", split="train", batch_size=BATCH, seed=0)

# %% [markdown]
# ## The models
#
# The zoo builds each with its paper's defaults. SAGAN's attention sits at
# the 14x14 feature maps of both networks; its gamma starts at 0, so the
# networks start as their convolutional versions.

# %%
models = {
    name: zoo.build(name, (28, 28, 1), latent_dim=LATENT, channels=CHANNELS, seed=0) for name in ("sngan", "sagan")
}
for name, model in models.items():
    print(
        f"{name}: {type(model).__name__}, loss {model.loss}, {model.discriminator_steps} D step(s) per G step, "
        f"D lr {float(model.d_optimizer.learning_rate.numpy()):g}, G lr {float(model.g_optimizer.learning_rate.numpy()):g}, "
        f"spectrally normalized layers: G {len(keras_gans.layers.spectral_layers(model.generator))}, "
        f"D {len(keras_gans.layers.spectral_layers(model.discriminator))}"
    )

# %% [markdown]
# ## Training

# %%
histories = {}
for name, model in models.items():
    grid = keras_gans.callbacks.SampleGrid(f"{OUT}/{name}/samples", num_samples=64)
    histories[name] = model.fit(data, epochs=EPOCHS, steps_per_epoch=STEPS, callbacks=[grid], verbose=2)
    display(Image(grid.paths[-1]))

# %%
sagan = models["sagan"]
for network in (sagan.generator, sagan.discriminator):
    print(f"{network.name}: attention gamma = {float(network.get_layer('attention14').gamma.numpy()):+.4f}")

# %% [markdown]
# ## Scores
#
# MNIST Frechet distance (lower is better) and class coverage of 1,000
# samples, with keras_gans' MNIST classifier (trained once on the mnist5k
# training digits and cached). Skipped in smoke mode.

# %%
if not SMOKE:
    classifier = keras_gans.metrics.mnist_classifier()
    for name, model in models.items():
        samples = model.generate(1000, seed=0)
        share = np.bincount(np.argmax(classifier.probabilities(samples), -1), minlength=10) / len(samples)
        fd = keras_gans.metrics.mnist_frechet_distance(samples, classifier=classifier)
        print(f"{name}: MNIST FD {fd:.1f}, class coverage {np.mean(share >= 0.02):.1f}")

# %% [markdown]
# ## Save, export, load back
#
# `save` keeps both optimizers (resume with `keras.models.load_model`);
# `export_generator` writes a SavedModel and a TFLite file that serve without
# keras_gans or Keras.

# %%
sagan.save(f"{OUT}/sagan.keras")
resumed = keras.models.load_model(f"{OUT}/sagan.keras")
keras_gans.export.export_generator(sagan, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
z = np.random.default_rng(0).standard_normal((16, LATENT)).astype("float32")
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    difference = np.abs(served.run({"latent": z})["images"] - sagan.generate(latent=z)).max()
    print(f"{backend}: max |export - Keras| = {difference:.2e}")
print(
    f"reloaded .keras: max |reloaded - Keras| = {np.abs(resumed.generate(latent=z) - sagan.generate(latent=z)).max():.2e}"
)
