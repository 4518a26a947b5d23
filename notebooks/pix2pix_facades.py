# %% [markdown]
# # pix2pix on CMP Facades: architectural labels -> photo
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/pix2pix_facades.ipynb)
#
# `keras_gans.Pix2Pix` (Isola et al. 2017): a U-Net generator G(x), a
# conditional 70x70 PatchGAN D judging the pair (x, y) against (x, G(x)), and
# the objective L_cGAN + 100 L1. The data are the 400 training pairs of CMP
# Facades from the authors' archive (labels -> photo: the files hold
# photo|labels side by side, so the direction is BtoA), with random jitter
# (286 -> 256) and mirroring, batch 1, Adam(2e-4, 0.5), as in the paper. The
# notebook evaluates L1, PSNR and SSIM on the test pairs, exports the
# generator and loads it back. `examples/pix2pix_facades.py` is the script.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): offline, edges -> digit pairs made
# from the embedded digits at 32x32, tiny networks, a few steps. The
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
import keras
from IPython.display import Image, display

import keras_gans
from keras_gans.metrics import evaluate_pairs
from keras_gans.models import build_pix2pix

# Mixed precision on a GPU, float32 on a CPU (KERAS_GANS_PRECISION overrides the choice); seed 0.
OUT = keras_gans.notebook.setup("runs/pix2pix_notebook").out

# %% [markdown]
# ## Data
#
# The authors' archive (about 30 MB) is downloaded once by
# `keras.utils.get_file`. `load_paired` reads a folder of side-by-side
# images and yields (input, target) batches in [-1, 1].

# %%
FACADES_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz"
if SMOKE:
    SOURCE, DIRECTION, IMAGE_SIZE, CHANNELS, FILTERS, LAYERS, EPOCHS, STEPS = "digits", "AtoB", 32, 1, 8, 1, 1, 5
else:
    archive = keras.utils.get_file("facades.tar.gz", FACADES_URL, extract=True)
    # get_file returns the extracted folder (Keras >= 3.6) or the archive's path.
    SOURCE = next(
        root
        for root, dirs, _ in os.walk(archive if os.path.isdir(archive) else os.path.dirname(archive))
        if "train" in dirs and os.path.basename(root) == "facades"
    )
    # The paper trains 200 epochs (80,000 steps at batch 1); these 40 are 16,000 steps, not timed here (this
    # project's machine has no GPU). Raise EPOCHS for the paper's run.
    DIRECTION, IMAGE_SIZE, CHANNELS, FILTERS, LAYERS, EPOCHS, STEPS = "BtoA", 256, 3, 64, 3, 40, None
BATCH = 8 if SMOKE else 1
train = keras_gans.datasets.load_paired(
    SOURCE, split="train", batch_size=BATCH, image_size=IMAGE_SIZE, direction=DIRECTION, seed=0
)
test_split = "test" if SMOKE or os.path.isdir(os.path.join(SOURCE, "test")) else "val"
test = keras_gans.datasets.load_paired(
    SOURCE, split=test_split, batch_size=1, image_size=IMAGE_SIZE, direction=DIRECTION
)
inputs, targets = (np.concatenate(x) for x in zip(*[(a.numpy(), b.numpy()) for a, b in test.take(6)]))
print("inputs", inputs.shape, "targets", targets.shape)
display(
    Image(
        keras_gans.plotting.save_image_grid(np.concatenate([inputs, targets]), f"{OUT}/pairs.png", columns=len(inputs))
    )
)

# %% [markdown]
# ## The model
#
# `build_pix2pix` builds the U-Net (skip connections between mirrored
# layers, dropout as the noise z), the PatchGAN and the paper's optimizers.

# %%
model = build_pix2pix(
    (IMAGE_SIZE, IMAGE_SIZE, CHANNELS),
    generator_filters=FILTERS,
    discriminator_filters=FILTERS,
    n_layers=LAYERS,
    seed=0,
)
print(f"PatchGAN receptive field: {keras_gans.networks.receptive_field(model.discriminator)} pixels")

# %% [markdown]
# ## Training

# %%
history = model.fit(train.repeat() if STEPS else train, epochs=EPOCHS, steps_per_epoch=STEPS, verbose=2)
display(Image(keras_gans.plotting.plot_history(history.history, f"{OUT}/losses.png", keys=["d_loss", "g_gan", "g_l1"])))

# %% [markdown]
# ## Evaluation on the held-out pairs
#
# L1 on images in [-1, 1]; PSNR and SSIM (tf.image) on [0, 1]; means over
# every test pair at batch 1, as the paper evaluates. Rows: input, output,
# target.

# %%
scores = evaluate_pairs(model, test, max_pairs=20 if SMOKE else None)
print(
    f"test pairs: L1 {scores['l1']:.4f}  PSNR {scores['psnr']:.2f} dB  SSIM {scores['ssim']:.3f} "
    f"({scores['num_pairs']} pairs)"
)
outputs = model.translate(inputs)
display(
    Image(
        keras_gans.plotting.save_image_grid(
            np.concatenate([inputs, outputs, targets]), f"{OUT}/translations.png", columns=len(inputs)
        )
    )
)

# %% [markdown]
# ## Save, export, load back
#
# The export takes `source` images in [-1, 1] and returns `images`.
#
# Under mixed precision the export serves a float32 copy of the generator, so it differs
# from the float16 Keras model by rounding (up to 2e-3 in this project's smoke runs with
# `KERAS_GANS_PRECISION=mixed_float16` on a CPU); in float32 the two agree to about 1e-7.

# %%
model.save(f"{OUT}/pix2pix.keras")
keras_gans.export.export_generator(model, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    exported = served.run({"source": inputs})["images"]
    print(f"{backend}: max |export - Keras| = {np.abs(exported - outputs).max():.2e}")
