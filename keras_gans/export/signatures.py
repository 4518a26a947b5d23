"""Building blocks for a model's `serving_signatures()` hook.

Each helper returns `{signature_name: (fn, [tf.TensorSpec, ...])}` pieces: `fn`
takes the inputs positionally in the order of the specs (the spec names are
the signature's input names) and returns a dict `{output_name: tensor}`.
Everything here uses only TFLite builtin operations, so that the exported
TFLite models run in the ai-edge-litert interpreter without a Flex delegate.
"""

import tensorflow as tf

# The standard names of inputs and outputs, with what they hold. The manifest
# repeats these descriptions; a model's `serving_description()` may refine them.
STANDARD_NAMES = {
    "latent": "latent vectors z, float32 (batch, latent_dim), drawn from the model's prior",
    "labels": "class ids, int32 (batch,), in [0, num_classes)",
    "truncation": (
        "truncation threshold psi, float32 scalar: latent entries beyond |psi| are resampled from the "
        "normal truncated to [-psi, psi] (BigGAN's truncation trick); inf = no truncation"
    ),
    "source": "source images, float32 (batch, height, width, channels), in [-1, 1]",
    "images": "generated images (batch, height, width, channels)",
    "samples": "generated samples (batch, ...), unbounded floats",
    "num_samples": "how many sequences to sample, int32 scalar",
    "temperature": "softmax temperature of the sampling, float32 scalar > 0 (1 = the model's distribution)",
    "seed": "seed of the sampling, int32 scalar: same seed, same sequences",
    "tokens": "sampled token ids, int32 (num_samples, sequence_length), in [0, vocabulary_size)",
}


def to_uint8(images):
    """Images in [-1, 1] to uint8 in [0, 255]: round((clip(x, -1, 1) + 1) * 127.5)."""
    images = tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0)
    return tf.cast(tf.round((images + 1.0) * 127.5), tf.uint8)


def serving_network(network):
    """`network` itself, or a float32 copy of it when it computes in mixed precision.

    TFLite has no builtin float16 kernels for most ops, so a mixed_float16
    network would need Select TF ops; the copy (same weights, float32
    compute) converts with builtins, and `quantize="float16"` still halves
    the weights. Non-functional networks are returned as they are.
    """
    import keras

    def mixed(layer):
        return getattr(getattr(layer, "dtype_policy", None), "compute_dtype", "float32") != "float32"

    if not any(mixed(layer) for layer in getattr(network, "layers", [])):
        return network

    def as_float32(layer):
        config = layer.get_config()
        if mixed(layer):
            config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    try:
        copy = keras.models.clone_model(network, clone_function=as_float32)
    except (ValueError, TypeError, NotImplementedError):  # e.g. a subclassed network: serve it as it is
        return network
    copy.set_weights(network.get_weights())
    return copy


def _named(fn, specs, transform, output_name):
    names = [spec.name for spec in specs]
    for spec in specs:
        if not spec.name:
            raise ValueError(f"Every serving input needs a name, got {spec}.")

    def signature(*args):
        return {output_name: transform(fn(*args))}

    signature.__name__ = f"serve_{output_name}"
    signature.input_names = names
    return signature


def image_signatures(fn, specs, name="serving_default"):
    """Two signatures for a function producing images in [-1, 1].

    Args:
        fn: called with the inputs (positionally, in the order of `specs`);
            returns images in [-1, 1] (e.g. `lambda z: generator(z, training=False)`).
        specs: the input `tf.TensorSpec`s, each with its stable `name`.
        name: the float signature's name; the uint8 one is `"uint8"` for
            `"serving_default"` and `name + "_uint8"` otherwise (CycleGAN:
            "a2b", "a2b_uint8", "b2a", "b2a_uint8").

    Returns:
        `{name: (images float32 in [-1, 1]), uint8 name: (images uint8 in [0, 255])}`,
        both with the output named "images".
    """
    uint8_name = "uint8" if name == "serving_default" else f"{name}_uint8"
    as_float = lambda x: tf.cast(x, tf.float32)  # noqa: E731
    return {
        name: (_named(fn, specs, as_float, "images"), list(specs)),
        uint8_name: (_named(fn, specs, to_uint8, "images"), list(specs)),
    }


def latent_signatures(generator, latent_dim):
    """The signatures of a latent -> sample generator (GAN, WGAN, ...).

    A generator with two inputs [latent, labels] gets `conditional_signatures`.
    Image generators (4-D outputs) get `serving_default` (latent -> "images"
    float32 in [-1, 1]) and `uint8` (latent -> "images" uint8 in [0, 255]);
    other generators get `serving_default` (latent -> "samples" float32).
    """
    generator = serving_network(generator)
    if len(getattr(generator, "inputs", None) or ()) == 2:  # G(z, y): a class-conditional generator
        return conditional_signatures(generator, latent_dim)
    spec = [tf.TensorSpec((None, int(latent_dim)), tf.float32, name="latent")]

    def generate(latent):
        return generator(latent, training=False)

    if _output_rank(generator, latent_dim) == 4:
        return image_signatures(generate, spec)
    as_float = lambda x: tf.cast(x, tf.float32)  # noqa: E731
    return {"serving_default": (_named(generate, spec, as_float, "samples"), spec)}


def _output_rank(generator, latent_dim):
    try:
        return len(generator.output_shape)
    except (AttributeError, ValueError):  # a subclassed network: run it once
        return len(generator(tf.zeros((1, int(latent_dim))), training=False).shape)


def conditional_signatures(generator, latent_dim, truncation=False):
    """The signatures of a class-conditional generator G(z, y) -> images.

    Inputs "latent" float32 (batch, latent_dim) and "labels" int32 (batch,);
    the generator is called as `generator([latent, labels])`. With
    `truncation=True` (BigGAN) a third input "truncation", a float32 scalar
    psi: the latent's entries beyond |psi| are resampled in the graph
    (`truncate_latent`) before G sees them; inf means no truncation.
    """
    generator = serving_network(generator)
    specs = [
        tf.TensorSpec((None, int(latent_dim)), tf.float32, name="latent"),
        tf.TensorSpec((None,), tf.int32, name="labels"),
    ]
    if truncation:
        specs.append(tf.TensorSpec((), tf.float32, name="truncation"))
        return image_signatures(lambda z, y, psi: generator([truncate_latent(z, psi), y], training=False), specs)
    return image_signatures(lambda z, y: generator([z, y], training=False), specs)


def translation_signatures(generator, name="serving_default"):
    """The signatures of an image -> image generator (pix2pix; CycleGAN per direction).

    Input "source" float32 (batch,) + the generator's input shape, in [-1, 1];
    outputs as `image_signatures` (`name` and its uint8 twin).
    """
    generator = serving_network(generator)
    shape = tuple(generator.input_shape)
    if len(generator.inputs) != 1 or len(shape) != 4:
        raise ValueError(
            f"Expected an image -> image generator with one 4-D input, got inputs {generator.input_shape}."
        )
    spec = [tf.TensorSpec((None,) + shape[1:], tf.float32, name="source")]
    return image_signatures(lambda source: generator(source, training=False), spec, name=name)


# --- in-graph random numbers that TFLite builtins can compute ---------------

_MODULUS = 2147483647  # 2**31 - 1, a prime: products of two residues fit in int64


def hash_uniform(seed, counters):
    """Uniform numbers in (0, 1), a pure function of (seed, counter).

    `tf.random.stateless_*` have no TFLite builtin kernel (they need Select TF
    ops, which the ai-edge-litert interpreter cannot run). This counter-based
    hash uses int64 multiply/add/mod only, so the TensorFlow graph and the
    TFLite model compute exactly the same numbers. Good enough for sampling,
    not for cryptography.

    Args:
        seed: an integer scalar tensor.
        counters: non-negative int64 tensor of any shape, one counter per draw.

    Returns:
        float32 tensor of the shape of `counters`.
    """
    key = _mix(tf.math.floormod(tf.cast(seed, tf.int64), _MODULUS) + 1)
    x = tf.math.floormod(key * 69069 + tf.cast(counters, tf.int64), _MODULUS) + 1
    x = _mix(x)
    return (tf.cast(x, tf.float32) + 0.5) / float(_MODULUS + 1)


TRUNCATION_ROUNDS = 24
_UNIFORM_PROPOSAL_BELOW = 1.5


def truncate_latent(latent, truncation, rounds=TRUNCATION_ROUNDS):
    """The truncation trick (Brock et al. 2019): entries of z beyond |psi| resampled.

    Each entry of `latent` (standard normal draws) with |z| > psi is replaced
    by a draw from the normal truncated to [-psi, psi], by rejection
    sampling: a uniform proposal on [-psi, psi] accepted with probability
    exp(-x^2 / 2) when psi < 1.5 (acceptance >= 0.72), a standard normal
    proposal accepted when |x| <= psi otherwise (acceptance >= 0.86), for
    `rounds` rounds; an entry still rejected after them (probability below
    0.28^24 = 5e-14) is clipped to [-psi, psi]. Entries within |psi| are
    kept, so a psi beyond every |z| (or inf) returns `latent` unchanged, and
    psi <= 0 gives zeros (the limit of the truncated normal).

    The proposals' uniforms are `hash_uniform` of the entry's own value
    (quantized to 2^-20) and position, with TFLite builtin operations only:
    the same latent gives the same truncated latent in Keras, the SavedModel
    and TFLite, and `generate(truncation=psi)` equals the exported
    signature fed the same latent.

    Args:
        latent: float (batch, latent_dim), standard normal draws.
        truncation: the threshold psi, a float scalar.
        rounds: rejection-sampling rounds.

    Returns:
        float32 (batch, latent_dim) with every |entry| <= psi.
    """
    z = tf.cast(latent, tf.float32)
    psi = tf.cast(truncation, tf.float32)
    shape = tf.shape(z, out_type=tf.int64)
    rows = tf.range(shape[0], dtype=tf.int64)[:, None]
    columns = tf.range(shape[1], dtype=tf.int64)[None, :]
    positions = rows * shape[1] + columns
    keys = tf.cast(tf.round(z * 1048576.0), tf.int64)  # 2^20
    pending = tf.abs(z) > psi
    small = psi < _UNIFORM_PROPOSAL_BELOW
    for r in range(rounds):
        counters = (positions * rounds + r) * 2
        u1 = hash_uniform(keys, counters)
        u2 = hash_uniform(keys, counters + 1)
        uniform_x = psi * (2.0 * u1 - 1.0)
        normal_x = tf.sqrt(-2.0 * tf.math.log(u1)) * tf.cos(6.283185307179586 * u2)
        candidate = tf.where(small, uniform_x, normal_x)
        accepted = tf.where(small, u2 < tf.exp(-0.5 * uniform_x * uniform_x), tf.abs(normal_x) <= psi)
        take = tf.logical_and(pending, accepted)
        z = tf.where(take, candidate, z)
        pending = tf.logical_and(pending, tf.logical_not(accepted))
    return tf.clip_by_value(z, -tf.maximum(psi, 0.0), tf.maximum(psi, 0.0))


def _mix(x):
    for k in range(3):
        x = tf.math.floormod(x * 48271, _MODULUS)
        x = tf.math.floormod(x * x + 12345 + k, _MODULUS)
    return x


def categorical_sample(logits, seed, step, temperature=1.0):
    """Sample one class per row of `logits` (Gumbel-max), TFLite-builtin only.

    Args:
        logits: float (batch, num_classes).
        seed: integer scalar tensor (the signature's "seed" input).
        step: integer scalar, e.g. the position in the sequence: each step
            draws fresh noise.
        temperature: divides the logits.

    Returns:
        int32 (batch,) class ids.
    """
    logits = tf.cast(logits, tf.float32) / temperature
    shape = tf.shape(logits, out_type=tf.int64)
    rows = tf.range(shape[0], dtype=tf.int64)[:, None]
    classes = tf.range(shape[1], dtype=tf.int64)[None, :]
    counters = (rows * 65536 + tf.cast(step, tf.int64)) * shape[1] + classes
    gumbel = -tf.math.log(-tf.math.log(hash_uniform(seed, counters)))
    return tf.cast(tf.argmax(logits + gumbel, axis=-1), tf.int32)
