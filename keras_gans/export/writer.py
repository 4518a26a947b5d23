"""`export_generator`: write a model's serving signatures as a SavedModel, TFLite and a manifest."""

import datetime
import json
import os
import platform
import shutil
import tempfile
import warnings

import numpy as np
import tensorflow as tf

from keras_gans import _io
from keras_gans.export import signatures as signatures_lib
from keras_gans.export import speed

FORMATS = ("saved_model", "tflite")
QUANTIZATIONS = ("float32", "float16", "dynamic")
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def export_generator(
    model,
    directory,
    formats=("saved_model", "tflite"),
    quantize=None,
    version=1,
    metrics=None,
    allow_untrained=False,
    overwrite=False,
    static_batch_sizes=(1, 64),
    benchmark=True,
):
    """Export a model's generator(s) for serving without keras_gans or Keras.

    Writes, under `directory`:

    - `saved_model/<version>/`: a SavedModel in the layout TensorFlow Serving
      expects (point `--model_base_path` at `directory/saved_model`), with the
      model's `serving_signatures()`, `serving_default` among them;
    - `model_<quantization>.tflite`: one TFLite model per quantization, with
      the same signatures, any batch size;
    - `static/model_<quantization>_batch<b>.tflite`: the same with the batch
      fixed to each of `static_batch_sizes`: the TFLite runtime's XNNPACK
      delegate accelerates only these (see keras_gans.export.speed);
    - `manifest.json`: model class, signatures (input/output names, dtypes,
      shapes, value ranges), the model's config, library versions, metrics.

    Args:
        model: a keras_gans model (anything with `serving_signatures()`).
        directory: the export directory (created if needed).
        formats: any of "saved_model", "tflite" (a sequence, or a
            comma-separated string).
        quantize: the TFLite variant(s): "float32" (None means this), "float16"
            (weights stored as float16) or "dynamic" (dynamic-range: int8
            weights, float activations); a string or a sequence of them.
        version: the SavedModel's version folder, a positive integer.
        metrics: optional dict of quality metrics (e.g. {"fid": 12.3}) to
            record in the manifest.
        allow_untrained: export even when no optimizer has made an update.
        overwrite: replace an existing `saved_model/<version>` and .tflite files.
        static_batch_sizes: the batch sizes of the static-batch .tflite models
            (default 1 for latency and 64 for throughput); () or None for none.
            Not made for signatures whose inputs have no batch dimension
            (SeqGAN's scalars).
        benchmark: time every artifact once written (median latency per call
            and images per second at batch 1 and each static batch, with the
            ai-edge-litert interpreter and XNNPACK for TFLite) and record it in
            the manifest as `artifacts[...]["benchmark"]`. At least 3 calls and
            about half a second per artifact and batch; figures depend on the machine and its load.

    Returns:
        The manifest (a dict, also written to `directory/manifest.json`);
        artifact paths in it are relative to `directory`.

    Example:

    >>> model.fit(data, epochs=1)
    >>> keras_gans.export.export_generator(model, "exported/dcgan", quantize="float16")
    >>> served = keras_gans.export.load_exported("exported/dcgan")
    >>> images = served.generate(16, seed=0)
    """
    formats = _as_choices(formats, FORMATS, "format")
    if not formats:
        raise ValueError(f"formats is empty; expected some of {list(FORMATS)}.")
    quantizations = _as_choices("float32" if quantize is None else quantize, QUANTIZATIONS, "quantize")
    if "tflite" not in formats and quantize is not None:
        raise ValueError(f"quantize={quantize!r} applies to TFLite, but formats={list(formats)} has no 'tflite'.")
    if int(version) < 1 or int(version) != version:
        raise ValueError(f"version must be a positive integer (a TF Serving version folder), got {version!r}.")
    version = int(version)
    static_batch_sizes = speed.check_batch_sizes(static_batch_sizes) if "tflite" in formats else ()
    check_exportable(model, allow_untrained)

    directory = os.path.abspath(os.fspath(directory))
    saved_model_dir = os.path.join(directory, "saved_model", str(version))
    tflite_paths = {q: os.path.join(directory, f"model_{q}.tflite") for q in quantizations}
    static_paths = {
        (q, b): os.path.join(directory, speed.static_tflite_name(q, b))
        for q in quantizations
        for b in static_batch_sizes
    }
    targets = ([saved_model_dir] if "saved_model" in formats else []) + (
        list(tflite_paths.values()) + list(static_paths.values()) if "tflite" in formats else []
    )
    existing = [p for p in targets if os.path.exists(p)]
    if existing and not overwrite:
        raise FileExistsError(
            f"The export would replace {existing}. Pass overwrite=True, or a new version= "
            f"(TF Serving serves the highest version folder)."
        )
    os.makedirs(directory, exist_ok=True)

    module, concrete = _serving_module(model)
    artifacts = {}
    scratch = None
    try:
        if "saved_model" in formats:
            source = saved_model_dir
            artifacts["saved_model"] = {"path": os.path.relpath(saved_model_dir, directory), "version": version}
        else:
            scratch = tempfile.mkdtemp(prefix="keras_gans_export_")
            source = os.path.join(scratch, "1")
        # Atomic: a failure while saving leaves the previous export of this version whole.
        _io.atomic_write(source, lambda tmp: tf.saved_model.save(module, tmp, signatures=concrete))
        if "saved_model" in formats:
            artifacts["saved_model"]["bytes"] = _size(source)
        if "tflite" in formats:
            artifacts["tflite"] = {}
            for quantization, path in tflite_paths.items():
                content, select_tf_ops = convert_to_tflite(source, list(concrete), quantization)
                _io.write_bytes(path, content)
                artifacts["tflite"][quantization] = {
                    "path": os.path.relpath(path, directory),
                    "bytes": len(content),
                    "select_tf_ops": select_tf_ops,
                    "batch": None,
                }
            if static_batch_sizes:
                artifacts["tflite_static"] = _write_static(model, directory, static_paths)
        if benchmark:
            _benchmark(directory, artifacts, static_batch_sizes)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    manifest = build_manifest(model, concrete, artifacts, metrics)
    _io.write_text(os.path.join(directory, MANIFEST), json.dumps(manifest, indent=2, sort_keys=False))
    return manifest


def artifact_paths(directory):
    """{"manifest": path, "saved_model": path, "tflite_<quantization>": path} of an export, absolute."""
    directory = os.path.abspath(os.fspath(directory))
    with open(os.path.join(directory, MANIFEST)) as f:
        artifacts = json.load(f)["artifacts"]
    paths = {"manifest": os.path.join(directory, MANIFEST)}
    if "saved_model" in artifacts:
        paths["saved_model"] = os.path.join(directory, artifacts["saved_model"]["path"])
    for quantization, entry in artifacts.get("tflite", {}).items():
        paths[f"tflite_{quantization}"] = os.path.join(directory, entry["path"])
    for quantization, per_batch in artifacts.get("tflite_static", {}).items():
        for batch, entry in per_batch.items() if isinstance(per_batch, dict) else ():
            paths[f"tflite_{quantization}_batch{batch}"] = os.path.join(directory, entry["path"])
    return paths


# --- checks ------------------------------------------------------------------


def check_exportable(model, allow_untrained=False):
    """Raise a clear error for a model that cannot or should not be exported."""
    if not callable(getattr(model, "serving_signatures", None)):
        raise TypeError(
            f"{type(model).__name__} has no serving_signatures() method; see the protocol "
            f"in keras_gans.export's docstring."
        )
    networks = {
        name: value for name, value in vars(model).items() if _is_keras_model(value) and not name.startswith("_")
    }
    unbuilt = sorted(name for name, net in networks.items() if not net.built)
    if unbuilt:
        raise ValueError(
            f"Cannot export {type(model).__name__}: its network(s) {unbuilt} were never built "
            f"(a subclassed network gets its weights on its first call). Train the model, or "
            f"call the networks once on a batch, before exporting."
        )
    if not allow_untrained and trained_steps(model) == 0:
        raise ValueError(
            f"Cannot export {type(model).__name__}: it was never trained (expected an optimizer "
            f"with at least one update; its optimizers have made 0 updates"
            f"{'' if getattr(model, 'd_optimizer', None) is not None else ', the model is not even compiled'}). "
            f"Train it with fit() first, or pass allow_untrained=True to export its initial weights."
        )


def trained_steps(model):
    """The largest iteration count among the model's optimizers (0 if none)."""
    optimizers = []
    try:
        optimizers = [opt for opt, _ in model.optimizer_variables()]
    except (AttributeError, TypeError):
        pass
    optimizers += [getattr(model, name, None) for name in ("d_optimizer", "g_optimizer", "optimizer")]
    steps = [int(opt.iterations.numpy()) for opt in optimizers if getattr(opt, "iterations", None) is not None]
    return max(steps, default=0)


def _is_keras_model(value):
    import keras

    return isinstance(value, keras.Model)


# --- the SavedModel ------------------------------------------------------------


def _serving_module(model, batch=None):
    """A tf.Module holding the traced signatures and exactly the variables they read.

    With `batch`, every input's first dimension is fixed to it; returns
    (None, None) when a signature has an input without a batch dimension.
    """
    signatures = model.serving_signatures()
    if batch is not None:
        fixed = {name: (fn, speed.batched_specs(specs, batch)) for name, (fn, specs) in signatures.items()}
        if any(specs is None for _, specs in fixed.values()):
            return None, None
        signatures = fixed
    if "serving_default" not in signatures:
        raise ValueError(
            f"{type(model).__name__}.serving_signatures() must define 'serving_default', got {sorted(signatures)}."
        )
    module = tf.Module()
    concrete = {}
    functions = []
    traced = {}  # one trace per function: an alias (serving_default = a2b) shares its graph
    for name, (fn, specs) in signatures.items():
        if id(fn) not in traced:
            function = tf.function(fn, input_signature=list(specs), autograph=True)
            traced[id(fn)] = function.get_concrete_function()
            functions.append(function)
        concrete[name] = traced[id(fn)]
        outputs = concrete[name].structured_outputs
        if not isinstance(outputs, dict) or not outputs:
            raise ValueError(f"Signature {name!r} must return a dict of named tensors, got {outputs!r}.")
    variables = {}
    for function in concrete.values():
        for variable in function.variables:
            variables[id(variable)] = variable
    module.serving_functions = functions
    module.serving_variables = list(variables.values())
    return module, concrete


def _write_static(model, directory, static_paths):
    """Convert the static-batch variants; returns the manifest's "tflite_static" entry."""
    entry = {}
    for batch in sorted({b for _, b in static_paths}):
        module, concrete = _serving_module(model, batch)
        if module is None:
            return {"skipped": "a serving signature has an input without a batch dimension"}
        scratch = tempfile.mkdtemp(prefix="keras_gans_static_")
        try:
            tf.saved_model.save(module, scratch, signatures=concrete)
            for (quantization, b), path in static_paths.items():
                if b != batch:
                    continue
                content, select_tf_ops = convert_to_tflite(scratch, list(concrete), quantization)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(content)
                entry.setdefault(quantization, {})[str(batch)] = {
                    "path": os.path.relpath(path, directory),
                    "bytes": len(content),
                    "select_tf_ops": select_tf_ops,
                    "batch": batch,
                }
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return entry


def _benchmark(directory, artifacts, static_batch_sizes):
    """Add "benchmark" to each artifact entry (see keras_gans.export.speed)."""
    batches = sorted({1, *static_batch_sizes})
    context = speed.machine()
    if "saved_model" in artifacts:
        artifacts["saved_model"]["benchmark"] = {
            **speed.benchmark_saved_model(os.path.join(directory, artifacts["saved_model"]["path"]), batches),
            **context,
        }
    entries = list(artifacts.get("tflite", {}).values())
    for per_batch in artifacts.get("tflite_static", {}).values():
        if isinstance(per_batch, dict):
            entries += list(per_batch.values())
    for entry in entries:
        if entry.get("select_tf_ops"):
            entry["benchmark"] = {"skipped": "Select TF ops: the ai-edge-litert interpreter cannot run it"}
            continue
        wanted = batches if entry["batch"] is None else [entry["batch"]]
        entry["benchmark"] = {**speed.benchmark_tflite(os.path.join(directory, entry["path"]), wanted), **context}


def _size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


# --- TFLite ----------------------------------------------------------------


def convert_to_tflite(saved_model_dir, signature_keys, quantization="float32"):
    """Convert a SavedModel to TFLite; returns (flatbuffer bytes, select_tf_ops used).

    Builtin operations only when possible; if the converter needs TensorFlow
    ops (e.g. tf.random.stateless_* or TensorArray loops), it retries with
    SELECT_TF_OPS, and the .tflite then needs a Flex delegate (the
    ai-edge-litert interpreter has none; the `tensorflow` package's
    interpreter and Android's tensorflow-lite-select-tf-ops have).
    """

    def converter(select_tf_ops):
        c = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=signature_keys)
        if quantization == "float16":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
            c.target_spec.supported_types = [tf.float16]
        elif quantization == "dynamic":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
        if select_tf_ops:
            c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
            c._experimental_lower_tensor_list_ops = False
        return c

    try:
        return converter(False).convert(), False
    except Exception as error:  # the converter raises ConverterError (an internal class)
        if "select" not in str(error).lower() and "flex" not in str(error).lower():
            raise
    warnings.warn(
        f"The {quantization} TFLite model needs Select TF ops: it runs only with a Flex delegate "
        f"(not in the ai-edge-litert interpreter). Use TFLite builtin ops in the serving signatures "
        f"(see keras_gans.export.signatures) to avoid this."
    )
    return converter(True).convert(), True


# --- the manifest ----------------------------------------------------------------


def describe_concrete(function):
    """{"inputs": {name: {dtype, shape}}, "outputs": {...}} of a traced signature."""
    args, kwargs = function.structured_input_signature
    inputs = {**{spec.name: spec for spec in tf.nest.flatten(args)}, **kwargs}
    return {
        "inputs": {name: _spec_json(spec) for name, spec in sorted(inputs.items())},
        "outputs": {name: _spec_json(t) for name, t in sorted(function.structured_outputs.items())},
    }


def _spec_json(spec):
    return {"dtype": spec.dtype.name, "shape": list(spec.shape.as_list()) if spec.shape.rank is not None else None}


def build_manifest(model, concrete, artifacts, metrics=None):
    import keras

    import keras_gans

    description = dict(model.serving_description() if hasattr(model, "serving_description") else {})
    overrides = description.pop("signatures", {})
    kind = description.pop("kind", "custom")
    signatures = {}
    for name, function in concrete.items():
        signature = describe_concrete(function)
        for side in ("inputs", "outputs"):
            for io_name, entry in signature[side].items():
                entry.update(_standard_description(io_name, entry["dtype"], description))
                entry.update(overrides.get(name, {}).get(side, {}).get(io_name, {}))
        signatures[name] = signature
    cls = type(model)
    return _json_safe(
        {
            "manifest_version": MANIFEST_VERSION,
            "model_class": f"{cls.__module__}.{cls.__qualname__}",
            "kind": kind,
            "description": description,
            "signatures": signatures,
            "artifacts": artifacts,
            "training": {
                "steps": trained_steps(model),
                "ema_weights": getattr(model, "ema_generator", None) is not None,
            },
            "config": summarize_config(_config(model)),
            "compile_config": _compile_config(model),
            "metrics": metrics,
            "versions": {
                "keras_gans": keras_gans.__version__,
                "tensorflow": tf.__version__,
                "keras": keras.__version__,
                "python": platform.python_version(),
            },
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
    )


def _standard_description(name, dtype, description):
    entry = {}
    if name in signatures_lib.STANDARD_NAMES:
        entry["description"] = signatures_lib.STANDARD_NAMES[name]
    if name == "images":
        entry["range"] = [0, 255] if dtype == "uint8" else [-1.0, 1.0]
    elif name == "source":
        entry["range"] = [-1.0, 1.0]
    elif name == "latent":
        entry["distribution"] = description.get("latent_distribution", "normal")
    elif name == "labels" and "num_classes" in description:
        entry["range"] = [0, int(description["num_classes"]) - 1]
    elif name == "tokens" and "vocabulary_size" in description:
        entry["range"] = [0, int(description["vocabulary_size"]) - 1]
    return entry


def _config(model):
    try:
        return model.get_config()
    except Exception as error:  # a config that cannot be built must not block the export
        return {"error": f"get_config() failed: {error}"}


def _compile_config(model):
    try:
        return model.get_compile_config() if hasattr(model, "get_compile_config") else None
    except Exception:
        return None


def summarize_config(config):
    """The config with nested network configs replaced by a summary (class, name, layers)."""
    if isinstance(config, dict):
        inner = config.get("config")
        if "class_name" in config and isinstance(inner, dict) and "layers" in inner:
            return {
                "class_name": config["class_name"],
                "name": inner.get("name"),
                "layers": len(inner["layers"]),
            }
        return {k: summarize_config(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [summarize_config(v) for v in config]
    return config


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "numpy"):
        return _json_safe(obj.numpy())
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


def _as_choices(value, choices, what):
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    value = list(dict.fromkeys(value))
    unknown = [v for v in value if v not in choices]
    if unknown:
        raise ValueError(f"Unknown {what} {unknown[0]!r}: expected one of {list(choices)}.")
    return value
