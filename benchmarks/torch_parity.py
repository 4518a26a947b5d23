"""Are torch_reference.py's pix2pix and CycleGAN networks the same functions as keras_gans'?

Equal parameter counts do not prove equal networks (a layer's geometry, a
skip's tap, a padding could differ). This script copies keras_gans' weights
into the PyTorch networks of benchmarks/torch_reference.py and compares the
outputs on the same input, in two processes (TensorFlow and PyTorch live in
different environments):

    python benchmarks/torch_parity.py --save /tmp/parity.npz             # TensorFlow Python
    /work/torchvenv/bin/python benchmarks/torch_parity.py --check /tmp/parity.npz

`--save` builds the zoo's architectures at a small width (ngf = ndf = 8; the
U-Net at 256x256 so that it has the zoo's 8 levels; the ResNet generator at
64x64 with 2 blocks), gives every weight (also batch-norm scales, offsets
and moving statistics) random values, and stores weights, inputs and outputs.
G of pix2pix runs in inference mode (moving statistics, no dropout), its D
in training mode (batch statistics) on a batch of 2; the instance-normalised
CycleGAN networks have no mode. `--check` prints the largest absolute
difference per network and exits 1 if one exceeds 1e-4.
"""

import argparse
import sys

NETWORKS = ("pix2pix_generator", "pix2pix_discriminator", "cyclegan_generator", "cyclegan_discriminator")


def save(path):
    import numpy as np
    import keras

    from keras_gans.models.cycle_gan import build_cycle_gan
    from keras_gans.models.pix2pix import build_pix2pix

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    pix2pix = build_pix2pix((256, 256, 3), generator_filters=8, discriminator_filters=8, n_layers=3)
    cyclegan = build_cycle_gan((64, 64, 3), num_residual_blocks=2, generator_filters=8, discriminator_filters=8)
    out = {}
    cases = {
        "pix2pix_generator": (pix2pix.generator, [(1, 256, 256, 3)], False),
        "pix2pix_discriminator": (pix2pix.discriminator, [(2, 256, 256, 3), (2, 256, 256, 3)], True),
        "cyclegan_generator": (cyclegan.generator_ab, [(1, 64, 64, 3)], True),
        "cyclegan_discriminator": (cyclegan.discriminator_a, [(1, 64, 64, 3)], True),
    }
    for name, (net, shapes, training) in cases.items():
        weights = []
        for layer in net.layers:
            values = layer.get_weights()
            if not values:
                continue
            if isinstance(layer, keras.layers.BatchNormalization):  # gamma, beta, mean, var
                values = [
                    rng.uniform(0.5, 1.5, v.shape) if i in (0, 3) else rng.normal(0, 0.1, v.shape)
                    for i, v in enumerate(values)
                ]
            else:
                values = [rng.normal(0, 0.05, v.shape) for v in values]
            values = [v.astype("float32") for v in values]
            layer.set_weights(values)
            weights.append((type(layer).__name__, values))
        inputs = [rng.uniform(-1, 1, s).astype("float32") for s in shapes]
        output = net(inputs if len(inputs) > 1 else inputs[0], training=training)
        out[f"{name}/output"] = np.asarray(output)
        for i, x in enumerate(inputs):
            out[f"{name}/input{i}"] = x
        for i, (kind, values) in enumerate(weights):
            for j, v in enumerate(values):
                out[f"{name}/w{i:03d}_{j}_{kind}"] = v
    np.savez(path, **out)
    print(f"saved {len(out)} arrays to {path}")


def _torch_networks():
    import torch_reference as t

    return {
        "pix2pix_generator": (t.UnetGenerator(3, 3, depth=8, ngf=8), False),
        "pix2pix_discriminator": (t.NLayerDiscriminator(6, ndf=8, n_layers=3, norm="batch"), True),
        "cyclegan_generator": (t.ResnetGenerator(3, 3, ngf=8, n_blocks=2), True),
        "cyclegan_discriminator": (t.NLayerDiscriminator(3, ndf=8, n_layers=3, norm="instance"), True),
    }


def _load(net, arrays, name):
    """Copy the Keras layers' weights, in order, into the network's Conv/ConvTranspose/BatchNorm modules."""
    import torch
    from torch import nn

    layers = {}
    for key in arrays:
        if key.startswith(f"{name}/w"):
            index, j, kind = key[len(name) + 2 :].split("_", 2)
            layers.setdefault((int(index), kind), {})[int(j)] = arrays[key]
    keras_layers = [(kind, [v[j] for j in sorted(v)]) for (_, kind), v in sorted(layers.items())]
    modules = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d))]
    if len(modules) != len(keras_layers):
        raise ValueError(f"{name}: {len(keras_layers)} Keras layers with weights, {len(modules)} torch modules")
    with torch.no_grad():
        for module, (kind, values) in zip(modules, keras_layers):
            expected = {
                nn.Conv2d: "Conv2D",
                nn.ConvTranspose2d: "Conv2DTranspose",
                nn.BatchNorm2d: "BatchNormalization",
            }
            if expected[type(module)] != kind:
                raise ValueError(f"{name}: Keras {kind} against torch {type(module).__name__}")
            tensors = [torch.from_numpy(v) for v in values]
            if isinstance(module, nn.BatchNorm2d):
                for target, value in zip(
                    (module.weight, module.bias, module.running_mean, module.running_var), tensors
                ):
                    target.copy_(value)
                continue
            kernel = tensors[0]
            # Keras Conv2D (h, w, in, out) -> (out, in, h, w); Conv2DTranspose (h, w, out, in) -> (in, out, h, w).
            module.weight.copy_(kernel.permute(3, 2, 0, 1))
            if module.bias is not None:
                module.bias.copy_(tensors[1])
            elif len(tensors) > 1:
                raise ValueError(f"{name}: a Keras {kind} has a bias where the torch module has none")


def check(path):
    import numpy as np
    import torch

    torch.set_num_threads(1)
    arrays = dict(np.load(path))
    worst = 0.0
    for name, (net, training) in _torch_networks().items():
        _load(net, arrays, name)
        net.train(training)
        keys = [f"{name}/input{i}" for i in range(2) if f"{name}/input{i}" in arrays]
        inputs = [torch.from_numpy(arrays[key]).permute(0, 3, 1, 2) for key in keys]
        with torch.no_grad():
            x = torch.cat(inputs, 1) if len(inputs) > 1 else inputs[0]
            output = net(x).permute(0, 2, 3, 1).numpy()
        expected = arrays[f"{name}/output"]
        if output.shape != expected.shape:
            print(f"{name}: shapes differ, torch {output.shape}, keras {expected.shape}")
            worst = float("inf")
            continue
        diff = float(np.abs(output - expected).max())
        worst = max(worst, diff)
        print(
            f"{name}: output {expected.shape}, max |torch - keras| = {diff:.2e} (max |keras| {np.abs(expected).max():.2f})"
        )
    return worst <= 1e-4


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="NPZ", help="TensorFlow side: build, randomise, store")
    group.add_argument("--check", metavar="NPZ", help="PyTorch side: load, run, compare")
    args = parser.parse_args()
    if args.save:
        save(args.save)
    else:
        sys.exit(0 if check(args.check) else 1)


if __name__ == "__main__":
    main()
