"""Measure each row of issue #12 ("a step equals the single-device step") on the installed keras_gans.

Public API only (GAN, networks.*, losses.gradient_penalty / r1_penalty,
distribute.get_strategy), so the same script runs on the engine before and
after its rewrite:

    python benchmarks/engine_rows.py --out benchmarks/results/engine_rows_after
    PYTHONPATH=/path/to/old/tree python benchmarks/engine_rows.py \
        --out benchmarks/results/engine_rows_before
    python benchmarks/engine_rows.py --out benchmarks/results/engine_rows \
        --compare benchmarks/results/engine_rows_before.json benchmarks/results/engine_rows_after.json

Run it from a directory where `import keras_gans` resolves to the tree to
measure (PYTHONPATH=<tree>); the first line printed names the file imported.
The CPU is split into two logical devices before TensorFlow initialises its
devices; one MirroredStrategy over ("/cpu:0", "/cpu:1") serves every
two-replica row (a second MirroredStrategy object in one process fails,
tensorflow/tensorflow#62790). A row that raises records its error as its
figure. Writes <out>.json and <out>.md.

Rows (one step each unless said otherwise; tiny networks, seeded):
 1. clipping (global_clipnorm, clipnorm, clipvalue = 1e-3 on both SGD
    optimizers): ||dw_2rep - dw_1dev|| / ||dw_1dev|| of one train step on the
    same global batch of 16, all of D's and G's weights. The latents are a
    fixed vector (`sample_latent` overridden), so replicas draw the same z and
    the update depends on data and weights only.
 2. mixed_float16, overflow on replica 1 only: the second half of the global
    batch (replica 1's share) is scaled so that D's scaled gradient overflows
    float16 while the loss stays finite.
 3. global batch 15 on 2 replicas (8 + 7): relative difference of the update;
    batch 1 on 2 replicas (an empty share): logged losses, errors.
 4. LearningRateScheduler(lambda epoch, lr: lr * 0.5) over 2 epochs.
 5. gradient_penalty / r1_penalty on a patch critic whose every map element
    is <w, x> with ||w|| = 1: the per-example mean of the map has gradient
    norm 1 (GP 0, R1 1 expected), the map's sum has norm = number of elements.
 6. plain BatchNormalization, DCGAN 16x16, 3 steps on 2 replicas: largest
    difference between the replicas' copies of the moving statistics.
 7. dcgan_discriminator(spectral_norm=True, normalization=None): two
    training-mode calls on the same input; weight changes of a forward pass.
 8. instance_noise=0.5: RMS of D's inputs in each call of the first train
    step (real data and G's output are exactly 0, so the RMS is the noise).
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
import warnings

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf

_CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(_CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
import numpy as np

import keras_gans
from keras_gans import networks

STRATEGY = keras_gans.distribute.get_strategy("mirrored", devices=("/cpu:0", "/cpu:1"))
LATENT = 4
DIM = 2


class FixedLatentGAN(keras_gans.GAN):
    """A GAN whose latents are one fixed vector: every replica draws the same z."""

    def sample_latent(self, batch_size, seed=None):
        row = tf.linspace(-1.0, 1.0, self.latent_dim)
        return tf.tile(row[None, :], tf.stack([batch_size, 1]))


# --- helpers -------------------------------------------------------------------


def _scope(strategy):
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def _players(init=None):
    g = networks.mlp_generator(LATENT, DIM, hidden_units=(8,))
    d = networks.mlp_discriminator(DIM, hidden_units=(8,))
    if init is not None:
        g.set_weights(init[0])
        d.set_weights(init[1])
    return g, d


def _template():
    keras.utils.set_random_seed(0)
    g, d = _players()
    return g.get_weights(), d.get_weights()


def _flat(model):
    return np.concatenate([np.asarray(v.numpy(), np.float64).ravel() for v in model.trainable_weights])


def _rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _error(exc):
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:400]}"


def _one_step(strategy, x, batch_size, init, opt_kwargs=None, lr=0.1, gan_cls=FixedLatentGAN):
    """Weights change (D, G) of one fit step, and the logs and error of fit."""
    opt_kwargs = opt_kwargs or {}
    with _scope(strategy):
        g, d = _players(init)
        gan = gan_cls(g, d, latent_dim=LATENT, seed=0)
        gan.compile(
            d_optimizer=keras.optimizers.SGD(lr, **opt_kwargs),
            g_optimizer=keras.optimizers.SGD(lr, **opt_kwargs),
        )
    d0, g0 = _flat(d), _flat(g)
    seen, error = [], None
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs=None: seen.append(
            {k: float(np.asarray(v)) for k, v in (logs or {}).items()}
        )
    )
    data = tf.data.Dataset.from_tensor_slices(x).batch(batch_size)
    try:
        gan.fit(data, epochs=1, verbose=0, callbacks=[record])
    except Exception as exc:  # noqa: BLE001 -- the error is the measurement
        error = _error(exc)
    opt = getattr(gan.d_optimizer, "inner_optimizer", gan.d_optimizer)
    clip = {k: getattr(opt, k) for k in ("clipnorm", "global_clipnorm", "clipvalue") if getattr(opt, k)}
    return _flat(d) - d0, _flat(g) - g0, seen, error, clip


def _data(n=16, seed=1):
    return np.random.RandomState(seed).normal(size=(n, DIM)).astype("float32")


def _compare(x, batch_size, init, opt_kwargs=None):
    d1, g1, logs1, err1, clip1 = _one_step(None, x, batch_size, init, opt_kwargs)
    d2, g2, logs2, err2, clip2 = _one_step(STRATEGY, x, batch_size, init, opt_kwargs)
    both1, both2 = np.concatenate([d1, g1]), np.concatenate([d2, g2])
    return {
        "rel_diff_update": _rel(both2, both1),
        "rel_diff_d_update": _rel(d2, d1),
        "rel_diff_g_update": _rel(g2, g1),
        "norm_ratio_2rep_over_1dev": float(np.linalg.norm(both2) / np.linalg.norm(both1)),
        "update_norm_1dev": float(np.linalg.norm(both1)),
        "update_norm_2rep": float(np.linalg.norm(both2)),
        "logs_1dev": logs1,
        "logs_2rep": logs2,
        "error_1dev": err1,
        "error_2rep": err2,
        "d_optimizer_clipping_after_fit_1dev": clip1,
        "d_optimizer_clipping_after_fit_2rep": clip2,
    }


# --- rows ------------------------------------------------------------------------


def row_clipping(init):
    x = _data()
    out = {}
    for name, kwargs in (
        ("no clipping (harness check)", {}),
        ("global_clipnorm=1e-3", {"global_clipnorm": 1e-3}),
        ("clipnorm=1e-3", {"clipnorm": 1e-3}),
        ("clipvalue=1e-3", {"clipvalue": 1e-3}),
    ):
        r = _compare(x, 16, init, kwargs)
        out[name] = {
            k: r[k]
            for k in (
                "rel_diff_update",
                "rel_diff_d_update",
                "rel_diff_g_update",
                "norm_ratio_2rep_over_1dev",
                "update_norm_1dev",
                "update_norm_2rep",
                "d_optimizer_clipping_after_fit_1dev",
                "d_optimizer_clipping_after_fit_2rep",
                "error_1dev",
                "error_2rep",
            )
        }
    return out


OVERFLOW_VALUE = 300.0


def _mixed_step(strategy, x, init):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with _scope(strategy):
            g, d = _players(init)
            gan = FixedLatentGAN(g, d, latent_dim=LATENT, seed=0)
            gan.compile(
                d_optimizer=keras.optimizers.SGD(0.01),
                g_optimizer=keras.optimizers.SGD(0.01),
            )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    opt = gan.d_optimizer
    scale_before = float(np.asarray(opt.dynamic_scale)) if hasattr(opt, "dynamic_scale") else None
    d0 = _flat(d)
    seen, error = [], None
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs=None: seen.append(
            {k: float(np.asarray(v)) for k, v in (logs or {}).items()}
        )
    )
    try:
        gan.fit(
            tf.data.Dataset.from_tensor_slices(x).batch(len(x)),
            epochs=1,
            verbose=0,
            callbacks=[record],
        )
    except Exception as exc:  # noqa: BLE001
        error = _error(exc)
    d1 = _flat(d)
    replicas = {}
    if strategy is not None:  # every replica's copy of D's weights
        copies = [
            np.concatenate(
                [
                    np.asarray(c.numpy(), np.float64).ravel()
                    for c in [strategy.experimental_local_results(v.value)[i] for v in d.trainable_weights]
                ]
            )
            for i in range(strategy.num_replicas_in_sync)
        ]
        replicas = {f"replica{i}_d_weights_finite": bool(np.all(np.isfinite(c))) for i, c in enumerate(copies)}
    return {
        "d_loss_scale_optimizer": type(opt).__name__,
        "loss_scale_before": scale_before,
        "loss_scale_after": float(np.asarray(opt.dynamic_scale)) if hasattr(opt, "dynamic_scale") else None,
        "d_weights_finite": bool(np.all(np.isfinite(d1))),
        "d_step_skipped (weights unchanged)": bool(np.array_equal(d0, d1)),
        "max_abs_d_weight_change": float(np.nanmax(np.abs(d1 - d0))) if np.any(np.isfinite(d1 - d0)) else float("inf"),
        **replicas,
        "logs": seen,
        "error": error,
    }


def row_mixed_precision(init):
    x = _data()
    x[8:] *= OVERFLOW_VALUE  # replica 1's share
    return {
        "overflow_value": f"second half of the batch of 16 multiplied by {OVERFLOW_VALUE}",
        "one_device (reference)": _mixed_step(None, x, init),
        "2 replicas, overflow on replica 1": _mixed_step(STRATEGY, x, init),
    }


def row_uneven_batches(init):
    x = _data()
    b15 = _compare(x[:15], 15, init)
    b1 = _compare(x[:1], 1, init)
    return {
        "batch 15 (8 + 7)": {
            k: b15[k]
            for k in (
                "rel_diff_update",
                "rel_diff_d_update",
                "rel_diff_g_update",
                "error_1dev",
                "error_2rep",
            )
        },
        "batch 1 (1 + 0)": {
            "rel_diff_update": b1["rel_diff_update"],
            "update_norm_1dev": b1["update_norm_1dev"],
            "update_norm_2rep": b1["update_norm_2rep"],
            "logs_1dev": b1["logs_1dev"],
            "logs_2rep": b1["logs_2rep"],
            "logged_losses_nan_2rep": any(not np.isfinite(v) for l in b1["logs_2rep"] for v in l.values()),
            "error_1dev": b1["error_1dev"],
            "error_2rep": b1["error_2rep"],
        },
    }


def _lr(opt):
    return float(np.asarray(keras.ops.convert_to_numpy(opt.learning_rate)))


def row_lr_scheduler(init):
    g, d = _players(init)
    gan = FixedLatentGAN(g, d, latent_dim=LATENT, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(1e-3), g_optimizer=keras.optimizers.SGD(2e-3))

    def model_optimizer_lr():
        try:
            return f"{type(gan.optimizer).__name__} lr={_lr(gan.optimizer):.6g}"
        except Exception as exc:  # noqa: BLE001
            return f"{type(gan.optimizer).__name__} (no single learning_rate: {type(exc).__name__})"

    before = {
        "d_lr": _lr(gan.d_optimizer),
        "g_lr": _lr(gan.g_optimizer),
        "model.optimizer": model_optimizer_lr(),
    }
    error = None
    try:
        gan.fit(
            tf.data.Dataset.from_tensor_slices(_data()).batch(16),
            epochs=2,
            verbose=0,
            callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)],
        )
    except Exception as exc:  # noqa: BLE001
        error = _error(exc)
    after = {
        "d_lr": _lr(gan.d_optimizer),
        "g_lr": _lr(gan.g_optimizer),
        "model.optimizer": model_optimizer_lr(),
    }
    return {"before": before, "after_2_epochs": after, "error": error}


def _unit_slope_critic(map_size, image_shape=(8, 8, 1), seed=0):
    """Every element of a (map_size, map_size) map is <w, x>, ||w|| = 1."""
    n = int(np.prod(image_shape))
    w = np.random.RandomState(seed).normal(size=(n, 1))
    w /= np.linalg.norm(w)
    inputs = keras.Input(image_shape)
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(
        map_size * map_size,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(np.tile(w, (1, map_size**2))),
    )(h)
    return keras.Model(inputs, keras.layers.Reshape((map_size, map_size, 1))(h))


def row_penalties():
    rng = np.random.RandomState(0)
    real = tf.constant(rng.normal(size=(4, 8, 8, 1)), tf.float32)
    fake = tf.constant(rng.normal(size=(4, 8, 8, 1)), tf.float32)
    out = {}
    for map_size in (8, 3):
        critic = _unit_slope_critic(map_size)
        with tf.GradientTape() as tape:
            tape.watch(real)
            mean_out = tf.reduce_sum(tf.reduce_mean(tf.reshape(critic(real), [4, -1]), axis=1))
        mean_norm = float(tf.reduce_mean(tf.norm(tf.reshape(tape.gradient(mean_out, real), [4, -1]), axis=1)))
        entry = {
            "critic_mean_grad_norm": mean_norm,
            "critic_sum_grad_norm": float(map_size**2) * mean_norm,
        }
        for name, fn in (
            (
                "gradient_penalty",
                lambda critic=critic: keras_gans.losses.gradient_penalty(
                    critic, real, fake, tf.constant([0, 0], tf.int64)
                ),
            ),
            ("r1_penalty", lambda critic=critic: keras_gans.losses.r1_penalty(critic, real)),
        ):
            try:
                entry[name] = float(fn())
            except Exception as exc:  # noqa: BLE001
                entry[name] = _error(exc)
        out[f"{map_size}x{map_size} map"] = entry
    return out


def _bn_layers(model):
    return [l for l in model._flatten_layers(include_self=False) if isinstance(l, keras.layers.BatchNormalization)]


def row_batch_norm():
    keras.utils.set_random_seed(0)
    with STRATEGY.scope():
        g = networks.dcgan_generator(8, image_shape=(16, 16, 1), base_filters=8)
        d = networks.dcgan_discriminator((16, 16, 1), base_filters=8)
        gan = keras_gans.GAN(g, d, latent_dim=8, seed=0)
        gan.compile()
    x = np.tanh(np.random.RandomState(2).normal(size=(48, 16, 16, 1))).astype("float32")
    x[:, :8] *= 0.1  # make replica shares differ in their statistics
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1, verbose=0)
        except Exception as exc:  # noqa: BLE001
            error = _error(exc)
    diffs, synchronized = {}, []
    for layer in _bn_layers(g) + _bn_layers(d):
        synchronized.append(bool(layer.synchronized))
        for stat in ("moving_mean", "moving_variance"):
            copies = [np.asarray(c.numpy()) for c in STRATEGY.experimental_local_results(getattr(layer, stat).value)]
            diffs.setdefault(stat, []).append(float(np.max(np.abs(copies[0] - copies[-1]))) if len(copies) > 1 else 0.0)
    return {
        "batch_norm_layers": len(synchronized),
        "synchronized_after_fit": f"{sum(synchronized)}/{len(synchronized)}",
        "max_abs_moving_mean_replica0_minus_replica1": max(diffs.get("moving_mean", [0.0])),
        "max_abs_moving_variance_replica0_minus_replica1": max(diffs.get("moving_variance", [0.0])),
        "warnings": sorted({" ".join(str(w.message).split())[:200] for w in caught if "atch" in str(w.message)}),
        "error": error,
    }


def row_spectral_norm():
    keras.utils.set_random_seed(0)
    d = networks.dcgan_discriminator((16, 16, 1), base_filters=8, spectral_norm=True, normalization=None)
    x = tf.constant(np.random.RandomState(3).uniform(-1, 1, size=(4, 16, 16, 1)), tf.float32)

    def snapshot(weights):
        return [np.array(w.numpy()) for w in weights]

    def max_change(a, b):
        return max(float(np.max(np.abs(u - v))) for u, v in zip(a, b))

    t0, n0 = snapshot(d.trainable_weights), snapshot(d.non_trainable_weights)
    y1 = d(x, training=True).numpy()
    t1, n1 = snapshot(d.trainable_weights), snapshot(d.non_trainable_weights)
    y2 = d(x, training=True).numpy()
    t2 = snapshot(d.trainable_weights)
    return {
        "rel_diff_call2_vs_call1": _rel(y2, y1),
        "max_abs_trainable_change_call1": max_change(t0, t1),
        "max_abs_trainable_change_call2": max_change(t1, t2),
        "forward_pass_changes_trainable_weights": bool(max_change(t0, t1) > 0 or max_change(t1, t2) > 0),
        "max_abs_non_trainable_change_call1": max_change(n0, n1) if n0 else None,
    }


class _InputRecorder(keras.layers.Layer):
    """Identity that records the RMS of its input in eager calls (when `log` is set)."""

    log = None
    gan = None

    def call(self, x):
        if _InputRecorder.log is not None and tf.executing_eagerly():
            try:
                rms = float(np.sqrt(np.mean(np.square(np.asarray(x)))))
                _InputRecorder.log.append(
                    (
                        int(_InputRecorder.gan.d_optimizer.iterations.numpy()),
                        int(_InputRecorder.gan.g_optimizer.iterations.numpy()),
                        rms,
                    )
                )
            except Exception:  # noqa: BLE001, S110 -- a symbolic call while building: nothing to record
                pass
        return x


def row_instance_noise():
    keras.utils.set_random_seed(0)
    g = keras.Sequential(
        [
            keras.Input((LATENT,)),
            keras.layers.Dense(DIM, kernel_initializer="zeros", bias_initializer="zeros"),
        ]
    )
    inner = networks.mlp_discriminator(DIM, hidden_units=(8,))
    inputs = keras.Input((DIM,))
    d = keras.Model(inputs, inner(_InputRecorder()(inputs)))
    gan = keras_gans.GAN(g, d, latent_dim=LATENT, instance_noise=0.5, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.01),
        g_optimizer=keras.optimizers.SGD(0.01),
        run_eagerly=True,
    )
    _InputRecorder.gan, _InputRecorder.log = gan, []
    error = None
    try:
        gan.fit(
            tf.data.Dataset.from_tensor_slices(np.zeros((256, DIM), "float32")).batch(256),
            epochs=1,
            verbose=0,
        )
    except Exception as exc:  # noqa: BLE001
        error = _error(exc)
    log, _InputRecorder.log = _InputRecorder.log, None
    d_step = [round(r, 3) for di, gi, r in log if di == 0 and gi == 0]
    g_step = [round(r, 3) for di, gi, r in log if di == 1 and gi == 0]
    return {
        "rms_of_d_inputs_in_d_step_calls": d_step,
        "rms_of_d_inputs_in_g_step_calls": g_step,
        "g_step_sees_noise": bool(g_step) and min(g_step) > 0.25,
        "error": error,
    }


ROWS = [
    ("1 clipping, 2 replicas", row_clipping, True),
    ("2 mixed_float16, overflow on replica 1", row_mixed_precision, True),
    ("3 uneven global batch, 2 replicas", row_uneven_batches, True),
    ("4 LearningRateScheduler", row_lr_scheduler, True),
    ("5 penalties on a patch-shaped unit-slope critic", row_penalties, False),
    ("6 plain BatchNormalization, 2 replicas", row_batch_norm, False),
    ("7 spectral_norm=True discriminator", row_spectral_norm, False),
    ("8 instance noise in the G step", row_instance_noise, False),
]


# --- summaries for the table ----------------------------------------------------


def _fmt(v):
    return "n/a" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))


def summary(name, r):
    if "error" in r and len(r) == 1:
        return f"crashed: {r['error']}"
    if name.startswith("1"):
        return "; ".join(
            f"{k}: rel. diff {_fmt(v['rel_diff_update'])} (|dw| ratio {_fmt(v['norm_ratio_2rep_over_1dev'])})"
            + (f" error {v['error_2rep']}" if v["error_2rep"] else "")
            + (
                f" [d_optimizer's clipping after the 2-replica fit: {v['d_optimizer_clipping_after_fit_2rep'] or 'none left'}]"
                if v["d_optimizer_clipping_after_fit_2rep"] != v["d_optimizer_clipping_after_fit_1dev"]
                else ""
            )
            for k, v in r.items()
        )
    if name.startswith("2"):
        parts = []
        for k in ("one_device (reference)", "2 replicas, overflow on replica 1"):
            v = r[k]
            parts.append(
                f"{k}: D finite {v['d_weights_finite']}, skipped {v['d_step_skipped (weights unchanged)']}, "
                f"scale {_fmt(v['loss_scale_before'])} -> {_fmt(v['loss_scale_after'])}"
                + (f", error {v['error']}" if v["error"] else "")
            )
        return "; ".join(parts)
    if name.startswith("3"):
        b15, b1 = r["batch 15 (8 + 7)"], r["batch 1 (1 + 0)"]
        return (
            f"batch 15: rel. diff {_fmt(b15['rel_diff_update'])}"
            + (f" (error {b15['error_2rep']})" if b15["error_2rep"] else "")
            + f"; batch 1: rel. diff {_fmt(b1['rel_diff_update'])}, logged losses NaN {b1['logged_losses_nan_2rep']}, "
            + (f"fit error: {b1['error_2rep']}" if b1["error_2rep"] else "fit completed")
        )
    if name.startswith("4"):
        b, a = r["before"], r["after_2_epochs"]
        return (
            f"d_lr {_fmt(b['d_lr'])} -> {_fmt(a['d_lr'])}, g_lr {_fmt(b['g_lr'])} -> {_fmt(a['g_lr'])}; "
            f"model.optimizer {b['model.optimizer']} -> {a['model.optimizer']}"
            + (f"; error {r['error']}" if r["error"] else "")
        )
    if name.startswith("5"):
        return "; ".join(
            f"{k} (mean-critic |grad| {_fmt(v['critic_mean_grad_norm'])}, sum |grad| {_fmt(v['critic_sum_grad_norm'])}): "
            f"GP {_fmt(v['gradient_penalty'])}, R1 {_fmt(v['r1_penalty'])}"
            for k, v in r.items()
        )
    if name.startswith("6"):
        return (
            f"max |moving_mean r0 - r1| {_fmt(r['max_abs_moving_mean_replica0_minus_replica1'])}, "
            f"moving_variance {_fmt(r['max_abs_moving_variance_replica0_minus_replica1'])}; "
            f"synchronized after fit {r['synchronized_after_fit']}; warning: {'yes' if r['warnings'] else 'none'}"
            + (f"; error {r['error']}" if r["error"] else "")
        )
    if name.startswith("7"):
        return (
            f"2nd call vs 1st: rel. diff {_fmt(r['rel_diff_call2_vs_call1'])}; forward pass changes trainable "
            f"weights: {r['forward_pass_changes_trainable_weights']} (max |dW| {_fmt(r['max_abs_trainable_change_call1'])})"
        )
    if name.startswith("8"):
        return (
            f"RMS of D's inputs: D-step calls {r['rms_of_d_inputs_in_d_step_calls']}, "
            f"G-step calls {r['rms_of_d_inputs_in_g_step_calls']} (G step noisy: {r['g_step_sees_noise']})"
            + (f"; error {r['error']}" if r["error"] else "")
        )
    return json.dumps(r)


def _git(*args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(keras_gans.__file__)))
    try:
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=True).stdout.strip()
    except Exception:  # noqa: BLE001
        return "unknown"


def _commit():
    """The tree's commit, and the last commit that changed its keras_gans package."""
    head = _git("rev-parse", "--short", "HEAD")
    package = _git("log", "-1", "--format=%h", "--", "keras_gans")
    return head if package in (head, "unknown", "") else f"{head} (keras_gans as of {package})"


def compare(before_path, after_path, out):
    """One Markdown table, row by row, of two runs' JSON files (before | after)."""
    runs = []
    for path in (before_path, after_path):
        with open(path) as f:
            runs.append(json.load(f))
    (before, after) = runs
    lines = [
        "# Issue #12 rows, before and after",
        "",
        (
            f"`python benchmarks/engine_rows.py` on commit {before['meta']['commit']} (before, "
            f"{before['meta']['seconds']} s) and {after['meta']['commit']} (after, {after['meta']['seconds']} s); "
            f"TF {after['meta']['tensorflow']}, Keras {after['meta']['keras']}, {after['meta']['machine']}. "
            "How each row is measured: the script's docstring; every number: the JSON files beside this one."
        ),
        "",
        f"| row | before ({before['meta']['commit']}) | after ({after['meta']['commit']}) |",
        "|---|---|---|",
    ]
    for name in after["rows"]:
        cells = []
        for run in (before, after):
            r = {k: v for k, v in run["rows"].get(name, {"error": "not run"}).items() if k != "seconds"}
            cells.append(summary(name, r).replace("|", "\\|"))
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    with open(out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out}.md", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("BEFORE_JSON", "AFTER_JSON"),
        help="only write <out>.md comparing two runs",
    )
    parser.add_argument("--out", required=True, help="output prefix: writes <out>.json and <out>.md")
    parser.add_argument("--rows", default=None, help="comma-separated row numbers to run (default: all)")
    parser.add_argument(
        "--label",
        default=None,
        help="a name for this run in the table (default: the commit)",
    )
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare, args.out)
        return

    meta = {
        "keras_gans_file": keras_gans.__file__,
        "commit": _commit(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "machine": "2-core CPU (shared with other jobs), two logical CPU devices",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }
    print(
        f"keras_gans from {meta['keras_gans_file']} (commit {meta['commit']})",
        flush=True,
    )
    init = _template()
    results, start = {}, time.time()
    wanted = None if args.rows is None else set(args.rows.split(","))
    for name, fn, takes_init in ROWS:
        if wanted is not None and name.split()[0] not in wanted:
            continue
        t = time.time()
        try:
            r = fn(init) if takes_init else fn()
        except Exception as exc:  # noqa: BLE001 -- a crashing row is a finding
            traceback.print_exc()
            r = {"error": _error(exc)}
        r["seconds"] = round(time.time() - t, 1)
        results[name] = r
        print(
            f"[{r['seconds']:5.1f}s] {name}: {summary(name, {k: v for k, v in r.items() if k != 'seconds'})}",
            flush=True,
        )
    meta["seconds"] = round(time.time() - start, 1)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".json", "w") as f:
        json.dump({"meta": meta, "rows": results}, f, indent=2)
    label = args.label or f"commit {meta['commit']}"
    lines = [
        f"# Issue #12 rows measured on {label}",
        "",
        (
            f"`python benchmarks/engine_rows.py` ({meta['date_utc']} UTC, TF {meta['tensorflow']}, "
            f"Keras {meta['keras']}, {meta['machine']}; {meta['seconds']} s). How each row is measured: "
            "the script's docstring."
        ),
        "",
        "| row | measured |",
        "|---|---|",
    ]
    for name, r in results.items():
        body = summary(name, {k: v for k, v in r.items() if k != "seconds"}).replace("|", "\\|")
        lines.append(f"| {name} | {body} |")
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}.json and {args.out}.md", file=sys.stderr)


if __name__ == "__main__":
    main()
