"""Conditional GAN on MNIST: "generate a 7", and check that it is a 7.

Trains `keras_gans.ConditionalGAN` (label embedding concatenated to z in the
generator; by default a projection discriminator with spectral normalization
and the hinge loss, as in Miyato & Koyama 2018), writes a class grid (one
row per class) every few epochs, then measures label fidelity: a classifier
trained on the real training split (its held-out accuracy is printed) labels
samples generated for each requested class, and the script prints the
fraction classified as the requested class, per class.

    python examples/cgan_mnist.py                    # TFDS mnist at 32x32, on a GPU
    python examples/cgan_mnist.py --dataset mnist5k  # offline, 28x28 MNIST (embedded 5,000 digits)
    python examples/cgan_mnist.py --dataset digits   # offline, 16x16, ~5 minutes on 2 CPU cores
    python examples/cgan_mnist.py --smoke            # offline, tiny: checks the script runs

Outputs (under --output, default runs/cgan_<dataset>): samples/epoch_*.png,
class_grid.png, cgan.keras and, with --evaluate, the fidelity table.
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
from keras_gans import metrics  # noqa: E402
from keras_gans.callbacks import ClassGrid, save_class_grid  # noqa: E402
from keras_gans.models.conditional_gan import ConditionalGAN  # noqa: E402
from keras_gans.networks import conditional  # noqa: E402

# Per dataset: image size, batch, epochs, latent size, filters, generator EMA
# decay and test batch (a divisor of the test split's size, so that every
# test image is classified: digits' test split has 359 images).
PRESETS = {
    "mnist": dict(
        image_size=32, batch_size=128, epochs=20, latent_dim=100, base_filters=64, ema_decay=0.999, test_batch=100
    ),
    "digits": dict(
        image_size=16, batch_size=64, epochs=80, latent_dim=32, base_filters=32, ema_decay=0.99, test_batch=359
    ),
    "mnist5k": dict(
        image_size=28, batch_size=64, epochs=30, latent_dim=32, base_filters=32, ema_decay=0.99, test_batch=1000
    ),
}
SMOKE = dict(
    image_size=16,
    batch_size=32,
    epochs=2,
    steps_per_epoch=5,
    latent_dim=8,
    base_filters=8,
    ema_decay=0.9,
    test_batch=359,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--dataset", default="mnist", help="mnist (TFDS, downloads once), mnist5k or digits (embedded)."
    )
    parser.add_argument("--smoke", action="store_true", help="Offline, tiny networks, a few steps.")
    parser.add_argument("--epochs", type=int, help="Training epochs (default: per dataset).")
    parser.add_argument("--batch-size", type=int, help="Global batch size.")
    parser.add_argument("--conditioning", default="projection", choices=conditional.CONDITIONINGS)
    parser.add_argument("--loss", default="hinge", help="The game (keras_gans.losses.GAMES).")
    parser.add_argument(
        "--spectral-norm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Spectral normalization in D (with no other normalization).",
    )
    parser.add_argument("--ema-decay", type=float, help="Generator weight averaging (0: off; default per dataset).")
    parser.add_argument(
        "--evaluate", action=argparse.BooleanOptionalAction, default=True, help="Measure label fidelity after training."
    )
    parser.add_argument("--samples-per-class", type=int, default=100, help="Samples per class for fidelity.")
    parser.add_argument("--classifier-epochs", type=int, default=60)
    parser.add_argument("--grid-every", type=int, default=10, help="Write a class grid every N epochs.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="Output directory (default: runs/cgan_<dataset>).")
    args = parser.parse_args(argv)
    if args.smoke:
        args.dataset = "digits"
        preset = dict(SMOKE)
        args.samples_per_class = min(args.samples_per_class, 10)
        args.classifier_epochs = min(args.classifier_epochs, 2)
        args.grid_every = 1
    else:
        preset = dict(PRESETS.get(args.dataset, PRESETS["mnist"]))
        preset["steps_per_epoch"] = None
    preset["epochs"] = args.epochs or preset["epochs"]
    preset["batch_size"] = args.batch_size or preset["batch_size"]
    preset["ema_decay"] = preset["ema_decay"] if args.ema_decay is None else args.ema_decay
    args.preset = preset
    args.output = args.output or os.path.join("runs", f"cgan_{'smoke' if args.smoke else args.dataset}")
    return args


def build_model(p, conditioning="projection", loss="hinge", spectral_norm=True, seed=0, num_classes=10, channels=1):
    """The ConditionalGAN of this example (DCGAN networks conditioned on the class)."""
    shape = (p["image_size"], p["image_size"], channels)
    model = ConditionalGAN(
        conditional.conditional_generator(p["latent_dim"], num_classes, shape, base_filters=p["base_filters"]),
        conditional.conditional_discriminator(
            shape,
            num_classes,
            conditioning=conditioning,
            base_filters=p["base_filters"],
            spectral_norm=spectral_norm,
            normalization=None if spectral_norm else "batch",
        ),
        latent_dim=p["latent_dim"],
        num_classes=num_classes,
        loss=loss,
        ema_decay=p["ema_decay"] or None,
        seed=seed,
    )
    model.compile()  # Adam(2e-4, beta_1=0.5) for both players
    return model


def label_fidelity(model, classifier, samples_per_class=100, seed=0):
    """Per class c: the fraction of G(z, c) that `classifier` labels c.

    Args:
        model: a class-conditional model (`generate(latent=..., labels=...)`).
        classifier: a `metrics.DomainClassifier` trained on real data.
        samples_per_class: samples generated per class.
        seed: seed of the latents.

    Returns:
        A float array (num_classes,).
    """
    labels = np.repeat(np.arange(model.num_classes), samples_per_class)
    images = model.generate(labels=labels, seed=seed)
    predicted = np.argmax(classifier.probabilities(images), axis=-1)
    return np.array([np.mean(predicted[labels == c] == c) for c in range(model.num_classes)])


def class_diversity(images, labels, num_classes=10, per_class=100):
    """Per class: the mean pairwise L2 distance between (up to per_class) images.

    A generator that ignores z scores near 0 however faithful its classes.
    """
    out = []
    for c in range(num_classes):
        x = images[labels == c][:per_class].reshape(-1, int(np.prod(images.shape[1:]))).astype("float64")
        squared = (x * x).sum(1)
        d = np.sqrt(np.maximum(squared[:, None] + squared[None] - 2 * x @ x.T, 0))
        out.append(d.sum() / max(len(x) * (len(x) - 1), 1))
    return np.array(out)


def real_images(dataset, image_size, batches=20):
    """A few batches of the real train split, unshuffled: (images, labels)."""
    ds = keras_gans.datasets.load(
        dataset, "train", batch_size=64, image_size=image_size, channels=1, with_labels=True, shuffle=False
    )
    pairs = list(ds.take(batches).as_numpy_iterator())
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def main(argv=None):
    args = parse_args(argv)
    p = args.preset
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    data = keras_gans.datasets.load(
        args.dataset,
        batch_size=p["batch_size"],
        image_size=p["image_size"],
        channels=1,
        with_labels=True,
        seed=args.seed,
    )
    model = build_model(p, args.conditioning, args.loss, args.spectral_norm, args.seed)
    grid = ClassGrid(os.path.join(args.output, "samples"), samples_per_class=10, every_n_epochs=args.grid_every)
    start = time.time()
    model.fit(data, epochs=p["epochs"], steps_per_epoch=p["steps_per_epoch"], callbacks=[grid], verbose=2)
    train_seconds = time.time() - start
    steps = int(model.g_optimizer.iterations.numpy())
    print(f"trained {steps} steps in {train_seconds:.0f} s ({steps / train_seconds:.1f} steps/s)")
    grid_path = save_class_grid(
        model,
        os.path.join(args.output, "class_grid.png"),
        samples_per_class=10,
        seed=args.seed,
        scale=max(1, 480 // (10 * p["image_size"])),
    )
    model.save(os.path.join(args.output, "cgan.keras"))
    print(f"class grid (one row per class): {grid_path}")
    print(f"model: {os.path.join(args.output, 'cgan.keras')}")
    if not args.evaluate:
        return None

    # A classifier of real images, trained on the train split, tested on the test split
    # (on mnist5k: the MNIST classifier of keras_gans.metrics.mnist_score).
    classifier = (
        metrics.mnist_classifier(cache_dir=os.path.join(args.output, "classifier"))
        if (args.dataset == "mnist5k")
        else metrics.train_domain_classifier(
            keras_gans.datasets.load(
                args.dataset,
                "train",
                batch_size=64,
                image_size=p["image_size"],
                channels=1,
                with_labels=True,
                seed=args.seed,
            ),
            num_classes=10,
            epochs=args.classifier_epochs,
            cache_dir=os.path.join(args.output, "classifier"),
            name=f"{args.dataset}{p['image_size']}_e{args.classifier_epochs}",
            seed=args.seed,
        )
    )
    test = keras_gans.datasets.load(
        args.dataset,
        "test",
        batch_size=p["test_batch"],
        image_size=p["image_size"],
        channels=1,
        with_labels=True,
        shuffle=False,
    )
    real_accuracy = classifier.accuracy(test)
    fidelity = label_fidelity(model, classifier, args.samples_per_class, seed=args.seed)
    labels = np.repeat(np.arange(10), args.samples_per_class)
    generated_diversity = class_diversity(model.generate(labels=labels, seed=args.seed + 1), labels)
    real_diversity = class_diversity(*real_images(args.dataset, p["image_size"]))
    print(f"classifier accuracy on the real test split: {real_accuracy:.4f}")
    print(f"label fidelity ({args.samples_per_class} samples per class, classified as the requested class):")
    print("class    " + " ".join(f"{c:>5d}" for c in range(10)) + "   mean")
    print("accuracy " + " ".join(f"{a:5.2f}" for a in fidelity) + f"   {fidelity.mean():.3f}")
    print(
        f"within-class diversity (mean pairwise L2 distance): generated {generated_diversity.mean():.2f}, "
        f"real {real_diversity.mean():.2f}"
    )
    result = {
        "dataset": args.dataset,
        "steps": steps,
        "train_seconds": round(train_seconds, 1),
        "classifier_test_accuracy": real_accuracy,
        "fidelity_per_class": [round(float(a), 4) for a in fidelity],
        "fidelity_mean": float(fidelity.mean()),
        "diversity_generated": round(float(generated_diversity.mean()), 3),
        "diversity_real": round(float(real_diversity.mean()), 3),
    }
    with open(os.path.join(args.output, "fidelity.json"), "w") as f:
        json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
