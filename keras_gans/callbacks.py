"""Training callbacks: stop on NaN, sample grids per epoch, loss curves."""

import math
import os

import numpy as np
import keras

from keras_gans import _io, plotting


class StopOnNaN(keras.callbacks.Callback):
    """Raise as soon as a logged loss is not finite, naming the step and the loss.

    Raising (rather than setting stop_training) keeps the epoch-end callbacks,
    such as ModelCheckpoint, from saving the broken weights: the last
    checkpoint stays loadable.

    When `data` (the tf.data pipeline being trained on; `fit` sets it) is
    known, the error first looks for non-finite values in it, so a NaN in the
    data is named as such (batch and example) rather than blamed on the
    learning rate.

    Args:
        data: the training data, a `tf.data.Dataset` (or None).
        max_scan_batches: how many batches of `data` to scan for non-finite
            values when a loss is not finite.
    """

    def __init__(self, data=None, max_scan_batches=10_000):
        super().__init__()
        self._epoch = 0
        self.batch = 0
        self.data = data
        self.data_checked = False  # fit checked all the data (arrays) before training
        self.max_scan_batches = max_scan_batches

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.batch = batch

    def where(self):
        """"epoch E, step S" of the current step."""
        return f"epoch {self._epoch + 1}, step {self.batch + 1}"

    def on_train_batch_end(self, batch, logs=None):
        for key, value in (logs or {}).items():
            value = float(np.asarray(value))
            if not math.isfinite(value):
                where = f"{key} is {value} at epoch {self._epoch + 1}, step {batch + 1}"
                found = find_non_finite(self.data, self.max_scan_batches) if self.data is not None else None
                if found is not None:
                    raise FloatingPointError(
                        f"Training stopped: {where}, and the data contain non-finite values: {found}. "
                        "Nothing of this epoch was saved; the last checkpoint is intact. Remove or "
                        "replace those values (e.g. dataset.filter(lambda x: tf.reduce_all(tf.math.is_finite(x))))."
                    )
                checked = ""
                if self.data_checked:
                    checked = " The data were checked before training and are finite."
                elif self.data is not None:
                    checked = f" The data's first {self.max_scan_batches} batches were checked and are finite."
                raise FloatingPointError(
                    f"Training stopped: {where}.{checked} Nothing of this epoch was saved; the last "
                    "checkpoint is intact. Lower the learning rates, add a penalty (r1_weight, gp) or "
                    "check the data's range."
                )


def find_non_finite(data, max_batches=10_000):
    """Where the first non-finite value of a tf.data pipeline is ("batch 3, example 5 of
    'image'"), or None when its first `max_batches` batches are finite."""
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return None
    for b, batch in enumerate(data.take(max_batches)):
        found = non_finite_in(batch)
        if found is not None:
            return f"batch {b + 1} (in the pipeline's order), {found}"
    return None


def non_finite_in(batch):
    """"example 5 of batch element 0/1 holds NaN" for the first non-finite value of a batch (nested
    tensors or arrays; the element's path is named when there are several), or None
    when every floating value is finite."""
    paths = keras.tree.flatten_with_path(batch)
    for path, value in paths:
        path = "/".join(str(p) for p in path)
        value = np.asarray(value)
        if not np.issubdtype(value.dtype, np.floating) or value.size == 0:
            continue
        bad = ~np.isfinite(value)
        if bad.any():
            rows = np.flatnonzero(bad.reshape(len(value), -1).any(axis=1)) if value.ndim else np.array([0])
            kind = "NaN" if np.isnan(value[bad]).any() else "inf"
            name = f" of batch element {path}" if len(paths) > 1 else ""
            more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
            return f"example {rows[0]}{more}{name} holds {kind}"
    return None


class AtomicModelCheckpoint(keras.callbacks.Callback):
    """Save the whole model to `filepath` at the end of every epoch, atomically.

    The model is written to a temporary file beside `filepath` and renamed
    onto it when complete, so a failure or a kill during the save leaves the
    previous checkpoint whole and loadable (keras.callbacks.ModelCheckpoint
    writes in place: a save cut short leaves a truncated .keras file).
    """

    def __init__(self, filepath):
        super().__init__()
        self.filepath = os.fspath(filepath)

    def on_epoch_end(self, epoch, logs=None):
        _io.save_model(self.model, self.filepath)


class SampleGrid(keras.callbacks.Callback):
    """Write a grid of samples from fixed latents at the end of every N epochs.

    Args:
        directory: where `epoch_001.png`, ... are written.
        num_samples: samples in the grid.
        every_n_epochs: how often.
        seed: seed of the fixed latents (the same grid position shows the same
            z across epochs).
        sample_fn: optional `fn(model, num_samples, seed) -> images`, for
            models whose samples are not `model.generate(num_samples)`.
        columns: images per row (default: a square grid).
    """

    def __init__(self, directory, num_samples=64, every_n_epochs=1, seed=0, sample_fn=None, columns=None):
        super().__init__()
        self.directory = directory
        self.num_samples = num_samples
        self.every_n_epochs = every_n_epochs
        self.seed = seed
        self.sample_fn = sample_fn
        self.columns = columns
        self.paths = []

    def samples(self):
        if self.sample_fn is not None:
            return self.sample_fn(self.model, self.num_samples, self.seed)
        return self.model.generate(self.num_samples, seed=self.seed)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        plotting.save_image_grid(self.samples(), path, columns=self.columns)
        self.paths.append(path)


class LossCurve(keras.callbacks.Callback):
    """Redraw a PNG of the per-epoch losses at the end of every epoch."""

    def __init__(self, path, history=None):
        super().__init__()
        self.path = path
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(np.asarray(value)))
        plotting.plot_history(self.history, self.path)
