"""`SeqGAN`: sequence generation with policy gradient and Monte Carlo rollouts."""

import numpy as np
import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans.models import _base
from keras_gans.networks import text as text_networks

# Salts that keep the random streams of the two players apart.
_SALT_GENERATOR = 1
_SALT_DISCRIMINATOR = 2
_SALT_EVALUATION = 3


class _Phase:
    """What `train_step` does: "adversarial", or a pretraining phase with its
    own optimizer. A plain object, so that Keras' saving does not store the
    pretraining optimizer's state in the model file."""

    def __init__(self, name="adversarial", optimizer=None):
        self.name = name
        self.optimizer = optimizer


@keras.saving.register_keras_serializable(package="keras_gans")
class SeqGAN(_base.AdversarialModel):
    """SeqGAN: sequence generative adversarial nets with policy gradient
    (Yu, Zhang, Wang and Yu, AAAI 2017).

    https://arxiv.org/abs/1609.05473

    Tokens are discrete, so no gradient flows from D through a sample. The
    generator is a policy: the reward of a complete sequence is D's
    probability that it is real, and the value of a partial sequence is
    estimated by completing it `rollouts` times with the roll-out policy
    (Monte Carlo search), then averaging D over the completions.

    Paper names: `generator` is G_theta, `discriminator` is D_phi, the
    roll-out policy is G_beta, `rollouts` is N, `rewards()` returns
    Q(s = y_<t, a = y_t) (eq. 4), `losses.policy_gradient_loss` is eq. 8,
    `generator_steps` and `discriminator_steps` are g-steps and d-steps of
    algorithm 1.

    The roll-out policy: the paper's code (LantaoYu/SeqGAN, `rollout.py`)
    means G_beta to be a delayed copy, beta <- 0.8 beta + 0.2 theta after
    each round, but its `update_params` builds tensors its roll-out graph
    never reads: the roll-outs read G's current weights. The default
    `rollout_update_rate=0` does the same (roll-outs with G itself); a rate
    r in (0, 1) keeps the delayed copy `rollout_generator`,
    beta <- r * beta + (1 - r) * theta after the G steps of each round.

    Training, as in algorithm 1:

    1. `pretrain_generator(data, epochs)`: maximum likelihood (teacher
       forcing). Uses its own optimizer, a fresh copy of `g_optimizer` (the
       paper's code keeps separate Adam states for the two phases); at the
       end the roll-out copy is set to the pretrained generator.
    2. `pretrain_discriminator(data, ...)`: real sequences against fresh
       generator samples. The paper's code: `samples=10_000, epochs=3,
       repeats=50` (each repeat draws 10,000 fresh samples and trains 3
       epochs on them and 10,000 real sequences, batch 64: about 46,900
       updates in all). Without `samples`, one real batch against one fresh
       batch per step of `epochs` passes over `data`.
    3. `fit(data, ...)`: the adversarial phase. Each step (a "round") makes
       `generator_steps` policy-gradient updates of G on a fresh batch of
       samples, updates the roll-out copy (if delayed), then trains D:
       with `discriminator_samples=None`, `discriminator_steps` minibatch
       updates on the step's real batch against fresh samples (cheap, far
       less D training than the paper); with `discriminator_samples=S`,
       the paper's schedule: `discriminator_steps` times, S fresh samples
       and S real sequences (collected from `data` when fit starts),
       `discriminator_epochs` epochs of minibatches of
       `discriminator_batch_size` (the paper's code: 5 x 3 epochs on
       10,000, about 4,690 updates per round). Logs `d_accuracy`, D's
       accuracy on the minibatches it trained on (last epoch).

    The policy-gradient loss is the reference's sum over batch and time,
    with G's gradient clipped to global norm 5 (the default optimizer), so
    the clip acts as in the reference.

    Sampling and rollouts run in the graph, one batched pass per time step:
    the batch is repeated `rollouts` times and, for each prefix length t,
    all batch x rollouts completions advance together (`rollout`).

    Args:
        generator: an `LSTMGenerator` (or a model with its step protocol:
            `vocab_size`, `seq_len`, `start_token`, `initial_state`, `advance`,
            `project`, `complete`, `sample`, and teacher-forced `call`).
        discriminator: a model mapping int tokens (batch, seq_len) to one
            logit per sequence, e.g. `networks.text_cnn_discriminator`.
        seq_len: the sequence length T (must equal the generator's).
        rollouts: N, Monte Carlo completions per prefix.
        rollout_update_rate: r in [0, 1). 0 (default, what the paper's code
            does): roll out with G itself. r > 0: roll out with the delayed
            copy, which keeps r of itself and takes 1 - r of G's weights
            after each round.
        generator_steps: policy-gradient updates of G per round.
        discriminator_steps: D updates per round (`discriminator_samples`
            None), or repeats of the sample-and-train schedule (the paper's 5).
        discriminator_samples: None, or S fresh samples (and S real
            sequences) per repeat of the paper's D schedule.
        discriminator_epochs: epochs over the 2 S sequences per repeat.
        discriminator_batch_size: D's minibatch in that schedule (64).
        seed: seed of the training noise (samples, rollouts).

    Example (the paper's schedule, GPU-scale; see examples/seqgan_oracle.py):

    >>> oracle = keras_gans.datasets.oracle()
    >>> model = keras_gans.SeqGAN(
    ...     keras_gans.networks.lstm_generator(5000, 32, 32, 20),
    ...     keras_gans.networks.text_cnn_discriminator(5000, 20), seq_len=20,
    ...     discriminator_steps=5, discriminator_samples=10_000, discriminator_epochs=3)
    >>> model.compile()   # Adam(1e-2, global_clipnorm=5) for G, Adam(1e-4) for D
    >>> model.pretrain_generator(oracle.dataset(), epochs=120)
    >>> model.pretrain_discriminator(oracle.dataset(), samples=10_000, epochs=3, repeats=50)
    >>> model.fit(oracle.dataset().repeat(), epochs=200, steps_per_epoch=1)
    >>> oracle.nll_oracle(model.generate(10_000))
    """

    def __init__(
        self,
        generator,
        discriminator,
        seq_len,
        rollouts=16,
        rollout_update_rate=0.0,
        generator_steps=1,
        discriminator_steps=5,
        discriminator_samples=None,
        discriminator_epochs=3,
        discriminator_batch_size=64,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.seq_len = int(seq_len)
        self.rollouts = int(rollouts)
        self.rollout_update_rate = float(rollout_update_rate)
        self.generator_steps = int(generator_steps)
        self.discriminator_steps = int(discriminator_steps)
        self.discriminator_samples = None if discriminator_samples is None else int(discriminator_samples)
        self.discriminator_epochs = int(discriminator_epochs)
        self.discriminator_batch_size = int(discriminator_batch_size)

        for name in ("vocab_size", "seq_len", "start_token", "advance", "project", "complete", "sample"):
            if not hasattr(generator, name):
                raise TypeError(
                    f"SeqGAN needs a generator with the step protocol of networks.LSTMGenerator "
                    f"(missing `{name}`); build it with networks.lstm_generator(...)."
                )
        if generator.seq_len != self.seq_len:
            raise ValueError(
                f"seq_len={self.seq_len}, but the generator makes sequences of length {generator.seq_len}."
            )
        shape = getattr(discriminator, "input_shape", None)
        if isinstance(shape, tuple) and len(shape) == 2 and shape[1] not in (None, self.seq_len):
            raise ValueError(f"seq_len={self.seq_len}, but the discriminator takes sequences of length {shape[1]}.")
        if self.rollouts < 1:
            raise ValueError(f"rollouts must be >= 1, got {rollouts}.")
        if not 0.0 <= self.rollout_update_rate < 1.0:
            raise ValueError(f"rollout_update_rate must be in [0, 1), got {rollout_update_rate}.")
        if self.generator_steps < 1 or self.discriminator_steps < 0:
            raise ValueError(
                f"generator_steps must be >= 1 and discriminator_steps >= 0, got "
                f"{generator_steps} and {discriminator_steps}."
            )
        if self.discriminator_samples is not None and self.discriminator_samples < 1:
            raise ValueError(f"discriminator_samples must be None or >= 1, got {discriminator_samples}.")
        if self.discriminator_epochs < 1 or self.discriminator_batch_size < 1:
            raise ValueError(
                f"discriminator_epochs and discriminator_batch_size must be >= 1, got "
                f"{discriminator_epochs} and {discriminator_batch_size}."
            )
        self.vocab_size = int(generator.vocab_size)

        # G_beta when delayed (rollout_update_rate > 0): a frozen copy of G,
        # updated by `update_rollout_generator`.
        self.rollout_generator = keras.models.clone_model(generator)
        self.rollout_generator.set_weights(generator.get_weights())
        self.rollout_generator.trainable = False
        self._phase = _Phase()
        self._sampling_function = None
        self._discriminator_function = None
        # g_loss: eq. 8; reward: mean Q; d_real, d_fake: mean D on real and
        # generated sequences; d_accuracy: D's accuracy (threshold 0.5);
        # mle_loss: NLL per token in pretraining.
        self.create_trackers(["g_loss", "reward", "d_loss", "d_real", "d_fake", "d_accuracy", "mle_loss"])
        self.built = True

    def default_optimizers(self):
        """The paper's code: Adam(1e-4) for D; Adam(1e-2), gradients clipped to
        global norm 5, for G."""
        return (
            keras.optimizers.Adam(1e-4),
            keras.optimizers.Adam(1e-2, global_clipnorm=5.0),
        )

    def optimizer_variables(self):
        pairs = super().optimizer_variables()
        if self._phase.optimizer is not None:
            pairs.append((self._phase.optimizer, self.generator.trainable_variables))
        return pairs

    # --- the round, as in algorithm 1 -----------------------------------------

    def train_step(self, data):
        real = self.real_tokens(data)
        if self._phase.name == "generator":
            return self.record(self.maximum_likelihood_update(real))
        if self._phase.name == "discriminator":
            return self.record(self.discriminator_update(real))
        batch_size = tf.shape(real)[0]
        for step in range(self.generator_steps):
            g_logs = self.generator_update(batch_size, step)
        self.update_rollout_generator()
        d_logs = {}
        if self.discriminator_samples is None:  # else: the paper's schedule, after the step (fit)
            for step in range(self.discriminator_steps):
                d_logs = self.discriminator_update(real, step)
        return self.record({**g_logs, **d_logs})

    def generator_update(self, batch_size, step=0):
        """One policy-gradient update of G on a fresh batch of its samples."""
        seed = self.step_seed(self.g_optimizer.iterations, _SALT_GENERATOR * 64 + step)
        sequences = self.generator.sample(batch_size, _fold(seed, 0))  # Y_1:T ~ G_theta
        rewards = self.rewards(sequences, _fold(seed, 1))  # Q(Y_1:t-1, y_t), eq. 4
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            logits = self.generator(sequences, training=True)
            g_loss = losses_lib.policy_gradient_loss(logits, sequences, rewards)  # a sum, as the reference
            # apply_update divides by the replicas (it expects a mean); the
            # replicas' summed gradients are then the global batch's sum.
            scaled = g_loss * tf.cast(replicas, g_loss.dtype)
        self.apply_update(self.g_optimizer, tape, scaled, self.generator.trainable_variables)
        # Logged as the global batch's sum (the replicas' logs are averaged).
        return {"g_loss": scaled, "reward": tf.reduce_mean(rewards)}

    def discriminator_update(self, real, step=0):
        """One update of D: real sequences (label 1) against fresh samples of G (label 0)."""
        seed = self.step_seed(self.d_optimizer.iterations, _SALT_DISCRIMINATOR * 64 + step)
        fake = self.generator.sample(tf.shape(real)[0], seed)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            # The mean cross-entropy over the real and generated sequences.
            d_loss = 0.5 * losses_lib.non_saturating_discriminator_loss(real_logits, fake_logits)
            total = d_loss
            if self.discriminator.losses:  # the L2 penalty of the output layer
                total = d_loss + tf.add_n([tf.cast(l, tf.float32) for l in self.discriminator.losses])
        self.apply_update(self.d_optimizer, tape, total, self.discriminator.trainable_variables)
        return {
            "d_loss": d_loss,
            "d_real": tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32))),
            "d_fake": tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32))),
            "d_accuracy": 0.5
            * (
                tf.reduce_mean(tf.cast(real_logits > 0, tf.float32))
                + tf.reduce_mean(tf.cast(fake_logits <= 0, tf.float32))
            ),
        }

    def maximum_likelihood_update(self, real):
        """One teacher-forced maximum-likelihood update of G (pretraining)."""
        with tf.GradientTape() as tape:
            mle_loss = losses_lib.teacher_forced_nll_loss(self.generator(real, training=True), real)
        self.apply_update(self._phase.optimizer, tape, mle_loss, self.generator.trainable_variables)
        return {"mle_loss": mle_loss}

    def update_rollout_generator(self):
        """beta <- r * beta + (1 - r) * theta (the delayed roll-out policy; nothing when r = 0)."""
        if self.rollout_update_rate > 0.0:
            self.update_ema(self.generator, self.rollout_generator, self.rollout_update_rate)

    def rollout_policy(self):
        """G_beta: G itself when `rollout_update_rate` is 0 (as the paper's code), else the delayed copy."""
        return self.generator if self.rollout_update_rate == 0.0 else self.rollout_generator

    def reset_rollout_generator(self):
        """beta <- theta: the roll-out policy becomes a copy of G (after pretraining)."""
        self.update_ema(self.generator, self.rollout_generator, 0.0)

    # --- rewards by Monte Carlo search ------------------------------------------

    def rollout(self, sequences, prefix_length, seed):
        """Complete each sequence after its first `prefix_length` tokens with G_beta (`rollout_policy`).

        Args:
            sequences: int (batch, seq_len).
            prefix_length: t, kept tokens (Python int or int scalar tensor).
            seed: stateless seed, int tensor of shape (2,).

        Returns:
            int32 (batch, seq_len): the first t tokens are those of
            `sequences`, the others sampled from the roll-out policy.
        """
        return self.rollout_policy().complete(sequences, prefix_length, text_networks.sampler(seed))

    def rewards(self, sequences, seed):
        """Q(y_<t, y_t) for every token of `sequences` (eq. 4), float32 (batch, seq_len).

        For t < T: the mean of D's probability "real" over `rollouts`
        completions of the prefix y_1..y_t; for t = T: D(Y_1:T). All
        completions of the batch for a prefix length advance together, one
        batched step per token.
        """
        sequences = tf.cast(sequences, tf.int32)
        if self.seq_len == 1:
            return self.score(sequences)[:, None]
        batch_size = tf.shape(sequences)[0]
        repeated = tf.repeat(sequences, self.rollouts, axis=0)  # each sequence N times

        def monte_carlo(t, rewards):
            completions = self.rollout(repeated, t, _fold(seed, t))
            scores = tf.reshape(self.score(completions), [batch_size, self.rollouts])
            return t + 1, rewards.write(t - 1, tf.reduce_mean(scores, axis=1))

        rewards = tf.TensorArray(tf.float32, size=self.seq_len - 1, element_shape=[None])
        _, rewards = tf.while_loop(lambda t, _: t < self.seq_len, monte_carlo, (tf.constant(1), rewards))
        rewards = tf.transpose(rewards.stack())  # (batch, seq_len - 1)
        return tf.concat([rewards, self.score(sequences)[:, None]], axis=1)

    def score(self, tokens):
        """D's probability that each sequence is real, float32 (batch,)."""
        logits = self.discriminator(tokens, training=False)
        return tf.sigmoid(tf.reshape(tf.cast(logits, tf.float32), [-1]))

    # --- pretraining ------------------------------------------------------------

    def pretrain_generator(self, x, epochs=1, optimizer=None, **fit_kwargs):
        """Maximum-likelihood training of G on real sequences (teacher forcing).

        Args:
            x: a tf.data.Dataset (or array) of int token batches (batch, seq_len).
            epochs: passes over `x`.
            optimizer: the pretraining optimizer; default a fresh optimizer
                with `g_optimizer`'s configuration. Pass the same instance to
                several calls to keep its state.
            **fit_kwargs: passed to `fit` (verbose, callbacks, steps_per_epoch, ...).

        Returns:
            The History of the phase (`mle_loss` per epoch). Afterwards the
            roll-out policy is a copy of the pretrained G.
        """
        self._require_compiled()
        if optimizer is None:
            with self.distribute_strategy.scope():
                optimizer = keras.optimizers.deserialize(keras.optimizers.serialize(self.g_optimizer))
        history = self._fit_phase(_Phase("generator", optimizer), x, epochs, fit_kwargs)
        self.reset_rollout_generator()
        return history

    def pretrain_discriminator(self, x, epochs=1, samples=None, repeats=1, **fit_kwargs):
        """Train D on real sequences against fresh samples of G.

        Args:
            x: real token batches (a tf.data.Dataset or an array).
            epochs: without `samples`, passes over `x`, one real batch against
                one fresh generated batch per step; with `samples`, epochs
                over each repeat's 2 * samples sequences.
            samples: None, or the paper's schedule: draw `samples` fresh
                sequences, train `epochs` epochs on them and `samples` real
                sequences from `x` (minibatches of `discriminator_batch_size`),
                `repeats` times. The paper's code: samples=10_000, epochs=3,
                repeats=50.
            repeats: repeats of that schedule.

        Returns:
            The History of the phase (d_loss, d_real, d_fake, d_accuracy; one
            entry per epoch of `x`, or per repeat of the schedule).
        """
        self._require_compiled()
        if samples is None:
            return self._fit_phase(_Phase("discriminator"), x, epochs, fit_kwargs)
        if int(repeats) < 1:
            raise ValueError(f"repeats must be >= 1, got {repeats}.")
        self.check_token_ids(x)
        real = self.collect_real(x, samples)
        history = keras.callbacks.History()
        history.history = {}
        for _ in range(int(repeats)):
            logs = self.train_discriminator(real, samples, epochs)
            for key, value in logs.items():
                history.history.setdefault(key, []).append(value)
        return history

    # --- the paper's discriminator schedule ---------------------------------------

    def collect_real(self, x, num_sequences):
        """Up to `num_sequences` real sequences of `x` (array or dataset), int32 numpy."""
        num_sequences = int(num_sequences)
        if isinstance(x, tf.data.Dataset):
            batches, count = [], 0
            for batch in x:
                tokens = keras.ops.convert_to_numpy(self.unpack_real(batch))
                batches.append(tokens)
                count += len(tokens)
                if count >= num_sequences:
                    break
            if not batches:
                raise ValueError("The dataset is empty: no real sequences for the discriminator.")
            tokens = np.concatenate(batches, axis=0)
        else:
            tokens = np.asarray(self.unpack_real(x))
        return tokens[:num_sequences].astype("int32")

    def train_discriminator(self, real, samples, epochs, seed=None):
        """One repeat of the paper's D schedule (its `sequence_gan.py`, d-steps).

        Draws `samples` fresh sequences from G, mixes them with the real
        sequences (label 1) and the fresh ones (label 0), and trains D for
        `epochs` shuffled epochs of `discriminator_batch_size` minibatches.

        Args:
            real: int numpy (n, seq_len), real sequences (all are used).
            samples: fresh generated sequences.
            epochs: passes over the real and generated sequences.
            seed: int; default from D's iteration count and the model seed.

        Returns:
            A dict of Python floats: d_loss, d_real, d_fake, d_accuracy (means
            over the minibatches of the last epoch). After a round, the
            epoch's logs carry those of its last repeat.
        """
        self.build_optimizers()
        if seed is None:
            seed = int(self._seed_value) * 1_000_003 + int(self.d_optimizer.iterations.numpy())
        if len(real) + int(samples) < self.discriminator_batch_size:
            raise ValueError(
                f"The discriminator schedule needs at least discriminator_batch_size="
                f"{self.discriminator_batch_size} sequences, got {len(real)} real and {int(samples)} "
                f"generated; draw more samples or lower discriminator_batch_size."
            )
        fake = self.generate(int(samples), seed=seed)
        tokens = np.concatenate([np.asarray(real, "int32"), fake], axis=0)
        labels = np.concatenate([np.ones(len(real), "float32"), np.zeros(len(fake), "float32")])
        rng = np.random.default_rng(seed)
        step = self.discriminator_function()
        strategy = self.distribute_strategy
        for _ in range(int(epochs)):
            order = rng.permutation(len(tokens))
            data = tf.data.Dataset.from_tensor_slices((tokens[order], labels[order]))
            data = data.batch(self.discriminator_batch_size, drop_remainder=True)
            totals, batches = np.zeros(4), 0
            for batch in strategy.experimental_distribute_dataset(data):
                values = strategy.run(step, args=batch)
                totals += [float(strategy.reduce("MEAN", v, axis=None)) for v in values]
                batches += 1
        logs = dict(zip(("d_loss", "d_real", "d_fake", "d_accuracy"), totals / max(batches, 1)))
        return logs

    def discriminator_function(self):
        """One D update on a labelled minibatch, as a tf.function (traced once)."""
        if self._discriminator_function is None:
            self._discriminator_function = tf.function(self.discriminator_minibatch_update)
        return self._discriminator_function

    def discriminator_minibatch_update(self, tokens, labels):
        """One D update on mixed real (label 1) and generated (label 0) sequences.

        Returns:
            (d_loss, mean D on the real ones, mean D on the generated ones, accuracy).
        """
        labels = tf.cast(labels, tf.float32)
        with tf.GradientTape() as tape:
            logits = tf.reshape(tf.cast(self.discriminator(tokens, training=True), tf.float32), [-1])
            d_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
            total = d_loss
            if self.discriminator.losses:  # the L2 penalty of the output layer
                total = d_loss + tf.add_n([tf.cast(l, tf.float32) for l in self.discriminator.losses])
        self.apply_update(self.d_optimizer, tape, total, self.discriminator.trainable_variables)
        probability = tf.sigmoid(logits)
        real_count = tf.maximum(tf.reduce_sum(labels), 1.0)
        fake_count = tf.maximum(tf.reduce_sum(1.0 - labels), 1.0)
        return (
            d_loss,
            tf.reduce_sum(probability * labels) / real_count,
            tf.reduce_sum(probability * (1.0 - labels)) / fake_count,
            tf.reduce_mean(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), labels), tf.float32)),
        )

    def _fit_phase(self, phase, x, epochs, fit_kwargs):
        self._phase = phase
        self.train_function = None  # retrace train_step for this phase
        try:
            return self.fit(x, epochs=epochs, **fit_kwargs)
        finally:
            self._phase = _Phase()
            self.train_function = None

    def _require_compiled(self):
        if self.d_optimizer is None:
            raise RuntimeError(f"{type(self).__name__} must be compiled before pretraining.")

    def test_step(self, data):
        real = self.real_tokens(data)
        seed = self.step_seed(self.d_optimizer.iterations, _SALT_EVALUATION * 64)
        fake = self.generator.sample(tf.shape(real)[0], seed)
        real_logits = self.discriminator(real, training=False)
        fake_logits = self.discriminator(fake, training=False)
        return self.record(
            {
                "mle_loss": losses_lib.teacher_forced_nll_loss(self.generator(real, training=False), real),
                "d_loss": 0.5 * losses_lib.non_saturating_discriminator_loss(real_logits, fake_logits),
                "d_real": tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32))),
                "d_fake": tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32))),
            }
        )

    # --- sampling ----------------------------------------------------------------

    def call(self, inputs, training=False):
        """The generator's teacher-forced logits on a batch of tokens."""
        return self.generator(inputs, training=training)

    def sample_tokens(self, num_samples, temperature, seed):
        """In-graph sampling from G: int32 (num_samples, seq_len).

        A pure function of (num_samples int32 scalar, temperature float32
        scalar, seed int tensor of shape (2,)), to be wrapped in a tf.function.
        """
        return self.generator.sample(num_samples, seed, temperature)

    def sampling_function(self):
        """`sample_tokens` as a tf.function with a fixed input signature (traced once)."""
        if self._sampling_function is None:
            self._sampling_function = tf.function(
                self.sample_tokens,
                input_signature=[
                    tf.TensorSpec((), tf.int32, name="num_samples"),
                    tf.TensorSpec((), tf.float32, name="temperature"),
                    tf.TensorSpec((2,), tf.int64, name="seed"),
                ],
            )
        return self._sampling_function

    def generate(self, num_samples, temperature=1.0, seed=None, batch_size=1024):
        """Sample sequences from G.

        Args:
            num_samples: how many sequences.
            temperature: divides the logits; < 1 sharpens, > 1 flattens.
            seed: an int for reproducible samples (batch i of `batch_size`
                uses the stateless seed [seed, i]).
            batch_size: sequences per in-graph sampling pass.

        Returns:
            int32 numpy array (num_samples, seq_len) of token ids.
        """
        num_samples, batch_size = int(num_samples), int(batch_size)
        if num_samples < 1 or batch_size < 1:
            raise ValueError(f"num_samples and batch_size must be positive, got {num_samples} and {batch_size}.")
        if not float(temperature) > 0.0:
            raise ValueError(f"temperature must be > 0, got {temperature}.")
        if seed is None:
            seed = np.random.randint(2**31 - 1)
        function = self.sampling_function()
        batches = []
        for i, start in enumerate(range(0, num_samples, batch_size)):
            n = min(batch_size, num_samples - start)
            seed_i = tf.constant([int(seed), i], tf.int64)
            batches.append(function(tf.constant(n), tf.constant(float(temperature)), seed_i).numpy())
        return np.concatenate(batches, axis=0)

    def serving_signatures(self):
        """ "num_samples", "temperature", "seed" (int32 scalars, temperature float32) -> "tokens"."""
        from keras_gans import export

        specs = [
            tf.TensorSpec((), tf.int32, name="num_samples"),
            tf.TensorSpec((), tf.float32, name="temperature"),
            tf.TensorSpec((), tf.int32, name="seed"),
        ]
        generator = self.generator

        def serve(num_samples, temperature, seed):
            def draw(logits, t):
                return export.categorical_sample(logits, seed, t, temperature)

            empty = tf.zeros(tf.stack([num_samples, self.seq_len]), tf.int32)
            return {"tokens": generator.complete(empty, 0, draw)}

        return {"serving_default": (serve, specs)}

    def serving_description(self):
        return {
            "kind": "sequence",
            "vocabulary_size": self.vocab_size,
            "sequence_length": self.seq_len,
            "start_token": int(self.generator.start_token),
        }

    # --- data checks -------------------------------------------------------------

    def unpack_real(self, data):
        if isinstance(data, dict) and "tokens" in data:
            return data["tokens"]
        return super().unpack_real(data)

    def real_tokens(self, data):
        """The batch's token ids as int32, asserting in-graph that they are in the vocabulary."""
        tokens = tf.cast(self.unpack_real(data), tf.int32)
        message = f"SeqGAN: token ids must be in [0, {self.vocab_size}) (the generator's vocab_size)"
        checks = [
            tf.debugging.assert_non_negative(tokens, message=message),
            tf.debugging.assert_less(tokens, self.vocab_size, message=message),
        ]
        with tf.control_dependencies(checks):  # before any use of the batch
            return tf.identity(tokens)

    def check_data(self, element_spec):
        """Integer token ids of shape (batch, seq_len), before any training."""
        spec = self.unpack_real(element_spec)
        shape = tuple(spec.shape)
        if not (spec.dtype.is_integer):
            raise ValueError(
                f"SeqGAN trains on integer token ids of shape (batch, {self.seq_len}), got dtype "
                f"{spec.dtype.name}. Tokenize the text first (keras_gans.datasets.text_file)."
            )
        if len(shape) != 2 or shape[1] not in (None, self.seq_len):
            raise ValueError(
                f"SeqGAN expects sequences of shape (batch, {self.seq_len}) (seq_len={self.seq_len}), "
                f"got batches of shape {shape}. Pad or cut the sequences to {self.seq_len} tokens "
                f"or build the model for that length."
            )

    def check_token_ids(self, x):
        """Raise if the first batch of `x` (or all of an array) holds ids outside [0, vocab_size)."""
        if x is None:
            return
        if isinstance(x, tf.data.Dataset):
            first = next(iter(x.take(1)), None)
            if first is None:
                raise ValueError("The dataset is empty: no sequences to train on.")
            tokens = keras.ops.convert_to_numpy(self.unpack_real(first))
        else:
            tokens = np.asarray(self.unpack_real(x))
        if tokens.size == 0:
            raise ValueError("The data hold no sequences to train on.")
        low, high = int(tokens.min()), int(tokens.max())
        if low < 0 or high >= self.vocab_size:
            raise ValueError(
                f"Token ids must be in [0, {self.vocab_size}) (the generator's vocab_size), got ids "
                f"from {low} to {high}. Build the networks for a larger vocabulary or re-encode the data."
            )

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """The adversarial phase (`keras.Model.fit`), after checking shapes and token ids.

        With `discriminator_samples` set (and in the adversarial phase), the
        first `discriminator_samples` real sequences of `x` are kept for D,
        and after every round D trains on the paper's schedule
        (`train_discriminator`, `discriminator_steps` times); the epoch's
        logs then carry that schedule's d_loss, d_real, d_fake, d_accuracy.
        """
        if x is not None and self.d_optimizer is not None:
            spec = _base._element_spec(x)
            if spec is not None:
                self.check_data(spec)
            self.check_token_ids(x)
        callbacks = list(callbacks or [])
        if self._phase.name == "adversarial" and self.discriminator_samples is not None and x is not None:
            real = self.collect_real(x, self.discriminator_samples)
            callbacks.insert(0, _DiscriminatorSchedule(real))
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    # --- config ------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "seq_len": self.seq_len,
                "rollouts": self.rollouts,
                "rollout_update_rate": self.rollout_update_rate,
                "generator_steps": self.generator_steps,
                "discriminator_steps": self.discriminator_steps,
                "discriminator_samples": self.discriminator_samples,
                "discriminator_epochs": self.discriminator_epochs,
                "discriminator_batch_size": self.discriminator_batch_size,
            }
        )
        return config


class _DiscriminatorSchedule(keras.callbacks.Callback):
    """The paper's D training after each adversarial round (put first among
    the callbacks, so that the epoch's logs carry its figures)."""

    def __init__(self, real):
        super().__init__()
        self.real = real

    def on_epoch_begin(self, epoch, logs=None):
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        model = self.model
        for _ in range(model.discriminator_steps):
            self.logs.append(
                model.train_discriminator(self.real, model.discriminator_samples, model.discriminator_epochs)
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self.logs:
            for key in self.logs[-1]:
                logs[key] = float(self.logs[-1][key])


def _fold(seed, value):
    return tf.random.experimental.stateless_fold_in(seed, value)
