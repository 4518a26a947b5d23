# %% [markdown]
# # Conditional GAN on MNIST: "generate a 7", and check that it is a 7
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/cgan_mnist.ipynb)
#
# `keras_gans.ConditionalGAN` (Mirza & Osindero 2014): G(z, y) and D(x, y),
# with the label y embedded by both networks. The discriminator here is a
# projection discriminator (Miyato & Koyama 2018) with spectral normalization
# and the hinge loss, the setting of `examples/cgan_mnist.py`. After training
# the notebook measures **label fidelity**: a classifier trained on real
# digits labels the samples generated for each requested class.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): offline, the embedded digits at
# 16x16, tiny networks, a few steps. The documentation site shows that mode's
# outputs, which show the notebook runs, not what the model learns. Measured
# results of the full example are on the site's Conditional GAN page.
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
from keras_gans import networks
from keras_gans.callbacks import ClassGrid, save_class_grid

# Mixed precision on a GPU, float32 on a CPU (KERAS_GANS_PRECISION overrides the choice); seed 0.
OUT = keras_gans.notebook.setup("runs/cgan_notebook").out

# %% [markdown]
# ## Data: (image, label) batches

# %%
if SMOKE:
    DATASET, IMAGE_SIZE, BATCH, EPOCHS, STEPS, LATENT, FILTERS, EMA = "digits", 16, 32, 2, 3, 8, 8, 0.9
else:
    DATASET, IMAGE_SIZE, BATCH, EPOCHS, STEPS, LATENT, FILTERS, EMA = "mnist", 32, 128, 20, None, 100, 64, 0.999
data = keras_gans.datasets.load(DATASET, batch_size=BATCH, image_size=IMAGE_SIZE, channels=1, with_labels=True, seed=0)
images, labels = next(iter(data))
print(DATASET, images.shape, labels[:16].numpy())

# %% [markdown]
# ## The model
#
# The generator concatenates a learned label embedding to z; the projection
# discriminator adds the inner product of the label's embedding with its
# image features to its logit.

# %%
shape = (IMAGE_SIZE, IMAGE_SIZE, 1)
cgan = keras_gans.ConditionalGAN(
    networks.conditional_generator(LATENT, 10, shape, base_filters=FILTERS),
    networks.conditional_discriminator(
        shape, 10, conditioning="projection", base_filters=FILTERS, spectral_norm=True, normalization=None
    ),
    latent_dim=LATENT,
    num_classes=10,
    loss="hinge",
    ema_decay=EMA,
    seed=0,
)
cgan.compile()  # Adam(2e-4, beta_1=0.5) for both players

# %% [markdown]
# ## Training
#
# `ClassGrid` writes one row per class from fixed latents after each epoch.

# %%
grid = ClassGrid(f"{OUT}/samples", samples_per_class=10, every_n_epochs=1 if SMOKE else 5)
history = cgan.fit(data, epochs=EPOCHS, steps_per_epoch=STEPS, callbacks=[grid], verbose=2)

# %%
display(Image(save_class_grid(cgan, f"{OUT}/class_grid.png", samples_per_class=10, seed=0)))
display(Image(keras_gans.plotting.plot_history(history.history, f"{OUT}/losses.png")))

# %% [markdown]
# ## Evaluation: label fidelity and diversity
#
# A digit classifier trained on the real training split (its accuracy on the
# real test split is printed first) classifies samples generated for each
# class; fidelity is the fraction classified as the requested class. A
# generator that ignores z can score perfect fidelity, so the mean pairwise
# distance between samples of one class is printed beside the real digits'.

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
print(f"classifier accuracy on the real test split: {classifier.accuracy(test):.3f}")

PER_CLASS = 10 if SMOKE else 100
requested = np.repeat(np.arange(10), PER_CLASS)
generated = cgan.generate(labels=requested, seed=1)
predicted = np.argmax(classifier.probabilities(generated), axis=-1)
fidelity = np.array([np.mean(predicted[requested == c] == c) for c in range(10)])
print("class    " + " ".join(f"{c:>5d}" for c in range(10)) + "   mean")
print("fidelity " + " ".join(f"{a:5.2f}" for a in fidelity) + f"   {fidelity.mean():.3f}")


def mean_pairwise_distance(x):
    x = x.reshape(len(x), -1).astype("float64")
    squared = (x * x).sum(1)
    d = np.sqrt(np.maximum(squared[:, None] + squared[None] - 2 * x @ x.T, 0))
    return d.sum() / max(len(x) * (len(x) - 1), 1)


real_batches = list(test.take(10).as_numpy_iterator())  # up to 1,000 real test digits
real_images = np.concatenate([images for images, _ in real_batches])
real_labels = np.concatenate([labels for _, labels in real_batches])
generated_diversity = np.mean([mean_pairwise_distance(generated[requested == c]) for c in range(10)])
real_diversity = np.mean(
    [mean_pairwise_distance(real_images[real_labels == c]) for c in range(10) if np.sum(real_labels == c) > 1]
)
print(f"within-class diversity (mean pairwise L2): generated {generated_diversity:.2f}, real {real_diversity:.2f}")

# %% [markdown]
# ## Save, export, load back
#
# The export takes `latent` and `labels`; the loaded export is compared with
# the Keras model on the same inputs.
#
# Under mixed precision the export serves a float32 copy of the generator, so it differs
# from the float16 Keras model by rounding (up to 2e-3 in this project's smoke runs with
# `KERAS_GANS_PRECISION=mixed_float16` on a CPU); in float32 the two agree to about 1e-7.

# %%
cgan.save(f"{OUT}/cgan.keras")
keras_gans.export.export_generator(cgan, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
z = np.random.default_rng(0).standard_normal((10, LATENT)).astype("float32")
digits = np.arange(10, dtype="int32")
for backend in ("saved_model", "tflite"):
    served = keras_gans.export.load_exported(f"{OUT}/export", backend=backend)
    exported = served.run({"latent": z, "labels": digits})["images"]
    print(f"{backend}: max |export - Keras| = {np.abs(exported - cgan.generate(latent=z, labels=digits)).max():.2e}")
sevens = served.generate(16, labels=7, seed=2)
display(Image(keras_gans.plotting.save_image_grid(sevens, f"{OUT}/exported_sevens.png", columns=16)))
