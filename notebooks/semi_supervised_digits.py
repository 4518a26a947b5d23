# %% [markdown]
# # Semi-supervised learning with a GAN: a digit classifier from 10 labels per class
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/semi_supervised_digits.ipynb)
#
# `keras_gans.SemiSupervisedGAN` (Salimans et al. 2016, section 5): the
# discriminator is a 10-class classifier whose 11th class, "generated", is
# implicit; it learns from 100 labelled digits (10 per class) plus every
# training image without its label, while the generator plays feature
# matching. The notebook trains it on MNIST (the paper's setting: 100 labels),
# then compares its test accuracy with the same classifier (architecture,
# initial weights, optimizer, weight averaging, number of updates) trained on
# the same 100 labelled digits alone. `examples/semi_supervised_digits.py`
# runs the comparison on the embedded digits over several seeds.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): offline, the embedded digits at
# 16x16, tiny networks, a few steps. The documentation site shows that mode's
# outputs: they show the notebook runs, not what the model learns. Measured
# results (three seeds on the embedded digits) are on the site's
# Semi-supervised GAN page.
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
from keras_gans import networks

# Mixed precision on a GPU, float32 on a CPU (KERAS_GANS_PRECISION overrides the choice).
OUT = keras_gans.notebook.setup("runs/semi_supervised_notebook", seed=None).out

# %% [markdown]
# ## Data: 10 labels per class, every image unlabelled

# %%
if SMOKE:
    DATASET, IMAGE_SIZE, EPOCHS, STEPS, LATENT, FILTERS = "digits", 16, 1, 3, 8, 8
else:
    DATASET, IMAGE_SIZE, EPOCHS, STEPS, LATENT, FILTERS = "mnist", 32, 10, None, 100, 32
LABELS_PER_CLASS, BATCH, LEARNING_RATE, EMA, SEED = 10, 64, 3e-3, 0.99, 0


def arrays(split):
    """A whole split as numpy arrays (images in [-1, 1], labels)."""
    pipeline = keras_gans.datasets.load(
        DATASET,
        split,
        batch_size=1000 if DATASET == "mnist" else 1,
        image_size=IMAGE_SIZE,
        channels=1,
        with_labels=True,
        shuffle=False,
    )
    pairs = [(x.numpy(), y.numpy()) for x, y in pipeline.unbatch().batch(10_000)]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


train, test = arrays("train"), arrays("test")
data, labelled_index = keras_gans.datasets.semi_supervised_dataset(
    *train, LABELS_PER_CLASS, batch_size=BATCH, seed=SEED
)
print(
    f"{DATASET} {IMAGE_SIZE}x{IMAGE_SIZE}: {len(train[0])} training images, {len(labelled_index)} of them "
    f"labelled; {len(test[0])} test images"
)
display(
    Image(
        keras_gans.plotting.save_image_grid(train[0][labelled_index], f"{OUT}/labelled.png", columns=LABELS_PER_CLASS)
    )
)

# %% [markdown]
# ## The model
#
# The same seed before building each discriminator gives the GAN's classifier
# and the labels-only baseline the same initial weights.

# %%
shape = (IMAGE_SIZE, IMAGE_SIZE, 1)


def discriminator():
    keras.utils.set_random_seed(SEED)
    return networks.semi_supervised_discriminator(shape, 10, base_filters=FILTERS)


ssgan = keras_gans.SemiSupervisedGAN(
    networks.dcgan_generator(LATENT, shape, base_filters=FILTERS),
    discriminator(),
    latent_dim=LATENT,
    num_classes=10,
    classifier_ema_decay=EMA,
    seed=SEED,
)
ssgan.compile(keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5), keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5))

# %% [markdown]
# ## Training
#
# `validation_data` reports the classifier's accuracy on the test split.

# %%
history = ssgan.fit(data, epochs=EPOCHS, steps_per_epoch=STEPS, validation_data=test, verbose=2)
display(Image(keras_gans.plotting.save_image_grid(ssgan.generate(64, seed=0), f"{OUT}/samples.png")))
display(Image(keras_gans.plotting.plot_history(history.history, f"{OUT}/losses.png")))

# %% [markdown]
# ## Evaluation: against the same classifier trained on the labels alone

# %%
steps = int(ssgan.d_optimizer.iterations.numpy())
gan_accuracy = float(np.mean(ssgan.classifier.predict(test[0], batch_size=256, verbose=0).argmax(-1) == test[1]))

d = discriminator()
baseline = keras.Model(d.inputs, d.outputs[0], name="labels_only")
baseline.compile(
    keras.optimizers.Adam(LEARNING_RATE, beta_1=0.5, use_ema=True, ema_momentum=EMA),
    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
labelled = (
    tf.data.Dataset.from_tensor_slices((train[0][labelled_index], train[1][labelled_index]))
    .shuffle(len(labelled_index), seed=SEED)
    .repeat()
    .batch(BATCH, drop_remainder=True)
)
baseline.fit(labelled, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
baseline_accuracy = float(np.mean(baseline.predict(test[0], batch_size=256, verbose=0).argmax(-1) == test[1]))
print(
    f"test accuracy after {steps} updates, {len(labelled_index)} labels: SemiSupervisedGAN classifier "
    f"{gan_accuracy:.4f}; the same classifier on the labels alone {baseline_accuracy:.4f}"
)

# %% [markdown]
# ## Save, export, load back
#
# `ssgan.classifier` is a standalone Keras model (images -> class
# probabilities). The generator exports like any latent GAN's.
#
# Under mixed precision the export serves a float32 copy of the generator, so it differs
# from the float16 Keras model by rounding (up to 2e-3 in this project's smoke runs with
# `KERAS_GANS_PRECISION=mixed_float16` on a CPU); in float32 the two agree to about 1e-7.

# %%
ssgan.classifier.save(f"{OUT}/classifier.keras")
reloaded = keras.models.load_model(f"{OUT}/classifier.keras")
print(
    "reloaded classifier, max |difference| =",
    float(np.abs(reloaded.predict(test[0][:32], verbose=0) - ssgan.classifier.predict(test[0][:32], verbose=0)).max()),
)
keras_gans.export.export_generator(ssgan, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
z = np.random.default_rng(0).standard_normal((16, LATENT)).astype("float32")
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    print(
        f"{backend}: max |export - Keras| = {np.abs(served.run({'latent': z})['images'] - ssgan.generate(latent=z)).max():.2e}"
    )
