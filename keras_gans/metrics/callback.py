"""Keras callback computing evaluation metrics during GAN training."""

import json
import os

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from keras_gans.metrics.evaluate import batch_seed
from keras_gans.metrics.evaluate import evaluate_generator
from keras_gans.metrics.evaluate import protocol_line
from keras_gans.metrics.evaluate import seeded_sampler

PROTOCOL_FILE = "metrics.jsonl"


def _metadata(plugin, description=""):
    # What `tf.summary.scalar` / `tf.summary.text` write, without needing
    # the tensorboard package (which implements them) to be installed.
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin
    metadata.summary_description = description
    return metadata.SerializeToString()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


class MetricsCallback(keras.callbacks.Callback):
    """Evaluates the generator every `every_n_epochs` epochs.

    Calls `evaluate_generator` on epoch end with new generated samples for
    every batch (seeded from `seed` and the epoch when `seed` is given) and
    writes the scalar results into `logs` (keys `"fid"`, `"kid"`,
    `"kid_std"`, `"is"`, `"is_std"`, ...), so they show up in the `History`
    and in later callbacks. Keras logs hold numbers only, so the protocol of
    the figures (feature network and weights, resize, numbers of real and
    generated samples, splits, subsets, what they are comparable with) goes
    with them everywhere else: `verbose=1` prints each evaluation with its
    protocol line; with `log_dir`, every evaluation is appended with its
    protocol to `<log_dir>/metrics.jsonl` and written to TensorBoard (scalar
    summaries `"metrics/<key>"` whose description is the protocol, and a
    text summary `"metrics/protocol"`, `step=epoch`). The full results are
    kept in `self.results`, a list of `(epoch, results)` pairs.

    Args:
        real_dataset: Real images (see `evaluate_generator`).
        metrics: Metric names (see `evaluate_generator`).
        every_n_epochs: Evaluation period in epochs.
        num_samples: Number of generated (and real) images per evaluation.
        classifier: A `DomainClassifier` (for `features="domain"` and
            IS/MODE score).
        log_dir: Optional TensorBoard log directory (also gets
            `metrics.jsonl`).
        seed: Seed of the generated samples (`model.generate(n, seed=...)`
            with a seed per batch and epoch); `None` draws unseeded samples.
        verbose: 1 prints every evaluation with its protocol; 0 is silent.
        **evaluate_kwargs: Further `evaluate_generator` arguments, e.g.
            `features=`, `batch_size=`, `max_kernel_samples=`.

    Example:

    >>> clf = train_domain_classifier(train_ds, num_classes=10)
    >>> gan.fit(train_ds, epochs=20, callbacks=[
    ...     MetricsCallback(test_ds, metrics=("fid", "kid"), every_n_epochs=5,
    ...                     classifier=clf, log_dir="logs/metrics")])
    """

    def __init__(
        self,
        real_dataset,
        metrics=("fid",),
        every_n_epochs=1,
        num_samples=2_000,
        classifier=None,
        log_dir=None,
        seed=None,
        verbose=1,
        **evaluate_kwargs,
    ):
        super().__init__()
        if every_n_epochs < 1:
            raise ValueError("`every_n_epochs` must be >= 1.")
        self.real_dataset = real_dataset
        self.metrics = tuple(metrics)
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples
        self.classifier = classifier
        self.log_dir = log_dir
        self.seed = seed
        self.verbose = verbose
        self.evaluate_kwargs = evaluate_kwargs
        self.results = []
        self._writer = None

    def evaluate(self, epoch=0):
        """Runs `evaluate_generator` on the current model; returns results."""
        if self.seed is None:
            sample = lambda n: self.model.generate(num_samples=n)
            sample.sampling = "model.generate(batch), unseeded: distinct samples"
        else:
            seed = batch_seed(self.seed, epoch)
            sample = seeded_sampler(lambda n, seed: self.model.generate(num_samples=n, seed=seed), seed)
            sample.sampling = (
                f"model.generate(batch, seed=batch_seed({seed}, i)) for batch i "
                f"(seed {self.seed}, epoch {epoch}): distinct samples"
            )
        return evaluate_generator(
            sample,
            self.real_dataset,
            metrics=self.metrics,
            num_samples=self.num_samples,
            classifier=self.classifier,
            **self.evaluate_kwargs,
        )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs != 0:
            return
        results = self.evaluate(epoch)
        self.results.append((epoch, results))
        values = {k: v for k, v in results.items() if k != "protocol"}
        if logs is not None:
            logs.update(values)
        line = protocol_line(results)
        if self.verbose:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in values.items())
            print(f"\nMetricsCallback epoch {epoch + 1}: {shown}\n  protocol: {line}")
        if self.log_dir is not None:
            os.makedirs(self.log_dir, exist_ok=True)
            record = {"epoch": epoch, **_jsonable(results)}
            with open(os.path.join(self.log_dir, PROTOCOL_FILE), "a") as f:
                f.write(json.dumps(record) + "\n")
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            notes = results["protocol"].get("metrics", {})
            with self._writer.as_default():
                for key, value in values.items():
                    base = key.removesuffix("_std")
                    tf.summary.write(
                        f"metrics/{key}",
                        tf.constant(value, tf.float32),
                        step=epoch,
                        metadata=_metadata("scalars", f"{notes.get(base, '')}; {line}"),
                    )
                tf.summary.write(
                    "metrics/protocol",
                    tf.constant(line),
                    step=epoch,
                    metadata=_metadata("text"),
                )
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
