"""Semi-supervised learning with a GAN: a digit classifier from 10 labels per class.

Salimans et al. (2016) train the discriminator as a K-class classifier whose
(K+1)-th class is "generated", on a few labelled examples plus all the
unlabelled ones, with a feature-matching generator. This script compares, on
the embedded digits (16x16, offline; or 28x28 MNIST with --dataset mnist5k):

- the SemiSupervisedGAN classifier, trained on 10 labels per class (100
  labels) plus the whole train split without labels;
- the same classifier architecture (same initial weights, same optimizer,
  same moving average of the weights) trained on the same 100 labelled
  examples alone, for the same number of updates;

and prints both accuracies on the test split.

    python examples/semi_supervised_digits.py                # one seed, ~6 minutes on 2 CPU cores
    python examples/semi_supervised_digits.py --seeds 0 1 2  # three labelled subsets
    python examples/semi_supervised_digits.py --dataset mnist5k --seeds 0 1 2  # 28x28 MNIST, 4,000 train images
    python examples/semi_supervised_digits.py --smoke    # a few steps, checks the script runs
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans.datasets.semi_supervised import semi_supervised_dataset  # noqa: E402
from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN  # noqa: E402
from keras_gans.networks import conditional  # noqa: E402

SHAPES = {"digits": (16, 16, 1), "mnist5k": (28, 28, 1)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--dataset",
        default="digits",
        choices=tuple(SHAPES),
        help="digits (16x16, 1,438 train images) or mnist5k (28x28, 4,000).",
    )
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument(
        "--epochs", type=int, help="Passes over the unlabelled train split (default 60 on digits, 20 on mnist5k)."
    )
    parser.add_argument("--batch-size", type=int, default=64, help="Unlabelled (and labelled) images per step.")
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--base-filters", type=int, default=16)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=3e-3,
        help="Adam(beta_1=0.5) rate of both players and of the baseline (the authors' MNIST code: 3e-3).",
    )
    parser.add_argument(
        "--ema-decay", type=float, default=0.99, help="Moving average of the classifiers' weights, for both (0: off)."
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0],
        help="Seeds of the labelled subset and of the weights; one run per seed.",
    )
    parser.add_argument("--smoke", action="store_true", help="Tiny networks, a few steps.")
    parser.add_argument("--output", help="default: runs/semi_supervised_<dataset>")
    args = parser.parse_args(argv)
    args.shape = SHAPES[args.dataset]
    args.epochs = args.epochs or {"digits": 60, "mnist5k": 20}[args.dataset]
    args.output = args.output or os.path.join("runs", f"semi_supervised_{args.dataset}")
    if args.smoke:
        args.epochs, args.base_filters, args.latent_dim, args.steps_per_epoch = 1, 8, 8, 3
    else:
        args.steps_per_epoch = None
    return args


def embedded_split(dataset, split, size):
    """An embedded set's split (digits at 16x16, mnist5k at 28x28), as datasets.load makes it."""
    n = len(getattr(keras_gans.datasets, dataset)(split)[0])
    images, labels = next(
        iter(keras_gans.datasets.load(dataset, split, batch_size=n, image_size=size, with_labels=True, shuffle=False))
    )
    return images.numpy(), labels.numpy()


def discriminator(args, seed):
    keras.utils.set_random_seed(seed)  # the same initial weights for both classifiers
    return conditional.semi_supervised_discriminator(args.shape, 10, base_filters=args.base_filters)


def accuracy(classify, images, labels):
    return float(np.mean(np.argmax(classify(images), axis=-1) == labels))


def train_semi_supervised(args, seed, train, test):
    """SemiSupervisedGAN on the labelled subset plus every train image unlabelled."""
    data, index = semi_supervised_dataset(*train, args.labels_per_class, batch_size=args.batch_size, seed=seed)
    model = SemiSupervisedGAN(
        keras_gans.networks.dcgan_generator(args.latent_dim, args.shape, base_filters=args.base_filters),
        discriminator(args, seed),
        latent_dim=args.latent_dim,
        num_classes=10,
        classifier_ema_decay=args.ema_decay or None,
        seed=seed,
    )
    model.compile(
        keras.optimizers.Adam(args.learning_rate, beta_1=0.5), keras.optimizers.Adam(args.learning_rate, beta_1=0.5)
    )
    start = time.time()
    # val_accuracy: the classifier's accuracy on the test split, every 10 epochs.
    model.fit(
        data,
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        validation_data=test,
        validation_freq=min(10, args.epochs),
        verbose=2,
    )
    seconds = time.time() - start
    steps = int(model.d_optimizer.iterations.numpy())
    classify = lambda x: model.classifier.predict(x, batch_size=256, verbose=0)  # noqa: E731
    return model, index, steps, seconds, accuracy(classify, *test)


def train_supervised(args, seed, train, index, steps, test):
    """The same architecture and initial weights, on the labelled examples alone."""
    d = discriminator(args, seed)
    classifier = keras.Model(d.inputs, d.outputs[0], name="supervised_only")
    # The same weight averaging as the GAN's classifier; fit() writes the average into the weights at the end.
    ema = dict(use_ema=True, ema_momentum=args.ema_decay) if args.ema_decay else {}
    classifier.compile(
        keras.optimizers.Adam(args.learning_rate, beta_1=0.5, **ema),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    images, labels = train[0][index], train[1][index]
    data = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(index), seed=seed)
        .repeat()
        .batch(args.batch_size, drop_remainder=True)
    )
    start = time.time()
    classifier.fit(data, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    seconds = time.time() - start
    classify = lambda x: classifier.predict(x, batch_size=256, verbose=0)  # noqa: E731
    return classifier, seconds, accuracy(classify, *test)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    train, test = (embedded_split(args.dataset, split, args.shape[0]) for split in ("train", "test"))
    print(
        f"{args.dataset} {args.shape[0]}x{args.shape[1]}: {len(train[0])} train images, {args.labels_per_class * 10} of them labelled; "
        f"{len(test[0])} test images"
    )
    results = []
    for seed in args.seeds:
        model, index, steps, gan_seconds, gan_accuracy = train_semi_supervised(args, seed, train, test)
        _, sup_seconds, sup_accuracy = train_supervised(args, seed, train, index, steps, test)
        results.append(
            dict(
                seed=seed,
                steps=steps,
                semi_supervised_gan=gan_accuracy,
                labels_only=sup_accuracy,
                gan_seconds=round(gan_seconds, 1),
                supervised_seconds=round(sup_seconds, 1),
            )
        )
        print(
            f"seed {seed}: test accuracy, SemiSupervisedGAN classifier {gan_accuracy:.4f} "
            f"({steps} steps, {gan_seconds:.0f} s) vs the same classifier on the "
            f"{len(index)} labels alone {sup_accuracy:.4f} ({sup_seconds:.0f} s)"
        )
        model.classifier.save(os.path.join(args.output, f"classifier_seed{seed}.keras"))
        keras_gans.plotting.save_image_grid(
            model.generate(64, seed=seed), os.path.join(args.output, f"samples_seed{seed}.png")
        )
    gan = np.array([r["semi_supervised_gan"] for r in results])
    sup = np.array([r["labels_only"] for r in results])
    print(f"mean over {len(results)} seed(s): SemiSupervisedGAN {gan.mean():.4f}, labels alone {sup.mean():.4f}")
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"classifiers and samples under {args.output}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
