"""Training callbacks: stop on NaN, sample grids per epoch, loss curves, TensorBoard.

- `StopOnNaN`: raise as soon as a logged loss is not finite.
- `SampleGrid`: a PNG grid of samples from fixed latents every N epochs.
- `LossCurve`: a PNG of the per-epoch losses.
- `GANTensorBoard`: TensorBoard event files with both players' losses and
  every logged metric, both learning rates (`d_optimizer`, `g_optimizer`),
  sample grids (or text samples) and evaluation metrics.
- `ClassGrid` (with `class_grid`, `save_class_grid`): class-conditional grids,
  one row per class, one column per latent.
- `MetricsCallback`: evaluation metrics (FID, KID, ...) every N epochs, with
  their protocol (also importable as `keras_gans.metrics.MetricsCallback`).

What they share is written once in `EpochCallback`: the every-N-epochs test,
a summary writer opened on first use and closed at the end of training, and
drawing samples (`sample_fn(model, n, seed)` or `model.generate`).
"""

import json
import math
import os

import numpy as np
import keras
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from keras_gans import _io, plotting


class EpochCallback(keras.callbacks.Callback):
    """The shared part of the callbacks below.

    Args:
        every_n_epochs: act at the end of every N-th epoch (0: never).
        log_dir: where `writer` (a `tf.summary` file writer) writes, if any.
    """

    def __init__(self, every_n_epochs=1, log_dir=None):
        super().__init__()
        if not isinstance(every_n_epochs, int) or every_n_epochs < 0:
            raise ValueError(f"every_n_epochs must be a whole number >= 0, got {every_n_epochs!r}.")
        self.every_n_epochs = every_n_epochs
        self.log_dir = log_dir
        self._writer = None

    def due(self, epoch, every=None):
        """Whether epoch `epoch` (0-based) ends a period of `every` (default every_n_epochs) epochs."""
        every = self.every_n_epochs if every is None else every
        return bool(every) and (epoch + 1) % every == 0

    @property
    def writer(self):
        """A tf.summary file writer on `log_dir`, created on first use."""
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        return self._writer

    def close_writer(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def draw_samples(self, num_samples, seed, sample_fn=None):
        """`sample_fn(model, num_samples, seed)`, else `model.generate(num_samples, seed=seed)`."""
        if sample_fn is not None:
            return sample_fn(self.model, num_samples, seed)
        return self.model.generate(num_samples, seed=seed)


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
        """ "epoch E, step S" of the current step."""
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
    """ "example 5 of batch element 0/1 holds NaN" for the first non-finite value of a batch (nested
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


class SampleGrid(EpochCallback):
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
        super().__init__(every_n_epochs)
        self.directory = directory
        self.num_samples = num_samples
        self.seed = seed
        self.sample_fn = sample_fn
        self.columns = columns
        self.paths = []

    def samples(self):
        return self.draw_samples(self.num_samples, self.seed, self.sample_fn)

    def on_epoch_end(self, epoch, logs=None):
        if not self.due(epoch):
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


def require_tensorboard():
    """Raise an ImportError that says how to install TensorBoard, if it is missing."""
    try:
        import tensorboard  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "Writing TensorBoard logs needs the tensorboard package, which TensorFlow 2.21 no longer "
            "installs: pip install 'keras-gans[tensorboard]' (or pip install tensorboard)."
        ) from e


class GANTensorBoard(EpochCallback):
    """Write a two-player run to TensorBoard: losses, learning rates, samples, metrics.

    Keras' own `TensorBoard` callback logs `model.optimizer`, which a
    two-player model does not use. This one writes, into `log_dir`:

    - `train/<name>` every `update_freq` steps and `epoch/<name>` at the end
      of every epoch, for every value the model logs: both players' losses
      (`d_loss`, `g_loss`) and the other metrics (`gp`, `d_accuracy`, ...);
    - `learning_rate/d_optimizer` and `learning_rate/g_optimizer`, the
      current learning rates (a schedule is evaluated at the step), at the
      same times;
    - `samples`, a grid of samples from fixed latents every `images_every`
      epochs (`sample_fn` may return images in [-1, 1], or strings, which
      are written as text; vectors are skipped);
    - `eval/<name>` from `metrics_fn(model) -> {name: value}` every
      `metrics_every` epochs (for example FID from `keras_gans.metrics`).

    The step axis counts training batches, starting from the generator
    optimizer's iteration count, so a resumed run continues its curves.
    TensorFlow 2.21 no longer depends on TensorBoard, and `tf.summary` needs
    it: install the extra (`pip install keras-gans[tensorboard]`), then view
    the logs with `tensorboard --logdir RUN_DIR/tensorboard`.

    Args:
        log_dir: the directory of the event files.
        update_freq: "epoch", or write `train/...` every this many batches.
        images_every: write a sample grid every N epochs (0: never).
        num_samples: samples in the grid.
        seed: seed of the fixed latents.
        sample_fn: optional `fn(model, num_samples, seed)`, as in `SampleGrid`.
        columns: images per row of the grid.
        metrics_fn: optional `fn(model) -> dict` of evaluation metrics.
        metrics_every: evaluate `metrics_fn` every N epochs.

    Example:

    >>> model.fit(data, epochs=10, callbacks=[
    ...     keras_gans.callbacks.GANTensorBoard("runs/dcgan/tensorboard", update_freq=50)])
    """

    def __init__(
        self,
        log_dir,
        update_freq="epoch",
        images_every=1,
        num_samples=64,
        seed=0,
        sample_fn=None,
        columns=None,
        metrics_fn=None,
        metrics_every=1,
    ):
        super().__init__(images_every, log_dir)
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"update_freq must be 'epoch' or a positive number of batches, got {update_freq!r}.")
        require_tensorboard()
        self.update_freq = update_freq
        self.images_every = images_every
        self.num_samples = num_samples
        self.seed = seed
        self.sample_fn = sample_fn
        self.columns = columns
        self.metrics_fn = metrics_fn
        self.metrics_every = metrics_every
        self._step = 0

    def learning_rates(self):
        """{"d_optimizer": lr, "g_optimizer": lr}: the current learning rates."""
        rates = {}
        for name in ("d_optimizer", "g_optimizer"):
            optimizer = getattr(self.model, name, None)
            if optimizer is not None:
                rates[name] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        return rates

    def _scalars(self, prefix, logs):
        with self.writer.as_default(step=self._step):
            for key, value in (logs or {}).items():
                value = np.asarray(value)
                if value.size == 1:
                    tf.summary.scalar(f"{prefix}/{key}", float(value))
            for name, rate in self.learning_rates().items():
                tf.summary.scalar(f"learning_rate/{name}", rate)

    def on_train_begin(self, logs=None):
        optimizer = getattr(self.model, "g_optimizer", None)
        self._step = int(optimizer.iterations.numpy()) if optimizer is not None else 0

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.update_freq != "epoch" and self._step % self.update_freq == 0:
            self._scalars("train", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._scalars("epoch", logs)
        if self.due(epoch):
            self._write_samples()
        if self.metrics_fn is not None and self.due(epoch, self.metrics_every):
            with self.writer.as_default(step=self._step):
                for key, value in self.metrics_fn(self.model).items():
                    tf.summary.scalar(f"eval/{key}", float(value))
        self.writer.flush()

    def _write_samples(self):
        if self.sample_fn is None and not hasattr(self.model, "generate"):
            return
        samples = self.draw_samples(self.num_samples, self.seed, self.sample_fn)
        with self.writer.as_default(step=self._step):
            if len(samples) and isinstance(samples[0], str):
                tf.summary.text("samples", "\n\n".join(samples))
            elif np.ndim(samples) == 4:
                grid = plotting.image_grid(samples, columns=self.columns)
                tf.summary.image("samples", grid[None])

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()


# --- class-conditional sample grids ---------------------------------------------


def class_grid(model, samples_per_class=8, seed=0, classes=None, batch_size=256):
    """Samples of a class-conditional model laid out one row per class.

    Column j uses the same latent z_j in every row, so a row shows the class
    and a column the style z controls.

    Args:
        model: a model with `num_classes`, `sample_latent` and
            `generate(latent=..., labels=...)` (ConditionalGAN, ACGAN).
        samples_per_class: columns.
        seed: seed of the latents.
        classes: the classes of the rows (default: all, in order).
        batch_size: generator batch size.

    Returns:
        images (len(classes) * samples_per_class, H, W, C), row-major.
    """
    classes = np.arange(model.num_classes) if classes is None else np.asarray(classes)
    z = model.sample_latent(int(samples_per_class), seed=tf.constant([seed, 0], tf.int64))
    latent = np.tile(np.asarray(z), (len(classes), 1))
    labels = np.repeat(classes, samples_per_class)
    return model.generate(latent=latent, labels=labels, batch_size=batch_size)


def save_class_grid(model, path, samples_per_class=8, seed=0, classes=None, scale=None):
    """Write `class_grid(...)` as a PNG, one row per class; returns the path."""
    images = class_grid(model, samples_per_class, seed, classes)
    return plotting.save_image_grid(images, path, columns=samples_per_class, scale=scale)


class ClassGrid(SampleGrid):
    """Write a class-conditional grid (one row per class) every N epochs.

    The latents are fixed, so the same cell shows the same (z, y) across
    epochs.

    Args:
        directory: where `epoch_001.png`, ... are written.
        samples_per_class: columns of the grid.
        every_n_epochs: how often.
        seed: seed of the fixed latents.
        classes: the classes of the rows (default: all).

    Example:

    >>> cgan.fit(data, epochs=20, callbacks=[ClassGrid("samples/")])
    """

    def __init__(self, directory, samples_per_class=8, every_n_epochs=1, seed=0, classes=None):
        super().__init__(directory, every_n_epochs=every_n_epochs, seed=seed, columns=int(samples_per_class))
        self.samples_per_class = int(samples_per_class)
        self.classes = classes

    def samples(self):
        return class_grid(self.model, self.samples_per_class, self.seed, self.classes)


# --- evaluation during training -------------------------------------------------

PROTOCOL_FILE = "metrics.jsonl"


def _summary_metadata(plugin, description=""):
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


class MetricsCallback(EpochCallback):
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
        if every_n_epochs < 1:
            raise ValueError("`every_n_epochs` must be >= 1.")
        super().__init__(every_n_epochs, log_dir)
        self.real_dataset = real_dataset
        self.metrics = tuple(metrics)
        self.num_samples = num_samples
        self.classifier = classifier
        self.seed = seed
        self.verbose = verbose
        self.evaluate_kwargs = evaluate_kwargs
        self.results = []

    def evaluate(self, epoch=0):
        """Runs `evaluate_generator` on the current model; returns results."""
        from keras_gans.metrics.evaluate import batch_seed, evaluate_generator, seeded_sampler

        if self.seed is None:

            def sample(n):
                return self.model.generate(num_samples=n)

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
        from keras_gans.metrics.evaluate import protocol_line

        if not self.due(epoch):
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
            notes = results["protocol"].get("metrics", {})
            with self.writer.as_default():
                for key, value in values.items():
                    base = key.removesuffix("_std")
                    tf.summary.write(
                        f"metrics/{key}",
                        tf.constant(value, tf.float32),
                        step=epoch,
                        metadata=_summary_metadata("scalars", f"{notes.get(base, '')}; {line}"),
                    )
                tf.summary.write(
                    "metrics/protocol",
                    tf.constant(line),
                    step=epoch,
                    metadata=_summary_metadata("text"),
                )
            self.writer.flush()

    def on_train_end(self, logs=None):
        self.close_writer()
