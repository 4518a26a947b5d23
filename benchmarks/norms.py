"""Instance norm and batch-1 batch norm, layer for layer: forward + backward time.

TensorFlow contenders (in a tf.function, XLA off, `--threads` intra-op threads):
GroupNormalization(groups=-1) (what the networks used for instance norm),
keras_gans' InstanceNormalization (TF's fused batch-norm kernel; what they use
now), Keras' BatchNormalization in training mode, and keras_gans'
BatchNormalization (fused in training; what the networks use now). With `--torch` (run by a Python that has
PyTorch): nn.InstanceNorm2d and nn.BatchNorm2d on the same shapes (NCHW).
Shapes: the activations of a CycleGAN/pix2pix generator at batch 1. Each
round times `--calls` calls of every contender in turn; the table gives the
median over rounds (min-max) in ms per call.

    python benchmarks/norms.py --rounds 5
    /work/torchvenv/bin/python benchmarks/norms.py --torch --rounds 5
"""

import argparse
import json
import os
import time

import numpy as np

SHAPES = [(1, 256, 256, 64), (1, 128, 128, 128), (1, 64, 64, 256)]


def tf_contenders(shape):
    import keras
    import tensorflow as tf

    from keras_gans.networks.instance_norm import InstanceNormalization
    from keras_gans.networks.normalization import BatchNormalization

    x = tf.random.normal(shape)
    layers = {
        "GroupNormalization(groups=-1)": keras.layers.GroupNormalization(
            groups=-1, epsilon=1e-5, center=False, scale=False
        ),
        "InstanceNormalization (fused)": InstanceNormalization(epsilon=1e-5, center=False, scale=False),
        "keras BatchNormalization (training)": keras.layers.BatchNormalization(epsilon=1e-5),
        "BatchNormalization (ours, fused, training)": BatchNormalization(epsilon=1e-5),
    }
    out = {}
    for name, layer in layers.items():
        layer.build(shape)

        @tf.function
        def step(x, layer=layer):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=True)
                loss = tf.reduce_sum(y * x)
            return tape.gradient(loss, x)

        out[name] = lambda step=step: step(x).numpy()
    return out


def torch_contenders(shape):
    import torch

    n, h, w, c = shape
    x = torch.randn(n, c, h, w, requires_grad=True)
    layers = {
        "torch InstanceNorm2d": torch.nn.InstanceNorm2d(c, eps=1e-5),
        "torch BatchNorm2d (training)": torch.nn.BatchNorm2d(c, eps=1e-5),
    }

    def make(layer):
        def call():
            x.grad = None
            (layer(x) * x).sum().backward()
            return x.grad

        return call

    return {name: make(layer) for name, layer in layers.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--torch", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.torch:
        import torch

        torch.set_num_threads(args.threads)
        make = torch_contenders
    else:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        make = tf_contenders
    rows = []
    for shape in SHAPES:
        contenders = make(shape)
        for fn in contenders.values():
            fn(), fn()
        times = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, fn in contenders.items():
                start = time.perf_counter()
                for _ in range(args.calls):
                    fn()
                times[name].append((time.perf_counter() - start) / args.calls * 1e3)
        for name, t in times.items():
            rows.append(
                {
                    "shape": list(shape),
                    "contender": name,
                    "ms": [round(float(np.median(t)), 2), round(min(t), 2), round(max(t), 2)],
                }
            )
    print(
        f"# forward+backward ms per call, {args.rounds} rounds x {args.calls} calls, {args.threads} threads, load {os.getloadavg()[0]:.1f}"
    )
    print("| shape (NHWC) | contender | ms median (min-max) |\n|---|---|---|")
    for r in rows:
        print(f"| {tuple(r['shape'])} | {r['contender']} | {r['ms'][0]} ({r['ms'][1]}-{r['ms'][2]}) |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
