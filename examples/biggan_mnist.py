"""BigGAN-style class-conditional GAN on MNIST, and the truncation trick.

Trains `keras_gans.BigGAN` as the zoo's "biggan" builds it (Brock et al.
2019: conditional batch norm from a shared class embedding and the chunks of
a hierarchical z, residual blocks, spectral norm in G and D, the projection
discriminator with global sum pooling, hinge loss, orthogonal regularization
1e-4, Adam(1e-4 G, 4e-4 D, 0, 0.999)), writes a class grid (one row per
class) every few epochs, then one grid per truncation threshold psi from the
same latents, and with --evaluate measures label fidelity and the MNIST
Frechet distance at each psi (keras_gans' MNIST classifier, mnist5k only).

    python examples/biggan_mnist.py                      # offline, mnist5k at 28x28 (7x7 start), 10 epochs
    python examples/biggan_mnist.py --channels 16 --epochs 30
    python examples/biggan_mnist.py --smoke              # offline, tiny: checks the script runs (seconds)

Outputs (under --output, default runs/biggan_<dataset>): samples/epoch_*.png,
class_grid_psi_<psi>.png, biggan.keras and, with --evaluate, truncation.json.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans import metrics, zoo  # noqa: E402
from keras_gans.callbacks import ClassGrid  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist5k", help="mnist5k (embedded, 28x28) or mnist (TFDS, 32x32).")
    parser.add_argument("--smoke", action="store_true", help="Offline, tiny networks, a few steps.")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=8, help="BigGAN's ch (the networks' width).")
    parser.add_argument("--truncation", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0])
    parser.add_argument(
        "--evaluate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Label fidelity and MNIST FD per psi (mnist5k only).",
    )
    parser.add_argument("--grid-every", type=int, default=5, help="Write a class grid every N epochs.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="Output directory (default: runs/biggan_<dataset>).")
    args = parser.parse_args(argv)
    args.steps_per_epoch = None
    if args.smoke:
        args.dataset, args.epochs, args.steps_per_epoch, args.batch_size = "mnist5k", 2, 3, 16
        args.channels, args.grid_every, args.evaluate = 2, 1, False
    args.output = args.output or os.path.join("runs", f"biggan_{'smoke' if args.smoke else args.dataset}")
    return args


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    image_size = 32 if args.dataset == "mnist" else None
    data = zoo.load_data("biggan", args.dataset, batch_size=args.batch_size, image_size=image_size, seed=args.seed)
    model = zoo.build("biggan", data.element_spec, dataset=args.dataset, channels=args.channels, seed=args.seed)
    grid = ClassGrid(os.path.join(args.output, "samples"), samples_per_class=10, every_n_epochs=args.grid_every)
    start = time.time()
    model.fit(data, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, callbacks=[grid], verbose=2)
    seconds = time.time() - start
    steps = int(model.g_optimizer.iterations.numpy())
    print(f"trained {steps} steps in {seconds:.0f} s")
    model.save(os.path.join(args.output, "biggan.keras"))

    # One grid per psi from the same latents: rows are classes, columns latents.
    labels = np.repeat(np.arange(model.num_classes), 10)
    latent = model.sample_latent(len(labels), seed=keras.ops.convert_to_tensor([args.seed, 0], "int64")).numpy()
    for psi in [None] + list(args.truncation):
        images = model.generate(latent=latent, labels=labels, truncation=psi)
        path = os.path.join(args.output, f"class_grid_psi_{'none' if psi is None else psi}.png")
        keras_gans.plotting.save_image_grid(images, path, columns=10)
        print(f"class grid, truncation {psi}: {path}")
    if not args.evaluate:
        return None
    if args.dataset != "mnist5k":
        print("--evaluate uses keras_gans' MNIST classifier of mnist5k (28x28): skipped for", args.dataset)
        return None
    classifier = metrics.mnist_classifier()
    requested = np.repeat(np.arange(10), 100)
    z = model.sample_latent(len(requested), seed=keras.ops.convert_to_tensor([args.seed, 1], "int64")).numpy()
    rows = []
    print("psi     MNIST FD   label fidelity")
    for psi in list(args.truncation) + [None]:
        images = model.generate(latent=z, labels=requested, truncation=psi)
        fidelity = float(np.mean(np.argmax(classifier.probabilities(images), -1) == requested))
        fd = metrics.mnist_frechet_distance(images, classifier=classifier)
        rows.append({"psi": psi, "mnist_fd": fd, "label_fidelity": fidelity})
        print(f"{'none' if psi is None else psi:<7} {fd:8.1f}   {fidelity:.3f}")
    result = {"dataset": args.dataset, "steps": steps, "seconds": round(seconds, 1), "truncation": rows}
    with open(os.path.join(args.output, "truncation.json"), "w") as f:
        json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
