"""Static-batch TFLite variants and the speed figures the manifest records.

Why static batches: a generator exported with a free batch dimension computes
each transposed convolution's output shape at run time (SHAPE, STRIDED_SLICE,
PACK before every TRANSPOSE_CONV). The XNNPACK delegate of the TFLite runtime
takes only operations whose shapes are known when it prepares the graph, so it
splits the dynamic graph into two partitions around those shape operations;
the same generator converted with a fixed batch has constant output shapes and
XNNPACK takes the whole graph as one partition. On the shared 2-core CPU
(a 64x64x3 DCGAN generator, 2 threads, medians of 5 interleaved rounds; see
docs/benchmarks.md) that took batch 64 from 36 to 128 images/s; at batch 1
the gain was within the noise (27.7 against 24.2 ms). TensorFlow's own
runtime (the SavedModel) was faster than either there (235 images/s, 4.7 ms).

The dynamic-batch model stays in the export for callers who need any batch;
`static/model_<quantization>_batch<b>.tflite` are the accelerated ones. The
ai-edge-litert interpreter applies XNNPACK by default (its default op
resolver); `benchmark_tflite` reports the number of delegate partitions.
"""

import os
import platform
import time

import numpy as np

STATIC_DIR = "static"


def static_tflite_name(quantization, batch):
    return os.path.join(STATIC_DIR, f"model_{quantization}_batch{int(batch)}.tflite")


def check_batch_sizes(batch_sizes):
    """A tuple of distinct positive ints, or a clear error."""
    if batch_sizes is None:
        return ()
    if isinstance(batch_sizes, int):
        batch_sizes = (batch_sizes,)
    out = []
    for b in batch_sizes:
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1:
            raise ValueError(f"static_batch_sizes must be positive integers, got {b!r} in {batch_sizes!r}.")
        if int(b) not in out:
            out.append(int(b))
    return tuple(out)


def batched_specs(specs, batch):
    """The specs with their first dimension fixed to `batch` (None: unchanged); None if any input is a scalar."""
    import tensorflow as tf

    fixed = []
    for spec in specs:
        if spec.shape.rank is None or spec.shape.rank == 0:
            return None
        fixed.append(tf.TensorSpec([batch] + spec.shape.as_list()[1:], spec.dtype, name=spec.name))
    return fixed


# The size fed for a free dimension other than the batch (an image side of a
# fully convolutional generator, e.g. SRGAN's low-resolution input) when timing.
FREE_SIZE = 32


def fed_shape(shape, batch):
    """`shape` with the batch set to `batch` and other free dimensions (None or -1) to FREE_SIZE."""
    return [batch] + [FREE_SIZE if s is None or int(s) < 0 else int(s) for s in list(shape)[1:]]


def feeds(input_details, batch):
    """Zero inputs of a signature runner's inputs at `batch` (scalars: None, not benchmarkable)."""
    out = {}
    for name, details in input_details.items():
        shape = list(details.get("shape_signature", details["shape"]))
        if not shape:
            return None
        out[name] = np.zeros(fed_shape(shape, batch), dtype=details["dtype"])
    return out


def _timed(fn, min_runs, max_seconds):
    fn()  # warm-up: allocation, delegate preparation
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < max_seconds and len(times) < 50):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > 4 * max_seconds:
            break
    return np.asarray(times)


def _record(times, batch):
    median = float(np.median(times))
    return {
        "batch": int(batch),
        "latency_ms": round(1e3 * median, 3),
        "latency_ms_min_max": [round(1e3 * float(times.min()), 3), round(1e3 * float(times.max()), 3)],
        "images_per_second": round(batch / median, 1),
        "runs": int(len(times)),
    }


def machine():
    return {
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def benchmark_tflite(path, batches, num_threads=None, min_runs=3, max_seconds=0.5):
    """Time the serving_default signature of a .tflite with the ai-edge-litert interpreter (XNNPACK on).

    Returns {"interpreter", "threads", "operations", "delegated_operations",
    "by_batch": [{batch, latency_ms (median per invoke), latency_ms_min_max,
    images_per_second, runs}]} or {"skipped": reason}.
    """
    from ai_edge_litert.interpreter import Interpreter

    threads = num_threads or os.cpu_count()
    interpreter = Interpreter(model_path=os.fspath(path), num_threads=threads)
    signatures = interpreter.get_signature_list()
    name = "serving_default" if "serving_default" in signatures else sorted(signatures)[0]
    runner = interpreter.get_signature_runner(name)
    details = runner.get_input_details()
    results = []
    for batch in batches:
        inputs = feeds(details, batch)
        if inputs is None:
            return {"skipped": "the signature's inputs have no batch dimension"}
        results.append(_record(_timed(lambda: runner(**inputs), min_runs, max_seconds), batch))
    # The node list keeps the nodes a delegate replaced and adds one "DELEGATE" node per
    # delegated partition: one partition means the whole graph runs in XNNPACK; more mean
    # operations it refused split it (the dynamic-batch TRANSPOSE_CONV and its shape ops).
    delegated = [op for op in interpreter._get_ops_details() if op["op_name"] == "DELEGATE"]
    return {
        "interpreter": "ai_edge_litert (default delegates: XNNPACK)",
        "signature": name,
        "threads": threads,
        "delegate_partitions": len(delegated),
        "by_batch": results,
    }


def benchmark_saved_model(path, batches, min_runs=3, max_seconds=0.5):
    """Time the SavedModel's serving_default from tf.saved_model.load (TF's own thread settings)."""
    import tensorflow as tf

    function = tf.saved_model.load(os.fspath(path)).signatures["serving_default"]
    _, specs = function.structured_input_signature
    results = []
    for batch in batches:
        inputs = {}
        for name, spec in specs.items():
            if spec.shape.rank == 0:
                return {"skipped": "the signature's inputs have no batch dimension"}
            inputs[name] = tf.zeros(fed_shape(spec.shape.as_list(), batch), spec.dtype)
        results.append(
            _record(_timed(lambda: {k: v.numpy() for k, v in function(**inputs).items()}, min_runs, max_seconds), batch)
        )
    return {"runtime": f"tensorflow {tf.__version__} (tf.saved_model.load)", "by_batch": results}
