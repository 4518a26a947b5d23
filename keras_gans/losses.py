"""The two-player games: one pair of loss functions per game, plus gradient penalties.

Every game is a pair of functions with one signature, written on the raw
discriminator outputs ("logits") and reduced to a scalar by a mean over every
element, so patch-shaped outputs (PatchGAN) work unchanged:

    <game>_discriminator_loss(real_logits, fake_logits, **options) -> scalar
    <game>_generator_loss(real_logits, fake_logits, **options) -> scalar

`real_logits` is None in a generator step unless the game declares it needs it
(`Game.generator_uses_real`); none of the games here do.

Paper names: D(x) = sigmoid(real_logits) for the cross-entropy games
(minimax, non_saturating, maximum_likelihood); for the other games the
discriminator output is used as it is (the critic f(x) of WGAN).

Penalties take the discriminator itself, since they differentiate through it:
`gradient_penalty` (WGAN-GP), `r1_penalty` (Mescheder et al. 2018) and
`dragan_penalty` (Kodali et al. 2017).

SeqGAN's generator is a policy over tokens, not a game of logits: its losses
(`policy_gradient_loss`, `teacher_forced_nll_loss`) share one signature of
their own, fn(logits, tokens, ...), at the end of this module.
"""

import collections
import functools
import inspect

import tensorflow as tf

from keras_gans import distribute

# Largest logit fed to exp() in the maximum-likelihood game: exp(60) ~ 1e26 is
# finite in float32 (the limit is ~88) and no trained discriminator gets there.
_MAX_EXP_LOGIT = 60.0


def _mean(x):
    return tf.reduce_mean(tf.cast(x, tf.float32))


def _real_fake_cross_entropy(real_logits, fake_logits, label_smoothing):
    """-E log D(x) - E log(1 - D(G(z))), real target 1 - label_smoothing."""
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    # Cross-entropy with target t on logit l: t*softplus(-l) + (1-t)*softplus(l).
    # One-sided smoothing (Salimans et al. 2016) moves only the real target.
    real_target = 1.0 - label_smoothing
    real_loss = real_target * tf.nn.softplus(-real_logits) + (1.0 - real_target) * tf.nn.softplus(real_logits)
    fake_loss = tf.nn.softplus(fake_logits)
    return _mean(real_loss) + _mean(fake_loss)


# --- minimax (Goodfellow et al. 2014, eq. 1) --------------------------------


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """-E[log D(x)] - E[log(1 - D(G(z)))], on logits.

    Args:
        real_logits: discriminator outputs on real data, any shape.
        fake_logits: discriminator outputs on generated data, any shape.
        label_smoothing: one-sided label smoothing alpha; the real target
            becomes 1 - alpha and the fake target stays 0.

    Returns:
        A scalar float32 tensor.
    """
    return _real_fake_cross_entropy(real_logits, fake_logits, label_smoothing)


def minimax_generator_loss(real_logits, fake_logits):
    """E[log(1 - D(G(z)))], the saturating generator loss of the minimax game.

    Its gradient vanishes when the discriminator rejects the samples
    confidently (D(G(z)) -> 0), which is why `non_saturating` is the default.
    """
    del real_logits
    # log(1 - sigmoid(l)) = -softplus(l)
    return -_mean(tf.nn.softplus(tf.cast(fake_logits, tf.float32)))


# --- non-saturating (Goodfellow et al. 2014, section 3) ---------------------


def non_saturating_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """The discriminator loss of the non-saturating game (same as minimax)."""
    return _real_fake_cross_entropy(real_logits, fake_logits, label_smoothing)


def non_saturating_generator_loss(real_logits, fake_logits):
    """-E[log D(G(z))]: strong gradients early in training."""
    del real_logits
    return _mean(tf.nn.softplus(-tf.cast(fake_logits, tf.float32)))


# --- maximum likelihood (Goodfellow 2016 tutorial, eq. 11) ------------------


def maximum_likelihood_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """The discriminator loss of the maximum-likelihood game (same as minimax)."""
    return _real_fake_cross_entropy(real_logits, fake_logits, label_smoothing)


def maximum_likelihood_generator_loss(real_logits, fake_logits):
    """J(G) = -1/2 E[exp(sigma^-1(D(G(z))))] = -1/2 E[exp(logits)].

    With an optimal discriminator this minimises KL(p_data || p_g). Logits are
    clipped at 60 before the exponential so the loss stays finite in float32.
    """
    del real_logits
    logits = tf.minimum(tf.cast(fake_logits, tf.float32), _MAX_EXP_LOGIT)
    return -0.5 * _mean(tf.exp(logits))


# --- least squares (Mao et al. 2017, eq. 2) ---------------------------------


def least_squares_discriminator_loss(real_logits, fake_logits, a=0.0, b=1.0):
    """1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2].

    Args:
        a: target for fake data. b: target for real data. The paper's two
            codings are (a, b, c) = (0, 1, 1) (default) and (-1, 1, 0).
    """
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    return 0.5 * _mean(tf.square(real_logits - b)) + 0.5 * _mean(tf.square(fake_logits - a))


def least_squares_generator_loss(real_logits, fake_logits, c=1.0):
    """1/2 E[(D(G(z)) - c)^2], c the value G wants D to believe for fakes."""
    del real_logits
    return 0.5 * _mean(tf.square(tf.cast(fake_logits, tf.float32) - c))


# --- Wasserstein (Arjovsky et al. 2017, algorithm 1) -------------------------


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """E[f(G(z))] - E[f(x)]: the critic maximises the estimated distance."""
    return _mean(fake_logits) - _mean(real_logits)


def wasserstein_generator_loss(real_logits, fake_logits):
    """-E[f(G(z))]."""
    del real_logits
    return -_mean(fake_logits)


# --- hinge (Lim & Ye 2017; Miyato et al. 2018) -------------------------------


def hinge_discriminator_loss(real_logits, fake_logits):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    return _mean(tf.nn.relu(1.0 - real_logits)) + _mean(tf.nn.relu(1.0 + fake_logits))


def hinge_generator_loss(real_logits, fake_logits):
    """-E[D(G(z))]."""
    del real_logits
    return -_mean(fake_logits)


# --- penalties ---------------------------------------------------------------


def _input_gradient_norms(discriminator, inputs):
    """Per-example L2 norm of the gradient of the critic the games use.

    The games reduce D's outputs by a mean over every element, so for a
    patch-shaped D (PatchGAN, any map) the critic of an example is the mean of
    its map: its gradient is taken, not the gradient of the map's sum.
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = tf.cast(discriminator(inputs, training=True), tf.float32)
        batch = tf.shape(outputs)[0]
        per_example = tf.reduce_mean(tf.reshape(outputs, [batch, -1]), axis=1)
        total = tf.reduce_sum(per_example)
    grads = tf.cast(tape.gradient(total, inputs), tf.float32)
    axes = list(range(1, len(grads.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + 1e-12), grads


def gradient_penalty(discriminator, real, fake, seed):
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad D(x_hat)||_2 - 1)^2].

    x_hat = eps * x + (1 - eps) * G(z), eps ~ U[0, 1] per example.

    Args:
        discriminator: a callable `discriminator(x, training=True)`.
        real, fake: batches of the same shape.
        seed: a stateless seed, int tensor of shape (2,).
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    shape = [tf.shape(real)[0]] + [1] * (len(real.shape) - 1)
    eps = tf.random.stateless_uniform(shape, seed=seed)
    interpolates = eps * real + (1.0 - eps) * fake
    norms, _ = _input_gradient_norms(discriminator, interpolates)
    return _mean(tf.square(norms - 1.0))


def r1_penalty(discriminator, real):
    """R1 (Mescheder et al. 2018): E[||grad D(x)||^2] on real data.

    The caller multiplies by gamma / 2.
    """
    _, grads = _input_gradient_norms(discriminator, tf.cast(real, tf.float32))
    axes = list(range(1, len(grads.shape)))
    return _mean(tf.reduce_sum(tf.square(grads), axis=axes))


def dragan_penalty(discriminator, real, seed):
    """DRAGAN (Kodali et al. 2017): E[(||grad D(x + delta)|| - 1)^2].

    delta = 0.5 * std(x) * u, u ~ U[0, 1] elementwise, as in the authors' code.
    """
    real = tf.cast(real, tf.float32)
    noise = tf.random.stateless_uniform(tf.shape(real), seed=seed)
    perturbed = real + 0.5 * _global_batch_std(real) * noise
    norms, _ = _input_gradient_norms(discriminator, perturbed)
    return _mean(tf.square(norms - 1.0))


def _global_batch_std(x):
    """std(x) over the global batch: under tf.distribute, over every replica's share."""
    x = tf.stop_gradient(x)
    mean = distribute.global_mean(tf.reshape(x, [-1]))
    return tf.sqrt(distribute.global_mean(tf.reshape(tf.square(x - mean), [-1])))


# --- registry ----------------------------------------------------------------

Game = collections.namedtuple(
    "Game",
    ["name", "discriminator_loss", "generator_loss", "cross_entropy", "generator_uses_real"],
)
Game.__doc__ = """A two-player game: the pair of loss functions and what the step needs to know.

Attributes:
    name: the registered name.
    discriminator_loss: fn(real_logits, fake_logits) -> scalar.
    generator_loss: fn(real_logits, fake_logits) -> scalar.
    cross_entropy: True when D's output is a logit of D(x) = sigmoid(logit);
        then one-sided label smoothing applies and the logged scores are
        probabilities.
    generator_uses_real: True when the generator loss reads real_logits.
"""

_GAMES = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss, True),
    "non_saturating": (non_saturating_discriminator_loss, non_saturating_generator_loss, True),
    "maximum_likelihood": (
        maximum_likelihood_discriminator_loss,
        maximum_likelihood_generator_loss,
        True,
    ),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss, False),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss, False),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss, False),
}

GAMES = tuple(_GAMES)


def _accepted(fn):
    return set(inspect.signature(fn).parameters) - {"real_logits", "fake_logits"}


def get(name, **options):
    """Resolve a game by name, binding options to the functions that take them.

    Args:
        name: one of `keras_gans.losses.GAMES`, or a `Game`.
        **options: game options, e.g. `label_smoothing=0.1` for the
            cross-entropy games or `a=-1, b=1, c=0` for least squares.

    Returns:
        A `Game`.

    Example:

    >>> game = keras_gans.losses.get("least_squares", a=-1.0, b=1.0, c=0.0)
    >>> d_loss = game.discriminator_loss(real_logits, fake_logits)
    """
    if isinstance(name, Game):
        if options:
            raise ValueError("Options can only be given with a game name, not with a Game.")
        return name
    if name not in _GAMES:
        raise ValueError(f"Unknown game {name!r}. Expected one of: {', '.join(GAMES)}.")
    d_fn, g_fn, cross_entropy = _GAMES[name]
    known = _accepted(d_fn) | _accepted(g_fn)
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"Game {name!r} takes no option(s) {sorted(unknown)}; it accepts: {sorted(known) or 'none'}.")
    d_opts = {k: v for k, v in options.items() if k in _accepted(d_fn)}
    g_opts = {k: v for k, v in options.items() if k in _accepted(g_fn)}
    if d_opts:
        d_fn = functools.partial(d_fn, **d_opts)
    if g_opts:
        g_fn = functools.partial(g_fn, **g_opts)
    return Game(name, d_fn, g_fn, cross_entropy, False)


# --- sequence losses (SeqGAN, Yu et al. 2017) ----------------------------------
# One signature for both: fn(logits, tokens, ...) -> scalar, on the generator's
# teacher-forced logits (batch, seq_len, vocab_size) of int tokens (batch, seq_len).


def policy_gradient_loss(logits, tokens, rewards, reduction="sum"):
    """The REINFORCE loss of SeqGAN (eq. 8 of the paper), on logits.

    -sum over batch and time of log G(y_t | y_<t) * Q(y_<t, y_t), as the
    paper's code (`generator.py`, `g_loss`), whose gradient is then clipped
    to global norm 5 (SeqGAN's default G optimizer does the same). The
    rewards are constants (no gradient flows into them), so the gradient is
    -sum(Q * grad log G), the likelihood-ratio estimator of the gradient of
    the expected reward (times batch size).

    Args:
        logits: float (batch, seq_len, vocab_size), the generator's
            teacher-forced logits on `tokens`.
        tokens: int (batch, seq_len), the sampled sequences.
        rewards: float (batch, seq_len), Q of each token.
        reduction: "sum" (the reference's, the default) or "mean" over
            batch and time (batch * seq_len times smaller, so a gradient
            clip of 5 almost never acts on it).

    Returns:
        A scalar float32 tensor.
    """
    if reduction not in ("sum", "mean"):
        raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}.')
    log_probs = -tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(tokens, tf.int32), logits=tf.cast(logits, tf.float32)
    )
    weighted = log_probs * tf.stop_gradient(tf.cast(rewards, tf.float32))
    return -(tf.reduce_sum(weighted) if reduction == "sum" else tf.reduce_mean(weighted))


def teacher_forced_nll_loss(logits, tokens):
    """Teacher-forced negative log-likelihood per token: SeqGAN's pretraining of G (MLE).

    Not the `maximum_likelihood` game above: a mean over batch and time of
    -log G(y_t | y_<t), on the generator's logits.
    """
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.cast(tokens, tf.int32), logits=tf.cast(logits, tf.float32)
        )
    )
