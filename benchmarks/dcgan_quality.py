"""The DCGAN quality table on the embedded MNIST (mnist5k): each game, with and without EMA.

For each configuration and seed: train a DCGAN (28x28, latent 32, base
filters 32, batch 64) on the 4,000 mnist5k train images for the same number
of epochs, then score 1,000 samples with keras_gans' MNIST classifier:
MNIST Frechet distance against the 1,000 test images, MNIST score, and class
coverage (the fraction of the 10 digits that get >= 2% of the samples).

Configurations (the zoo's networks and optimizers):
- non_saturating: batch-norm D, Adam(lr, 0.5)
- least_squares: as above, the least-squares game
- hinge + spectral norm: D without batch norm, every layer spectrally
  normalized (keras_gans.layers.SpectralNormalization), Adam(lr, 0.5)
- wgan_gp: the zoo's WGAN-GP (layer-norm critic, 5 critic steps, lambda 10,
  Adam(1e-4, 0, 0.9))
each with ema_decay=None and 0.999.

    python benchmarks/dcgan_quality.py --epochs 10 --seeds 0 1 2 --out benchmarks/results
    python benchmarks/dcgan_quality.py --table --out benchmarks/results   # the table from the JSONL
"""

import argparse
import json
import os
import time

import numpy as np
import keras

from keras_gans import GAN, datasets, metrics, networks, zoo

CONFIGS = ("non_saturating", "least_squares", "hinge_sn", "wgan_gp")
SHAPE, LATENT, FILTERS = (28, 28, 1), 32, 32


def build(config, seed, ema, learning_rate, ema_warmup=False):
    # The table's EMA rows are the plain moving average, measured before GAN
    # warmed its average up by default: ema_warmup=False keeps them what this
    # command reproduces (benchmarks/ema_warmup.py builds with ema_warmup=True).
    ema_options = {"ema_decay": ema, "ema_warmup": ema_warmup}
    if config == "wgan_gp":
        return zoo.build("wgan_gp", SHAPE, latent_dim=LATENT, seed=seed, **ema_options)
    if config in ("non_saturating", "least_squares"):
        return zoo.build(
            "dcgan", SHAPE, latent_dim=LATENT, loss=config, learning_rate=learning_rate, seed=seed, **ema_options
        )
    model = GAN(
        networks.dcgan_generator(LATENT, SHAPE, base_filters=FILTERS),
        networks.dcgan_discriminator(SHAPE, base_filters=FILTERS, spectral_norm=True, normalization=None),
        LATENT,
        loss="hinge",
        seed=seed,
        **ema_options,
    )
    model.compile(keras.optimizers.Adam(learning_rate, beta_1=0.5), keras.optimizers.Adam(learning_rate, beta_1=0.5))
    return model


def fit(build_model, seed, epochs):
    """Seed, build, and train on the 4,000 mnist5k train images (batch 64): (model, seconds of fit).

    The protocol this table shares with benchmarks/architectures.py and ema_warmup.py.
    """
    keras.utils.set_random_seed(seed)
    data = datasets.load("mnist5k", split="train", batch_size=64, seed=seed)
    model = build_model()
    start = time.time()
    model.fit(data, epochs=epochs, verbose=0)
    return model, round(time.time() - start, 1)


def scores(images, classifier):
    """MNIST Frechet distance and score of `images`, and class coverage (digits with >= 2% of them)."""
    predicted = np.argmax(classifier.probabilities(images), axis=-1)
    share = np.bincount(predicted, minlength=10) / len(predicted)
    return {
        "mnist_fd": metrics.mnist_frechet_distance(images, classifier=classifier),
        "mnist_score": metrics.mnist_score(images, classifier=classifier),
        "class_coverage": float(np.mean(share >= 0.02)),
    }


def run(config, seed, ema, epochs, learning_rate, classifier):
    model, seconds = fit(lambda: build(config, seed, ema, learning_rate), seed, epochs)
    row = {"config": config, "ema": ema is not None, "seed": seed, "epochs": epochs}
    row.update(generator_steps=int(model.g_optimizer.iterations.numpy()), seconds=seconds)
    row.update(scores(model.generate(1000, seed=seed), classifier))
    return row


def stat(arm, key, fmt):
    """ "mean +- std" of `key` over the rows of one arm."""
    values = np.array([r[key] for r in arm])
    return f"{values.mean():{fmt}} +- {values.std():{fmt}}"


def append_row(path, row):
    """Print a measured row and append it to the JSONL at once (a long run keeps what it measured)."""
    print(json.dumps(row), flush=True)
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")


def write_table(path, table_path, make_table):
    """The table of the JSONL's rows, `make_table(rows)`, written to `table_path` and printed."""
    rows = [json.loads(line) for line in open(path)] if os.path.exists(path) else []
    text = make_table(rows)
    with open(table_path, "w") as f:
        f.write(text)
    print(text)


def table(rows, protocol):
    lines = [
        "| configuration | EMA | MNIST FD (lower is better) | MNIST score | class coverage | G steps | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        for ema in (False, True):
            arm = [r for r in rows if r["config"] == config and r["ema"] == ema]
            if not arm:
                continue
            lines.append(
                f"| {config} | {'0.999' if ema else 'no'} | {stat(arm, 'mnist_fd', '.1f')} | "
                f"{stat(arm, 'mnist_score', '.2f')} | {stat(arm, 'class_coverage', '.2f')} | "
                f"{arm[0]['generator_steps']} | {len(arm)} |"
            )
    return protocol + "\n\n" + "\n".join(lines) + "\n"


def arguments(description, configs=None):
    """The command line of the mnist5k table scripts: --epochs, --seeds, --out, --table (and --configs)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    if configs:
        parser.add_argument("--configs", nargs="+", default=list(configs), choices=list(configs))
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--table", action="store_true", help="only rebuild the table from the JSONL")
    return parser


def main():
    parser = arguments(__doc__, CONFIGS)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "dcgan_quality.jsonl")
    classifier = metrics.mnist_classifier()
    protocol = (
        f"DCGAN 28x28 (latent {LATENT}, base filters {FILTERS}, batch 64) on the 4,000 mnist5k train images, "
        f"{args.epochs} epochs each, Adam({args.learning_rate}, 0.5) except WGAN-GP's Adam(1e-4, 0, 0.9); "
        "mean +- std over seeds; 2-core CPU. " + metrics.mnist_protocol(classifier, 1000)
    )
    if not args.table:
        for seed in args.seeds:
            for config in args.configs:
                for ema in (None, 0.999):
                    append_row(path, run(config, seed, ema, args.epochs, args.learning_rate, classifier))
    write_table(path, os.path.join(args.out, "dcgan_quality.md"), lambda rows: table(rows, protocol))


if __name__ == "__main__":
    main()
