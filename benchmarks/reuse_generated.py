"""What `reuse_generated=True` costs and saves: DCGAN on the embedded digits.

`GAN(reuse_generated=True)` makes the G update reuse the last D update's G(z)
(one generator forward pass less per step, as the PyTorch DCGAN example and
the TensorFlow DCGAN tutorial do) instead of drawing fresh latents
(algorithm 1, the default). For each seed, both arms train the zoo's `dcgan`
(16x16 digits, batch 64, the same number of steps); reported: seconds per
step (fit wall time / steps, the arms interleaved), and the quality of 1,000
samples: the Frechet distance of a digit classifier's features against the
test split and the fraction of the 10 classes the classifier finds among the
samples (class coverage, a class counts when >= 2% of the samples).

    python benchmarks/reuse_generated.py --seeds 0 1 2 --epochs 20 --out benchmarks/results
"""

import argparse
import json
import os
import time

import numpy as np
import keras

import keras_gans
from keras_gans import metrics, zoo


def real_images(split):
    # batch_size=1: load() drops the last partial batch; every test digit is used.
    data = keras_gans.datasets.load("digits", split=split, batch_size=1, with_labels=True, shuffle=False)
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in data.unbatch().batch(4096)])
    return np.concatenate(images), np.concatenate(labels)


def run(seed, reuse, epochs, classifier, test_features):
    keras.utils.set_random_seed(seed)
    data = keras_gans.datasets.load("digits", batch_size=64, seed=seed)
    model = zoo.build("dcgan", (16, 16, 1), seed=seed, reuse_generated=reuse, learning_rate=5e-4)
    start = time.time()
    history = model.fit(data, epochs=epochs, verbose=0)
    seconds = time.time() - start
    steps = int(model.g_optimizer.iterations.numpy())
    samples = model.generate(1000, seed=seed)
    features = classifier.features(samples)
    predicted = np.argmax(classifier.probabilities(samples), axis=-1)
    counts = np.bincount(predicted, minlength=10) / len(predicted)
    return {
        "seed": seed,
        "reuse_generated": reuse,
        "steps": steps,
        "seconds_per_step": seconds / steps,
        "frechet_distance": float(metrics.frechet_distance_from_features(features, test_features)),
        "class_coverage": float(np.mean(counts >= 0.02)),
        "final_g_loss": float(history.history["g_loss"][-1]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    train = keras_gans.datasets.load("digits", split="train", batch_size=64, with_labels=True, seed=0)
    classifier = metrics.train_domain_classifier(train, num_classes=10, name="digits16_reuse_benchmark", verbose=0)
    test_x, _ = real_images("test")
    test_features = classifier.features(test_x)
    rows = []
    for seed in args.seeds:
        for reuse in (False, True):  # interleaved arms
            rows.append(run(seed, reuse, args.epochs, classifier, test_features))
            print(json.dumps(rows[-1]), flush=True)
    with open(os.path.join(args.out, "reuse_generated.json"), "w") as f:
        json.dump(rows, f, indent=1)
    lines = [
        f"DCGAN (zoo `dcgan`, Adam(5e-4, 0.5)) on the embedded digits 16x16, batch 64, {args.epochs} epochs "
        f"({rows[0]['steps']} steps), seeds {args.seeds}; 1,000 samples; FD of the digit classifier's features "
        f"against the {len(test_x)} test digits (not comparable with FID); mean +- std over seeds.",
        "",
        "| G update | seconds / step | FD (lower is better) | class coverage |",
        "|---|---|---|---|",
    ]
    for reuse in (False, True):
        arm = [r for r in rows if r["reuse_generated"] == reuse]

        def stat(key, fmt, arm=arm):
            values = np.array([r[key] for r in arm])
            return f"{values.mean():{fmt}} +- {values.std():{fmt}}"

        name = "reuse the D step's G(z) (`reuse_generated=True`)" if reuse else "fresh latents (default, algorithm 1)"
        lines.append(
            f"| {name} | {stat('seconds_per_step', '.4f')} | {stat('frechet_distance', '.2f')} | {stat('class_coverage', '.2f')} |"
        )
    with open(os.path.join(args.out, "reuse_generated.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
