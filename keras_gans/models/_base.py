"""`AdversarialModel`: the machinery every keras_gans model shares.

Subclasses write the game (train_step and its hooks); this class holds what is
not the paper: two optimizers and their serialisation, loss scaling for
tf.distribute and mixed precision, reproducible per-replica random seeds,
metric trackers, the moving average of weights, and the checks `fit` runs
before any work is done.
"""

import collections
import contextlib
import copy
import random
import threading
import warnings

import numpy as np
import keras
import tensorflow as tf

from keras_gans import callbacks as callbacks_lib
from keras_gans import distribute
from keras_gans import labels as labels_lib
from keras_gans.layers import spectral_normalization

# The random streams of one update, each a stateless seed (see random_streams).
Streams = collections.namedtuple("Streams", ["latent", "labels", "flip", "noise", "penalty"])
# Keeps the two players' streams apart (and apart from the salts other models use).
_PLAYER_SALTS = {"discriminator": 1, "generator": 2}


class AdversarialModel(keras.Model):
    """Base class of the two-player models: one optimizer per player.

    `compile(d_optimizer=..., g_optimizer=...)` replaces Keras' single
    optimizer. Gradients are applied through `apply_update`, which makes one
    step equal to the single-device step on the global batch whatever the
    number of replicas, and applies mixed-precision loss scaling.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        # The seed of the training noise. Drawn once when not given, so that
        # runs differ; set it for reproducible runs.
        self._seed_value = int(seed) if seed is not None else random.randrange(2**31)
        self.d_optimizer = None
        self.g_optimizer = None
        self._trackers = []

    # The networks a model trains, as constructor arguments and attributes.
    player_names = ("generator", "discriminator")

    def get_config(self):
        # The effective seed, so that a reloaded model continues the same noise.
        return {**super().get_config(), "seed": self._seed_value}

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialisation consumes nested dicts
        for name in cls.player_names:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)

    # --- optimizers ----------------------------------------------------------

    def default_optimizers(self):
        """The paper's optimizers, used by compile() when none are given.

        DCGAN's Adam(2e-4, beta_1=0.5) for both players by default.
        """
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configure training.

        Args:
            d_optimizer: the discriminator's optimizer (a Keras optimizer, its
                name, or its config). Default: `default_optimizers()`.
            g_optimizer: the generator's optimizer. Default as above.
            **kwargs: passed to `keras.Model.compile` (e.g. `jit_compile`,
                `steps_per_execution`, `run_eagerly`).
        """
        if d_optimizer is None or g_optimizer is None:
            default_d, default_g = self.default_optimizers()
            d_optimizer = default_d if d_optimizer is None else d_optimizer
            g_optimizer = default_g if g_optimizer is None else g_optimizer
        for key in ("optimizer", "loss", "metrics"):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile() takes d_optimizer and g_optimizer; "
                    f"its losses are the game's, so `{key}=` is not accepted."
                )
        if "jit_compile" in kwargs:
            kwargs["jit_compile"] = distribute.resolve_jit_compile(self.distribute_strategy, kwargs["jit_compile"])
        super().compile(**kwargs)
        self.d_optimizer = _as_optimizer(d_optimizer)
        self.g_optimizer = _as_optimizer(g_optimizer)
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                f"{type(self).__name__}.compile() got one optimizer instance for both players; an "
                "optimizer keeps per-variable state and an iteration count for one player. Pass two "
                "instances, e.g. d_optimizer=keras.optimizers.Adam(2e-4), g_optimizer=keras.optimizers.Adam(2e-4)."
            )
        for name, optimizer in (("d_optimizer", self.d_optimizer), ("g_optimizer", self.g_optimizer)):
            if getattr(optimizer, "gradient_accumulation_steps", None):
                raise ValueError(
                    f"{name} has gradient_accumulation_steps={optimizer.gradient_accumulation_steps}, which "
                    "keras_gans' two-player step does not support (the engine aggregates and clips each "
                    "update's gradient itself). Use a larger batch instead."
                )
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            self.d_optimizer = _loss_scaled(self.d_optimizer)
            self.g_optimizer = _loss_scaled(self.g_optimizer)
        self._compiled_kwargs = {k: kwargs[k] for k in ("jit_compile", "steps_per_execution") if k in kwargs}
        # Keras' learning-rate callbacks (LearningRateScheduler,
        # ReduceLROnPlateau) and TensorBoard act on `model.optimizer`: both players.
        self.optimizer = PlayerOptimizers(self)
        if self.built:
            # Built now, so a model saved before its first step reloads whole.
            self.build_optimizers()

    def optimizer_variables(self):
        """Pairs (optimizer, variables it updates)."""
        return [
            (self.d_optimizer, self.discriminator.trainable_variables),
            (self.g_optimizer, self.generator.trainable_variables),
        ]

    def build_optimizers(self):
        """Build both optimizers (needed before fit under a strategy and to load state)."""
        with self.distribute_strategy.scope():
            for optimizer, variables in self.optimizer_variables():
                if optimizer is not None and not optimizer.built:
                    optimizer.build(variables)

    def get_compile_config(self):
        if self.d_optimizer is None:
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            **getattr(self, "_compiled_kwargs", {}),
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)
        self.build_optimizers()

    def apply_update(self, optimizer, tape, loss, variables, batch_size=None):
        """Differentiate `loss` recorded on `tape` and apply it with `optimizer`.

        One update equals the single-device update on the global batch,
        whatever the strategy, precision and optimizer options:

        - each replica's loss (a mean over its share of the global batch) is
          weighted by its share, n_replica / n_global (`batch_size` is this
          replica's n; equal shares when it is None), so uneven shares and
          empty shares give the global mean;
        - the engine sums the replicas' gradients itself, before anything
          else looks at them: clipping (`clipnorm`, `global_clipnorm`,
          `clipvalue`) acts on the aggregated gradient, and the mixed-precision
          loss-scale optimizer decides to skip a step from the aggregated
          gradient, so every replica (and worker) skips together;
        - spectral-normalized layers whose kernels are updated advance their
          power iteration once (`keras_gans.layers.SpectralNormalization`).
        """
        variables = list(variables)
        weight = self.replica_weight(batch_size)
        scale = optimizer.scale_loss(tf.cast(weight, loss.dtype))
        grads = tape.gradient(loss, variables, output_gradients=tf.cast(scale, loss.dtype))
        present = [i for i, g in enumerate(grads) if g is not None]
        if not present:
            return
        grads = [grads[i] for i in present]
        variables = [variables[i] for i in present]
        replica = tf.distribute.get_replica_context()
        replicas = self.distribute_strategy.num_replicas_in_sync
        if replica is not None and replica.num_replicas_in_sync > 1:
            grads = replica.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        _advance_spectral_norms(self, variables)
        grads = _clip_aggregated(optimizer, grads)
        if replicas > 1:
            # Keras sums the replicas' gradients again: hand it each replica's
            # 1/N of the (identical) aggregated gradient.
            grads = [g / tf.cast(replicas, g.dtype) for g in grads]
        # The update waits for the loss: every read of the variables that the
        # loss needs happens before they change. tf.function orders a read
        # before a later write of the same variable, but Grappler's dependency
        # optimizer drops that edge when the read reaches the write only
        # through a gradient that later folds to a constant (R1's inner pass
        # reads a bias whose second-order gradient is zero): D's penalty then
        # read the updated bias in about one fit in twenty.
        with tf.control_dependencies([loss]), _keras_clipping_off(optimizer):
            optimizer.apply_gradients(zip(grads, variables))

    def replica_weight(self, batch_size=None):
        """This replica's share of the global batch: n_replica / n_global (1 on one device)."""
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            return tf.constant(1.0)
        if batch_size is None:
            return tf.constant(1.0 / replica.num_replicas_in_sync)
        n = tf.cast(batch_size, tf.float32)
        return n / replica.all_reduce(tf.distribute.ReduceOp.SUM, n)

    # --- randomness ----------------------------------------------------------

    def step_seed(self, counter, salt):
        """A stateless seed for this step: (seed, salt, counter, replica).

        Each replica folds in its id, so replicas draw different noise; the
        counter is an optimizer's iteration count, so a resumed run continues
        the same random stream.
        """
        seed = tf.constant([self._seed_value, salt], tf.int64)
        seed = tf.random.experimental.stateless_fold_in(seed, tf.cast(counter, tf.int64))
        replica = tf.distribute.get_replica_context()
        replica_id = replica.replica_id_in_sync_group if replica is not None else 0
        return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica_id, tf.int64))

    def random_streams(self, player):
        """The named random streams of `player`'s current update.

        `player` is "discriminator" or "generator"; the counter is that
        player's optimizer iteration count, so every update draws new noise
        and a resumed run continues the same streams. Returns a `Streams`
        tuple of stateless seeds: latent, labels, flip, noise, penalty.
        """
        optimizer = {"discriminator": self.d_optimizer, "generator": self.g_optimizer}[player]
        base = _PLAYER_SALTS[player] * len(Streams._fields)
        return Streams(*(self.step_seed(optimizer.iterations, base + i) for i in range(len(Streams._fields))))

    # --- moving average ------------------------------------------------------

    def update_ema(self, source, target, decay, updates=None):
        """target <- decay * target + (1 - decay) * source, replica-safe.

        `updates`: the number of updates of `source` so far, to warm the
        average up as `tf.train.ExponentialMovingAverage(decay, num_updates)`
        does: the decay used is min(decay, (1 + updates) / (10 + updates)), so
        the average does not keep the initial weights for thousands of steps
        (0.999 ** 620 = 54% of them after 620 updates without it).
        """
        if target is None:
            return
        if updates is not None:
            updates = tf.cast(updates, tf.float32)
            decay = tf.minimum(tf.cast(decay, tf.float32), (1.0 + updates) / (10.0 + updates))

        def average(variable, value):
            return decay * variable + (1.0 - decay) * tf.cast(value, variable.dtype)

        assign_replica_safe(list(zip(target.weights, source.weights)), average)

    # --- metrics -------------------------------------------------------------

    def create_trackers(self, names):
        """Create one running-mean tracker per logged quantity (in __init__)."""
        self._trackers = [keras.metrics.Mean(name=name) for name in names]

    @property
    def metrics(self):
        return list(self._trackers)

    def record(self, logs, batch_size=None):
        """Update the trackers with this step's values; return the logs.

        Under a strategy each replica's values are means over its share of
        the batch: they are combined into the global-batch mean, weighted by
        `batch_size` (this replica's n; equal shares when None), so uneven
        and empty shares log the single-device values.
        """
        names = [t.name for t in self._trackers if logs.get(t.name) is not None]
        values = [tf.cast(logs[name], tf.float32) for name in names]
        replica = tf.distribute.get_replica_context()
        if values and replica is not None and replica.num_replicas_in_sync > 1:
            n = tf.cast(1 if batch_size is None else batch_size, tf.float32)
            stacked = tf.where(n > 0, tf.stack(values), 0.0) * n
            total = replica.all_reduce(tf.distribute.ReduceOp.SUM, tf.concat([stacked, [n]], axis=0))
            values = tf.unstack(total[:-1] / total[-1])
        trackers = {t.name: t for t in self._trackers}
        for name, value in zip(names, values):
            trackers[name].update_state(value)
        return {name: trackers[name].result() for name in names}

    # --- data ----------------------------------------------------------------

    def unpack_real(self, data):
        """The real samples of a batch: `x`, `(x, ...)` or `{"image": x, ...}`."""
        if isinstance(data, dict):
            if "image" not in data:
                raise ValueError(f"Expected a dict batch with an 'image' key, got keys {list(data)}.")
            return data["image"]
        if isinstance(data, (tuple, list)):
            return data[0]
        return data

    def check_data(self, element_spec):
        """Override: raise a clear error when the data do not fit the model."""

    @staticmethod
    def check_sample_shape(data_shape, model_shape, what):
        data_shape = tuple(data_shape)[1:]
        model_shape = tuple(model_shape)[1:]
        fits = len(data_shape) == len(model_shape) and all(
            d is None or m is None or d == m for d, m in zip(data_shape, model_shape)
        )
        if not fits:
            raise ValueError(
                f"The dataset's samples have shape {data_shape}, but the {what} has shape "
                f"{model_shape}. Resize the data (e.g. datasets.load(..., image_size=...)) "
                f"or build the networks for that shape."
            )

    @staticmethod
    def _check_latent_input(generator, latent_dim):
        shape = getattr(generator, "input_shape", None)
        if isinstance(shape, tuple) and len(shape) == 2 and shape[1] not in (None, latent_dim):
            raise ValueError(f"latent_dim={latent_dim}, but the generator takes inputs of shape {shape[1:]}.")

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, after checking the data and building the optimizers.

        Before any work, the data's spec (shapes, dtypes) and values are
        checked: arrays whole, a tf.data pipeline on its first batch (empty,
        non-finite values, images outside the generator's output range; see
        `check_batch`). A `StopOnNaN` callback is added unless one is given: a
        non-finite loss raises an error naming the step and the loss (and
        non-finite values in the data when there are), before any checkpoint
        of the broken weights is written. An in-graph check of a later batch
        (labels out of range, token ids) is raised as a ValueError whose first
        line is the check's message.

        A tf.data pipeline whose options leave autotuning unset gets it turned
        off (`without_autotune_stall`): with it on, every deleted iterator
        (each epoch end, the first-batch check) waited for TensorFlow's
        autotuning thread, up to 10 s on our CPU (docs/tfdata_stall.md). Set
        `options.autotune.enabled = True` on the dataset to keep it.
        """
        if self.d_optimizer is None:
            raise RuntimeError(f"{type(self).__name__} must be compiled with d_optimizer and g_optimizer before fit().")
        check_steps_per_execution(kwargs.get("steps_per_epoch"), self.steps_per_execution)
        spec = _element_spec(x if y is None else (x, y))
        if hasattr(x, "element_spec"):
            kwargs.setdefault("shuffle", False)  # a tf.data pipeline shuffles itself
        x = without_autotune_stall(x)
        if spec is not None:
            self.check_data(spec)
        first, where = first_batch(x, y)
        if first is not None:
            self.check_batch(first, where)
        self.build_optimizers()
        synchronize_batch_norms(self)
        distribute.per_replica_noise(self)  # different dropout masks on each replica
        if hasattr(x, "element_spec") and distribute.is_multi_worker(self.distribute_strategy):
            x = distribute.with_shard_policy(x, "auto")
        callbacks = list(callbacks or [])
        stop = next((c for c in callbacks if isinstance(c, callbacks_lib.StopOnNaN)), None)
        if stop is None:
            stop = callbacks_lib.StopOnNaN()
            callbacks.append(stop)
        if stop.data is None and isinstance(x, tf.data.Dataset):
            stop.data = x
        stop.data_checked = first is not None and not where  # arrays: all values checked
        try:
            return super().fit(x, y, *args, callbacks=callbacks, **kwargs)
        except tf.errors.InvalidArgumentError as error:
            message = assertion_message(error)
            if message is None:
                raise
            raise ValueError(
                f"{message} (epoch {stop._epoch + 1}, step {stop.batch + 1}). Training stopped "
                "before this step's update."
            ) from None

    def check_batch(self, batch, where=""):
        """Check the values of the first batch (or of all the arrays) before training.

        Raises a ValueError on non-finite values and on real images far outside
        the generator's output range (e.g. [0, 255] for a tanh generator);
        warns on images in [0, 1] for a tanh generator. `where` is "" for
        arrays (all checked) or "the first batch" for a pipeline. Subclasses
        add their own checks (ConditionalGAN: the labels' range).
        """
        found = callbacks_lib.non_finite_in(batch)
        if found is not None:
            where = f"{where}, " if where else ""
            raise ValueError(
                f"The data contain non-finite values: {where}{found}. {type(self).__name__} "
                "needs finite inputs; remove or replace them (e.g. np.nan_to_num, or "
                "dataset.filter(lambda x: tf.reduce_all(tf.math.is_finite(x))))."
            )
        for what, images, network in self.range_checks(batch):
            check_output_range(images, network, what, where)

    def range_checks(self, batch):
        """(what, images, network): real images that should lie in `network`'s output range.

        Default: the real samples against `self.generator`; Pix2Pix and
        CycleGAN name their targets and domains.
        """
        generator = getattr(self, "generator", None)
        if generator is None:
            return []
        try:
            images = tf.nest.flatten(self.unpack_real(batch))[0]
        except (ValueError, TypeError, KeyError, IndexError):
            return []
        return [("The real images", images, generator)]

    # --- tf.distribute (see keras_gans.distribute) ---------------------------

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras builds a model on a batch it reduces eagerly, which fails under
        # MultiWorkerMirroredStrategy (keras-team/keras#20585). keras_gans
        # models are built in __init__ and their optimizers by fit().
        if all(layer.built for layer in self._flatten_layers()):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def make_train_function(self, force=False):
        if not distribute.is_multi_worker(self.distribute_strategy):
            return super().make_train_function(force)
        if self.train_function is None or force:
            self.train_function = distribute.multi_worker_function(self, self.train_step)
        return self.train_function

    def make_test_function(self, force=False):
        if not distribute.is_multi_worker(self.distribute_strategy):
            return super().make_test_function(force)
        if self.test_function is None or force:
            self.test_function = distribute.multi_worker_function(self, self.test_step)
        return self.test_function

    @staticmethod
    def run_batched(model, inputs, batch_size):
        """model(inputs) in batches, in inference mode, as one numpy array.

        Runs a compiled function of `model` cached per network and input
        signature (batch dimension free), not the eager layer-by-layer call:
        see keras_gans.models._compiled.
        """
        from keras_gans.models import _compiled

        inputs = tf.nest.map_structure(np.asarray, inputs)
        n = len(tf.nest.flatten(inputs)[0])
        function = _compiled.inference_function(model, inputs)
        outputs = []
        for start in range(0, n, batch_size):
            batch = tf.nest.map_structure(lambda a: a[start : start + batch_size], inputs)
            outputs.append(keras.ops.convert_to_numpy(function(batch)))
        if len(outputs) == 1:
            return outputs[0]
        return np.concatenate(outputs, axis=0)

    # --- export (protocol: keras_gans.export) -----------------------------------

    def serving_signatures(self):
        """{name: (fn, [tf.TensorSpec])} of the exported generator; see keras_gans.export.

        Each model defines its own (latent -> images, image -> image, ...).
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not define serving_signatures(); see the protocol in "
            f"keras_gans.export's docstring."
        )

    def serving_description(self):
        """JSON-able {"kind": ..., ...} describing the signatures for the manifest."""
        return {"kind": "custom"}

    def export_generator(self, directory, formats=("saved_model", "tflite"), quantize=None, **kwargs):
        """`keras_gans.export.export_generator(self, ...)`: SavedModel, TFLite and a manifest."""
        from keras_gans import export

        return export.export_generator(self, directory, formats=formats, quantize=quantize, **kwargs)


def make_ema_copy(model, decay):
    """A frozen copy of `model` holding the moving average of its weights."""
    if decay is None:
        return None
    if not 0.0 < float(decay) < 1.0:
        raise ValueError(f"ema_decay must be in (0, 1), got {decay}.")
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.trainable = False
    return copy


def assign_replica_safe(pairs, fn):
    """variable.assign(fn(variable, arg)) for each (variable, arg) pair.

    In a replica context of a strategy, mirrored variables cannot be assigned
    directly; the assignment is made once, in cross-replica context, through
    merge_call. The value must be the same on every replica (it is for the
    weights after a synchronised update). `arg` may be None.
    """

    def assign(variable, arg):
        return variable.assign(fn(variable, arg))

    pairs = [(_tf_variable(v), None if a is None else _tf_variable(a)) for v, a in pairs]
    if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():

        def merge_fn(strategy):
            for variable, arg in pairs:
                strategy.extended.update(variable, assign, args=(arg,))

        tf.distribute.get_replica_context().merge_call(merge_fn)
    else:
        for variable, arg in pairs:
            assign(variable, arg)


def _tf_variable(variable):
    return getattr(variable, "value", variable) if isinstance(variable, keras.Variable) else variable


def _as_optimizer(optimizer):
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    return keras.optimizers.get(optimizer)


def _loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def _element_spec(x):
    """The spec of one batch of `x` (a tf.data.Dataset, arrays or tuples of arrays)."""
    if x is None:
        return None
    if hasattr(x, "element_spec"):
        return x.element_spec
    try:
        return tf.nest.map_structure(
            lambda a: tf.TensorSpec((None,) + tuple(np.shape(a))[1:], tf.as_dtype(np.asarray(a).dtype)),
            x,
        )
    except (TypeError, ValueError):
        return None


def check_steps_per_execution(steps_per_epoch, steps_per_execution):
    """Refuse a `steps_per_epoch` that `steps_per_execution` does not divide.

    Keras 3.15 runs whole executions: with steps_per_execution=16 and
    steps_per_epoch=7 an epoch ran 16 steps, and 2 epochs of 20 ran 64
    (measured), so the run would silently train more than asked.
    """
    if steps_per_epoch and steps_per_execution and steps_per_execution > 1:
        if int(steps_per_epoch) % int(steps_per_execution):
            raise ValueError(
                f"steps_per_epoch={steps_per_epoch} is not a multiple of steps_per_execution="
                f"{steps_per_execution}: Keras would run whole executions of {steps_per_execution} steps, "
                f"{-(-int(steps_per_epoch) // int(steps_per_execution)) * int(steps_per_execution)} an epoch. "
                "Make steps_per_epoch a multiple of it, or compile with a divisor of it."
            )


def without_autotune_stall(x):
    """`x` with tf.data autotuning off, unless its options set autotuning either way.

    Deleting an iterator of a pipeline with autotuning on waits for the
    autotuning thread's next wake-up (docs/tfdata_stall.md): `fit` deletes one
    at every epoch end, so short epochs lost seconds each. Maps with
    `num_parallel_calls=AUTOTUNE` still run in parallel with it off.
    """
    if isinstance(x, tf.data.Dataset) and x.options().autotune.enabled is None:
        from keras_gans.datasets import pipeline

        return x.with_options(pipeline.options())
    return x


def first_batch(x, y=None):
    """(batch, where): all of array data (where "") or a tf.data pipeline's first batch.

    (None, None) for inputs it cannot peek at (generators, distributed datasets).
    Raises a ValueError when the data hold no examples.
    """
    if x is None:
        return None, None
    if isinstance(x, tf.data.Dataset):
        first = next(iter(x.take(1)), None)
        if first is None:
            raise ValueError("The dataset is empty: its first batch is missing, so there is nothing to train on.")
        return first, "the first batch"
    if hasattr(x, "element_spec") or hasattr(x, "__next__"):
        return None, None
    data = x if y is None else (x, y)
    try:
        arrays = tf.nest.map_structure(np.asarray, data)
    except (TypeError, ValueError):
        return None, None
    leaves = tf.nest.flatten(arrays)
    if leaves and all(a.ndim >= 1 for a in leaves) and min(len(a) for a in leaves) == 0:
        raise ValueError(
            f"The data hold no examples (arrays of shapes {[a.shape for a in leaves]}), so there is nothing to train on."
        )
    return arrays, ""


# The value range of a network's output, by the activation of its last layer.
OUTPUT_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
_RESCALE = {
    "tanh": "dataset.map(lambda x: tf.cast(x, tf.float32) / 127.5 - 1) for [0, 255] images, x * 2 - 1 for [0, 1] ones",
    "sigmoid": "dataset.map(lambda x: tf.cast(x, tf.float32) / 255) for [0, 255] images, (x + 1) / 2 for [-1, 1] ones",
}


_SHAPE_LAYERS = (
    keras.layers.Reshape,
    keras.layers.Flatten,
    keras.layers.Permute,
    keras.layers.Cropping1D,
    keras.layers.Cropping2D,
    keras.layers.Cropping3D,
    keras.layers.InputLayer,
)


def unpack_pair(data, keys, expected):
    """The two parts of a batch of pairs (or of its spec): a 2-tuple, or a dict holding both `keys`.

    Args:
        data: the batch or its element spec.
        keys: the dict keys of the two parts, e.g. ("input", "target"); None when only tuples are accepted.
        expected: the start of the error message: what the model trains on and how to load it.
    """
    if keys is not None and isinstance(data, dict) and set(keys) <= set(data):
        return data[keys[0]], data[keys[1]]
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    raise ValueError(f"{expected}; got a batch of {labels_lib.describe_batch(data)}.")


class PairedData:
    """Mixin of the models that learn a map from source to target images on pairs (Pix2Pix, SRGAN).

    A subclass names its pair: `pair_keys` (the dict keys of a batch),
    `pair_expected` (what it trains on, the start of the error for anything
    else) and `target_name` (the range check's name for the targets, which
    should lie in the generator's output range).
    """

    pair_keys = ("source", "target")
    pair_expected = "The model trains on (source, target) image pairs"
    target_name = "The target images"

    @classmethod
    def unpack_pair(cls, data):
        """(source, target) from a batch (or its spec): a 2-tuple, or a dict holding both `pair_keys`."""
        return unpack_pair(data, cls.pair_keys, cls.pair_expected)

    def range_checks(self, batch):
        """The targets against the generator's output range (fit checks them)."""
        _, target = self.unpack_pair(batch)
        return [(self.target_name, target, self.generator)]

    @property
    def sampling_generator(self):
        """The network to export: the generator."""
        return self.generator

    def serving_signatures(self):
        """source image -> image ("source" -> "images") and its uint8 twin; see keras_gans.export."""
        from keras_gans import export

        return export.translation_signatures(self.sampling_generator)

    def serving_description(self):
        return {"kind": "image_to_image"}


def shape_fits(shape, expected):
    """Whether `shape` matches `expected` dimension by dimension (None matches anything)."""
    shape, expected = tuple(shape), tuple(expected)
    return len(shape) == len(expected) and all(
        a is None or b is None or int(a) == int(b) for a, b in zip(shape, expected)
    )


def output_activation(network):
    """The name of the activation of `network`'s last layer ("tanh", "sigmoid", ...), or None."""
    layer = network
    for _ in range(8):  # nested models: the last layer of the last layer
        layers = getattr(layer, "layers", None)
        if not layers:
            break
        # Skip the layers that only move values (a Reshape after the tanh).
        moving = [lyr for lyr in layers if not isinstance(lyr, _SHAPE_LAYERS)]
        layer = moving[-1] if moving else layers[-1]
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None)
    return name if isinstance(name, str) else None


def check_output_range(images, network, what="The real images", where=""):
    """Raise (or warn) when `images` do not lie in the output range of `network`.

    An error for images clearly outside it (uint8, or max > 1.5 for a tanh or
    sigmoid output; min < -0.5 for sigmoid); a warning for [0, 1] images with
    a tanh output (legitimate for some data, usually a missing `x * 2 - 1`).
    """
    activation = output_activation(network)
    if activation not in OUTPUT_RANGES:
        return
    images = np.asarray(images)
    if images.size == 0 or not (np.issubdtype(images.dtype, np.floating) or images.dtype == np.uint8):
        return
    low, high = float(images.min()), float(images.max())
    lo, hi = OUTPUT_RANGES[activation]
    seen = f" in {where}" if where else ""
    observed = f"{what} hold values from {low:g} to {high:g}{seen} (dtype {images.dtype})"
    generator = f"{network.name} ends in {activation} and outputs values in [{lo:g}, {hi:g}]"
    fix = f"Rescale the images to [{lo:g}, {hi:g}], e.g. {_RESCALE[activation]} (keras_gans.datasets.load already scales to [-1, 1])."
    if images.dtype == np.uint8 or high > 1.5 or (activation == "sigmoid" and low < -0.5):
        raise ValueError(
            f"{observed}, but the generator {generator}: the discriminator would tell real from "
            f"generated by their range alone. {fix}"
        )
    if activation == "tanh" and low >= 0.0 and high <= 1.0:
        warnings.warn(
            f"{observed}: they look like images in [0, 1], but the generator {generator}, so it can "
            f"never produce the dark half of the range the data leave out. {fix}",
            stacklevel=4,
        )


def assertion_message(error):
    """The message of a failed in-graph tf.debugging.Assert of keras_gans, or None.

    TensorFlow shows it as "assertion failed: [text] [5] [to] [7]" deep in a
    traceback; this returns "text 5 to 7" (the data's values joined to the text).
    """
    text = str(getattr(error, "message", error))
    marker = "assertion failed: "
    if marker not in text:
        return None
    line = text.split(marker, 1)[1].splitlines()[0].strip()
    parts = line.strip("[]").split("] [")
    if not parts or ":" not in parts[0]:
        return None  # not one of keras_gans' checks ("Model: ...")
    if parts[0].rstrip().endswith("from") and len(parts) >= 4:
        return " ".join(p.strip() for p in parts[:4])
    return parts[0].strip()


# --- the engine's own gradient aggregation -------------------------------------


def _advance_spectral_norms(model, variables):
    """Advance u once in the spectral-normalized layers whose kernels this update changes."""
    ids = {id(_tf_variable(v)) for v in variables}
    for layer in spectral_normalization.spectral_layers(model):
        if id(_tf_variable(layer._raw_kernel())) in ids:
            layer.advance()


def _inner(optimizer):
    return getattr(optimizer, "inner_optimizer", optimizer)


# MirroredStrategy traces the replicas' steps in concurrent threads, which share
# the optimizer objects: Keras' clipping is switched off while any replica is in
# apply_gradients, and the engine reads the clipping options from here meanwhile.
_CLIPPING_LOCK = threading.Lock()
_CLIPPING_OFF = {}  # id(optimizer) -> [replicas inside apply_gradients, saved options]


def _clipping_options(inner):
    """(clipnorm, global_clipnorm, clipvalue) as the user set them."""
    with _CLIPPING_LOCK:
        state = _CLIPPING_OFF.get(id(inner))
        return state[1] if state else (inner.clipnorm, inner.global_clipnorm, inner.clipvalue)


def _clip_aggregated(optimizer, grads):
    """The optimizer's clipping (clipnorm, global_clipnorm, clipvalue) on aggregated gradients.

    Loss-scaled gradients are clipped unscaled (the scale is a power of two,
    so scaling back is exact); non-finite gradients are left as they are, for
    the loss-scale optimizer to skip the step.
    """
    clipnorm, global_clipnorm, clipvalue = _clipping_options(_inner(optimizer))
    if not (clipnorm or global_clipnorm or clipvalue):
        return grads
    scale = None
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        scale = tf.cast(optimizer.dynamic_scale, grads[0].dtype)
        grads = [g / scale for g in grads]
    if clipnorm:
        clipped = [tf.clip_by_norm(g, clipnorm) for g in grads]
    elif global_clipnorm:
        clipped, _ = tf.clip_by_global_norm(grads, global_clipnorm)
    else:
        clipped = [tf.clip_by_value(g, -clipvalue, clipvalue) for g in grads]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in grads])
    clipped = [tf.where(finite, c, g) for c, g in zip(clipped, grads)]
    if scale is not None:
        clipped = [g * scale for g in clipped]
    return clipped


@contextlib.contextmanager
def _keras_clipping_off(optimizer):
    """Keras clips each replica's share before summing them: the engine clipped already."""
    inner = _inner(optimizer)
    with _CLIPPING_LOCK:
        state = _CLIPPING_OFF.setdefault(id(inner), [0, None])
        if state[0] == 0:
            state[1] = (inner.clipnorm, inner.global_clipnorm, inner.clipvalue)
            inner.clipnorm = inner.global_clipnorm = inner.clipvalue = None
        state[0] += 1
    try:
        yield
    finally:
        with _CLIPPING_LOCK:
            state[0] -= 1
            if state[0] == 0:
                inner.clipnorm, inner.global_clipnorm, inner.clipvalue = state[1]
                del _CLIPPING_OFF[id(inner)]


class _PlayerLearningRate:
    """One player's optimizer as Keras' learning-rate callbacks see it."""

    def __init__(self, name, model, attr):
        self.name = name
        self._model, self._attr = model, attr

    @property
    def _optimizer(self):
        return getattr(self._model, self._attr)

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._optimizer.learning_rate = value


class PlayerOptimizers:
    """`model.optimizer` of a two-player model: both players' optimizers.

    Keras' `LearningRateScheduler` and `ReduceLROnPlateau` set the learning
    rate of every optimizer in `optimizers` (the discriminator's and the
    generator's), and TensorBoard logs `learning_rate_discriminator` and
    `learning_rate_generator`. It holds no state of its own: the optimizers
    are `model.d_optimizer` and `model.g_optimizer`.
    """

    def __init__(self, model):
        self._model = model
        self.optimizers = [
            _PlayerLearningRate("discriminator", model, "d_optimizer"),
            _PlayerLearningRate("generator", model, "g_optimizer"),
        ]

    @property
    def built(self):
        return all(o is None or o.built for o in (self._model.d_optimizer, self._model.g_optimizer))

    def build(self, variables=None):
        del variables
        self._model.build_optimizers()

    @property
    def iterations(self):
        return self._model.g_optimizer.iterations

    @property
    def learning_rate(self):
        raise AttributeError(
            "A two-player model has two learning rates: model.d_optimizer.learning_rate and "
            "model.g_optimizer.learning_rate (model.optimizer.optimizers lists both)."
        )

    def scale_loss(self, loss):
        return loss


def batch_norm_layers(model):
    """Names of the BatchNormalization layers anywhere inside `model` (custom layers included)."""
    flatten = getattr(model, "_flatten_layers", None)
    if flatten is None:
        return []
    return [layer.name for layer in flatten(include_self=True) if isinstance(layer, keras.layers.BatchNormalization)]


def synchronize_batch_norms(model):
    """Under more than one replica, make every BatchNormalization layer synchronized.

    Plain batch norm normalizes each replica's share with its own statistics
    and keeps one copy of the moving statistics per replica (save, sampling
    and export read replica 0's): synchronized batch norm uses the global
    batch's statistics, as on one device, and keeps the copies equal.
    """
    if model.distribute_strategy.num_replicas_in_sync <= 1:
        return []
    changed = []
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized:
            layer.synchronized = True
            changed.append(layer.name)
    if changed:
        warnings.warn(
            f"Training on {model.distribute_strategy.num_replicas_in_sync} replicas: the "
            f"BatchNormalization layers {changed} are made synchronized (synchronized=True), so "
            "they use the global batch's statistics as on one device and their moving statistics "
            "stay equal on every replica. Build them with synchronized_batch_norm=True to silence this.",
            stacklevel=3,
        )
    return changed
