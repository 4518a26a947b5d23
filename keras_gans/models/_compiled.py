"""Compiled inference functions, cached per network: the sampling fast path.

Calling a Keras model eagerly (`model(x, training=False)`) runs its layers one
by one from Python: at batch 1 that per-call machinery cost 4x the graph
(15 ms against 3.7 ms for a 64x64 DCGAN generator). `inference_function`
returns a `tf.function` of the network, traced once per input signature with
a free (None) batch dimension, so that every batch size and the last short
batch of `run_batched` reuse one graph.

The cache is keyed weakly by the network: it never keeps a network alive, and
a network that is garbage collected takes its functions with it. The function
reads the network's variables when it runs, so training the network after a
sample does not make the cache stale.
"""

import weakref

import tensorflow as tf

_FUNCTIONS = weakref.WeakKeyDictionary()  # network -> {signature key: tf.function}


def _spec(array):
    shape = tuple(array.shape)
    if not shape:
        raise ValueError(f"Expected inputs with a batch dimension, got a scalar of dtype {array.dtype}.")
    return tf.TensorSpec((None,) + tuple(shape[1:]), tf.as_dtype(array.dtype))


def inference_function(network, inputs):
    """A cached `tf.function` computing `network(inputs, training=False)`.

    Args:
        network: a Keras model (or layer).
        inputs: an example of the inputs (arrays or tensors, possibly nested);
            only their dtypes and non-batch shapes are used.

    Returns:
        A callable taking inputs of that structure (any batch size).
    """
    specs = tf.nest.map_structure(_spec, inputs)
    key = str(specs)  # TensorSpecs of a nest: structure, shapes and dtypes
    try:
        per_network = _FUNCTIONS.setdefault(network, {})
    except TypeError:  # not weak-referenceable: no cache
        per_network = {}
    function = per_network.get(key)
    if function is None:
        ref = weakref.ref(network)  # the function must not keep its key alive

        def call(batch):
            return ref()(batch, training=False)

        function = tf.function(call, input_signature=[specs], autograph=False)
        per_network[key] = function
    return function


_SAMPLERS = weakref.WeakKeyDictionary()  # model -> (seeded, free) tf.functions of its sample_latent


def latent_sampler(model):
    """Cached `tf.function`s of `model.sample_latent`: (seeded(n, seed), free(n)).

    Drawing the latents of `generate(n, seed=s)` eagerly took four eager ops
    (about 0.5 ms, 1.23x the bare graph at batch 1); one call of a traced
    function draws the same numbers (stateless ops, same seed).
    """
    try:
        return _SAMPLERS[model]
    except (KeyError, TypeError):
        pass
    ref = weakref.ref(model)
    count = tf.TensorSpec([], tf.int32)
    seeded = tf.function(
        lambda n, seed: ref().sample_latent(n, seed=seed),
        input_signature=[count, tf.TensorSpec([2], tf.int64)],
        autograph=False,
    )
    free = tf.function(lambda n: ref().sample_latent(n), input_signature=[count], autograph=False)
    try:
        _SAMPLERS[model] = (seeded, free)
    except TypeError:  # not weak-referenceable: no cache
        pass
    return seeded, free


_SEEDED_SAMPLES = weakref.WeakKeyDictionary()  # model -> {network: tf.function(n, seed)}


def seeded_sample_function(model, network):
    """A cached `tf.function` (n, seed) -> network(model.sample_latent(n, seed), training=False).

    `generate(n, seed=s)` for one batch: drawing the latents and running the
    generator in one call pays TensorFlow's per-call dispatch (about 0.2 ms)
    once instead of twice; the latents are the same stateless draw.
    """
    per_model = _SEEDED_SAMPLES.setdefault(model, weakref.WeakKeyDictionary())
    function = per_model.get(network)
    if function is None:
        model_ref, network_ref = weakref.ref(model), weakref.ref(network)
        function = tf.function(
            lambda n, seed: network_ref()(model_ref().sample_latent(n, seed=seed), training=False),
            input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.int64)],
            autograph=False,
        )
        per_model[network] = function
    return function
