# %% [markdown]
# # CycleGAN on horse2zebra
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/cyclegan_horse2zebra.ipynb)
#
# `keras_gans.CycleGAN` (Zhu et al. 2017) learns two translators without
# pairs: G: horses -> zebras and F: zebras -> horses, each judged by a
# PatchGAN (D_Y, D_X), tied by the cycle-consistency losses |F(G(x)) - x| and
# |G(F(y)) - y| (lambda = 10) and the identity loss. `build_cycle_gan` gives
# the paper's networks (9-block ResNet generators at 256x256, 70x70 PatchGANs
# with instance norm), least-squares game, image pools of 50, Adam(2e-4, 0.5)
# and the constant-then-linear learning-rate decay. The data are TFDS
# `cycle_gan/horse2zebra`. After training the notebook measures the
# cycle-reconstruction error on the test images, exports both translators and
# loads them back. `examples/cyclegan_horse2zebra.py` is the script.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): offline, thin-stroke -> thick-stroke
# digits made from the embedded digits at 32x32, tiny networks, a few steps.
# The documentation site shows that mode's outputs: they show the notebook
# runs, not what the model learns. The site's CycleGAN page has a measured
# 10-minute run on the stroke digits.
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
from keras_gans.models import build_cycle_gan

# Mixed precision on a GPU, float32 on a CPU (KERAS_GANS_PRECISION overrides the choice); seed 0.
OUT = keras_gans.notebook.setup("runs/cyclegan_notebook").out

# %% [markdown]
# ## Data: two unpaired domains
#
# `load_unpaired` draws the two domains independently (an epoch has
# max(len(A), len(B)) pairs), with the paper's random crop (286 -> 256) and
# mirroring for training.

# %%
if SMOKE:
    DATASET, IMAGE_SIZE, BATCH, CONSTANT, DECAY, STEPS = "digits", 32, 4, 1, 1, 3
    NETWORKS = dict(
        num_residual_blocks=1, generator_filters=4, discriminator_filters=4, discriminator_layers=2, pool_size=8
    )
else:
    # The paper: 100 epochs at 2e-4 then 100 of linear decay, about 1,067 steps each at batch 1. These 5 + 5
    # epochs are a shorter run of the same shape (not timed here: this project's machine has no GPU).
    DATASET, IMAGE_SIZE, BATCH, CONSTANT, DECAY, STEPS = "cycle_gan/horse2zebra", 256, 1, 5, 5, None
    NETWORKS = {}
train = keras_gans.datasets.load_unpaired(DATASET, batch_size=BATCH, image_size=IMAGE_SIZE, seed=0)
steps_per_epoch = STEPS or int(train.cardinality())
test_a, test_b = next(
    iter(keras_gans.datasets.load_unpaired(DATASET, split="test", batch_size=8, image_size=IMAGE_SIZE, shuffle=False))
)
test_a, test_b = test_a.numpy(), test_b.numpy()
print(f"{DATASET}: {steps_per_epoch} steps per epoch; test images {test_a.shape}, {test_b.shape}")
display(Image(keras_gans.plotting.save_image_grid(np.concatenate([test_a, test_b]), f"{OUT}/domains.png", columns=8)))

# %% [markdown]
# ## The model

# %%
model = build_cycle_gan(
    (IMAGE_SIZE, IMAGE_SIZE, test_a.shape[-1]),
    constant_epochs=CONSTANT,
    decay_epochs=DECAY,
    steps_per_epoch=steps_per_epoch,
    seed=0,
    **NETWORKS,
)


# %% [markdown]
# ## Training
#
# After every epoch a picture of the test images: rows x, G(x), F(G(x)).


# %%
def picture(path):
    fake_b = model.translate(test_a)
    rows = [test_a, fake_b, model.translate(fake_b, "b_to_a"), test_b, model.translate(test_b, "b_to_a")]
    return keras_gans.plotting.save_image_grid(np.concatenate(rows), path, columns=len(test_a))


class Pictures(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.path = picture(f"{OUT}/samples/epoch_{epoch + 1:03d}.png")


pictures = Pictures()
history = model.fit(train.take(STEPS) if STEPS else train, epochs=CONSTANT + DECAY, callbacks=[pictures], verbose=2)

# %% [markdown]
# Rows: A, G(A), F(G(A)), B, F(B).

# %%
display(Image(pictures.path))
display(Image(keras_gans.plotting.plot_history(history.history, f"{OUT}/losses.png")))

# %% [markdown]
# ## Evaluation: cycle consistency on the test images
#
# Mean |F(G(a)) - a| and |G(F(b)) - b| over the test images (in [-1, 1]).
# The paper's FCN score needs the Cityscapes labels; on horse2zebra the
# reconstruction error and the pictures are what can be measured without
# another trained network.

# %%
test = keras_gans.datasets.load_unpaired(DATASET, split="test", batch_size=8, image_size=IMAGE_SIZE, shuffle=False)
errors_a, errors_b = [], []
for a, b in test.take(5 if SMOKE else 15):
    a, b = a.numpy(), b.numpy()
    errors_a.append(np.abs(model.translate(model.translate(a), "b_to_a") - a).mean())
    errors_b.append(np.abs(model.translate(model.translate(b, "b_to_a")) - b).mean())
print(
    f"cycle-reconstruction L1 on {8 * len(errors_a)} test pairs: A -> B -> A {np.mean(errors_a):.4f}, "
    f"B -> A -> B {np.mean(errors_b):.4f}"
)

# %% [markdown]
# ## Save, export, load back
#
# The export has the signatures `a2b` (G, also `serving_default`) and `b2a`
# (F), each taking `source` images in [-1, 1].
#
# Under mixed precision the export serves a float32 copy of the generator, so it differs
# from the float16 Keras model by rounding (up to 2e-3 in this project's smoke runs with
# `KERAS_GANS_PRECISION=mixed_float16` on a CPU); in float32 the two agree to about 1e-7.

# %%
model.save(f"{OUT}/cyclegan.keras")
keras_gans.export.export_generator(model, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    a2b = served.run({"source": test_a}, signature="a2b")["images"]
    b2a = served.run({"source": test_b}, signature="b2a")["images"]
    print(
        f"{backend}: max |export - Keras| G {np.abs(a2b - model.translate(test_a)).max():.2e}, "
        f"F {np.abs(b2a - model.translate(test_b, 'b_to_a')).max():.2e}"
    )
