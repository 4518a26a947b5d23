"""Distributed training: strategies, precision, XLA and data sharding.

Every keras_gans model trains with plain `model.fit` under any
`tf.distribute` strategy and gives the same result as on one device with
the same global batch:

- the batch size you give (`datasets.load(..., batch_size=B)`) is the
  global batch; `fit` splits each batch between the replicas;
- `AdversarialModel.apply_update` divides every replica's loss by the
  number of replicas, so the summed gradient is the single-device gradient
  of the global batch, for every game, penalty and model;
- the logged losses are the global-batch values (the mean of the replicas'
  means), not one replica's and not their sum;
- replicas draw different latents (`AdversarialModel.step_seed` folds in the
  replica id) and different dropout masks (`per_replica_noise`, applied by
  `fit`);
- `fit` works under MultiWorkerMirroredStrategy (keras-team/keras#20585 is
  worked around in `AdversarialModel`).

Typical use:

>>> strategy, compile_kwargs = keras_gans.distribute.configure(
...     strategy="auto", precision="mixed_float16")  # before building networks
>>> with strategy.scope():
...     gan = keras_gans.GAN(
...         keras_gans.networks.dcgan_generator(128, (32, 32, 1), synchronized_batch_norm=True),
...         keras_gans.networks.dcgan_discriminator((32, 32, 1), synchronized_batch_norm=True),
...         latent_dim=128)
...     gan.compile(**compile_kwargs)
>>> gan.fit(keras_gans.datasets.load("mnist", batch_size=256, image_size=32), epochs=5)
"""

import json
import os
import warnings

import keras
import tensorflow as tf

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
SHARD_POLICIES = ("auto", "data", "file", "off")

# Environment variables that say a TPU is attached (Colab, Cloud TPU VMs).
_TPU_HINTS = ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE", "TPU_WORKER_ID")


# --- strategies --------------------------------------------------------------


def get_strategy(name="auto", devices=None, tpu=None, communication="auto"):
    """A `tf.distribute.Strategy` by name.

    Args:
        name: one of `STRATEGIES` (or a strategy, returned as is):
            - "auto": MultiWorkerMirroredStrategy when TF_CONFIG describes
              a cluster of several workers; else a TPU when one is attached
              (Colab, a Cloud TPU VM: the environment variables TPU_NAME,
              COLAB_TPU_ADDR or TPU_ACCELERATOR_TYPE, or a /dev/accel0
              device); else MirroredStrategy when there are two or more
              GPUs; else the default strategy (one device).
            - "one_device": OneDeviceStrategy on the first GPU, or the CPU.
            - "mirrored": MirroredStrategy over `devices` (default: all GPUs,
              or the CPU when there are none).
            - "multi_worker": MultiWorkerMirroredStrategy; the cluster comes
              from TF_CONFIG, or from SLURM (SlurmClusterResolver) inside a
              SLURM job. Create it at the start of the program, before any
              TensorFlow operation runs (TensorFlow refuses later:
              "Collective ops must be configured at program startup").
            - "tpu": TPUStrategy; `tpu` names the TPU ("local" on a TPU VM).
        devices: devices of "mirrored", e.g. ["/gpu:0", "/gpu:1"].
        tpu: the TPU name or address for "tpu" (default: resolved from the
            environment).
        communication: collective implementation of "multi_worker": "auto",
            "ring" or "nccl".

    Returns:
        A tf.distribute.Strategy. Create the model under `strategy.scope()`.
        The same arguments return the same strategy object: train several
        models in one process under one strategy (TensorFlow fails when a
        second MirroredStrategy over the same devices trains a model,
        tensorflow/tensorflow#62790).

    Raises:
        ValueError: for an unknown name, or when the hardware or cluster the
            strategy needs is not there.
    """
    if isinstance(name, tf.distribute.Strategy):
        return name
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}. Expected one of: {', '.join(STRATEGIES)}.")
    key = (name, None if devices is None else tuple(devices), tpu, communication)
    if key not in _strategies:
        strategy = _make_strategy(name, devices, tpu, communication)
        if strategy is tf.distribute.get_strategy():  # "auto" on one device: nothing to keep
            return strategy
        _strategies[key] = strategy
    return _strategies[key]


# One strategy per configuration and process: a second MirroredStrategy over
# the same devices reuses TensorFlow's collective keys, and the next model it
# trains fails with "Shape mismatch in the collective instance ..."
# (tensorflow/tensorflow#62790); a TPU system is initialised once.
_strategies = {}


def _make_strategy(name, devices, tpu, communication):
    # Multi-worker and TPU strategies must be created before TensorFlow
    # initialises its devices: look at the environment first, list the GPUs
    # (which does not initialise them) only for the other strategies.
    if name == "multi_worker" or (name == "auto" and _tf_config_workers() > 1):
        return _multi_worker_strategy(communication)
    if name == "tpu" or (name == "auto" and (tpu is not None or _tpu_attached())):
        return _tpu_strategy(tpu)
    gpus = tf.config.list_physical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    # mirrored
    if devices is None and not gpus:
        devices = ["/cpu:0"]
    return tf.distribute.MirroredStrategy(devices)


def num_replicas(strategy=None):
    """Replicas in sync of `strategy` (default: the current one)."""
    return (strategy or tf.distribute.get_strategy()).num_replicas_in_sync


def is_multi_worker(strategy):
    """True for a MultiWorkerMirroredStrategy that spans several workers."""
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        strategy.extended._in_multi_worker_mode()
    )


def _tpu_attached():
    return any(os.environ.get(k) for k in _TPU_HINTS) or os.path.exists("/dev/accel0")


def _tf_config_workers():
    try:
        cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    except ValueError:
        return 0
    return len(cluster.get("worker", [])) + len(cluster.get("chief", []))


def _multi_worker_strategy(communication):
    implementations = {
        "auto": tf.distribute.experimental.CommunicationImplementation.AUTO,
        "ring": tf.distribute.experimental.CommunicationImplementation.RING,
        "nccl": tf.distribute.experimental.CommunicationImplementation.NCCL,
    }
    if communication not in implementations:
        raise ValueError(f"Unknown communication {communication!r}. Expected one of: {', '.join(implementations)}.")
    options = tf.distribute.experimental.CommunicationOptions(implementation=implementations[communication])
    if os.environ.get("TF_CONFIG"):
        resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    elif os.environ.get("SLURM_PROCID") is not None:
        resolver = tf.distribute.cluster_resolver.SlurmClusterResolver()
    else:
        raise ValueError(
            "The 'multi_worker' strategy needs a cluster: set TF_CONFIG on every worker, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", '
            '"index": 0}}, or run inside a SLURM job (srun). Neither TF_CONFIG nor SLURM_PROCID is set.'
        )
    return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver, communication_options=options)


def _tpu_strategy(tpu):
    if tpu is None:
        tpu = os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
        if tpu is None and (os.path.exists("/dev/accel0") or os.environ.get("TPU_ACCELERATOR_TYPE")):
            tpu = "local"
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except Exception as e:  # the resolver raises several types when there is no TPU
        raise ValueError(
            f"No TPU found for the 'tpu' strategy (tpu={tpu!r}): {type(e).__name__}: {e}. "
            "On Colab choose a TPU runtime; on a Cloud TPU VM pass tpu='local'."
        ) from e
    return tf.distribute.TPUStrategy(resolver)


# --- precision and XLA -------------------------------------------------------


def set_precision(precision):
    """Set Keras' global dtype policy: "float32", "mixed_float16" or "mixed_bfloat16".

    Call it before building the networks (layers take the policy current when
    they are created). Under "mixed_float16", `AdversarialModel.compile`
    wraps both optimizers in a LossScaleOptimizer and `apply_update` scales
    both players' losses. The networks of keras_gans keep their outputs in
    float32, so losses and penalties are computed in float32.
    """
    precision = precision or "float32"
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}. Expected one of: {', '.join(PRECISIONS)}.")
    keras.mixed_precision.set_global_policy(precision)
    return precision


def configure(strategy="auto", precision=None, jit_compile=None):
    """Pick the strategy, set the precision, and return compile() options.

    The one call a script (or the CLI's --strategy, --precision and
    --jit-compile) needs before building a model.

    Args:
        strategy: a name of `STRATEGIES` or a strategy (see `get_strategy`).
        precision: None or "float32", "mixed_float16", "mixed_bfloat16".
        jit_compile: None (Keras' "auto": XLA on a single GPU, off on CPU
            and under a distribution strategy), True or False. True under a
            strategy of several replicas warns and trains without XLA (see
            `resolve_jit_compile`).

    Returns:
        (strategy, compile_kwargs): build and compile the model under
        `strategy.scope()`, passing `**compile_kwargs` to `compile()`.

    Example:

    >>> strategy, compile_kwargs = configure("mirrored", "mixed_bfloat16", True)
    >>> with strategy.scope():
    ...     model = build_model()
    ...     model.compile(**compile_kwargs)
    """
    if jit_compile not in (None, True, False, "auto"):
        raise ValueError(f"jit_compile must be None, True, False or 'auto', got {jit_compile!r}.")
    strategy = get_strategy(strategy)
    set_precision(precision)
    compile_kwargs = {} if jit_compile is None else {"jit_compile": jit_compile}
    return strategy, compile_kwargs


def resolve_jit_compile(strategy, jit_compile):
    """The jit_compile a model can use under `strategy` (AdversarialModel.compile calls it).

    Keras 3 compiles the whole distributed step (`strategy.run` and the
    reduction of the logs) with XLA, which fails under a strategy of several
    replicas ("Trying to access resource ... located in device CPU:1 from
    device CPU:0"); its default "auto" turns XLA off there. An explicit True
    under such a strategy warns and turns it off too. (TPUStrategy compiles
    the step with XLA in any case.)
    """
    if jit_compile is True and strategy.num_replicas_in_sync > 1:
        warnings.warn(
            f"jit_compile=True is not supported by Keras' fit under {type(strategy).__name__} with "
            f"{strategy.num_replicas_in_sync} replicas (XLA cannot compile the step across devices); "
            "training without XLA. Use XLA on one device, or a TPU (always compiled with XLA).",
            stacklevel=3,
        )
        return False
    return jit_compile


# --- data --------------------------------------------------------------------


def with_shard_policy(dataset, policy="auto"):
    """Set how a multi-worker strategy splits `dataset` between the workers.

    With one worker (one device, MirroredStrategy over the GPUs of one
    machine) nothing is sharded: every global batch is split between the
    replicas. With several workers each worker keeps a part of the data:

    - "data": every worker runs the whole pipeline and keeps its share of
      every global batch. Always correct (it needs a deterministic order:
      a seeded shuffle, as `datasets.load` does), the only choice for
      in-memory data (`from_tensor_slices`), but every worker reads all the
      data.
    - "file": each worker reads its own subset of the files (TFRecord,
      text). Efficient for large file-based data; needs at least as many
      files as workers (TFDS "mnist" has a single training file).
    - "off": no sharding; every worker sees all the data (duplicates).
    - "auto": "data", unless the dataset already has a policy. `fit` applies
      it under a multi-worker strategy; set "file" yourself for large
      datasets of many files.

    Args:
        dataset: a tf.data.Dataset, batched with the global batch size.
        policy: one of `SHARD_POLICIES`.

    Returns:
        The dataset with the policy in its options.
    """
    if policy not in SHARD_POLICIES:
        raise ValueError(f"Unknown shard policy {policy!r}. Expected one of: {', '.join(SHARD_POLICIES)}.")
    current = dataset.options().experimental_distribute.auto_shard_policy
    if policy == "auto":
        if current != tf.data.experimental.AutoShardPolicy.AUTO:
            return dataset
        policy = "data"
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = {
        "data": tf.data.experimental.AutoShardPolicy.DATA,
        "file": tf.data.experimental.AutoShardPolicy.FILE,
        "off": tf.data.experimental.AutoShardPolicy.OFF,
    }[policy]
    return dataset.with_options(options)


def shard_policy(dataset):
    """The auto-shard policy of `dataset`: "auto", "data", "file", "off" or "hint"."""
    return dataset.options().experimental_distribute.auto_shard_policy.name.lower()


# --- random numbers ----------------------------------------------------------


def per_replica_noise(model):
    """Make the random layers of `model` draw different noise on each replica.

    Keras' random layers (Dropout, SpatialDropout, GaussianNoise, ...) draw
    from a SeedGenerator whose state is a mirrored variable: under a
    strategy every replica reads the same seed and draws the same mask, which
    halves the effective noise of a two-replica batch. This folds the replica
    id into every seed the generators of `model`'s layers hand out, in
    replica contexts with more than one replica; on one device nothing
    changes. `AdversarialModel.fit` calls it; it is idempotent.

    Returns:
        The number of seed generators changed.
    """
    changed = 0
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for generator in getattr(layer, "_seed_generators", []):
            if getattr(generator, "_keras_gans_per_replica", False):
                continue
            generator.next = _per_replica_next(generator.next)
            generator._keras_gans_per_replica = True
            changed += 1
    return changed


def _per_replica_next(next_seed):
    def next(ordered=True):
        seed = next_seed(ordered)
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            return seed
        replica_id = tf.cast(replica.replica_id_in_sync_group, tf.int64)
        folded = tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), replica_id)
        return tf.cast(folded, seed.dtype)

    return next


def global_mean(values, axis=0):
    """The mean of `values` along `axis` over the global batch (every replica's rows).

    Each replica's share may hold a different number of rows (a global batch
    not divisible by the replicas), or none: the sums and the counts are
    added over the replicas, so the result is the single-device mean. Every
    replica must call it, in the same order.
    """
    values = tf.cast(values, tf.float32)
    total = tf.reduce_sum(values, axis=axis)
    count = tf.cast(tf.shape(values)[axis], tf.float32)
    replica = tf.distribute.get_replica_context()
    if replica is not None and replica.num_replicas_in_sync > 1:
        total, count = replica.all_reduce(tf.distribute.ReduceOp.SUM, [total, count])
    return total / count


# --- multi-worker fit (keras-team/keras#20585) --------------------------------


def multi_worker_function(model, step_function):
    """Keras' train/test function, with logs a multi-worker strategy can reduce.

    Keras reduces the step's logs with `strategy.reduce("MEAN", v, axis=0)`
    under MultiWorkerMirroredStrategy, which fails on the scalar logs every
    model returns ("Invalid reduction dimension 0 for input with 0
    dimensions"). Each replica's scalars are returned with shape (1,); the
    reduction over axis 0 then averages the replicas' values into a scalar:
    the global-batch value, as under MirroredStrategy.
    """

    def step_with_vector_logs(data):
        logs = step_function(data)
        return tf.nest.map_structure(_as_vector, logs)

    return model._make_function(step_with_vector_logs)


def _as_vector(value):
    value = tf.convert_to_tensor(value)
    return tf.reshape(value, [1]) if value.shape.rank == 0 else value
