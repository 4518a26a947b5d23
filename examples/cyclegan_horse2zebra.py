"""CycleGAN on horse2zebra (Zhu et al. 2017), and its offline evaluation on digit strokes.

Modes:

    # The paper's run (GPU): TFDS cycle_gan/horse2zebra, 256x256, batch 1,
    # 9-block ResNet generators, 70x70 PatchGANs, 100 + 100 epochs.
    python examples/cyclegan_horse2zebra.py --out runs/horse2zebra

    # Offline smoke test (CPU, seconds): tiny networks, a few steps on the
    # digit stroke domains (thin -> thick).
    python examples/cyclegan_horse2zebra.py --smoke --out runs/cyclegan_smoke

    # Offline evaluation (CPU, ~10 minutes): train on thin -> thick digits,
    # then report the cycle-reconstruction L1 both ways and class
    # preservation: a digit classifier trained on real domain B classifies
    # G(test A); its accuracy against the source digits' labels plays the
    # role of the paper's FCN score. Writes metrics.json and the picture.
    python examples/cyclegan_horse2zebra.py --evaluate-digits --minutes 10 \\
        --out runs/cyclegan_digits --picture docs/images/cyclegan_digits.png

    # The same on 28x28 MNIST (the embedded mnist5k, padded to 32x32):
    # A = the digits as written, B = their strokes dilated (thicker).
    python examples/cyclegan_horse2zebra.py --evaluate-digits --offline mnist5k --minutes 8 \\
        --out runs/cyclegan_mnist5k --jsonl rows.jsonl

    # Only the measurement, on a saved model:
    python examples/cyclegan_horse2zebra.py --measure runs/cyclegan_digits/cyclegan_digits.keras \\
        --out runs/cyclegan_digits
"""

import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

from keras_gans import plotting, schedules  # noqa: E402
from keras_gans.datasets.unpaired import load_unpaired, stroke_digits  # noqa: E402
from keras_gans.models.cycle_gan import CycleGAN, build_cycle_gan  # noqa: E402
from keras_gans.networks.patchgan import patchgan_discriminator  # noqa: E402
from keras_gans.networks.resnet import resnet_generator  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/horse2zebra", help="output directory")
    parser.add_argument("--dataset", default="cycle_gan/horse2zebra", help="TFDS cycle_gan/* name or a folder")
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=100, help="epochs at the constant learning rate")
    parser.add_argument("--decay-epochs", type=int, default=100, help="epochs of linear decay to zero")
    parser.add_argument("--smoke", action="store_true", help="offline: tiny networks, a few steps on digit strokes")
    parser.add_argument("--evaluate-digits", action="store_true", help="offline evaluation on digit strokes")
    parser.add_argument("--minutes", type=float, default=10.0, help="CPU-time budget of --evaluate-digits' training")
    parser.add_argument("--filters", type=int, default=16, help="--evaluate-digits: base filters of the networks")
    parser.add_argument("--blocks", type=int, default=3, help="--evaluate-digits: residual blocks")
    parser.add_argument("--picture", default=None, help="where --evaluate-digits writes its picture")
    parser.add_argument("--measure", default=None, help="only measure a saved digits model (.keras)")
    parser.add_argument(
        "--offline",
        choices=("digits", "mnist5k"),
        default="digits",
        help="--evaluate-digits / --measure: the embedded 8x8 digits' strokes (thin -> thick) or mnist5k's "
        "(as written -> dilated)",
    )
    parser.add_argument("--jsonl", default=None, help="--evaluate-digits / --measure: also append the metrics here")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def train_horse2zebra(args):
    """The paper's setting, for a GPU."""
    data = load_unpaired(args.dataset, batch_size=args.batch_size, image_size=args.image_size, seed=args.seed)
    steps_per_epoch = int(data.cardinality())
    model = build_cycle_gan(
        (args.image_size, args.image_size, 3),
        constant_epochs=args.epochs,
        decay_epochs=args.decay_epochs,
        steps_per_epoch=steps_per_epoch,
        seed=args.seed,
    )
    test_a, _ = next(iter(load_unpaired(args.dataset, split="test", batch_size=8, image_size=args.image_size)))
    os.makedirs(args.out, exist_ok=True)

    class Samples(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            fake = model.translate(test_a)
            rec = model.translate(fake, "b_to_a")
            grid = np.concatenate([test_a.numpy(), fake, rec])
            plotting.save_image_grid(grid, os.path.join(args.out, f"samples_{epoch + 1:03d}.png"), columns=8)

    model.fit(
        data,
        epochs=args.epochs + args.decay_epochs,
        callbacks=[
            keras.callbacks.ModelCheckpoint(os.path.join(args.out, "cyclegan.keras")),
            keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv")),
            Samples(),
        ],
    )
    model.generator_ab.export(os.path.join(args.out, "generator_ab"), format="tf_saved_model")
    return model


# --- offline: digit strokes ----------------------------------------------------


def digits_cycle_gan(blocks=3, filters=16, pool_size=50, learning_rate=2e-4, steps_per_epoch=None, epochs=None, seed=0):
    """A small CycleGAN for 32x32x1 digits: ResNet generators with `blocks`
    residual blocks of 4 * filters channels, 34x34 PatchGANs (n_layers=2)."""
    shape = (32, 32, 1)

    def discriminator(name):
        return patchgan_discriminator(
            shape, n_layers=2, base_filters=filters, normalization="instance", conditional=False, name=name
        )

    model = CycleGAN(
        resnet_generator(shape, blocks, base_filters=filters, name="generator_ab"),
        resnet_generator(shape, blocks, base_filters=filters, name="generator_ba"),
        discriminator("discriminator_a"),
        discriminator("discriminator_b"),
        pool_size=pool_size,
        seed=seed,
    )
    rate = learning_rate
    if steps_per_epoch and epochs:
        # The paper's shape of schedule: constant for half the run, then linear decay to 0.
        rate = schedules.linear_decay_schedule(learning_rate, epochs // 2, epochs - epochs // 2, steps_per_epoch)
    model.compile(
        d_optimizer=keras.optimizers.Adam(rate, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(rate, beta_1=0.5),
        jit_compile=False,
    )
    return model


def smoke(args):
    data = load_unpaired("digits", batch_size=4, seed=args.seed).take(3)
    model = digits_cycle_gan(blocks=1, filters=4, pool_size=8, seed=args.seed)
    history = model.fit(data, epochs=1, verbose=0)
    a, _, b, _ = stroke_digits("test")
    os.makedirs(args.out, exist_ok=True)
    picture(model, a[:8], b[:8], os.path.join(args.out, "smoke.png"))
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    print(json.dumps(logs, indent=1))
    assert all(np.isfinite(v) for v in logs.values())
    return model


def picture(model, a, b, path):
    """Rows: A, G(A), F(G(A)), B, F(B)."""
    fake_b = model.translate(a)
    rows = [a, fake_b, model.translate(fake_b, "b_to_a"), b, model.translate(b, "b_to_a")]
    plotting.save_image_grid(np.concatenate(rows), path, columns=len(a), scale=3)
    return path


def mnist5k_strokes(split="train"):
    """The mnist5k stroke domains, as `stroke_digits` gives the digits': (images_a,
    labels_a, images_b, labels_b), 32x32 in [-1, 1].

    The 28x28 digits are zero-padded to 32x32 and the split divided in two
    disjoint halves (alternate examples), so the domains are unpaired. A is
    the digit as written (a soft threshold of the ink at 0.3..0.6), B its
    strokes dilated by a 3x3 cross (grey dilation, then a soft threshold at
    0.4..0.6): MNIST's pen strokes are 2-3 pixels wide, too thin to erode as
    `stroke_digits` does the upscaled 8x8 digits.
    """
    from scipy import ndimage

    from keras_gans.datasets import embedded

    images, labels = embedded.mnist5k(split)
    ink = np.pad((images + 1.0) / 2.0, ((0, 0), (2, 2), (2, 2), (0, 0)))
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)[None, :, :, None]

    def smoothstep(x, lo, hi):
        t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        return (2.0 * t * t * (3.0 - 2.0 * t) - 1.0).astype("float32")

    thin = smoothstep(ink[0::2], 0.3, 0.6)
    thick = smoothstep(ndimage.grey_dilation(ink[1::2], footprint=cross), 0.4, 0.6)
    return thin, labels[0::2], thick, labels[1::2]


def strokes(offline, split):
    return mnist5k_strokes(split) if offline == "mnist5k" else stroke_digits(split)


def unpaired_arrays(images_a, images_b, batch_size, seed):
    """Training batches as `load_unpaired("digits")` makes them, from arrays:
    each domain shuffled on its own and repeated, an epoch of max(|A|, |B|)
    pairs, each image resized to 36x36 and randomly cropped back to 32x32
    (the paper's 286 -> 256), no mirroring (a mirrored digit is another shape)."""
    import tensorflow as tf

    streams = [
        tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed + 101 * i).repeat()
        for i, x in enumerate((images_a, images_b))
    ]
    noise = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def jitter(image, s):
        image = tf.image.resize(image, (36, 36), method="bicubic", antialias=True)
        image = tf.image.stateless_random_crop(image, (32, 32, 1), seed=tf.stack([s, tf.constant(0, tf.int64)]))
        return tf.clip_by_value(image, -1.0, 1.0)

    ds = tf.data.Dataset.zip((*streams, noise)).take(max(len(images_a), len(images_b)))
    ds = ds.map(lambda a, b, s: (jitter(a, s[0]), jitter(b, s[1])), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def evaluate_digits(args, batch_size=8):
    """Train within the time budget, then measure reconstruction and class preservation."""
    keras.utils.set_random_seed(args.seed)
    blocks, filters = args.blocks, args.filters
    os.makedirs(args.out, exist_ok=True)
    if args.offline == "mnist5k":
        train_a, _, train_b, _ = mnist5k_strokes("train")
        data = unpaired_arrays(train_a, train_b, batch_size, args.seed)
    else:
        data = load_unpaired("digits", batch_size=batch_size, seed=args.seed)
    steps_per_epoch = int(data.cardinality())

    # Measure the CPU time of a step on a probe model first, then fix the number
    # of epochs (and so the schedule's length) to fit the CPU budget. CPU time
    # (all threads of this process), not wall time: this machine is shared.
    probe = digits_cycle_gan(blocks, filters, seed=args.seed)
    probe.fit(data.take(3), epochs=1, verbose=0)  # tracing
    cpu = time.process_time()
    probe.fit(data.take(20), epochs=1, verbose=0)
    cpu_per_step = (time.process_time() - cpu) / 20
    epochs = max(2, int(args.minutes * 60 / (cpu_per_step * steps_per_epoch)))
    print(f"{cpu_per_step:.3f} CPU s per step, {steps_per_epoch} steps per epoch: {epochs} epochs")

    keras.utils.set_random_seed(args.seed)
    model = digits_cycle_gan(blocks, filters, steps_per_epoch=steps_per_epoch, epochs=epochs, seed=args.seed)
    wall, cpu = time.time(), time.process_time()
    history = model.fit(data, epochs=epochs, verbose=2)
    train_seconds, train_cpu_seconds = time.time() - wall, time.process_time() - cpu

    sizes = [len(x) for split in ("train", "test") for x in strokes(args.offline, split)[::2]]
    kinds = ("as written", "dilated") if args.offline == "mnist5k" else ("thin", "thick")
    setting = {
        "data": f"{args.offline} strokes 32x32x1: A = {kinds[0]} ({sizes[0]} train / {sizes[2]} test), "
        f"B = {kinds[1]} ({sizes[1]} / {sizes[3]})",
        "offline": args.offline,
        "seed": args.seed,
        "minutes": args.minutes,
        "generator": f"resnet_generator, {blocks} residual blocks, base_filters={filters}",
        "discriminator": f"patchgan n_layers=2, base_filters={filters}, instance norm",
        "batch_size": batch_size,
        "epochs": epochs,
        "steps": epochs * steps_per_epoch,
        "train_wall_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
        "schedule": f"Adam(2e-4, beta_1=0.5), constant {epochs // 2} epochs then linear decay to 0",
        "pool_size": model.pool_size,
        "final_logs": {k: round(float(v[-1]), 4) for k, v in history.history.items()},
    }
    path = os.path.join(args.out, f"cyclegan_{args.offline}.keras")
    model.save(path)
    return measure_digits(model, args, setting)


def digit_classifier(seed=0):
    """A small CNN for the 32x32 stroke digits (two conv/pool stages, one hidden layer)."""
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0, seed=seed),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu", kernel_initializer=init),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3, seed=seed),
            keras.layers.Dense(128, activation="relu", kernel_initializer=init),
            keras.layers.Dense(10, activation="softmax", kernel_initializer=init),
        ],
        name="digit_classifier",
    )


def measure_digits(model, args, setting=None):
    """Cycle-reconstruction L1 and class preservation on the test digits.

    A classifier trained on real domain B (thick) labels G(test A); its
    accuracy against the source digits' labels is the class preservation of
    A -> B (the role of the paper's FCN score), to compare with its accuracy
    on real test B (the ceiling) and on untranslated test A (the floor).
    Likewise B -> A with a classifier of domain A.
    """
    keras.utils.set_random_seed(args.seed)
    test_a, labels_a, test_b, labels_b = strokes(args.offline, "test")
    train_a, train_labels_a, train_b, train_labels_b = strokes(args.offline, "train")
    # 40 epochs of the digits' 719 images per domain; 15 of mnist5k's 2,000 (about as many steps).
    classifier_epochs = 15 if args.offline == "mnist5k" else 40
    fake_b = model.translate(test_a)
    rec_a = model.translate(fake_b, "b_to_a")
    fake_a = model.translate(test_b, "b_to_a")
    rec_b = model.translate(fake_a)

    def train_classifier(images, labels):
        classifier = digit_classifier(args.seed)
        classifier.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
        classifier.fit(images, labels, epochs=classifier_epochs, batch_size=32, verbose=0)
        return classifier

    classifier_b = train_classifier(train_b, train_labels_b)
    classifier_a = train_classifier(train_a, train_labels_a)

    def accuracy(classifier, images, labels):
        return round(float(np.mean(np.argmax(classifier.predict(images, verbose=0), -1) == labels)), 4)

    metrics = {
        "setting": setting or {},
        # Mean |F(G(a)) - a| and |G(F(b)) - b| over the test digits, images in [-1, 1].
        "cycle_l1_a": round(float(np.mean(np.abs(rec_a - test_a))), 4),
        "cycle_l1_b": round(float(np.mean(np.abs(rec_b - test_b))), 4),
        "class_preservation_a_to_b": accuracy(classifier_b, fake_b, labels_a),
        "classifier_b_on_real_b": accuracy(classifier_b, test_b, labels_b),
        "classifier_b_on_untranslated_a": accuracy(classifier_b, test_a, labels_a),
        "class_preservation_b_to_a": accuracy(classifier_a, fake_a, labels_b),
        "classifier_a_on_real_a": accuracy(classifier_a, test_a, labels_a),
        "classifier_a_on_untranslated_b": accuracy(classifier_a, test_b, labels_b),
    }
    print(json.dumps(metrics, indent=1))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    if args.jsonl:
        with open(args.jsonl, "a") as f:
            f.write(json.dumps(metrics) + "\n")
    picture(model, test_a[:12], test_b[:12], args.picture or os.path.join(args.out, f"cyclegan_{args.offline}.png"))
    return metrics


def main(argv=None):
    args = parse_args(argv)
    if args.smoke:
        return smoke(args)
    if args.measure:
        model = keras.models.load_model(args.measure)
        return measure_digits(model, args, {"model": args.measure})
    if args.evaluate_digits:
        return evaluate_digits(args)
    return train_horse2zebra(args)


if __name__ == "__main__":
    main()
