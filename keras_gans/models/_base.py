"""`AdversarialModel`: the machinery every keras_gans model shares.

Subclasses write the game (train_step and its hooks); this class holds what is
not the paper: two optimizers and their serialisation, loss scaling for
tf.distribute and mixed precision, reproducible per-replica random seeds,
metric trackers, the moving average of weights, and the checks `fit` runs
before any work is done.
"""

import copy
import random

import numpy as np
import keras
import tensorflow as tf

from keras_gans import callbacks as callbacks_lib
from keras_gans import distribute


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
        if keras.mixed_precision.global_policy().name == "mixed_float16":
            self.d_optimizer = _loss_scaled(self.d_optimizer)
            self.g_optimizer = _loss_scaled(self.g_optimizer)
        self._compiled_kwargs = {
            k: kwargs[k] for k in ("jit_compile", "steps_per_execution") if k in kwargs
        }
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

    def apply_update(self, optimizer, tape, loss, variables):
        """Differentiate `loss` recorded on `tape` and apply it with `optimizer`.

        tf.distribute sums the gradients of the replicas, so each replica's
        loss (a mean over its share of the global batch) is divided by the
        number of replicas: the update then equals the single-device update
        on the global batch. Mixed-precision loss scaling multiplies in too;
        the LossScaleOptimizer divides it out.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        scale = optimizer.scale_loss(tf.constant(1.0 / replicas, loss.dtype))
        grads = tape.gradient(loss, variables, output_gradients=scale)
        optimizer.apply_gradients(zip(grads, variables))

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

    # --- moving average ------------------------------------------------------

    def update_ema(self, source, target, decay):
        """target <- decay * target + (1 - decay) * source, replica-safe."""
        if target is None:
            return

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

    def record(self, logs):
        """Update the trackers with this step's values; return the logs."""
        for tracker in self._trackers:
            if logs.get(tracker.name) is not None:
                tracker.update_state(logs[tracker.name])
        return {t.name: t.result() for t in self._trackers if logs.get(t.name) is not None}

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
            raise ValueError(
                f"latent_dim={latent_dim}, but the generator takes inputs of shape {shape[1:]}."
            )

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, after checking the data and building the optimizers.

        A `StopOnNaN` callback is added unless one is given: a non-finite loss
        raises an error naming the step and the loss, before any checkpoint of
        the broken weights is written.
        """
        if self.d_optimizer is None:
            raise RuntimeError(
                f"{type(self).__name__} must be compiled with d_optimizer and g_optimizer before fit()."
            )
        spec = _element_spec(x if y is None else (x, y))
        if hasattr(x, "element_spec"):
            kwargs.setdefault("shuffle", False)  # a tf.data pipeline shuffles itself
        if spec is not None:
            self.check_data(spec)
        self.build_optimizers()
        distribute.per_replica_noise(self)  # different dropout masks on each replica
        if hasattr(x, "element_spec") and distribute.is_multi_worker(self.distribute_strategy):
            x = distribute.with_shard_policy(x, "auto")
        callbacks = list(callbacks or [])
        if not any(isinstance(c, callbacks_lib.StopOnNaN) for c in callbacks):
            callbacks.append(callbacks_lib.StopOnNaN())
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

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

        Default: image -> image ("source" -> "images") when `sampling_generator`
        takes one image (pix2pix); other models override.
        """
        from keras_gans import export

        if self._translates_images():
            return export.translation_signatures(self.sampling_generator)
        raise NotImplementedError(
            f"{type(self).__name__} does not define serving_signatures(); see the protocol in "
            f"keras_gans.export's docstring."
        )

    def serving_description(self):
        """JSON-able {"kind": ..., ...} describing the signatures for the manifest."""
        return {"kind": "image_to_image" if self._translates_images() else "custom"}

    def _translates_images(self):
        generator = getattr(self, "sampling_generator", None)
        try:
            return len(generator.inputs) == 1 and len(generator.input_shape) == 4
        except (AttributeError, TypeError, ValueError):  # not a functional network
            return False

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
