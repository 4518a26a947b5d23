"""Behaviour of the engine: which way each player learns, which noise each update
draws, what D sees, and the options' effects. Each test here kills at least one
named breakage of `tools/mutants.py` (`make mutants`)."""

import warnings

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import networks
from tests import harness

LATENT = 4


def ring(batch_size=64, n=256):
    return keras_gans.datasets.load("ring8", batch_size=batch_size, num_samples=n, shuffle=False, seed=0)


def mlp_gan(cls=keras_gans.GAN, d_lr=1e-3, g_lr=1e-3, run_eagerly=False, **kwargs):
    model = cls(
        networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
        networks.mlp_discriminator(2, hidden_units=(16,)),
        latent_dim=LATENT,
        seed=3,
        **kwargs,
    )
    model.compile(keras.optimizers.Adam(d_lr), keras.optimizers.Adam(g_lr), run_eagerly=run_eagerly)
    return model


# --- which way each player learns ---------------------------------------------------

Z = np.random.default_rng(1).normal(size=(256, LATENT)).astype("float32")
REAL = np.concatenate([b.numpy() for b in ring()], axis=0)


def losses_now(model):
    """D's and G's losses of the game on fixed real samples and fixed latents."""
    real_logits = model.discriminator(REAL, training=False)
    fake_logits = model.discriminator(model.generator(Z, training=False), training=False)
    return (
        float(model.game.discriminator_loss(real_logits, fake_logits)),
        float(model.game.generator_loss(real_logits, fake_logits)),
    )


@pytest.mark.parametrize("loss", keras_gans.losses.GAMES)
def test_each_player_lowers_its_own_loss_against_a_frozen_opponent(loss):
    # D learns while G is frozen (learning rate 0) ...
    model = mlp_gan(loss=loss, d_lr=1e-2, g_lr=0.0)
    d_before, _ = losses_now(model)
    model.fit(ring(), epochs=5, verbose=0)
    d_after, _ = losses_now(model)
    assert d_after < d_before - 1e-3, f"{loss}: D's loss went from {d_before:.4f} to {d_after:.4f}"
    # ... and G learns while D is frozen.
    model = mlp_gan(loss=loss, d_lr=0.0, g_lr=1e-2)
    _, g_before = losses_now(model)
    model.fit(ring(), epochs=5, verbose=0)
    _, g_after = losses_now(model)
    assert g_after < g_before - 1e-3, f"{loss}: G's loss went from {g_before:.4f} to {g_after:.4f}"


# --- the noise each update draws ---------------------------------------------------------


def record_latents(model):
    drawn = []
    original = model.sample_latent

    def spy(batch_size, seed=None):
        z = original(batch_size, seed=seed)
        drawn.append(np.asarray(z))
        return z

    model.sample_latent = spy
    return drawn


def test_every_update_draws_fresh_latents_by_default():
    model = mlp_gan(discriminator_steps=3, run_eagerly=True)
    assert model.reuse_generated is False  # algorithm 1: the default this test pins
    drawn = record_latents(model)
    model.fit(ring(), epochs=1, steps_per_epoch=1, verbose=0)
    assert len(drawn) == 4, f"{len(drawn)} latent draws for 3 D updates and 1 G update"
    for i in range(4):
        for j in range(i):
            assert not np.allclose(drawn[i], drawn[j]), f"updates {j} and {i} drew the same latents"


def test_reuse_generated_feeds_the_last_d_batch_to_g():
    model = mlp_gan(discriminator_steps=2, reuse_generated=True, run_eagerly=True)
    drawn = record_latents(model)
    model.fit(ring(), epochs=1, steps_per_epoch=1, verbose=0)
    assert len(drawn) == 2  # one per D update; G reuses the last one
    harness.run_train_step_test(lambda: mlp_gan(reuse_generated=True), ring())


def test_fresh_real_batches_give_each_critic_update_its_own_part():
    model = mlp_gan(discriminator_steps=2, fresh_real_batches=True, run_eagerly=True)
    seen = []
    original = model.discriminator_inputs

    def spy(real, fake, seeds):
        seen.append(np.asarray(real))
        return original(real, fake, seeds)

    model.discriminator_inputs = spy
    model.fit(ring(), epochs=1, steps_per_epoch=1, verbose=0)
    np.testing.assert_array_equal(np.concatenate(seen), REAL[:64])
    assert len(seen) == 2 and len(seen[0]) == 32


# --- what D sees ------------------------------------------------------------------------


def test_label_flips_swap_whole_examples():
    model = mlp_gan(label_flip_rate=0.4)
    model.build_optimizers()
    real = np.zeros((400, 2), "float32")
    fake = np.ones((400, 2), "float32")
    real_in, fake_in = model.discriminator_inputs(
        tf.constant(real), tf.constant(fake), model.random_streams("discriminator")
    )
    swapped = np.all(np.asarray(real_in) == 1.0, axis=1)
    assert 100 < swapped.sum() < 220, f"{swapped.sum()} of 400 flipped at rate 0.4"
    np.testing.assert_array_equal(np.asarray(fake_in)[swapped], 0.0)
    np.testing.assert_array_equal(np.asarray(fake_in)[~swapped], 1.0)


def test_instance_noise_reaches_d_in_both_players_updates():
    model = mlp_gan(instance_noise=0.5, run_eagerly=True)
    # A generator of zeros and zero data: every input D sees is the noise alone.
    model.fake_samples = lambda batch_size, seeds, training=True: tf.zeros([batch_size, 2])
    seen = []
    original = model.discriminate

    def spy(samples, training=True):
        seen.append(float(np.std(np.asarray(samples))))
        return original(samples, training=training)

    model.discriminate = spy
    zeros = tf.data.Dataset.from_tensor_slices(np.zeros((256, 2), "float32")).batch(256)
    model.fit(zeros, epochs=1, verbose=0)
    assert len(seen) == 3  # D(real), D(fake) in the D update, D(fake) in the G update
    np.testing.assert_allclose(seen, 0.5, rtol=0.1)


def test_penalties_are_taken_on_the_clean_real_batch():
    model = mlp_gan(instance_noise=1.0, r1_weight=1.0)
    model.build_optimizers()
    taken = []
    original = keras_gans.losses.r1_penalty

    def spy(critic, real):
        taken.append(np.asarray(real))
        return original(critic, real)

    keras_gans.losses.r1_penalty = spy
    try:
        model.discriminator_update(tf.constant(REAL[:8]))
    finally:
        keras_gans.losses.r1_penalty = original
    np.testing.assert_array_equal(taken[0], REAL[:8])


# --- the options' effects -------------------------------------------------------------------


@pytest.mark.parametrize("warmup", [True, False])
def test_ema_is_the_moving_average_of_the_generator(warmup):
    model = mlp_gan(ema_decay=0.9, ema_warmup=warmup)
    weights = [model.generator.get_weights()]
    for _ in range(2):
        model.fit(ring(), epochs=1, steps_per_epoch=1, verbose=0)
        weights.append(model.generator.get_weights())
    # After update t the decay is min(0.9, (1 + t) / (10 + t)) with the warm-up
    # (as tf.train.ExponentialMovingAverage with num_updates), 0.9 without.
    d1, d2 = (2 / 11, 3 / 12) if warmup else (0.9, 0.9)
    for ema, a, b, c in zip(model.ema_generator.get_weights(), *weights):
        np.testing.assert_allclose(ema, d2 * (d1 * a + (1 - d1) * b) + (1 - d2) * c, rtol=1e-5, atol=1e-7)


def test_wgan_clips_after_every_critic_update():
    # A huge learning rate: a critic update makes the weights large; the next
    # critic update must start from clipped weights, so what the last one logs
    # (D on real and generated samples) is bounded by the clipped network.
    model = keras_gans.WGAN(
        networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
        networks.mlp_discriminator(2, hidden_units=(16,)),
        latent_dim=LATENT,
        clip_value=0.01,
        discriminator_steps=3,
        seed=3,
    )
    model.compile(keras.optimizers.SGD(50.0), keras.optimizers.SGD(1e-3))
    history = model.fit(ring(), epochs=1, steps_per_epoch=1, verbose=0).history
    assert abs(history["d_real"][0]) < 0.01 and abs(history["d_fake"][0]) < 0.01, history


def test_model_call_predict_and_generate_sample_the_same_generator():
    model = mlp_gan(ema_decay=0.5)
    model.fit(ring(), epochs=1, steps_per_epoch=2, verbose=0)
    z = Z[:5]
    np.testing.assert_allclose(np.asarray(model(z)), model.generate(latent=z), atol=1e-6)
    np.testing.assert_allclose(model.predict(z, verbose=0), model.generate(latent=z), atol=1e-6)


# --- compile and construction checks ---------------------------------------------------------


def test_one_optimizer_for_both_players_is_refused():
    model = mlp_gan()
    adam = keras.optimizers.Adam(1e-3)
    harness.assert_clear_error(lambda: model.compile(adam, adam), "one optimizer instance", error=ValueError)


def test_learning_rate_callbacks_act_on_both_players():
    model = mlp_gan()
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    model.fit(ring(), epochs=2, verbose=0, callbacks=[scheduler])
    for optimizer in (model.d_optimizer, model.g_optimizer):
        np.testing.assert_allclose(float(optimizer.learning_rate), 1e-3 / 4, rtol=1e-6)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="d_loss", mode="min", factor=0.1, patience=0, min_delta=1e9)
    model.fit(ring(), epochs=2, verbose=0, callbacks=[plateau])
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert float(optimizer.learning_rate) < 1e-3 / 4 * 0.5


def test_wgan_gp_finds_batch_norm_inside_a_custom_layer():
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(8)
            self.norm = keras.layers.BatchNormalization()

        def call(self, x, training=False):
            return self.norm(self.dense(x), training=training)

    inputs = keras.Input((2,))
    critic = keras.Model(inputs, keras.layers.Dense(1)(Block()(inputs)))
    harness.assert_clear_error(
        lambda: keras_gans.WGANGP(networks.mlp_generator(LATENT, 2), critic, LATENT),
        "BatchNormalization",
        error=ValueError,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras_gans.GAN(networks.mlp_generator(LATENT, 2), critic, LATENT, dragan_weight=1.0)
    assert any("DRAGAN" in str(w.message) for w in caught)


def test_acgan_evaluate_reports_the_class_terms_in_its_losses():
    k, shape = 3, (16, 16, 1)
    model = keras_gans.ACGAN(
        networks.conditional_generator(LATENT, k, shape, base_filters=4),
        networks.acgan_discriminator(shape, k, base_filters=4, dropout=0.0),
        latent_dim=LATENT,
        num_classes=k,
        class_loss_weight=100.0,
        seed=0,
    )
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8,) + shape).astype("float32")
    logs = model.evaluate(images, np.arange(8) % k, batch_size=8, verbose=0, return_dict=True)
    # With weight 100 the class terms (about log 3 each) dominate both losses.
    assert logs["d_loss"] > 100 and logs["g_loss"] > 50, logs


def test_every_update_waits_for_the_loss_it_differentiates():
    # Grappler's dependency optimizer can drop the edge that orders a read of
    # a variable before its update when the read reaches the update only
    # through a gradient that folds to zero (R1's inner forward pass reads D's
    # first-layer bias that way): in about one fit in twenty the penalty then
    # read the updated bias. The engine orders each update after the loss it
    # differentiates. Checked on the traced step: every write to a
    # discriminator weight has the penalty's value among its ancestors (the
    # gradient alone does not need that value, only the penalty's inputs).
    model = mlp_gan(r1_weight=1.0)
    penalties = []
    penalty = model.discriminator_penalty
    model.discriminator_penalty = lambda *args: penalties.append(penalty(*args)) or penalties[-1]
    graph = tf.function(model.train_step).get_concrete_function(tf.TensorSpec((16, 2), tf.float32)).graph
    handles = {
        id(internal)
        for external, internal in graph.captures
        if any(external is v.value.handle for v in model.discriminator.trainable_variables)
    }
    writes = [op for op in graph.get_operations() if op.type.startswith("Assign") and id(op.inputs[0]) in handles]
    assert len(writes) == len(model.discriminator.trainable_variables) and len(penalties) == 1

    def ancestors(op):
        seen, stack = set(), [op]
        while stack:
            node = stack.pop()
            for parent in [t.op for t in node.inputs] + list(node.control_inputs):
                if parent.name not in seen:
                    seen.add(parent.name)
                    stack.append(parent)
        return seen

    for write in writes:
        assert penalties[0].op.name in ancestors(write), f"{write.name} does not wait for the penalty"


@pytest.mark.parametrize("options", [{}, {"ema_decay": 0.9, "r1_weight": 1.0, "label_flip_rate": 0.2}])
def test_steps_per_execution_runs_the_same_steps(options):
    """compile(steps_per_execution=k) (k steps in one call: what small models need to run at the speed
    of a bare loop, docs/benchmarks.md) trains exactly as k calls of one step: same draws, same weights."""
    data = ring(batch_size=32, n=256)  # 8 steps per epoch
    keras.utils.set_random_seed(0)
    one = mlp_gan(**options)
    keras.utils.set_random_seed(0)
    four = mlp_gan(**options)
    for a, b in zip(harness.weights_of(one), harness.weights_of(four)):
        np.testing.assert_array_equal(a, b)
    four.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), steps_per_execution=4)
    h1 = one.fit(data, epochs=2, verbose=0).history
    h4 = four.fit(data, epochs=2, verbose=0).history
    for a, b in zip(harness.weights_of(one), harness.weights_of(four)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(four.g_optimizer.iterations) == int(one.g_optimizer.iterations) == 16
    np.testing.assert_allclose(h4["d_loss"], h1["d_loss"], rtol=1e-5)
    # Keras runs whole executions: 7 steps an epoch at 4 per execution would train 8; refused first.
    harness.assert_clear_error(
        lambda: four.fit(data.repeat(), epochs=1, steps_per_epoch=7, verbose=0),
        "steps_per_epoch=7",
        "steps_per_execution=4",
        error=ValueError,
    )
    assert int(four.g_optimizer.iterations) == 16
