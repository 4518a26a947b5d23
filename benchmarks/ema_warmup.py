"""A warmed-up moving average of the generator's weights, measured on the DCGAN table's setup.

The DCGAN quality table (benchmarks/dcgan_quality.py) found EMA 0.999 far
worse than no EMA after 620 generator steps (MNIST FD about 700 against 31):
the average starts at the initial weights and, after t updates, still gives
them the weight 0.999^t (54% at t = 620). TensorFlow's
`tf.train.ExponentialMovingAverage(decay, num_updates=t)` warms up instead:
each update uses min(decay, (1 + t) / (10 + t)).

This script measured that warm-up before the library had it; the GAN's
`ema_warmup` option (on by default since) is that warm-up, with t = the
generator optimizer's iterations after the step, so the script now builds
the table's configuration (`dcgan_quality.build`) with `ema_warmup=True`.
After training (`dcgan_quality.fit`) it scores, from the same 1,000 latent
vectors, the trained generator and its warmed-up average (MNIST FD against
the 1,000 mnist5k test images, MNIST score, class coverage: `dcgan_quality.scores`).
One JSONL row per run, appended when it is measured.

    python benchmarks/ema_warmup.py --epochs 10 --seeds 0 1 2
"""

import argparse
import os
import sys

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcgan_quality  # noqa: E402

from keras_gans import metrics  # noqa: E402

WARM_UP = "min(decay, (1+t)/(10+t))"  # GAN(ema_warmup=True), t = generator updates so far


def build(config, seed, decay, learning_rate):
    """The table's configuration with the warmed-up moving average of G's weights."""
    return dcgan_quality.build(config, seed, decay, learning_rate, ema_warmup=True)


def run(config, seed, decay, epochs, learning_rate, classifier):
    model, seconds = dcgan_quality.fit(lambda: build(config, seed, decay, learning_rate), seed, epochs)
    latent = np.asarray(keras.random.normal((1000, dcgan_quality.LATENT), seed=seed))
    row = {"config": config, "ema_decay": decay, "warm_up": WARM_UP, "seed": seed}
    row.update(epochs=epochs, generator_steps=int(model.g_optimizer.iterations.numpy()), seconds=seconds)
    for name, generator in (("generator", model.generator), ("ema", model.ema_generator)):
        images = generator.predict(latent, batch_size=250, verbose=0)
        row.update({f"{name}_{k}": v for k, v in dcgan_quality.scores(images, classifier).items()})
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--config", default="non_saturating", choices=dcgan_quality.CONFIGS)
    parser.add_argument("--decay", type=float, default=0.999)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--jsonl", default="benchmarks/results/ema_warmup.jsonl")
    args = parser.parse_args()
    classifier = metrics.mnist_classifier()
    for seed in args.seeds:
        dcgan_quality.append_row(
            args.jsonl, run(args.config, seed, args.decay, args.epochs, args.learning_rate, classifier)
        )


if __name__ == "__main__":
    main()
