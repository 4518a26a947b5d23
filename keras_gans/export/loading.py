"""`load_exported`: run an export (SavedModel or .tflite) the way a server would.

Uses only TensorFlow (tf.saved_model.load) and the ai-edge-litert
interpreter; no Keras object is rebuilt.
"""

import json
import os

import numpy as np

from keras_gans.export.writer import MANIFEST


def is_export(path):
    """True when `path` is an export: a .tflite file, a SavedModel or an export directory."""
    try:
        _locate(path)
        return True
    except (ValueError, FileNotFoundError):
        return False


def load_exported(path, backend=None, quantization=None):
    """Load an export for inference.

    Args:
        path: an export directory (with manifest.json), its `saved_model`
            folder (the highest version is used), one SavedModel version
            folder, or a .tflite file.
        backend: "saved_model" or "tflite" for an export directory that has
            both (default: the SavedModel).
        quantization: which .tflite of an export directory ("float32",
            "float16", "dynamic"); default float32 if exported.

    Returns:
        An `ExportedGenerator`: `.run(inputs, signature)` and
        `.generate(num_samples, seed)`.
    """
    kind, artifact, manifest = _locate(path, backend, quantization)
    runner = _SavedModelRunner(artifact) if kind == "saved_model" else _TFLiteRunner(artifact, manifest)
    return ExportedGenerator(runner, manifest, artifact)


class ExportedGenerator:
    """An exported generator: its signatures, `run` and `generate`.

    Attributes:
        backend: "saved_model" or "tflite".
        path: the artifact loaded.
        manifest: the export's manifest (None for a bare artifact).
        kind: "latent", "conditional", "image_to_image", "sequence" or "custom".
        signatures: {name: {"inputs": {name: (shape, dtype)}, "outputs": {...}}},
            read from the artifact itself (None for a variable dimension).
    """

    def __init__(self, runner, manifest, path):
        self._runner = runner
        self.backend = runner.backend
        self.path = path
        self.manifest = manifest
        self.signatures = runner.specs
        self.kind = (manifest or {}).get("kind") or _infer_kind(self.signatures)

    def __repr__(self):
        return f"ExportedGenerator({self.backend}, {self.path!r}, kind={self.kind!r}, signatures={sorted(self.signatures)})"

    def run(self, inputs, signature="serving_default"):
        """Run one signature on a dict of numpy inputs; returns a dict of numpy outputs.

        Inputs are checked against the signature first (names, dtypes, shapes)
        so that a wrong latent size is a clear ValueError, not a graph error.
        """
        if signature not in self.signatures:
            raise ValueError(f"Unknown signature {signature!r}; this export has {sorted(self.signatures)}.")
        specs = self.signatures[signature]["inputs"]
        if not isinstance(inputs, dict):
            if len(specs) != 1:
                raise ValueError(f"Signature {signature!r} takes named inputs {sorted(specs)}; pass a dict.")
            inputs = {next(iter(specs)): inputs}
        missing, extra = sorted(set(specs) - set(inputs)), sorted(set(inputs) - set(specs))
        if missing or extra:
            raise ValueError(
                f"Signature {signature!r} takes inputs {sorted(specs)}; missing {missing}, unexpected {extra}."
            )
        checked = {name: _check_input(signature, name, inputs[name], *specs[name]) for name in specs}
        return self._runner(signature, checked)

    def generate(self, num_samples, seed=None, batch_size=256, signature="serving_default", **options):
        """Draw `num_samples` samples; returns the signature's (first) output as numpy.

        - "latent" exports: latents from the prior recorded in the manifest
          (standard normal by default), seeded by `seed`.
        - "conditional": also `labels=` (class ids; default uniform random),
          and `truncation=` psi when the signature has that input (BigGAN;
          default inf: no truncation).
        - "sequence": `temperature=` (default 1.0); `seed` is passed to the graph.
        - "image_to_image": pass `source=` images in [-1, 1] instead.
        """
        num_samples = int(num_samples)
        if num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}.")
        rng = np.random.default_rng(seed)
        specs = self.signatures.get(signature, {}).get("inputs", {})
        if self.kind == "sequence":
            graph_seed = int(seed if seed is not None else rng.integers(2**31 - 1))
            inputs = {"num_samples": num_samples, "temperature": options.pop("temperature", 1.0), "seed": graph_seed}
            _no_options(options)
            return _first(self.run(inputs, signature))
        if self.kind == "image_to_image":
            if "source" not in options:
                raise ValueError(
                    "An image-to-image export translates images: call generate(n, source=images) or run()."
                )
            inputs = {"source": np.asarray(options.pop("source"))[:num_samples]}
        elif self.kind in ("latent", "conditional"):
            inputs = {"latent": self._latent(rng, num_samples, specs)}
            if self.kind == "conditional":
                labels = options.pop("labels", None)
                if labels is None:
                    labels = rng.integers(0, self._num_classes(), num_samples)
                inputs["labels"] = np.broadcast_to(np.asarray(labels, "int32"), (num_samples,))
        else:
            raise ValueError(f"generate() does not know how to feed a {self.kind!r} export; use run().")
        scalars = {}
        if "truncation" in specs:
            scalars["truncation"] = np.float32(options.pop("truncation", np.inf))
        _no_options(options)
        static = sorted({shape[0] for shape, _ in specs.values() if shape and shape[0] is not None})
        if static:  # a static-batch .tflite: its batch, the last one padded
            batch_size = static[0]
        outputs = []
        for start in range(0, num_samples, batch_size):
            batch = {k: v[start : start + batch_size] for k, v in inputs.items()}
            rows = len(next(iter(batch.values())))
            if static and rows < batch_size:
                batch = {k: np.concatenate([v, np.repeat(v[-1:], batch_size - rows, axis=0)]) for k, v in batch.items()}
            outputs.append(_first(self.run({**batch, **scalars}, signature))[:rows])
        return np.concatenate(outputs, axis=0)

    def _latent(self, rng, n, specs):
        if "latent" not in specs:
            raise ValueError(f"Expected a 'latent' input, this signature takes {sorted(specs)}.")
        shape = (n,) + tuple(specs["latent"][0][1:])
        description = (self.manifest or {}).get("description", {})
        if description.get("latent_distribution", "normal") == "uniform":
            low, high = description.get("latent_range", (-1.0, 1.0))
            return rng.uniform(low, high, shape).astype("float32")
        return rng.standard_normal(shape).astype("float32")

    def _num_classes(self):
        num_classes = (self.manifest or {}).get("description", {}).get("num_classes")
        if num_classes is None:
            raise ValueError("This export's manifest does not give num_classes: pass labels=.")
        return int(num_classes)


def _first(outputs):
    return outputs[sorted(outputs)[0]] if len(outputs) > 1 else next(iter(outputs.values()))


def _no_options(options):
    if options:
        raise TypeError(f"Unexpected options {sorted(options)}.")


def _infer_kind(signatures):
    inputs = signatures.get("serving_default", {}).get("inputs", {})
    if set(inputs) == {"latent"}:
        return "latent"
    if set(inputs) in ({"latent", "labels"}, {"latent", "labels", "truncation"}):
        return "conditional"
    if set(inputs) == {"source"}:
        return "image_to_image"
    if set(inputs) == {"num_samples", "temperature", "seed"}:
        return "sequence"
    return "custom"


def _fmt(shape):
    return "(" + ", ".join("batch" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _check_input(signature, name, value, shape, dtype):
    value = np.asarray(value)
    expected = f"Signature {signature!r} input {name!r} expects {np.dtype(dtype).name} of shape {_fmt(shape)}"
    if value.ndim != len(shape) or any(s is not None and s != v for s, v in zip(shape, value.shape)):
        raise ValueError(f"{expected}, got shape {value.shape}.")
    kind = np.dtype(dtype).kind
    compatible = (
        value.dtype.kind == kind
        or (kind in "iu" and value.dtype.kind in "iu")
        or (kind == "f" and value.dtype.kind in "iuf")
    )
    if not compatible:
        raise ValueError(f"{expected}, got dtype {value.dtype}.")
    return value.astype(dtype, copy=False)


# --- locating an artifact ----------------------------------------------------------------


def _read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _versions(saved_model_root):
    versions = [
        d
        for d in os.listdir(saved_model_root)
        if d.isdigit() and os.path.isfile(os.path.join(saved_model_root, d, "saved_model.pb"))
    ]
    return sorted(versions, key=int)


def _locate(path, backend=None, quantization=None):
    """(backend, artifact path, manifest or None) for any accepted `path`."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"No export at {path}.")
    if backend not in (None, "saved_model", "tflite"):
        raise ValueError(f"backend must be 'saved_model' or 'tflite', got {backend!r}.")
    if os.path.isfile(path):
        if not path.endswith(".tflite"):
            raise ValueError(f"Expected a .tflite file, a SavedModel or an export directory, got the file {path}.")
        parent = os.path.dirname(path)
        if os.path.basename(parent) == "static" and _read_manifest(parent) is None:  # static/model_*_batch*.tflite
            parent = os.path.dirname(parent)
        return "tflite", path, _read_manifest(parent)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return "saved_model", path, _read_manifest(os.path.dirname(os.path.dirname(path)))
    if os.path.isdir(path) and _versions(path):
        return "saved_model", os.path.join(path, _versions(path)[-1]), _read_manifest(os.path.dirname(path))
    manifest = _read_manifest(path)
    root = os.path.join(path, "saved_model")
    if manifest is None and os.path.isdir(root) and _versions(root) and backend != "tflite":
        return "saved_model", os.path.join(root, _versions(root)[-1]), None
    if manifest is None:
        raise ValueError(
            f"{path} is not an export: expected a .tflite file, a SavedModel (saved_model.pb), "
            f"a folder of numbered SavedModel versions, or a directory with {MANIFEST}."
        )
    artifacts = manifest.get("artifacts", {})
    if backend in (None, "saved_model") and os.path.isdir(root) and _versions(root):
        return "saved_model", os.path.join(root, _versions(root)[-1]), manifest
    tflite = artifacts.get("tflite", {})
    if backend in (None, "tflite") and tflite:
        choice = quantization or ("float32" if "float32" in tflite else sorted(tflite)[0])
        if choice not in tflite:
            raise ValueError(f"No {choice!r} TFLite model in {path}; it has {sorted(tflite)}.")
        return "tflite", os.path.join(path, tflite[choice]["path"]), manifest
    raise ValueError(f"{path} has no {backend or 'SavedModel or TFLite'} artifact (artifacts: {sorted(artifacts)}).")


# --- runners -------------------------------------------------------------------------------


class _SavedModelRunner:
    backend = "saved_model"

    def __init__(self, path):
        import tensorflow as tf

        self._tf = tf
        self.loaded = tf.saved_model.load(path)
        self.specs = {}
        for name, function in self.loaded.signatures.items():
            _, kwargs = function.structured_input_signature
            self.specs[name] = {
                "inputs": {k: (tuple(s.shape.as_list()), s.dtype.as_numpy_dtype) for k, s in kwargs.items()},
                "outputs": {
                    k: (tuple(s.shape.as_list()), s.dtype.as_numpy_dtype)
                    for k, s in function.structured_outputs.items()
                },
            }

    def __call__(self, signature, inputs):
        tf = self._tf
        outputs = self.loaded.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
        return {k: v.numpy() for k, v in outputs.items()}


class _TFLiteRunner:
    backend = "tflite"

    def __init__(self, path, manifest=None):
        from ai_edge_litert.interpreter import Interpreter

        for entry in ((manifest or {}).get("artifacts", {}).get("tflite", {})).values():
            if os.path.basename(entry["path"]) == os.path.basename(path) and entry.get("select_tf_ops"):
                raise ValueError(
                    f"{path} uses Select TF ops, which the ai-edge-litert interpreter cannot run "
                    f"(it needs a Flex delegate); load the SavedModel of this export instead."
                )
        self.interpreter = Interpreter(model_path=path)
        self.runners = {}
        self.specs = {}
        for name in self.interpreter.get_signature_list():
            runner = self.interpreter.get_signature_runner(name)
            self.runners[name] = runner
            self.specs[name] = {
                "inputs": {k: _tflite_spec(d) for k, d in runner.get_input_details().items()},
                "outputs": {k: _tflite_spec(d) for k, d in runner.get_output_details().items()},
            }

    def __call__(self, signature, inputs):
        outputs = self.runners[signature](**inputs)
        return {k: np.array(v) for k, v in outputs.items()}


def _tflite_spec(details):
    shape = details.get("shape_signature", details["shape"])
    return tuple(None if s < 0 else int(s) for s in shape), np.dtype(details["dtype"])
