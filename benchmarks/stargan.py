"""StarGAN on the offline attribute digits: attribute accuracy of translated images.

The data: `datasets.attribute_digits` (mnist5k, 28x28; two random binary
attributes per image: thick strokes, inverted). For each seed:

1. train the zoo's "stargan" (small widths: conv_dim 16, 3 residual blocks,
   3 D layers; the paper's losses, lambdas, n_critic = 5 and Adam(1e-4, 0.5,
   0.999); batch 16) on the 4,000 train images for `--steps` G updates;
2. translate each of the 1,000 held-out test images to each of the four
   domains (00, 01, 10, 11);
3. classify the translations with an attribute classifier trained on the
   real train images (a small CNN, two sigmoid outputs; its own accuracy on
   the real test images is reported), and report the fraction of
   translations classified with the target attribute, per attribute and
   both at once, after every `--eval-every` G steps (one JSONL row each;
   the table takes the largest step count every seed reached). The "sources" row is the same score for the untranslated
   sources against the same targets (what doing nothing scores).

    python benchmarks/stargan.py --seeds 0 1 2 --steps 1200 --out benchmarks/results
    python benchmarks/stargan.py --table --out benchmarks/results   # the table from the JSONL
    python benchmarks/stargan.py --seeds 0 --digits --eval-every 400 --out DIR   # + digit kept (content)

With `--digits`, each row also has "digit_kept": the fraction of translations
that a digit classifier (a small CNN trained on the real attribute digits of
every domain) assigns to the source image's digit.
"""

import argparse
import itertools
import json
import os
import time

import numpy as np
import keras

from keras_gans import datasets, plotting, zoo

NAMES = list(datasets.attributes.DIGIT_ATTRIBUTES)
DOMAINS = np.array(list(itertools.product([0.0, 1.0], repeat=len(NAMES))), "float32")


def small_cnn(images, targets, widths, pooling, outputs, loss, epochs):
    """Two strided 3x3 convolutions (`widths`), `pooling`, a linear head; trained with Adam(1e-3), batch 64."""
    model = keras.Sequential(
        [keras.Input(images.shape[1:])]
        + [keras.layers.Conv2D(w, 3, strides=2, padding="same", activation="relu") for w in widths]
        + [pooling, keras.layers.Dense(outputs)]
    )
    model.compile(keras.optimizers.Adam(1e-3), loss)
    model.fit(images, targets, batch_size=64, epochs=epochs, verbose=0, shuffle=True)
    return model


def attribute_classifier(seed=0, epochs=3):
    """A small CNN trained on the real train images; returns (model, its test accuracy)."""
    keras.utils.set_random_seed(seed)
    x, a, _ = datasets.attribute_digits("train")
    xt, at, _ = datasets.attribute_digits("test")
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    model = small_cnn(x, a, (16, 32), keras.layers.GlobalAveragePooling2D(), len(NAMES), loss, epochs)
    return model, scores(model, xt, at)


def digit_classifier(seed=0, epochs=3):
    """A small CNN classifying the digit of the attribute digits (every domain); (model, test accuracy)."""
    keras.utils.set_random_seed(seed)
    x, _, y = datasets.attribute_digits("train")
    xt, _, yt = datasets.attribute_digits("test")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = small_cnn(x, y, (32, 64), keras.layers.Flatten(), 10, loss, epochs)
    return model, digit_kept(model, xt, yt)


def digit_kept(classifier, images, digits):
    """The fraction of images classified as the given digits."""
    return float((classifier.predict(images, batch_size=256, verbose=0).argmax(-1) == digits).mean())


def scores(classifier, images, targets):
    """{attribute: fraction with the target value, "all": fraction with every target}."""
    predicted = (classifier.predict(images, batch_size=256, verbose=0) > 0).astype("float32")
    right = predicted == targets
    out = {name: float(right[:, i].mean()) for i, name in enumerate(NAMES)}
    out["all"] = float(right.all(axis=1).mean())
    return out


def run(seed, steps, classifier, batch_size, every, picture=None, digits=None):
    """Train, and after every `every` G steps score the translations: yields one row each time."""
    keras.utils.set_random_seed(seed)
    data = datasets.load_attributes("mnist5k", batch_size=batch_size, seed=seed).repeat()
    model = zoo.build("stargan", data.element_spec, dataset="mnist5k", seed=seed)
    x, attributes, labels = datasets.attribute_digits("test")
    targets = np.concatenate([np.broadcast_to(domain, attributes.shape) for domain in DOMAINS])
    sources = np.concatenate([x] * len(DOMAINS))
    seconds, done = 0.0, 0
    while done < steps:
        start = time.time()
        history = model.fit(data, epochs=1, steps_per_epoch=min(every, steps - done), verbose=0)
        seconds += time.time() - start
        done = int(model.g_optimizer.iterations.numpy())
        translated = np.concatenate([model.translate(x, domain) for domain in DOMAINS])
        if picture:
            plotting.save_image_grid(model.domain_grid(x[:10]), picture, columns=10, scale=3)
        extra = {}
        if digits is not None:  # content: is the source's digit still the one a digit classifier sees?
            extra = {"digit_kept": digit_kept(digits, translated, np.concatenate([labels] * len(DOMAINS)))}
        yield {
            **extra,
            "seed": seed,
            "g_steps": done,
            "d_steps": int(model.d_optimizer.iterations.numpy()),
            "batch_size": batch_size,
            "train_seconds": round(seconds, 1),
            "translated": scores(classifier, translated, targets),
            "sources": scores(classifier, sources, targets),
            "final_logs": {k: float(v[-1]) for k, v in history.history.items()},
        }


def table(out):
    every = [json.loads(line) for line in open(os.path.join(out, "stargan.jsonl"))]
    reached = min(max(r["g_steps"] for r in every if r["seed"] == seed) for seed in {r["seed"] for r in every})
    rows = sorted((r for r in every if r["g_steps"] == reached), key=lambda r: r["seed"])
    classifier = json.load(open(os.path.join(out, "stargan_classifier.json")))
    lines = [
        "# StarGAN on the attribute digits: attribute accuracy of translations",
        "",
        "Written by `benchmarks/stargan.py --table` from `stargan.jsonl`. Data: mnist5k with random "
        "attributes (thick strokes, inverted), 4,000 train / 1,000 test images, 28x28. Model: the zoo's "
        "`stargan` (conv_dim 16, 3 residual blocks, 3 D layers), batch 16, n_critic 5, Adam(1e-4, 0.5, 0.999). "
        "Each test image translated to each of the 4 domains (4,000 translations per seed), classified by "
        "a CNN trained on the real train images. Machine: 2-core CPU shared with other jobs, "
        "TF_NUM_INTRAOP_THREADS=1.",
        "",
        f"Attribute classifier on the real test images: thick {classifier['thick']:.3f}, "
        f"inverted {classifier['inverted']:.3f}, both {classifier['all']:.3f}.",
        "",
        "| | seeds | G steps | thick | inverted | both |",
        "|---|---|---|---|---|---|",
    ]
    for kind in ("translated", "sources"):
        values = {k: np.array([r[kind][k] for r in rows]) for k in NAMES + ["all"]}
        cells = " | ".join(f"{v.mean():.3f} ± {v.std():.3f}" for v in values.values())
        label = "translations G(x, c)" if kind == "translated" else "sources x (no translation)"
        lines.append(f"| {label} | {len(rows)} | {rows[0]['g_steps']} | {cells} |")
    lines += [
        "",
        "Per seed (translations): "
        + "; ".join(
            f"seed {r['seed']}: thick {r['translated']['thick']:.3f}, inverted {r['translated']['inverted']:.3f}, "
            f"both {r['translated']['all']:.3f} ({r['train_seconds']:.0f} s)"
            for r in rows
        ),
        "",
        "std is the population std over seeds.",
    ]
    path = os.path.join(out, "stargan.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=1200, help="G updates (each after 5 D updates)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--eval-every", type=int, default=200, help="score the translations every N G steps")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--picture", default="docs/images/stargan_digits.png")
    parser.add_argument("--digits", action="store_true", help="also score digit identity (digit_kept)")
    parser.add_argument("--table", action="store_true", help="only write the table from the JSONL")
    args = parser.parse_args()
    if args.table:
        return table(args.out)
    os.makedirs(args.out, exist_ok=True)
    classifier, accuracy = attribute_classifier()
    print("classifier on real test images:", accuracy, flush=True)
    with open(os.path.join(args.out, "stargan_classifier.json"), "w") as f:
        json.dump(accuracy, f)
    digits, digit_accuracy = digit_classifier() if args.digits else (None, None)
    if digits is not None:
        print("digit classifier on real test images:", digit_accuracy, flush=True)
    for seed in args.seeds:
        picture = args.picture if seed == 0 else None
        for row in run(seed, args.steps, classifier, args.batch_size, args.eval_every, picture, digits):
            row["classifier_on_real_test"] = accuracy
            if digits is not None:
                row["digit_classifier_on_real_test"] = digit_accuracy
            print(json.dumps(row), flush=True)
            with open(os.path.join(args.out, "stargan.jsonl"), "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
