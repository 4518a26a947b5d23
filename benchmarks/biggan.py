"""BigGAN-style on the embedded MNIST (mnist5k): quality at the DCGAN table's budget, and the truncation trade-off.

For each seed: train the zoo's "biggan" (28x28 from a 7x7 start, channels
`--channels`, latent 48 = 3 chunks of 16, shared embedding 128, hinge, SN in
G and D, orthogonal regularization 1e-4, BigGAN's Adam(1e-4 G, 4e-4 D, 0,
0.999), batch 64) on the 4,000 mnist5k train images for `--epochs` epochs
(10: the DCGAN rows of benchmarks/results/dcgan_quality.md), then with
keras_gans' MNIST classifier (the protocol of benchmarks/dcgan_quality.py):

- 1,000 samples, classes drawn uniformly, untruncated: MNIST Frechet
  distance against the 1,000 mnist5k test images, class coverage (the
  fraction of the 10 digits that get >= 2% of the samples);
- label fidelity: 100 samples per requested class, the fraction the
  classifier assigns to the requested class;
- the truncation sweep: for psi in --psi (and none), 1,000 samples (100 per
  class, same latents before truncation): FD, label fidelity, precision and
  recall (Kynkaenniemi et al. 2019, k=3, in the classifier's 128-d
  features, against the 1,000 test images) and the mean pairwise feature
  distance within a class (diversity).

    python benchmarks/biggan.py --epochs 10 --seeds 0 1 2 --out benchmarks/results
    python benchmarks/biggan.py --table --out benchmarks/results   # tables and plot from the JSONL
"""

import json
import os
import sys
import time

import numpy as np
import keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcgan_quality  # noqa: E402  (the mnist5k protocol's command line and JSONL rows)

from keras_gans import datasets, metrics, zoo  # noqa: E402

PSI = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def class_feature_diversity(features, labels):
    """Mean over classes of the mean pairwise L2 distance between the features of one class's samples."""
    out = []
    for c in np.unique(labels):
        f = features[labels == c].astype("float64")
        squared = (f * f).sum(1)
        d = np.sqrt(np.maximum(squared[:, None] + squared[None] - 2 * f @ f.T, 0))
        out.append(d.sum() / max(len(f) * (len(f) - 1), 1))
    return float(np.mean(out))


def sweep(model, classifier, seed, psis, real_features):
    labels = np.repeat(np.arange(10), 100)
    latent = model.sample_latent(len(labels), seed=keras.ops.convert_to_tensor([seed, 7], "int64")).numpy()
    rows = []
    for psi in list(psis) + [None]:
        images = model.generate(latent=latent, labels=labels, truncation=psi)
        features, probabilities = classifier.features_and_probabilities(images)
        precision, recall = metrics.precision_recall(real_features, features, k=3)
        rows.append(
            {
                "psi": psi,
                "mnist_fd": metrics.frechet_distance_from_features(real_features, features),
                "label_fidelity": float(np.mean(np.argmax(probabilities, -1) == labels)),
                "precision": precision,
                "recall": recall,
                "diversity": class_feature_diversity(features, labels),
            }
        )
    return rows


def run(seed, epochs, channels, classifier, psis, real_features, save_dir=None):
    keras.utils.set_random_seed(seed)
    data = zoo.load_data("biggan", "mnist5k", batch_size=64, seed=seed)
    model = zoo.build("biggan", data.element_spec, dataset="mnist5k", channels=channels, seed=seed)
    start = time.time()
    model.fit(data, epochs=epochs, verbose=0)
    seconds = time.time() - start
    if save_dir:
        model.save(os.path.join(save_dir, f"biggan_mnist5k_ch{channels}_seed{seed}.keras"))
    samples = model.generate(1000, seed=seed)
    predicted = np.argmax(classifier.probabilities(samples), axis=-1)
    share = np.bincount(predicted, minlength=10) / len(predicted)
    requested = np.repeat(np.arange(10), 100)
    fidelity = np.mean(
        np.argmax(classifier.probabilities(model.generate(labels=requested, seed=seed)), -1) == requested
    )
    return {
        "seed": seed,
        "epochs": epochs,
        "channels": channels,
        "generator_parameters": model.generator.count_params(),
        "discriminator_parameters": model.discriminator.count_params(),
        "generator_steps": int(model.g_optimizer.iterations.numpy()),
        "seconds": round(seconds, 1),
        "mnist_fd": metrics.mnist_frechet_distance(samples, classifier=classifier),
        "class_coverage": float(np.mean(share >= 0.02)),
        "label_fidelity": float(fidelity),
        "truncation": sweep(model, classifier, seed, psis, real_features),
    }


def mean_std(values, fmt):
    values = np.asarray(values, dtype="float64")
    return f"{values.mean():{fmt}} +- {values.std():{fmt}}"


def tables(rows, protocol):
    lines = [
        "| model | MNIST FD (lower is better) | class coverage | label fidelity | G steps | seconds | seeds |",
        "|---|---|---|---|---|---|---|",
        f"| BigGAN-style, ch {rows[0]['channels']} | {mean_std([r['mnist_fd'] for r in rows], '.1f')} | "
        f"{mean_std([r['class_coverage'] for r in rows], '.2f')} | "
        f"{mean_std([r['label_fidelity'] for r in rows], '.3f')} | {rows[0]['generator_steps']} | "
        f"{mean_std([r['seconds'] for r in rows], '.0f')} | {len(rows)} |",
        "",
        "Truncation (1,000 samples, 100 per class, the same latents before truncation):",
        "",
        "| psi | MNIST FD | label fidelity | precision | recall | within-class feature diversity |",
        "|---|---|---|---|---|---|",
    ]
    for i, entry in enumerate(rows[0]["truncation"]):
        arm = [r["truncation"][i] for r in rows]
        lines.append(
            f"| {'none' if entry['psi'] is None else entry['psi']} | {mean_std([a['mnist_fd'] for a in arm], '.1f')} | "
            f"{mean_std([a['label_fidelity'] for a in arm], '.3f')} | {mean_std([a['precision'] for a in arm], '.3f')} | "
            f"{mean_std([a['recall'] for a in arm], '.3f')} | {mean_std([a['diversity'] for a in arm], '.2f')} |"
        )
    return protocol + "\n\n" + "\n".join(lines) + "\n"


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    entries = rows[0]["truncation"]
    labels = ["none" if e["psi"] is None else str(e["psi"]) for e in entries]
    x = np.arange(len(entries))

    def stat(key):
        values = np.array([[r["truncation"][i][key] for r in rows] for i in range(len(entries))])
        return values.mean(1), values.std(1)

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, (key, title) in zip(
        axes,
        (
            ("mnist_fd", "MNIST Frechet distance (lower is better)"),
            ("recall", "recall (diversity)"),
            ("diversity", "within-class feature distance"),
        ),
    ):
        mean, std = stat(key)
        ax.errorbar(x, mean, yerr=std, marker="o", capsize=3)
        ax.set_xticks(x, labels)
        ax.set_xlabel("truncation psi")
        ax.set_title(title, fontsize=10)
    mean, _ = stat("precision")
    axes[1].plot(x, mean, marker="s", linestyle="--", label="precision (quality)")
    axes[1].legend(fontsize=8)
    fig.suptitle(
        f"BigGAN-style on mnist5k: the truncation trade-off ({len(rows)} seeds, mean +- std, 1,000 samples each)",
        fontsize=10,
    )
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=100)


def main():
    parser = dcgan_quality.arguments(__doc__)  # --epochs, --seeds, --out, --table (it rebuilds the plot too)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--psi", type=float, nargs="+", default=list(PSI))
    parser.add_argument("--models", default=None, help="directory to save the trained models in")
    parser.add_argument("--plot", default="docs/images/truncation.png")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "biggan.jsonl")
    classifier = metrics.mnist_classifier()
    real_features = classifier.features(datasets.mnist5k("test")[0])
    if not args.table:
        if args.models:
            os.makedirs(args.models, exist_ok=True)
        for seed in args.seeds:
            dcgan_quality.append_row(
                path, run(seed, args.epochs, args.channels, classifier, args.psi, real_features, args.models)
            )
    rows = [json.loads(line) for line in open(path)]
    protocol = (
        f"BigGAN-style 28x28 (zoo 'biggan': channels {rows[0]['channels']}, latent 48 in 3 chunks, "
        f"G {rows[0]['generator_parameters']:,} / D {rows[0]['discriminator_parameters']:,} parameters, batch 64, "
        "hinge, SN in G and D, orthogonal regularization 1e-4, Adam(1e-4 G, 4e-4 D, 0, 0.999)) on the 4,000 "
        f"mnist5k train images, {rows[0]['epochs']} epochs each (the budget of the DCGAN rows of "
        "dcgan_quality.md), mean +- std over seeds, 2-core CPU shared with other jobs. "
        + metrics.mnist_protocol(classifier, 1000)
        + " Label fidelity: the classifier's accuracy on 100 samples per requested class. Precision/recall: "
        "k=3 in the classifier's features against the test images."
    )
    text = tables(rows, protocol)
    with open(os.path.join(args.out, "biggan.md"), "w") as f:
        f.write(text)
    plot(rows, args.plot)
    print(text)


if __name__ == "__main__":
    main()
