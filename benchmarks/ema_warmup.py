"""A warmed-up moving average of the generator's weights, measured on the DCGAN table's setup.

The DCGAN quality table (benchmarks/dcgan_quality.py) found EMA 0.999 far
worse than no EMA after 620 generator steps (MNIST FD about 700 against 31):
the average starts at the initial weights and, after t updates, still gives
them the weight 0.999^t (54% at t = 620). TensorFlow's
`tf.train.ExponentialMovingAverage(decay, num_updates=t)` warms up instead:
each update uses min(decay, (1 + t) / (10 + t)).

This script measured that warm-up before the library had it (the GAN's
`ema_warmup` option, on by default since): it builds
the table's configuration (`dcgan_quality.build`) and replaces the model's
`update_ema` by one that passes the warmed-up decay to the library's own
update, with t = the generator optimizer's iterations after the step. After
training it scores, from the same 1,000 latent vectors, the trained
generator and its warmed-up average (MNIST FD against the 1,000 mnist5k test
images, MNIST score, class coverage; as in dcgan_quality.py). One JSONL row
per run, appended when it is measured.

    python benchmarks/ema_warmup.py --epochs 10 --seeds 0 1 2
"""

import argparse
import json
import os
import sys
import time
import types

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcgan_quality  # noqa: E402

from keras_gans import datasets, metrics  # noqa: E402


def warmed_up_update(self, source, target, decay, updates=None):
    """The library's update with decay min(decay, (1 + t) / (10 + t)), t = G's updates so far.

    `updates` (passed by versions of the library whose GAN warms up itself,
    `ema_warmup=True`) is not forwarded: the warm-up is applied here, once,
    so the script measures the same thing with and without that option."""
    t = tf.cast(self.g_optimizer.iterations, tf.float32)
    return type(self).update_ema(self, source, target, tf.minimum(float(decay), (1.0 + t) / (10.0 + t)))


def scores(images, classifier):
    predicted = np.argmax(classifier.probabilities(images), axis=-1)
    share = np.bincount(predicted, minlength=10) / len(predicted)
    return {
        "mnist_fd": metrics.mnist_frechet_distance(images, classifier=classifier),
        "mnist_score": metrics.mnist_score(images, classifier=classifier),
        "class_coverage": float(np.mean(share >= 0.02)),
    }


def run(config, seed, decay, epochs, learning_rate, classifier):
    keras.utils.set_random_seed(seed)
    data = datasets.load("mnist5k", split="train", batch_size=64, seed=seed)
    model = dcgan_quality.build(config, seed, decay, learning_rate)
    model.update_ema = types.MethodType(warmed_up_update, model)
    start = time.time()
    model.fit(data, epochs=epochs, verbose=0)
    seconds = time.time() - start
    latent = np.asarray(keras.random.normal((1000, dcgan_quality.LATENT), seed=seed))
    row = {"config": config, "ema_decay": decay, "warm_up": "min(decay, (1+t)/(10+t))", "seed": seed}
    row.update(epochs=epochs, generator_steps=int(model.g_optimizer.iterations.numpy()), seconds=round(seconds, 1))
    for name, generator in (("generator", model.generator), ("ema", model.ema_generator)):
        images = generator.predict(latent, batch_size=250, verbose=0)
        row.update({f"{name}_{k}": v for k, v in scores(images, classifier).items()})
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
        row = run(args.config, seed, args.decay, args.epochs, args.learning_rate, classifier)
        print(json.dumps(row), flush=True)
        with open(args.jsonl, "a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
