"""pix2pix's loss ablation (Isola et al. 2017, table 1) on offline edges -> digit pairs.

Trains three pix2pix models on the same data, with the same networks, seed and
number of steps, differing only in the generator's loss:

    L1        lambda = 100, no adversarial term (gan_weight=0)
    cGAN      the conditional adversarial term alone (l1_weight=0)
    L1+cGAN   both (the paper's objective)

and reports on the held-out pairs (the "test" split, edges -> digit at
32x32): L1, PSNR and SSIM (tf.image), and, standing in for the paper's
FCN-score, what a digit classifier trained on real digits makes of the
translations (digits: a small CNN trained on the train split's 32x32 targets;
mnist5k: `keras_gans.metrics.mnist_classifier()`, shown the central 28x28): its accuracy against the true labels, and the Frechet
distance between its features of the translations and of the real targets
(lower: more realistic). Writes a picture with one row per model:
input | L1 | cGAN | L1+cGAN | target.

Data (--dataset): "digits", the embedded 8x8 digits upscaled to 32x32
(1,438 train / 359 test pairs, `keras_gans.datasets.paired.digits_pairs`), or
"mnist5k", the embedded 28x28 MNIST digits padded to 32x32 (4,000 train /
1,000 test pairs); the edges are the same thresholded Sobel outline.

    python examples/pix2pix_ablation.py              # ~2 minutes of CPU per model
    python examples/pix2pix_ablation.py --steps 20   # a quick check
    python examples/pix2pix_ablation.py --dataset mnist5k --steps 800 --seed 1 --jsonl rows.jsonl  # the README's table
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans import metrics  # noqa: E402
from keras_gans.datasets import embedded  # noqa: E402
from keras_gans.datasets.paired import digits_pairs, load_paired  # noqa: E402
from keras_gans.metrics.pairs import evaluate_pairs  # noqa: E402
from keras_gans.models.pix2pix import build_pix2pix  # noqa: E402

VARIANTS = {
    "L1": dict(l1_weight=100.0, gan_weight=0.0),
    "cGAN": dict(l1_weight=0.0, gan_weight=1.0),
    "L1+cGAN": dict(l1_weight=100.0, gan_weight=1.0),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1200, help="Training steps per model.")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--generator-filters", type=int, default=16, help="U-Net ngf.")
    parser.add_argument("--discriminator-filters", type=int, default=16, help="PatchGAN ndf.")
    parser.add_argument(
        "--n-layers",
        type=int,
        default=1,
        help="PatchGAN layers: 1 gives 16x16 patches, half of a 32x32 image "
        "(the paper's 70x70 is about a quarter of 256x256).",
    )
    parser.add_argument("--columns", type=int, default=10, help="Test pairs shown in the picture.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", choices=("digits", "mnist5k"), default="digits", help="Offline pairs (see above).")
    parser.add_argument("--image", help="default: docs/images/pix2pix_<dataset>.png")
    parser.add_argument("--output", default="runs/pix2pix_ablation", help="Where results.json goes.")
    parser.add_argument("--jsonl", help="Also append one row per objective here, as soon as it is measured.")
    args = parser.parse_args(argv)
    args.image = args.image or f"docs/images/pix2pix_{args.dataset}.png"
    return args


def mnist5k_pairs(split="train", threshold=0.5):
    """(edges, digits) from the embedded 28x28 MNIST digits, zero-padded to
    32x32 (the U-Net halves the size down to 1x1); the edges as
    `digits_pairs` makes them (Sobel magnitude > threshold * its maximum)."""
    images, _ = embedded.mnist5k(split)
    up = np.pad((images + 1.0) / 2.0, ((0, 0), (2, 2), (2, 2), (0, 0)))
    magnitude = tf.norm(tf.image.sobel_edges(tf.constant(up)), axis=-1)
    peak = tf.reduce_max(magnitude, axis=(1, 2, 3), keepdims=True)
    edges = tf.where(magnitude > threshold * peak, 1.0, -1.0)
    return edges.numpy().astype("float32"), (up * 2.0 - 1.0).astype("float32")


def pairs(dataset, split):
    """(edges, digits, labels) of a split of the offline set `dataset`."""
    if dataset == "mnist5k":
        return (*mnist5k_pairs(split), embedded.mnist5k(split)[1])
    return (*digits_pairs(split), embedded.digits(split)[1])


def pipeline(dataset, split, batch_size, seed=0):
    if dataset == "mnist5k":  # arrays: jitter, mirror and shuffle on for "train", as for the digits
        return load_paired(mnist5k_pairs(split), split=split, batch_size=batch_size, seed=seed)
    return load_paired("digits", split=split, batch_size=batch_size, seed=seed)


def realism_classifier(seed, dataset="digits"):
    """The judge of realism, and how to show it the 32x32 images.

    digits: a classifier trained on the real 32x32 targets of the train split
    (40 epochs, cached by name). mnist5k: keras_gans' MNIST classifier
    (`metrics.mnist_classifier()`, the one of `mnist_score`), shown the
    central 28x28 crop, i.e. the MNIST digit without its padding."""
    if dataset == "mnist5k":
        return metrics.mnist_classifier(), lambda images: images[:, 2:30, 2:30]
    _, digits, labels = pairs(dataset, "train")
    ds = tf.data.Dataset.from_tensor_slices((digits, labels))
    classifier = metrics.train_domain_classifier(
        ds, num_classes=10, epochs=40, name=f"digits32_targets_e40_s{seed}", seed=seed
    )
    return classifier, lambda images: images


def main(argv=None):
    args = parse_args(argv)
    total_wall, total_cpu = time.time(), time.process_time()
    test_edges, test_digits, test_labels = pairs(args.dataset, "test")
    # Batches that divide the test split, so every held-out pair counts.
    test_batch = next(b for b in range(64, 0, -1) if len(test_edges) % b == 0)
    test_ds = pipeline(args.dataset, "test", test_batch)
    classifier, view = realism_classifier(args.seed, args.dataset)
    real_features, real_probs = classifier.features_and_probabilities(view(test_digits))
    results = {
        "targets": {
            "classifier_accuracy": float(np.mean(real_probs.argmax(-1) == test_labels)),
            "classifier_fd": 0.0,
        }
    }
    outputs = {}
    for name, weights in VARIANTS.items():
        keras.utils.set_random_seed(args.seed)
        model = build_pix2pix(
            (32, 32, 1),
            generator_filters=args.generator_filters,
            discriminator_filters=args.discriminator_filters,
            n_layers=args.n_layers,
            seed=args.seed,
            **weights,
        )
        train = pipeline(args.dataset, "train", args.batch_size, seed=args.seed).repeat()
        wall, cpu = time.time(), time.process_time()
        history = model.fit(train, epochs=1, steps_per_epoch=args.steps, verbose=0)
        wall, cpu = time.time() - wall, time.process_time() - cpu
        scores = evaluate_pairs(model, test_ds)
        translated = model.translate(test_edges)
        features, probs = classifier.features_and_probabilities(view(translated))
        scores.update(
            classifier_accuracy=float(np.mean(probs.argmax(-1) == test_labels)),
            classifier_fd=metrics.frechet_distance_from_features(features, real_features),
            train_seconds_wall=round(wall, 1),
            train_seconds_cpu=round(cpu, 1),
            final_logs={k: round(float(v[-1]), 4) for k, v in history.history.items()},
        )
        results[name] = scores
        outputs[name] = translated[: args.columns]
        if args.jsonl:
            row = dict(objective=name, dataset=args.dataset, seed=args.seed, steps=args.steps, **scores)
            row["real_targets_classifier_accuracy"] = results["targets"]["classifier_accuracy"]
            with open(args.jsonl, "a") as f:
                f.write(json.dumps(row) + "\n")
        print(f"{name:8s} " + " ".join(f"{k}={v:.4f}" for k, v in scores.items() if isinstance(v, float)), flush=True)

    train_pairs = len(pairs(args.dataset, "train")[0])
    results["setup"] = dict(
        data=f"{args.dataset} edges -> digit, 32x32x1; train {train_pairs} pairs (jitter 36->32, mirror), "
        f"held-out test {scores['num_pairs']} pairs",
        total_seconds_wall=round(time.time() - total_wall, 1),
        total_seconds_cpu=round(time.process_time() - total_cpu, 1),
        machine="2 shared CPU cores (process CPU time counts every thread)",
        **{k: v for k, v in vars(args).items() if k not in ("image", "output")},
    )
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    rows = [("input", test_edges[: args.columns])] + list(outputs.items()) + [("target", test_digits[: args.columns])]
    save_rows(rows, args.image)
    print(format_table(results))
    print(f"Wrote {args.image} and {os.path.join(args.output, 'results.json')}")
    return results


def format_table(results):
    lines = ["| objective | L1 | PSNR (dB) | SSIM | classifier accuracy | classifier FD |", "|---|---|---|---|---|---|"]
    for name in list(VARIANTS) + ["targets"]:
        r = results[name]
        if name == "targets":
            lines.append(f"| real targets | 0 | inf | 1 | {r['classifier_accuracy']:.3f} | 0 |")
        else:
            lines.append(
                f"| {name} | {r['l1']:.4f} | {r['psnr']:.2f} | {r['ssim']:.3f} | "
                f"{r['classifier_accuracy']:.3f} | {r['classifier_fd']:.2f} |"
            )
    return "\n".join(lines)


def save_rows(rows, path, scale=3):
    """One labelled row of images per (label, images in [-1, 1])."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from keras_gans.plotting import image_grid

    fig, axes = plt.subplots(len(rows), 1, figsize=(1.0 * len(rows[0][1]) + 1.2, 1.1 * len(rows)), dpi=100)
    for ax, (label, images) in zip(axes, rows):
        grid = image_grid(images, columns=len(images), scale=scale)
        ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
