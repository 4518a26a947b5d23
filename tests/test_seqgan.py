"""SeqGAN: the policy gradient, the rollouts, the phases, save/load and bad input."""

import itertools

import numpy as np
import keras
import pytest
import tensorflow as tf

from keras_gans.losses import policy_gradient_loss
from keras_gans.models.seqgan import SeqGAN
from keras_gans.networks.text import lstm_generator, sample_categorical, sampler, text_cnn_discriminator
from tests import harness

VOCAB, LENGTH = 30, 5
SEED = tf.constant([4, 2], tf.int64)


def tiny(**kwargs):
    def build():
        model = SeqGAN(
            lstm_generator(VOCAB, 8, 8, LENGTH),
            text_cnn_discriminator(
                VOCAB, LENGTH, embedding_dim=8, filter_widths=(1, 2), filter_counts=(4, 4), dropout=0.0
            ),
            seq_len=LENGTH,
            seed=3,
            **{"rollouts": 2, "discriminator_steps": 1, **kwargs},
        )
        model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
        return model

    return build


def token_data(n=64, batch_size=16):
    tokens = np.random.default_rng(0).integers(0, VOCAB, (n, LENGTH)).astype("int32")
    return tf.data.Dataset.from_tensor_slices(tokens).batch(batch_size, drop_remainder=True)


def sample(model):
    return model.generate(8, seed=5)


# --- the policy gradient -----------------------------------------------------------


def test_policy_gradient_is_the_reinforce_estimator():
    """Vocabulary 3, length 2: with exact Q values, the gradient of the loss,
    summed over all 9 sequences weighted by their probability, is the exact
    gradient of the expected reward (policy gradient theorem); and on a batch
    its output-bias gradient is -mean(Q * (onehot(y) - softmax))."""
    generator = lstm_generator(3, 2, 2, 2)
    sequences = tf.constant(list(itertools.product(range(3), repeat=2)), tf.int32)  # all 9
    reward = tf.constant(np.random.default_rng(0).uniform(size=9), tf.float32)  # R(Y), e.g. D(Y)
    variables = generator.trainable_variables

    with tf.GradientTape() as tape:
        prob = tf.exp(tf.reduce_sum(generator.log_prob(sequences), axis=1))  # G(Y)
        expected_reward = tf.reduce_sum(prob * reward)
    exact = tape.gradient(expected_reward, variables)

    prob = prob.numpy()
    step_probs = np.exp(generator.log_prob(sequences).numpy())  # G(y_1), G(y_2 | y_1)
    r = reward.numpy().reshape(3, 3)
    second = step_probs[:, 1].reshape(3, 3)
    q_first = (second * r).sum(axis=1)  # Q(y_1) = sum_y2 G(y_2|y_1) R(y_1, y_2)
    q = np.stack([np.repeat(q_first, 3), reward.numpy()], axis=1)  # (9, 2)
    weights = prob[:, None] * q  # the loss sums over batch and time, as the reference
    with tf.GradientTape() as tape:
        loss = policy_gradient_loss(generator(sequences), sequences, tf.constant(weights, tf.float32))
    estimated = tape.gradient(loss, variables)
    for e, g, v in zip(exact, estimated, variables):
        e, g = tf.convert_to_tensor(e).numpy(), tf.convert_to_tensor(g).numpy()  # embeddings: IndexedSlices
        np.testing.assert_allclose(-g, e, rtol=1e-4, atol=1e-6, err_msg=v.path)

    # A batch with fixed rewards: d loss / d bias by hand.
    batch = tf.constant([[2, 0], [1, 1]], tf.int32)
    rewards = np.array([[0.3, 0.9], [0.5, 0.1]], "float32")
    with tf.GradientTape() as tape:
        loss = policy_gradient_loss(generator(batch), batch, rewards)
    bias_grad = tape.gradient(loss, generator.output_layer.bias).numpy()
    softmax = tf.nn.softmax(generator(batch)).numpy()
    onehot = np.eye(3)[batch.numpy()]
    by_hand = -(rewards[..., None] * (onehot - softmax)).sum(axis=(0, 1))  # the reference's sum
    np.testing.assert_allclose(bias_grad, by_hand, rtol=1e-5, atol=1e-7)
    with tf.GradientTape() as tape:
        loss = policy_gradient_loss(generator(batch), batch, rewards, reduction="mean")
    bias_grad = tape.gradient(loss, generator.output_layer.bias).numpy()
    np.testing.assert_allclose(bias_grad, by_hand / rewards.size, rtol=1e-5, atol=1e-7)


def test_rollouts_keep_the_prefix_and_sample_the_rest():
    model = tiny(rollouts=16)()
    sequences = tf.constant(model.generate(4, seed=1))
    repeated = tf.repeat(sequences, 16, axis=0)
    for t in range(LENGTH + 1):
        completions = model.rollout(repeated, t, SEED).numpy()
        np.testing.assert_array_equal(completions[:, :t], repeated.numpy()[:, :t])
        assert completions.min() >= 0 and completions.max() < VOCAB
        if t < LENGTH:  # the 16 completions of a prefix differ from each other
            per_sequence = completions.reshape(4, 16, LENGTH)[:, :, t:]
            assert all(len({row.tobytes() for row in block}) > 1 for block in per_sequence)


def test_rewards_average_the_discriminator_over_rollouts():
    model = tiny()()
    sequences = tf.constant(model.generate(5, seed=2))
    rewards = model.rewards(sequences, SEED).numpy()
    assert rewards.shape == (5, LENGTH) and np.all((rewards > 0) & (rewards < 1))
    np.testing.assert_allclose(rewards[:, -1], model.score(sequences).numpy(), rtol=1e-6)  # Q at T = D(Y)
    repeated = tf.repeat(sequences, model.rollouts, axis=0)
    t = 2
    completions = model.rollout(repeated, t, tf.random.experimental.stateless_fold_in(SEED, t))
    by_hand = model.score(completions).numpy().reshape(5, model.rollouts).mean(axis=1)
    np.testing.assert_allclose(rewards[:, t - 1], by_hand, rtol=1e-5)


def test_sampler_matches_the_softmax():
    logits = tf.constant([[0.0, 1.0, 2.0, -np.inf, 0.5, 3.0, -1.0]] * 50_000)
    drawn = sample_categorical(logits, SEED).numpy()
    frequencies = np.bincount(drawn, minlength=7) / len(drawn)
    np.testing.assert_allclose(frequencies, tf.nn.softmax(logits[0]).numpy(), atol=0.01)
    assert frequencies[3] == 0.0


# --- the phases -----------------------------------------------------------------------


def test_adversarial_round_trains_both_players_and_delays_the_rollout_copy():
    model = tiny(generator_steps=2, discriminator_steps=2, rollout_update_rate=0.8)()
    before = harness.weights_of(model.rollout_generator)
    _, history = harness.run_train_step_test(lambda: model, token_data(), steps=1)
    assert int(model.g_optimizer.iterations.numpy()) == 2
    assert int(model.d_optimizer.iterations.numpy()) == 2
    assert {"g_loss", "reward", "d_loss", "d_real", "d_fake"} <= set(history.history)
    # One round: beta <- 0.8 beta + 0.2 theta, after the G steps.
    after, generator = harness.weights_of(model.rollout_generator), harness.weights_of(model.generator)
    for b, a, g in zip(before, after, generator):
        np.testing.assert_allclose(a, 0.8 * b + 0.2 * g, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(a, g) for a, g in zip(after, generator))


def test_rollouts_use_the_current_generator_by_default():
    """As the paper's code (its roll-out graph reads G's current weights): after
    a round, a roll-out is G's own completion, not a delayed copy's."""
    model = tiny()()
    assert model.rollout_update_rate == 0.0
    model.fit(token_data(), epochs=1, steps_per_epoch=2, verbose=0)
    sequences = tf.constant(model.generate(4, seed=1))
    for t in (0, 2):
        np.testing.assert_array_equal(
            model.rollout(sequences, t, SEED).numpy(),
            model.generator.complete(sequences, t, sampler(SEED)).numpy(),
        )


def test_paper_discriminator_schedule():
    """discriminator_samples=S: after each round, discriminator_steps times,
    S fresh samples and S real sequences, discriminator_epochs epochs of
    minibatches (the paper's 5 x 3 epochs on 10,000); D's accuracy is logged."""
    model = tiny(discriminator_steps=2, discriminator_samples=24, discriminator_epochs=3, discriminator_batch_size=8)()
    history = model.fit(token_data(), epochs=2, steps_per_epoch=1, verbose=0).history
    per_repeat = 3 * (2 * 24 // 8)  # 3 epochs of 6 minibatches
    assert int(model.d_optimizer.iterations.numpy()) == 2 * 2 * per_repeat
    assert int(model.g_optimizer.iterations.numpy()) == 2
    assert len(history["d_accuracy"]) == 2 and all(0.0 <= a <= 1.0 for a in history["d_accuracy"])
    assert {"d_loss", "d_real", "d_fake", "g_loss"} <= set(history)

    pretrain = tiny(discriminator_batch_size=8)()
    d_history = pretrain.pretrain_discriminator(token_data(), samples=16, epochs=2, repeats=3).history
    assert int(pretrain.d_optimizer.iterations.numpy()) == 3 * 2 * (2 * 16 // 8)
    assert len(d_history["d_accuracy"]) == 3
    harness.assert_clear_error(
        lambda: tiny()().pretrain_discriminator(token_data(), samples=16),
        "discriminator_batch_size",
        "64",
        error=ValueError,
    )


def test_pretraining_phases():
    model = tiny()()
    repeated_pattern = np.tile(np.arange(1, LENGTH + 1, dtype="int32"), (64, 1))
    data = tf.data.Dataset.from_tensor_slices(repeated_pattern).batch(16)
    d_before = harness.weights_of(model.discriminator)
    losses = model.pretrain_generator(data, epochs=10, verbose=0).history["mle_loss"]
    assert losses[-1] < losses[0] - 1.0
    assert int(model.g_optimizer.iterations.numpy()) == 0  # pretraining has its own optimizer
    for a, b in zip(d_before, harness.weights_of(model.discriminator)):
        np.testing.assert_array_equal(a, b)
    for r, g in zip(harness.weights_of(model.rollout_generator), harness.weights_of(model.generator)):
        np.testing.assert_allclose(r, g)  # the roll-out policy starts from the pretrained G
    g_before = harness.weights_of(model.generator)
    history = model.pretrain_discriminator(data, epochs=2, verbose=0).history
    assert history["d_real"][-1] > history["d_fake"][-1]
    for a, b in zip(g_before, harness.weights_of(model.generator)):
        np.testing.assert_array_equal(a, b)
    model.fit(data, epochs=1, steps_per_epoch=1, verbose=0)  # back to the adversarial phase
    assert int(model.g_optimizer.iterations.numpy()) == 1


def test_generate():
    model = tiny()()
    tokens = model.generate(10, seed=1, batch_size=4)
    assert tokens.shape == (10, LENGTH) and tokens.dtype == np.int32
    assert tokens.min() >= 0 and tokens.max() < VOCAB
    np.testing.assert_array_equal(tokens, model.generate(10, seed=1, batch_size=4))
    assert not np.array_equal(tokens, model.generate(10, seed=2, batch_size=4))
    # temperature -> 0 is argmax decoding
    state, token, argmax = model.generator.initial_state(1), tf.zeros([1], tf.int32), []
    for _ in range(LENGTH):
        logits, state = model.generator.step(token, state)
        token = tf.argmax(logits, axis=-1, output_type=tf.int32)
        argmax.append(int(token[0]))
    np.testing.assert_array_equal(model.generate(16, temperature=1e-6, seed=3), np.tile(argmax, (16, 1)))
    harness.assert_clear_error(lambda: model.generate(4, temperature=0.0), "temperature", error=ValueError)


def test_serving_signature_samples_in_graph():
    model = tiny()()
    fn, specs = model.serving_signatures()["serving_default"]
    assert [s.name for s in specs] == ["num_samples", "temperature", "seed"]
    concrete = tf.function(fn, input_signature=specs)
    tokens = concrete(tf.constant(7), tf.constant(1.0), tf.constant(11))["tokens"].numpy()
    assert tokens.shape == (7, LENGTH) and tokens.dtype == np.int32 and tokens.max() < VOCAB
    again = concrete(tf.constant(7), tf.constant(1.0), tf.constant(11))["tokens"].numpy()
    np.testing.assert_array_equal(tokens, again)
    assert model.serving_description()["kind"] == "sequence"


# --- save/load and config ----------------------------------------------------------------


def test_save_load_resume(tmp_path):
    loaded = harness.run_save_load_test(tiny(), token_data(), tmp_path, sample)
    assert loaded.rollouts == 2 and loaded.discriminator_steps == 1


def test_config_round_trip():
    rebuilt = harness.run_config_round_trip_test(tiny(rollouts=5, rollout_update_rate=0.5, generator_steps=2)())
    assert (rebuilt.rollouts, rebuilt.rollout_update_rate, rebuilt.generator_steps) == (5, 0.5, 2)


# --- bad input ------------------------------------------------------------------------------


def test_token_ids_outside_the_vocabulary_are_named_before_training():
    model = tiny()()
    before = harness.weights_of(model)
    bad = np.full((32, LENGTH), VOCAB, "int32")
    harness.assert_clear_error(
        lambda: model.fit(bad, epochs=1, verbose=0), f"[0, {VOCAB})", f"{VOCAB}", error=ValueError
    )
    dataset = tf.data.Dataset.from_tensor_slices(bad - VOCAB - 1).batch(16)
    harness.assert_clear_error(
        lambda: model.pretrain_generator(dataset, verbose=0), f"[0, {VOCAB})", "-1", error=ValueError
    )
    for a, b in zip(before, harness.weights_of(model)):
        np.testing.assert_array_equal(a, b)
    # A bad batch later in a dataset stops at that batch, with the same message.
    mixed = tf.data.Dataset.from_tensor_slices(np.concatenate([np.zeros((16, LENGTH), "int32"), bad[:16]])).batch(16)
    with pytest.raises(ValueError, match=rf"^SeqGAN: token ids must be in \[0, {VOCAB}\).*step 2"):
        model.pretrain_discriminator(mixed, epochs=1, verbose=0)


def test_wrong_length_or_dtype_is_named_before_training():
    model = tiny()()
    harness.assert_clear_error(
        lambda: model.fit(np.zeros((32, LENGTH + 2), "int32"), epochs=1, verbose=0),
        f"(batch, {LENGTH})",
        f"{LENGTH + 2}",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: model.fit(np.zeros((32, LENGTH), "float32"), epochs=1, verbose=0),
        "integer token ids",
        "float32",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: SeqGAN(
            lstm_generator(VOCAB, 4, 4, LENGTH),
            text_cnn_discriminator(VOCAB, LENGTH + 1, filter_widths=(1,), filter_counts=(2,)),
            seq_len=LENGTH,
        ),
        f"seq_len={LENGTH}",
        f"length {LENGTH + 1}",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: SeqGAN(
            lstm_generator(VOCAB, 4, 4, LENGTH),
            text_cnn_discriminator(VOCAB, LENGTH),
            seq_len=LENGTH,
            rollout_update_rate=1.0,
        ),
        "rollout_update_rate",
        error=ValueError,
    )


@pytest.mark.slow
def test_export_parity(tmp_path):
    """SavedModel and TFLite float32, served without keras_gans, sample the same tokens (~1 min)."""
    result = harness.run_export_test(
        tiny()(), {"num_samples": 6, "temperature": 0.8, "seed": 3}, tmp_path, allow_untrained=True
    )
    assert result["max_abs_diff"]["saved_model/serving_default/tokens"] == 0
    assert result["max_abs_diff"]["float32/serving_default/tokens"] == 0


@pytest.mark.slow
def test_two_replicas_train_like_one_device():
    """MirroredStrategy over two CPU devices: the same weights as one device
    (the rollouts, samples and rewards of each replica are its rows of the
    global batch's). ~2 min: a subprocess with two logical devices."""
    result = harness.run_distribution_test(
        tiny(generator_steps=1, discriminator_steps=1), token_data(n=32), steps=2, rtol=1e-4, atol=1e-5
    )
    if result is not None:  # in the two-device process
        one, two = result["one_device"], result["mirrored"]
        for a, b in zip(harness.weights_of(one.rollout_generator), harness.weights_of(two.rollout_generator)):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
