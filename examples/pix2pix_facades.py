"""pix2pix on CMP Facades: architectural labels -> photo (Isola et al. 2017, section 4).

The paper's setup: 400 training pairs at 256x256, labels -> photo (the files
hold photo|labels side by side, so direction BtoA), random jitter (286 -> 256)
and mirroring, U-Net-256 generator, 70x70 PatchGAN, batch norm, batch size 1,
Adam(2e-4, beta_1=0.5), lambda = 100, 200 epochs. After training the script
reports L1, PSNR and SSIM on the test pairs and writes
input | output | target rows.

    python examples/pix2pix_facades.py --data-dir path/to/facades   # folder with train/ test/ (val/)
    python examples/pix2pix_facades.py --download                   # fetch the authors' archive (needs the network)
    python examples/pix2pix_facades.py --smoke                      # offline: digits edges -> digit, tiny, a few steps

Outputs (under --output, default runs/pix2pix_facades): pix2pix.keras,
samples.png, results.json.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402

from keras_gans import plotting  # noqa: E402
from keras_gans.datasets.paired import load_paired  # noqa: E402
from keras_gans.metrics.pairs import evaluate_pairs  # noqa: E402
from keras_gans.models.pix2pix import build_pix2pix  # noqa: E402

# The authors' archive of the facades pairs (also used by the TensorFlow pix2pix tutorial).
FACADES_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="The facades folder (train/, test/ or val/ of side-by-side photo|labels).")
    parser.add_argument("--download", action="store_true", help=f"Download {FACADES_URL} (about 30 MB).")
    parser.add_argument("--smoke", action="store_true", help="Offline: digits pairs, tiny networks, a few steps.")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--steps-per-epoch", type=int, help="Default: one pass over the training pairs.")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument(
        "--direction",
        default="BtoA",
        choices=("AtoB", "BtoA"),
        help="BtoA: labels -> photo, the paper's task on facades.",
    )
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--filters", type=int, default=64, help="ngf and ndf.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="runs/pix2pix_facades")
    return parser.parse_args(argv)


def facades_folder(args):
    """The facades folder: --data-dir, or the downloaded archive."""
    if args.data_dir:
        if not os.path.isdir(args.data_dir):
            sys.exit(f"--data-dir {args.data_dir!r} is not a folder.")
        return args.data_dir
    if not args.download:
        sys.exit(
            "Give the facades pairs with --data-dir (a folder with train/ and test/ of side-by-side "
            f"photo|labels images, from {FACADES_URL}), or --download them (needs the network), or "
            "run --smoke offline."
        )
    try:
        archive = keras.utils.get_file("facades.tar.gz", FACADES_URL, extract=True)
    except Exception as e:  # no network: say so plainly
        sys.exit(
            f"Could not download {FACADES_URL} ({type(e).__name__}: {e}). This machine may be offline: "
            "download the archive elsewhere and pass its extracted folder with --data-dir, or run --smoke."
        )
    for root, dirs, _ in os.walk(archive if os.path.isdir(archive) else os.path.dirname(archive)):
        if "train" in dirs and os.path.basename(root) == "facades":
            return root
    sys.exit(f"The downloaded archive at {archive} has no facades/train folder.")


def match_channels(images, channels):
    """Grey <-> colour, so that inputs and outputs tile in one picture."""
    if images.shape[-1] == channels:
        return images
    if channels == 3:
        return np.repeat(images[..., :1], 3, axis=-1)
    return images.mean(axis=-1, keepdims=True)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    if args.smoke:
        source, direction, image_size, filters, batch_size = "digits", "AtoB", None, 8, 8
        epochs, steps, test_split = 1, args.steps_per_epoch or 5, "test"
        image_shape = (32, 32, 1)
    else:
        source, direction, image_size = facades_folder(args), args.direction, args.image_size
        filters, batch_size, epochs, steps = args.filters, args.batch_size, args.epochs, args.steps_per_epoch
        test_split = "test" if os.path.isdir(os.path.join(source, "test")) else "val"
        image_shape = (image_size, image_size, 3)

    train = load_paired(
        source, split="train", batch_size=batch_size, image_size=image_size, direction=direction, seed=args.seed
    )
    test = load_paired(source, split=test_split, batch_size=1, image_size=image_size, direction=direction)
    model = build_pix2pix(
        image_shape,
        generator_filters=filters,
        discriminator_filters=filters,
        seed=args.seed,
        n_layers=1 if args.smoke else 3,
    )
    start = time.time()
    history = model.fit(train.repeat() if steps else train, epochs=epochs, steps_per_epoch=steps, verbose=2)
    seconds = time.time() - start

    os.makedirs(args.output, exist_ok=True)
    model.save(os.path.join(args.output, "pix2pix.keras"))
    scores = evaluate_pairs(model, test, max_pairs=100 if args.smoke else None)
    inputs, targets = (np.concatenate(x) for x in zip(*[(a.numpy(), b.numpy()) for a, b in test.take(8)]))
    outputs = model.translate(inputs)
    rows = np.concatenate([match_channels(inputs, outputs.shape[-1]), outputs, targets])
    plotting.save_image_grid(rows, os.path.join(args.output, "samples.png"), columns=len(inputs))
    results = {
        "test": scores,
        "train_seconds": round(seconds, 1),
        "final_logs": {k: float(v[-1]) for k, v in history.history.items()},
        "args": vars(args),
    }
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(
        f"Test pairs: L1 {scores['l1']:.4f}  PSNR {scores['psnr']:.2f} dB  SSIM {scores['ssim']:.3f} "
        f"({scores['num_pairs']} pairs). Wrote {args.output}/samples.png (rows: input, output, target)."
    )
    return results


if __name__ == "__main__":
    main()
