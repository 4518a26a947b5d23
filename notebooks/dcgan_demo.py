# %% [markdown]
# # DCGAN on MNIST
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/dcgan_demo.ipynb)
#
# A deep convolutional GAN (Radford et al. 2016) trained with `keras_gans.GAN`
# (Goodfellow et al. 2014): the generator G maps a latent z ~ N(0, I) to an
# image, the discriminator D scores images, and one `fit` step is one D update
# and one G update of the non-saturating game. The notebook trains on MNIST
# (TFDS), shows the samples and the losses, measures the samples (FID and KID
# in the features of a digit classifier), exports the generator and loads the
# export back. `make demo` is the same thing on the embedded digits.
#
# **Smoke mode.** With the environment variable `KERAS_GANS_SMOKE=1` the
# notebook runs offline in seconds: the 1,797 embedded digits at 16x16, tiny
# networks, a few steps. The outputs on the documentation site come from that
# mode: they show the notebook works, not what the model learns.
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
from keras_gans import networks

# Mixed precision on a GPU, float32 on a CPU (KERAS_GANS_PRECISION overrides the choice); seed 0.
OUT = keras_gans.notebook.setup("runs/dcgan_notebook").out

# %% [markdown]
# ## Data
#
# `keras_gans.datasets.load` returns batches of images in [-1, 1]. MNIST is
# padded to 32x32 (DCGAN's sizes are powers of two) and downloaded once by TFDS.

# %%
if SMOKE:
    DATASET, IMAGE_SIZE, BATCH, EPOCHS, STEPS, LATENT, FILTERS = "digits", 16, 32, 2, 3, 8, 8
else:
    DATASET, IMAGE_SIZE, BATCH, EPOCHS, STEPS, LATENT, FILTERS = "mnist", 32, 128, 10, None, 100, 64
data = keras_gans.datasets.load(DATASET, batch_size=BATCH, image_size=IMAGE_SIZE, channels=1, seed=0)
real = next(iter(data)).numpy()
print(DATASET, real.shape, float(real.min()), float(real.max()))
display(Image(keras_gans.plotting.save_image_grid(real[:64], f"{OUT}/real.png")))

# %% [markdown]
# ## The model
#
# DCGAN networks: the generator projects z to 4x4 and up-samples with strided
# transposed convolutions and batch norm; the discriminator mirrors it with
# strided convolutions and LeakyReLU. `ema_decay` keeps a moving average of
# G's weights, which `generate()` and the export use.

# %%
shape = (IMAGE_SIZE, IMAGE_SIZE, 1)
gan = keras_gans.GAN(
    networks.dcgan_generator(LATENT, shape, base_filters=FILTERS),
    networks.dcgan_discriminator(shape, base_filters=FILTERS),
    latent_dim=LATENT,
    loss="non_saturating",
    ema_decay=0.999,
    seed=0,
)
gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
gan.generator.summary()

# %% [markdown]
# ## Training
#
# Plain `fit`. `SampleGrid` writes a grid from the same latents after every
# epoch, so the grids show how G evolves.

# %%
grid = keras_gans.callbacks.SampleGrid(f"{OUT}/samples", num_samples=64)
history = gan.fit(data, epochs=EPOCHS, steps_per_epoch=STEPS, callbacks=[grid], verbose=2)

# %%
display(Image(grid.paths[-1]))
display(Image(keras_gans.plotting.plot_history(history.history, f"{OUT}/losses.png")))

# %% [markdown]
# ## Evaluation
#
# FID and KID between generated and held-out real digits, in the 128-d
# features of a small digit classifier trained on the real training split
# (`features="domain"`: offline and meaningful on 32x32 digits; these numbers
# compare runs measured the same way, not published Inception FIDs). The
# classifier's accuracy on the test split says how good its features are.

# %%
labelled = keras_gans.datasets.load(DATASET, batch_size=64, image_size=IMAGE_SIZE, channels=1, with_labels=True)
classifier = keras_gans.metrics.train_domain_classifier(
    labelled, num_classes=10, epochs=1 if SMOKE else 3, cache_dir=f"{OUT}/classifier", name=f"{DATASET}{IMAGE_SIZE}"
)
test = keras_gans.datasets.load(
    DATASET,
    split="test",
    batch_size=50 if SMOKE else 100,
    image_size=IMAGE_SIZE,
    channels=1,
    with_labels=True,
    shuffle=False,
)
print(f"domain classifier accuracy on the real test split: {classifier.accuracy(test):.3f}")
NUM = 200 if SMOKE else 5000
scores = keras_gans.metrics.evaluate_generator(
    lambda n: gan.generate(n),
    test,
    metrics=("fid", "kid"),
    num_samples=NUM,
    features="domain",
    classifier=classifier,
    kid_subset_size=min(1000, NUM // 2),
    reference_split=f"{DATASET}:test",
)
print(keras_gans.metrics.format_table(scores))

# %% [markdown]
# ## Save, export, load back
#
# `gan.save` keeps both optimizers (training resumes with
# `keras.models.load_model`). `export_generator` writes a SavedModel and a
# TFLite file that serve without keras_gans or Keras; `load_exported` runs
# them. The last line compares the export with the Keras model on the same
# latents.
#
# Under mixed precision the export serves a float32 copy of the generator, so it differs
# from the float16 Keras model by rounding (up to 2e-3 in this project's smoke runs with
# `KERAS_GANS_PRECISION=mixed_float16` on a CPU); in float32 the two agree to about 1e-7.

# %%
gan.save(f"{OUT}/dcgan.keras")
keras_gans.export.export_generator(gan, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    z = np.random.default_rng(0).standard_normal((16, LATENT)).astype("float32")
    exported = served.run({"latent": z})["images"]
    difference = np.abs(exported - gan.generate(latent=z)).max()
    print(f"{backend}: {served.signatures['serving_default']['outputs']}, max |export - Keras| = {difference:.2e}")
display(Image(keras_gans.plotting.save_image_grid(served.generate(64, seed=1), f"{OUT}/exported_samples.png")))
