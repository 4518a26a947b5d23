"""SRGAN: x4 super-resolution, offline on the embedded MNIST digits or on your own images.

Makes (low-res, high-res) pairs by bicubic downsampling (x4, as the paper),
pretrains the SRResNet generator on the pixel MSE (the paper's
initialisation), trains SRGAN (content loss + 1e-3 adversarial loss,
Adam(1e-4, 0.9)), then prints PSNR and SSIM on held-out images for the
SRResNet, SRGAN and bicubic upscaling, and writes a picture (rows: low-res
input, bicubic, SRResNet, SRGAN, high-res).

    python examples/srgan_mnist.py                     # offline: mnist5k 28x28 from 7x7, small networks
    python examples/srgan_mnist.py --data FOLDER       # your images resized to 96x96, the paper's networks
    python examples/srgan_mnist.py --data FOLDER --content-loss vgg   # the paper's VGG19 loss (network once)
    python examples/srgan_mnist.py --smoke             # offline, tiny, seconds: checks the script runs

The content loss is the pixel MSE unless `--content-loss vgg` (the VGG19
ImageNet weights must be downloadable or cached, else a clear error).
Outputs under --output (default runs/srgan_<data>): srgan.keras, srgan.png.
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans import plotting  # noqa: E402
from keras_gans.datasets import bicubic_upscale, load_super_resolution  # noqa: E402
from keras_gans.metrics import evaluate_super_resolution  # noqa: E402
from keras_gans.models import build_srgan, pretrain_srresnet  # noqa: E402

SCALE = 4
# Offline digits: small networks (the benchmark's); folders: the paper's.
SMALL = dict(blocks=4, filters=32, discriminator_filters=16, dense_units=128)
PAPER = dict(blocks=16, filters=64, discriminator_filters=64, dense_units=1024)
TINY = dict(blocks=1, filters=8, discriminator_filters=4, dense_units=16)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="mnist5k", help="mnist5k (embedded), a folder of images, or a TFDS name.")
    parser.add_argument("--image-size", type=int, help="High-res side (default: 28 for mnist5k, 96 otherwise).")
    parser.add_argument("--content-loss", default="pixel", choices=("pixel", "vgg"))
    parser.add_argument("--pretrain-steps", type=int, default=600, help="SRResNet (MSE) steps before SRGAN.")
    parser.add_argument("--steps", type=int, default=600, help="SRGAN steps.")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="Offline, tiny networks, a few steps.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="Output directory (default: runs/srgan_<data>).")
    args = parser.parse_args(argv)
    if args.smoke:
        args.data, args.pretrain_steps, args.steps, args.batch_size = "mnist5k", 3, 3, 8
    args.image_size = args.image_size or (28 if args.data == "mnist5k" else 96)
    args.output = args.output or os.path.join("runs", "srgan_" + os.path.basename(os.path.normpath(args.data)))
    return args


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    train = load_super_resolution(
        args.data, scale=SCALE, batch_size=args.batch_size, image_size=args.image_size, seed=args.seed
    ).repeat()
    held_out = "test" if args.data == "mnist5k" else "train"  # a folder has no split: its own images
    test = load_super_resolution(
        args.data, split=held_out, scale=SCALE, batch_size=10, image_size=args.image_size, shuffle=False
    )
    low, high = next(iter(test))
    channels = int(high.shape[-1])
    networks = TINY if args.smoke else SMALL if args.data == "mnist5k" else PAPER
    model = build_srgan(
        channels=channels,
        scale=SCALE,
        hr_shape=tuple(high.shape[1:]),
        content_loss=args.content_loss,
        seed=args.seed,
        **networks,
    )
    print(f"SRResNet: {model.generator.count_params():,} parameters; D: {model.discriminator.count_params():,}")
    pretrain_srresnet(model.generator, train, steps_per_epoch=args.pretrain_steps, verbose=2)
    srresnet = keras.models.clone_model(model.generator)
    srresnet.set_weights(model.generator.get_weights())
    model.fit(train, epochs=1, steps_per_epoch=args.steps, verbose=2)

    evaluation = test.take(1) if args.smoke else test
    print(f"held out: {args.data}:{held_out}, x{SCALE}; PSNR (dB) and SSIM on [0, 1], mean +- std over images")
    for name, network in (("SRResNet", srresnet), ("SRGAN", model.generator)):
        scores = evaluate_super_resolution(network, evaluation)
        print(f"  {name:<9} PSNR {scores['psnr']:.2f} +- {scores['psnr_std']:.2f}  SSIM {scores['ssim']:.3f}")
    print(
        f"  {'bicubic':<9} PSNR {scores['bicubic_psnr']:.2f} +- {scores['bicubic_psnr_std']:.2f}  "
        f"SSIM {scores['bicubic_ssim']:.3f}  ({scores['num_pairs']} images)"
    )

    os.makedirs(args.output, exist_ok=True)
    low, high = low[:8].numpy(), high[:8].numpy()
    nearest = np.repeat(np.repeat(low, SCALE, axis=1), SCALE, axis=2)
    rows = [nearest, bicubic_upscale(low, SCALE).numpy(), srresnet.predict(low, verbose=0), model.upscale(low), high]
    picture = plotting.save_image_grid(np.concatenate(rows), os.path.join(args.output, "srgan.png"), columns=len(low))
    model.save(os.path.join(args.output, "srgan.keras"))
    print(f"wrote {picture} (rows: low-res, bicubic, SRResNet, SRGAN, high-res) and {args.output}/srgan.keras")
    print(f"keras_gans {keras_gans.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
