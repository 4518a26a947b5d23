"""`GAN.generate()` against the bare graph it runs, at batch 1 and batch 64.

Contenders: `generate()` (with given latents, and drawing them from a seed),
the eager generator call that `run_batched` made before it compiled a
function ("before"), and the bare graph. The bare graph is the sampling generator in a `tf.function` called on a
latent tensor, its output converted to numpy: the best a Python caller can do
with the same network. Both contenders are timed in the same process,
interleaved (A B A B ...) over several rounds; each round times `--calls`
calls and keeps the per-call mean; the table gives the median over rounds
and the min-max spread of the per-round ratio.

    python benchmarks/generate_speed.py --size 64 --rounds 7 --calls 50
"""

import argparse
import json
import os
import platform
import time

import keras
import numpy as np
import tensorflow as tf

from keras_gans import zoo


def per_call(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    model = zoo.build("dcgan", (args.size, args.size, 1), seed=0)
    generator = model.sampling_generator
    bare = tf.function(lambda z: generator(z, training=False))
    results = []
    for batch in [int(b) for b in args.batches.split(",")]:
        latent = np.random.default_rng(0).normal(size=(batch, model.latent_dim)).astype("float32")
        z = tf.constant(latent)

        def eager(latent=latent):  # what run_batched did before the compiled path: the eager call
            return np.concatenate(
                [
                    keras.ops.convert_to_numpy(generator(latent[i : i + batch], training=False))
                    for i in range(0, len(latent), batch)
                ]
            )

        contenders = {
            "before: eager generator call": eager,
            "generate(latent=z)": lambda: model.generate(latent=latent, batch_size=batch),
            "generate(n, seed)": lambda: model.generate(batch, seed=1, batch_size=batch),
            "bare tf.function": lambda: bare(z).numpy(),
        }
        for fn in contenders.values():  # warm-up: traces
            fn(), fn()
        times = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, fn in contenders.items():
                times[name].append(per_call(fn, args.calls))
        base = np.array(times["bare tf.function"])
        for name, t in times.items():
            ratio = np.array(t) / base
            results.append(
                {
                    "batch": batch,
                    "contender": name,
                    "median_ms": round(1e3 * float(np.median(t)), 3),
                    "min_ms": round(1e3 * float(np.min(t)), 3),
                    "max_ms": round(1e3 * float(np.max(t)), 3),
                    "ratio_median": round(float(np.median(ratio)), 3),
                    "ratio_min": round(float(ratio.min()), 3),
                    "ratio_max": round(float(ratio.max()), 3),
                }
            )
    print(
        f"# DCGAN generator {args.size}x{args.size}, {args.rounds} rounds x {args.calls} calls, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, TF {tf.__version__}, {platform.machine()}"
    )
    print("| batch | contender | median ms/call | min-max | ratio to bare (median, min-max) |")
    print("|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['batch']} | {r['contender']} | {r['median_ms']} | {r['min_ms']}-{r['max_ms']} | "
            f"{r['ratio_median']} ({r['ratio_min']}-{r['ratio_max']}) |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
