"""benchmarks/reference_loops.py: each hand-written step is the algorithm of the model's train_step.

From the same weights and the same batches, two steps of the hand-written loop
and two steps of `model.fit` give the same losses and the same weights
(trainable and batch-norm statistics). The training noise is made
deterministic: pix2pix without dropout (rate 0), CycleGAN with its image pools
still filling (pool 50, 2 steps of 2 images: both pools return the current
fakes, whatever their random draws). The pool's swap rule, which is random,
is checked on its own.
"""

import importlib.util
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.models.cycle_gan import build_cycle_gan
from keras_gans.models.pix2pix import build_pix2pix

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _loops():
    spec = importlib.util.spec_from_file_location(
        "reference_loops", os.path.join(ROOT, "benchmarks/reference_loops.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _batches(shape, steps=2, batch=2):
    rng = np.random.default_rng(1)
    return [tuple(rng.uniform(-1, 1, (batch, *shape)).astype("float32") for _ in range(2)) for _ in range(steps)]


def _weights(model):
    return [w for name in model.player_names for w in getattr(model, name).get_weights()]


def _set_weights(model, weights):
    for name in model.player_names:
        net = getattr(model, name)
        n = len(net.get_weights())
        net.set_weights(weights[:n])
        weights = weights[n:]


def _compare(model, step, names, batches):
    """Losses and weights after each of two steps: the loop's, then fit's from the same start."""
    start = _weights(model)
    loop_logs = [dict(zip(names, (float(v) for v in step(batch)))) for batch in batches]
    loop_weights = _weights(model)
    _set_weights(model, start)
    fit_logs = []
    for batch in batches:
        history = model.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0)
        fit_logs.append({name: history.history[name][0] for name in names})
    for loop, fit in zip(loop_logs, fit_logs):
        for name in names:
            assert loop[name] == pytest.approx(fit[name], rel=1e-4, abs=1e-6), (name, loop, fit)
    fit_weights = _weights(model)
    assert not all(np.allclose(a, b) for a, b in zip(start, fit_weights))  # the steps did train
    for a, b in zip(loop_weights, fit_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_pix2pix_loop_is_the_models_step():
    keras.utils.set_random_seed(0)
    model = build_pix2pix(
        (32, 32, 3), depth=3, generator_filters=4, discriminator_filters=4, n_layers=1, dropout_rate=0.0, seed=0
    )
    step = _loops().pix2pix_step(model)
    _compare(model, step, ["d_loss", "g_loss", "g_gan", "g_l1"], _batches((32, 32, 3)))


def test_cyclegan_loop_is_the_models_step():
    keras.utils.set_random_seed(0)
    model = build_cycle_gan(
        (16, 16, 3),
        num_residual_blocks=1,
        generator_filters=4,
        discriminator_filters=4,
        discriminator_layers=2,
        pool_size=50,
        seed=0,
    )
    step = _loops().cyclegan_step(model)
    names = ["d_a_loss", "d_b_loss", "g_ab_loss", "g_ba_loss", "cycle_a", "cycle_b", "identity_a", "identity_b"]
    _compare(model, step, names, _batches((16, 16, 3)))


def test_hand_written_pool_follows_the_swap_rule():
    pool = _loops()._ImagePool(2, (1, 1, 1), seed=2**40)  # any int seed
    query = tf.function(pool.query)
    first = np.arange(1, 3, dtype="float32").reshape(2, 1, 1, 1)
    np.testing.assert_array_equal(query(first), first)  # filling: stored and returned
    returned_past = 0
    for k in range(20):
        images = np.arange(10 * k + 10, 10 * k + 12, dtype="float32").reshape(2, 1, 1, 1)
        before = set(pool.images.numpy().ravel())
        out = query(images).numpy().ravel()
        after = set(pool.images.numpy().ravel())
        for value, new in zip(out, images.ravel()):
            if value != new:  # a stored image came back (stored before, or earlier in this batch)
                assert value in before | set(images.ravel()[:-1])
                returned_past += 1
        assert len(after) == 2 and after <= before | set(images.ravel())
    assert 5 <= returned_past <= 35  # about half of 40
    with pytest.raises(ValueError, match="static batch size"):
        tf.function(pool.query).get_concrete_function(tf.TensorSpec([None, 1, 1, 1]))
