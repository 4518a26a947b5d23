"""The shared test harness: a new model's tests are a tiny config plus these calls.

Each `run_*` function asserts; each takes a zero-argument `build` function
returning a fresh, compiled model (so a test can build twice), data as a
finite, unshuffled tf.data.Dataset, and `sample(model)` returning the model's
deterministic output to compare (e.g. `lambda m: m.generate(latent=z)`).
"""

import numpy as np
import keras
import tensorflow as tf


def random_images(shape=(16, 16, 1), n=32, batch_size=8):
    """`n` images uniform in [-1, 1] (seed 0) of `shape`, in batches (remainder dropped): the model tests' data."""
    images = np.random.default_rng(0).uniform(-1, 1, (n,) + tuple(shape)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(batch_size, drop_remainder=True)


def weights_of(model):
    return [w.numpy() for w in model.weights]


def players(model):
    """The trained networks of a model: {attribute name: keras.Model}."""
    names = getattr(model, "player_names", ("generator", "discriminator"))
    return {name: getattr(model, name) for name in names}


def run_train_step_test(build, data, steps=2):
    """Training a few steps gives finite logs and changes every player's weights."""
    model = build()
    before = {name: weights_of(net) for name, net in players(model).items()}
    history = model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    assert history.history, "fit logged nothing"
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), f"{key} is not finite: {values}"
    for name, net in players(model).items():
        after = weights_of(net)
        trainable = {id(w) for w in net.trainable_weights}
        changed = [not np.allclose(b, a) for b, a, w in zip(before[name], after, net.weights) if id(w) in trainable]
        assert changed and any(changed), f"{name}'s trainable weights did not change"
    return model, history


def run_save_load_test(build, data, tmp_path, sample, steps=2):
    """`.keras` round trip: same config, same samples, same optimizer state, and
    resuming after the reload continues exactly as the uninterrupted run."""
    model = build()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    assert _comparable(loaded.get_config()) == _comparable(model.get_config())
    np.testing.assert_allclose(sample(loaded), sample(model), atol=1e-6)
    for attr in ("d_optimizer", "g_optimizer"):
        original, reloaded = getattr(model, attr), getattr(loaded, attr)
        assert int(reloaded.iterations.numpy()) == int(original.iterations.numpy()) > 0
        for a, b in zip(original.variables, reloaded.variables):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=0, err_msg=f"{attr}: {a.name}")
    # Resume: one more epoch on each gives the same weights.
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    loaded.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)
    return loaded


def run_config_round_trip_test(model):
    """from_config(get_config()) rebuilds an equal config."""
    config = model.get_config()
    rebuilt = type(model).from_config(config)
    assert _comparable(rebuilt.get_config()) == _comparable(config)
    return rebuilt


def run_model_tests(build, data, tmp_path, sample, steps=2):
    """The single-process checks every model passes, in one call: a few training
    steps give finite logs and change every player's weights; the config
    round-trips; `.keras` save/load gives the same samples and optimizer state
    and resumes exactly. (Distribution equivalence and export parity are their
    own calls: `run_distribution_test` runs in a two-device subprocess.)

    Returns the reloaded model.
    """
    model, _ = run_train_step_test(build, data, steps=steps)
    run_config_round_trip_test(model)
    return run_save_load_test(build, data, tmp_path, sample, steps=steps)


def assert_clear_error(fn, *fragments, error=Exception):
    """`fn()` raises `error` whose message contains every fragment."""
    try:
        fn()
    except error as e:
        message = str(e)
        for fragment in fragments:
            assert str(fragment) in message, f"{fragment!r} not in error message: {message}"
        return e
    raise AssertionError(f"no {error.__name__} raised")


def _comparable(config):
    """Configs compare equal up to tuple/list and the generated seed."""
    config = tf.nest.map_structure(lambda x: list(x) if isinstance(x, tuple) else x, config)
    return _strip(config)


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in ("name",)}
    if isinstance(obj, (list, tuple)):
        return [_strip(v) for v in obj]
    return obj


# --- export parity (issue 8) ------------------------------------------------------

# Max abs difference allowed against the Keras model, per artifact; images in
# uint8 may differ by the rounding of that difference.
EXPORT_TOLERANCES = {"saved_model": 1e-5, "float32": 1e-4, "float16": 2e-2, "dynamic": 0.1}


def run_export_test(
    model, inputs, tmp_path, quantize=("float32", "float16", "dynamic"), tolerances=None, **export_options
):
    """Export parity: SavedModel and TFLite served without keras_gans/Keras match the model.

    Exports `model` (SavedModel + one .tflite per quantization), runs every
    signature in a fresh process that cannot import keras or keras_gans
    (tests/_serve_check.py), and asserts: outputs equal the model's own
    `serving_signatures()` functions run eagerly in Keras within
    EXPORT_TOLERANCES (sampled integer ids exactly, for the SavedModel and
    float32 TFLite); the manifest's signatures (names, dtypes, shapes) equal
    those of the loaded SavedModel and of each .tflite. Prints the sizes.

    Args:
        inputs: {input name: array}, or {signature name: {input name: array}}.
        **export_options: passed to `export_generator` (e.g. allow_untrained=True).

    Returns:
        {"sizes": {artifact: bytes}, "max_abs_diff": {"artifact/signature/output": diff},
         "manifest": the manifest}.
    """
    name = type(model).__name__
    return run_export_tests({name: (model, inputs)}, tmp_path, quantize, tolerances, **export_options)[name]


def run_export_tests(cases, tmp_path, quantize=("float32", "float16", "dynamic"), tolerances=None, **export_options):
    """`run_export_test` for several models {name: (model, inputs)}, served by one fresh process."""
    import json
    import os
    import subprocess
    import sys

    from keras_gans import export

    tolerances = {**EXPORT_TOLERANCES, **(tolerances or {})}
    prepared, argv = {}, []
    for name, (model, inputs) in cases.items():
        expected, feeds = {}, {}
        for signature, (fn, specs) in model.serving_signatures().items():
            given = inputs[signature] if isinstance(inputs.get(signature), dict) else inputs
            args = [np.asarray(given[spec.name], dtype=spec.dtype.as_numpy_dtype) for spec in specs]
            feeds.update({f"{signature}/{spec.name}": arg for spec, arg in zip(specs, args)})
            outputs = fn(*[tf.constant(a) for a in args])
            expected.update({f"{signature}/{k}": keras.ops.convert_to_numpy(v) for k, v in outputs.items()})
        directory = tmp_path / name
        manifest = export.export_generator(model, directory / "export", quantize=quantize, **export_options)
        np.savez(directory / "inputs.npz", **feeds)
        argv += [str(directory / "export"), str(directory / "inputs.npz"), str(directory / "served")]
        prepared[name] = (expected, manifest, str(directory / "served"))

    script = os.path.join(os.path.dirname(__file__), "_serve_check.py")
    done = subprocess.run([sys.executable, script, *argv], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"serving process failed:\n{done.stderr[-3000:]}"

    def names_dtypes_shapes(signatures):
        return {
            sig: {
                side: {k: (v["dtype"], list(v["shape"])) for k, v in d[side].items()} for side in ("inputs", "outputs")
            }
            for sig, d in signatures.items()
        }

    results = {}
    for name, (expected, manifest, out) in prepared.items():
        served = dict(np.load(out + ".npz"))
        with open(out + ".json") as f:
            report = json.load(f)
        assert report["hidden_packages_imported"] == []
        # The manifest describes what the artifacts actually contain.
        described = names_dtypes_shapes(manifest["signatures"])
        for artifact, signatures in report["artifacts"].items():
            assert names_dtypes_shapes(signatures) == described, f"{name}: manifest != {artifact}'s signatures"
        artifacts = [("saved_model", "saved_model")]
        artifacts += [(q, a["path"]) for q, a in manifest["artifacts"].get("tflite", {}).items()]
        sizes = {
            q: manifest["artifacts"][q]["bytes"] if q == "saved_model" else manifest["artifacts"]["tflite"][q]["bytes"]
            for q, _ in artifacts
        }
        diffs = {}
        for quantization, artifact in artifacts:
            tolerance = tolerances[quantization]
            for key, want in expected.items():
                got = served[f"{artifact}/{key}"]
                assert got.shape == want.shape and got.dtype == want.dtype, (name, artifact, key, got.shape, want.shape)
                diff = float(np.max(np.abs(got.astype("float64") - want.astype("float64")))) if want.size else 0.0
                diffs[f"{quantization}/{key}"] = diff
                if want.dtype == np.uint8:
                    limit = np.ceil(tolerance * 127.5) + 1  # one rounding step more than the float limit
                elif want.dtype.kind in "iu":
                    limit = 0 if quantization in ("saved_model", "float32") else np.inf  # sampled ids
                else:
                    limit = tolerance
                assert diff <= limit, f"{name} {artifact} {key}: max abs diff {diff} > {limit}"
        print(f"\n{name} export sizes (bytes): {sizes}")
        print(f"{name} max abs diff vs Keras: " + ", ".join(f"{k}={v:.2e}" for k, v in diffs.items()))
        results[name] = {"sizes": sizes, "max_abs_diff": diffs, "manifest": manifest}
    return results


# --- distribution ---------------------------------------------------------------
#
# A MirroredStrategy with two replicas needs two devices. On a CPU-only machine
# they are two logical CPU devices, which must be configured before TensorFlow
# initialises its devices, so these tests run in a separate process:
# `on_two_devices()` re-runs the calling test (and the other two-device tests
# of its file, in one go) under `python -m pytest -p tests._two_devices`.

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

TWO_DEVICES = ("/cpu:0", "/cpu:1")
_TWO_DEVICE_MARKERS = ("run_distribution_test", "on_two_devices")
_two_device_results = {}  # nodeid -> {"outcome", "longrepr"} of the subprocess runs


def on_two_devices(timeout=1800):
    """True in a process with two logical CPU devices: run the test's body there.

    Elsewhere, runs the calling test in a subprocess that has them (together
    with the other tests of the same file that call `on_two_devices` or
    `run_distribution_test` in their body and are as slow-marked as it is, so
    one file starts one subprocess per `-m slow` / `-m "not slow"` run),
    fails with the subprocess' report if it failed there, and returns False:
    the caller then returns. Mark whole test functions slow, not single
    parameters: the subprocess runs every parameter of a function.

    Usage:

        def test_something_distributed():
            if not harness.on_two_devices():
                return
            strategy = harness.two_replica_strategy()
            ...
    """
    if os.environ.get("KERAS_GANS_TWO_DEVICES") == "1":
        found = len(tf.config.list_logical_devices("CPU"))
        assert found >= 2, f"the two-device process has {found} logical CPU device(s)"
        return True
    import pytest

    nodeid = os.environ["PYTEST_CURRENT_TEST"].rsplit(" (", 1)[0]
    if nodeid not in _two_device_results:
        _run_two_device_process(nodeid, timeout)
    result = _two_device_results.get(nodeid)
    if result is None:
        pytest.fail(f"{nodeid} did not run in the two-device process:\n{_two_device_results.get('_output', '')}")
    if result["outcome"] == "failed":
        pytest.fail(f"failed in the two-device process:\n{result['longrepr']}", pytrace=False)
    if result["outcome"] == "skipped":
        pytest.skip(f"skipped in the two-device process: {result['longrepr']}")
    return False


def _run_two_device_process(nodeid, timeout):
    path, function = nodeid.split("::", 1)[0], nodeid.split("::", 1)[1].split("[", 1)[0]
    root = pathlib.Path(__file__).resolve().parents[1]
    module = sys.modules.get(path[:-3].replace("/", "."))
    members = vars(module) if module else {}

    def slow(fn):
        return any(m.name == "slow" for m in getattr(fn, "pytestmark", []))

    # The file's other two-device tests of the same kind (slow or not, as the
    # usual `-m "not slow"` / `-m slow` runs select them) that have not run yet.
    functions = [function]
    for name, fn in members.items():
        code = getattr(fn, "__code__", None)
        if not name.startswith("test") or code is None or name == function:
            continue
        if slow(fn) != slow(members.get(function)) or any(
            k.split("[")[0] == f"{path}::{name}" for k in _two_device_results
        ):
            continue
        if any(marker in code.co_names for marker in _TWO_DEVICE_MARKERS):
            functions.append(name)
    with tempfile.TemporaryDirectory() as tmp:
        results = os.path.join(tmp, "results.json")
        env = dict(os.environ, KERAS_GANS_TWO_DEVICE_RESULTS=results, PYTHONPATH=str(root))
        env.pop("PYTEST_XDIST_WORKER", None)
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests._two_devices",
            "-o",
            "addopts=",
            "-p",
            "no:cacheprovider",
            "-q",
            *[f"{path}::{f}" for f in functions],
        ]
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
        if os.path.exists(results):
            with open(results) as f:
                _two_device_results.update(json.load(f))
    _two_device_results["_output"] = (done.stdout + done.stderr)[-5000:]


def two_replica_strategy():
    """The MirroredStrategy over the two logical CPU devices (one per process:
    see `keras_gans.distribute.get_strategy`)."""
    from keras_gans import distribute

    return distribute.get_strategy("mirrored", devices=TWO_DEVICES)


def run_distribution_test(build, data, steps=2, epochs=1, rtol=1e-5, atol=1e-6, same_noise=True):
    """Training under a 2-replica MirroredStrategy equals training on one device.

    Builds the model twice (with the same initial weights), trains one on
    one device and one under MirroredStrategy over two logical CPU devices
    on the same data (a global batch: each replica gets half), and asserts
    that every weight, the optimizers' iteration counts and the logged
    values match within `rtol` (and `atol` for values near zero).

    With `same_noise` (the default) the training noise is made independent
    of the replica count: `step_seed` stops folding in the replica id and
    `tf.random.stateless_{normal,uniform,truncated_normal}`, drawn on one of
    N replicas, draw the global batch's noise and keep the replica's rows.
    So latents, label flips and penalty interpolations are those of the
    single-device run, and what is compared is the loss scaling, gradient
    aggregation, synchronized batch norm, EMA and weight clipping. Models must
    draw their noise with those functions and `step_seed` (the rule of this
    library); Keras Dropout must be off (rate 0): its masks differ by design.

    Runs in the two-device process (see `on_two_devices`); in any other
    process it returns None after that process passed.

    Args:
        build: zero-argument function returning a fresh compiled model
            (called under the strategy's scope).
        data: a finite tf.data.Dataset of global batches (any size: uneven
            and empty shares are part of what is compared).
        steps, epochs: training length.
        rtol, atol: tolerances.
        same_noise: see above.

    Returns:
        {"one_device": model, "mirrored": model, "history": (h1, h2)}, or
        None outside the two-device process.
    """
    if not on_two_devices():
        return None
    strategies = {
        "one_device": tf.distribute.get_strategy(),
        "mirrored": two_replica_strategy(),
    }
    models, histories, initial = {}, {}, None
    for name, strategy in strategies.items():
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = build()
        if initial is None:
            initial = [w.numpy() for w in model.weights]
        else:
            for variable, value in zip(model.weights, initial):
                variable.assign(value)
        assert model.distribute_strategy.num_replicas_in_sync == (1 if name == "one_device" else 2)
        noise = _same_noise(model) if same_noise else contextlib.nullcontext()
        with noise:
            history = model.fit(data, epochs=epochs, steps_per_epoch=steps, verbose=0)
        models[name], histories[name] = model, history.history
    one, two = models["one_device"], models["mirrored"]
    for attr in ("d_optimizer", "g_optimizer"):
        if getattr(one, attr, None) is not None:
            n1, n2 = int(getattr(one, attr).iterations.numpy()), int(getattr(two, attr).iterations.numpy())
            assert n1 == n2 > 0, f"{attr} iterations: {n1} on one device, {n2} with two replicas"
    assert len(one.weights) == len(two.weights)
    for a, b in zip(one.weights, two.weights):
        np.testing.assert_allclose(
            b.numpy(),
            a.numpy(),
            rtol=rtol,
            atol=atol,
            err_msg=f"{a.path}: two replicas differ from one device",
        )
    h1, h2 = histories["one_device"], histories["mirrored"]
    assert h1 and sorted(h1) == sorted(h2), f"logged keys differ: {sorted(h1)} vs {sorted(h2)}"
    for key in h1:
        np.testing.assert_allclose(
            h2[key],
            h1[key],
            rtol=rtol,
            atol=atol,
            err_msg=f"logged {key}: two replicas (global batch split in two) differ from one device",
        )
    return {"one_device": one, "mirrored": two, "history": (h1, h2)}


_STATELESS_DRAWS = ("stateless_normal", "stateless_uniform", "stateless_truncated_normal")


@contextlib.contextmanager
def _same_noise(model):
    """Replica-count-independent training noise (see run_distribution_test)."""
    if hasattr(model, "step_seed"):

        def step_seed(counter, salt):
            seed = tf.constant([model._seed_value, salt], tf.int64)
            seed = tf.random.experimental.stateless_fold_in(seed, tf.cast(counter, tf.int64))
            return tf.random.experimental.stateless_fold_in(seed, tf.constant(0, tf.int64))

        model.step_seed = step_seed
    originals = {name: getattr(tf.random, name) for name in _STATELESS_DRAWS}

    def global_rows(draw):
        def wrapped(shape, seed, *args, **kwargs):
            replica = tf.distribute.get_replica_context()
            if replica is None or replica.num_replicas_in_sync == 1:
                return draw(shape, seed, *args, **kwargs)
            shape = tf.cast(tf.convert_to_tensor(shape), tf.int32)
            # The replicas' shares may differ (a global batch of 15 on two
            # replicas, or an empty share): gather their sizes.
            sizes = replica.all_gather(shape[:1], axis=0)
            full = tf.concat([tf.reduce_sum(sizes, keepdims=True), shape[1:]], axis=0)
            start = tf.reduce_sum(sizes[: replica.replica_id_in_sync_group])
            return draw(full, seed, *args, **kwargs)[start : start + shape[0]]

        return wrapped

    try:
        for name, draw in originals.items():
            setattr(tf.random, name, global_rows(draw))
        yield
    finally:
        for name, draw in originals.items():
            setattr(tf.random, name, draw)
        if "step_seed" in vars(model):
            del model.step_seed
