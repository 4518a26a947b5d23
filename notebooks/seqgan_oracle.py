# %% [markdown]
# # SeqGAN on the synthetic oracle
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/seqgan_oracle.ipynb)
#
# `keras_gans.SeqGAN` (Yu et al. 2017): an LSTM policy generates tokens, a
# text-CNN discriminator scores whole sequences, and the generator is trained
# by REINFORCE with rewards from Monte Carlo rollouts, after maximum-likelihood
# (MLE) pretraining. The paper's synthetic experiment: the real data are
# 10,000 sequences (vocabulary 5,000, length 20) sampled from an LSTM with
# N(0, 1) weights, the *oracle*, and a generator is scored by **NLL-oracle**,
# the oracle's mean negative log-likelihood of its samples (paper, table 1:
# random 10.310, MLE 9.038, SeqGAN 8.736). `examples/seqgan_oracle.py` is the
# script.
#
# **Smoke mode** (`KERAS_GANS_SMOKE=1`): a tiny oracle (vocabulary 100,
# length 8), tiny networks, a few steps. The documentation site shows that
# mode's outputs: they show the notebook runs, not what the model learns. A
# measured CPU run is on the site's SeqGAN page.
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
from keras_gans.networks import text as text_networks

# SeqGAN trains in float32 even on a GPU: its sampling and REINFORCE are not tested under mixed precision.
OUT = keras_gans.notebook.setup("runs/seqgan_oracle_notebook", precision="float32").out

# %% [markdown]
# ## The oracle and its data

# %%
if SMOKE:
    SIZES = dict(vocab_size=100, seq_len=8, embedding_dim=8, hidden_dim=8, num_sequences=256)
    D_OPTIONS = dict(embedding_dim=8, filter_widths=(1, 2, 3), filter_counts=(8, 8, 8))
    MLE_EPOCHS, D_EPOCHS, ROUNDS, ROLLOUTS, D_STEPS, BATCH, EVAL_SAMPLES = 2, 1, 2, 2, 1, 32, 128
else:
    # The paper's sizes and discriminator. The authors' code runs 120 MLE epochs and 200 rounds; these are fewer
    # (not timed here: this project's machine has no GPU; on its 2 CPU cores a round took 53 s).
    SIZES = dict(vocab_size=5000, seq_len=20, embedding_dim=32, hidden_dim=32, num_sequences=10_000)
    D_OPTIONS = {}
    MLE_EPOCHS, D_EPOCHS, ROUNDS, ROLLOUTS, D_STEPS, BATCH, EVAL_SAMPLES = 50, 3, 30, 16, 5, 64, 5000
oracle = keras_gans.datasets.oracle(**SIZES)
data = oracle.dataset(BATCH, seed=0)
print(f"oracle: {oracle.sequences.shape[0]} sequences, vocabulary {oracle.vocab_size}, length {oracle.seq_len}")
print(
    f"NLL-oracle of the oracle's own samples (its entropy rate): "
    f"{oracle.nll_oracle(oracle.sample(EVAL_SAMPLES, seed=1)):.3f}"
)

# %% [markdown]
# ## The model

# %%
model = keras_gans.SeqGAN(
    text_networks.lstm_generator(oracle.vocab_size, SIZES["embedding_dim"], SIZES["hidden_dim"], oracle.seq_len),
    text_networks.text_cnn_discriminator(oracle.vocab_size, oracle.seq_len, **D_OPTIONS),
    seq_len=oracle.seq_len,
    rollouts=ROLLOUTS,
    discriminator_steps=D_STEPS,
    seed=0,
)
model.compile(d_optimizer=keras.optimizers.Adam(1e-4))  # G: Adam(1e-2), gradients clipped at 5


def nll(seed=7):
    return oracle.nll_oracle(model.generate(EVAL_SAMPLES, seed=seed))


scores = {"random (untrained G)": nll()}
print(f"NLL-oracle, untrained generator: {scores['random (untrained G)']:.3f}")

# %% [markdown]
# ## MLE pretraining, discriminator pretraining, adversarial rounds
#
# One adversarial round (one `fit` step) is one policy-gradient update of G
# with rollout rewards, then `discriminator_steps` updates of D.

# %%
mle = model.pretrain_generator(data, epochs=MLE_EPOCHS, verbose=2)
scores["MLE"] = nll()
print(f"NLL-oracle after {MLE_EPOCHS} MLE epochs: {scores['MLE']:.3f}")
model.pretrain_discriminator(data, epochs=D_EPOCHS, verbose=2)


class OracleScore(keras.callbacks.Callback):
    """NLL-oracle every few rounds."""

    def __init__(self, every):
        super().__init__()
        self.every, self.rounds, self.values = every, [], []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.rounds.append(epoch + 1)
            self.values.append(oracle.nll_oracle(model.generate(EVAL_SAMPLES // 5, seed=epoch)))


score = OracleScore(every=1 if SMOKE else 5)
history = model.fit(data.repeat(), epochs=ROUNDS, steps_per_epoch=1, callbacks=[score], verbose=2 if SMOKE else 0)
scores["SeqGAN"] = nll()

# %%
display(
    Image(
        keras_gans.plotting.plot_history(
            mle.history, f"{OUT}/mle.png", keys=["mle_loss"], title="MLE pretraining (per epoch)"
        )
    )
)
display(
    Image(
        keras_gans.plotting.plot_history(
            {"nll_oracle": score.values},
            f"{OUT}/nll_oracle.png",
            keys=["nll_oracle"],
            title=f"NLL-oracle every {score.every} adversarial round(s)",
        )
    )
)
display(Image(keras_gans.plotting.plot_history(history.history, f"{OUT}/adversarial.png", title="adversarial rounds")))

# %% [markdown]
# ## Evaluation

# %%
paper = {"random (untrained G)": 10.310, "MLE": 9.038, "SeqGAN": 8.736}
print(f"NLL-oracle over {EVAL_SAMPLES} samples (lower is better)   this run   paper (full sizes)")
for key, value in scores.items():
    print(f"  {key:<42} {value:8.3f}  {paper[key]:6.3f}")

# %% [markdown]
# ## Save, export, load back
#
# The export samples inside the graph: `num_samples`, `temperature` and
# `seed` in, `tokens` out. The SavedModel and the TFLite file give the same
# tokens for the same seed.

# %%
model.save(f"{OUT}/seqgan.keras")
keras_gans.export.export_generator(model, f"{OUT}/export", formats=("saved_model", "tflite"), overwrite=True)
tokens = {
    backend: keras_gans.export.load_exported(f"{OUT}/export", backend=backend).generate(64, seed=3)
    for backend in ("saved_model", "tflite")
}
print(
    "tokens",
    tokens["saved_model"].shape,
    "identical in SavedModel and TFLite:",
    bool(np.array_equal(tokens["saved_model"], tokens["tflite"])),
)
print(f"NLL-oracle of 64 exported samples: {oracle.nll_oracle(tokens['saved_model']):.3f}")
