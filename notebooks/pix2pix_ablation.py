# %% [markdown]
# # pix2pix's loss ablation: L1, cGAN, L1 + cGAN
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/pix2pix_ablation.ipynb)
#
# Isola et al. (2017, table 1) train pix2pix with three objectives that
# differ only in the generator's loss: L1 alone (lambda = 100, no adversarial
# term), the conditional adversarial term alone (cGAN), and both (the
# paper's objective). This notebook repeats the comparison on edges -> digit
# pairs made from the embedded handwritten digits (32x32; the outline of each
# digit by a thresholded Sobel filter), with the same networks, seed and
# number of steps for the three, and scores the held-out pairs by L1, PSNR
# and SSIM and, standing in for the paper's FCN score, by what a digit
# classifier trained on the real targets makes of the translations: its
# accuracy and the Frechet distance in its features (lower: more realistic).
# `examples/pix2pix_ablation.py` is the script; its measured table is on the
# site's Pix2Pix page.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): a few steps per model and a briefly
# trained classifier. The documentation site shows that mode's outputs: they
# show the notebook runs, not what the objectives achieve.
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
from keras_gans.metrics import evaluate_pairs
from keras_gans.models import build_pix2pix

# Mixed precision on a GPU, float32 on a CPU (KERAS_GANS_PRECISION overrides the choice).
OUT = keras_gans.notebook.setup("runs/pix2pix_ablation_notebook", seed=None).out

# %% [markdown]
# ## Data and the realism classifier

# %%
# The example's settings (1,200 steps per model at batch 16, 16 filters, 16x16 patches) or a smoke run.
STEPS, CLASSIFIER_EPOCHS = (10, 2) if SMOKE else (1200, 40)
BATCH, FILTERS, LAYERS, SEED = 16, 16, 1, 0
VARIANTS = {
    "L1": dict(l1_weight=100.0, gan_weight=0.0),
    "cGAN": dict(l1_weight=0.0, gan_weight=1.0),
    "L1+cGAN": dict(l1_weight=100.0, gan_weight=1.0),
}
test_edges, test_digits = keras_gans.datasets.digits_pairs("test")
_, test_labels = keras_gans.datasets.digits("test")
_, train_digits = keras_gans.datasets.digits_pairs("train")
_, train_labels = keras_gans.datasets.digits("train")
# Batches that divide the test split, so that every held-out pair counts.
test_batch = next(b for b in range(64, 0, -1) if len(test_edges) % b == 0)
test = keras_gans.datasets.load_paired("digits", split="test", batch_size=test_batch)
classifier = keras_gans.metrics.train_domain_classifier(
    tf.data.Dataset.from_tensor_slices((train_digits, train_labels)),
    num_classes=10,
    epochs=CLASSIFIER_EPOCHS,
    cache_dir=f"{OUT}/classifier",
    name=f"digits32_targets_e{CLASSIFIER_EPOCHS}",
    seed=SEED,
)
real_features, real_probabilities = classifier.features_and_probabilities(test_digits)
print(
    f"{len(test_edges)} held-out pairs; the classifier's accuracy on the real targets: "
    f"{np.mean(real_probabilities.argmax(-1) == test_labels):.3f}"
)

# %% [markdown]
# ## Three models, one objective each

# %%
results, outputs, models = {}, {}, {}
for name, weights in VARIANTS.items():
    keras.utils.set_random_seed(SEED)
    model = build_pix2pix(
        (32, 32, 1), generator_filters=FILTERS, discriminator_filters=FILTERS, n_layers=LAYERS, seed=SEED, **weights
    )
    train = keras_gans.datasets.load_paired("digits", split="train", batch_size=BATCH, seed=SEED).repeat()
    history = model.fit(train, epochs=1, steps_per_epoch=STEPS, verbose=2)
    scores = evaluate_pairs(model, test, max_pairs=test_batch if SMOKE else None)
    translated = model.translate(test_edges)
    features, probabilities = classifier.features_and_probabilities(translated)
    scores["classifier accuracy"] = float(np.mean(probabilities.argmax(-1) == test_labels))
    scores["classifier FD"] = keras_gans.metrics.frechet_distance_from_features(features, real_features)
    results[name], outputs[name], models[name] = scores, translated[:10], model

# %% [markdown]
# ## Evaluation
#
# Rows of the picture: input, L1, cGAN, L1+cGAN, target.

# %%
print(f"{'objective':<10} {'L1':>7} {'PSNR':>7} {'SSIM':>6} {'accuracy':>9} {'FD':>7}")
for name, r in results.items():
    print(
        f"{name:<10} {r['l1']:7.4f} {r['psnr']:7.2f} {r['ssim']:6.3f} {r['classifier accuracy']:9.3f} "
        f"{r['classifier FD']:7.2f}"
    )
rows = [test_edges[:10]] + list(outputs.values()) + [test_digits[:10]]
display(Image(keras_gans.plotting.save_image_grid(np.concatenate(rows), f"{OUT}/ablation.png", columns=10)))

# %% [markdown]
# ## Save, export, load back: the paper's objective
#
# Under mixed precision the export serves a float32 copy of the generator, so it differs
# from the float16 Keras model by rounding (up to 2e-3 in this project's smoke runs with
# `KERAS_GANS_PRECISION=mixed_float16` on a CPU); in float32 the two agree to about 1e-7.

# %%
model = models["L1+cGAN"]
model.save(f"{OUT}/pix2pix.keras")
keras_gans.export.export_generator(model, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    exported = served.run({"source": test_edges[:10]})["images"]
    print(f"{backend}: max |export - Keras| = {np.abs(exported - outputs['L1+cGAN']).max():.2e}")
