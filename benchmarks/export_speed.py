"""Exported DCGAN 64x64 generator: dynamic-batch TFLite vs static-batch TFLite vs SavedModel.

Beside them, the best TFLite graph of the same generator we know how to make by
hand (a fixed-batch concrete function through the converter's defaults): what
the export's TFLite files must be within 1.2x of.

Exports the zoo's DCGAN generator (64x64x3, latent 100, after one training
step on random images) with `export_generator` (float32, static batches 1 and
64), then times, interleaved over `--rounds` rounds, each artifact at batch 1
(latency) and batch 64 (throughput) with keras_gans.export.speed (TFLite:
ai-edge-litert interpreter, default XNNPACK delegate, `--threads` threads).
Medians over rounds (min-max).

    python benchmarks/export_speed.py --rounds 5 --out /tmp/export_speed
"""

import argparse
import os

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="/tmp/keras_gans_export_speed")
    args = parser.parse_args()

    import tensorflow as tf

    from keras_gans import export, zoo
    from keras_gans.export import speed

    model = zoo.build("dcgan", (64, 64, 3), latent_dim=100, seed=0, jit_compile=False)
    data = tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).uniform(-1, 1, (64, 64, 64, 3)).astype("float32")
    ).batch(64)
    model.fit(data, epochs=1, verbose=0)
    export.export_generator(
        model, args.out, quantize="float32", static_batch_sizes=(1, 64), benchmark=False, overwrite=True
    )
    paths = export.artifact_paths(args.out)
    # The best TFLite graph we know how to make of the same generator, by hand: a concrete
    # function with a fixed batch, converted with the converter's defaults.
    for batch in (1, 64):
        function = tf.function(lambda z: model.generator(z, training=False))
        concrete = function.get_concrete_function(tf.TensorSpec([batch, model.latent_dim], tf.float32))
        flat = tf.lite.TFLiteConverter.from_concrete_functions([concrete], model.generator).convert()
        paths[f"hand_batch{batch}"] = os.path.join(args.out, f"hand_batch{batch}.tflite")
        with open(paths[f"hand_batch{batch}"], "wb") as f:
            f.write(flat)
    contenders = {
        ("SavedModel", 1): lambda: speed.benchmark_saved_model(paths["saved_model"], [1]),
        ("SavedModel", 64): lambda: speed.benchmark_saved_model(paths["saved_model"], [64]),
        ("TFLite dynamic batch", 1): lambda: speed.benchmark_tflite(paths["tflite_float32"], [1], args.threads),
        ("TFLite dynamic batch", 64): lambda: speed.benchmark_tflite(paths["tflite_float32"], [64], args.threads),
        ("TFLite static batch 1", 1): lambda: speed.benchmark_tflite(paths["tflite_float32_batch1"], [1], args.threads),
        ("TFLite static batch 64", 64): lambda: speed.benchmark_tflite(
            paths["tflite_float32_batch64"], [64], args.threads
        ),
        ("TFLite by hand, batch 1", 1): lambda: speed.benchmark_tflite(paths["hand_batch1"], [1], args.threads),
        ("TFLite by hand, batch 64", 64): lambda: speed.benchmark_tflite(paths["hand_batch64"], [64], args.threads),
    }
    times = {k: [] for k in contenders}
    partitions = {}
    for _ in range(args.rounds):
        for key, fn in contenders.items():
            result = fn()
            times[key].append(result["by_batch"][0]["latency_ms"])
            partitions[key] = result.get("delegate_partitions")
    print(f"# {args.rounds} rounds, {args.threads} threads, load {os.getloadavg()[0]:.1f}")
    print(
        "| artifact | batch | ms per call, median (min-max) | images/s (median) | XNNPACK partitions |\n|---|---|---|---|---|"
    )
    for (name, batch), t in times.items():
        print(
            f"| {name} | {batch} | {np.median(t):.2f} ({min(t):.2f}-{max(t):.2f}) | {batch / np.median(t) * 1e3:.0f} | {partitions[(name, batch)]} |"
        )


if __name__ == "__main__":
    main()
