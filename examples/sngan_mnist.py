"""SNGAN or SAGAN on the embedded 28x28 MNIST (mnist5k), offline.

Trains the zoo's SNGAN (the paper's ResNet networks, spectral norm on every
D layer, hinge loss, 5 D steps, Adam(2e-4, 0, 0.9)) or SAGAN (the same
ResNets with self-attention at 14x14 in G and D, spectral norm in both,
hinge, 1 D step, TTUR Adam(1e-4 G, 4e-4 D)), writes a sample grid after
every epoch, then scores 1,000 samples with keras_gans' MNIST classifier
(MNIST Frechet distance against the 1,000 mnist5k test images, MNIST score,
class coverage), as benchmarks/architectures.py does.

    python examples/sngan_mnist.py --model sngan              # 10 epochs, width 16 (the README's row)
    python examples/sngan_mnist.py --model sagan --channels 32 --epochs 20
    python examples/sngan_mnist.py --model sagan --smoke      # offline, tiny: checks the script runs

Outputs (under --output, default runs/<model>_mnist5k): samples/epoch_*.png,
samples.png, <model>.keras and scores.json.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402

from keras_gans import callbacks, datasets, metrics, plotting, zoo  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("sngan", "sagan"), default="sngan")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--channels", type=int, default=16, help="ch, the ResNets' width (paper: 256 G / 128 D)")
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 2 steps, no scoring: checks the script")
    args = parser.parse_args(argv)
    out = args.output or f"runs/{args.model}_mnist5k{'_smoke' if args.smoke else ''}"
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)

    if args.smoke:
        args.epochs, args.channels, args.latent_dim, args.batch_size = 1, 4, 8, 16
    data = datasets.load("mnist5k", split="train", batch_size=args.batch_size, seed=args.seed)
    model = zoo.build(args.model, (28, 28, 1), latent_dim=args.latent_dim, channels=args.channels, seed=args.seed)
    print(
        f"{type(model).__name__}: G {model.generator.count_params():,} and D "
        f"{model.discriminator.count_params():,} parameters, {model.discriminator_steps} D step(s) per G step"
    )
    grid = callbacks.SampleGrid(os.path.join(out, "samples"), num_samples=64)
    start = time.time()
    model.fit(data, epochs=args.epochs, steps_per_epoch=2 if args.smoke else None, callbacks=[grid], verbose=2)
    seconds = time.time() - start
    plotting.save_image_grid(model.generate(64, seed=args.seed), os.path.join(out, "samples.png"))
    model.save(os.path.join(out, f"{args.model}.keras"))
    scores = {"model": args.model, "epochs": args.epochs, "seconds": round(seconds, 1)}
    if not args.smoke:  # the classifier is trained once (about a minute) and cached
        classifier = metrics.mnist_classifier()
        samples = model.generate(1000, seed=args.seed)
        share = np.bincount(np.argmax(classifier.probabilities(samples), -1), minlength=10) / len(samples)
        scores.update(
            mnist_fd=metrics.mnist_frechet_distance(samples, classifier=classifier),
            mnist_score=metrics.mnist_score(samples, classifier=classifier),
            class_coverage=float(np.mean(share >= 0.02)),
        )
    with open(os.path.join(out, "scores.json"), "w") as f:
        json.dump(scores, f, indent=2)
    print(json.dumps(scores))
    print(f"samples: {os.path.join(out, 'samples.png')}")
    return scores


if __name__ == "__main__":
    main()
