"""StarGAN: one generator translating between every combination of attributes.

Offline (the default): the attribute digits, mnist5k at 28x28 with two
random binary attributes per image (thick strokes, inverted), and the zoo's
small networks. With network: TFDS celeb_a at 128x128 with the paper's five
attributes (Black_Hair, Blond_Hair, Brown_Hair, Male, Young) and the paper's
networks.

    python examples/stargan_digits.py --smoke                 # seconds, offline, tiny networks
    python examples/stargan_digits.py --steps 1200            # the README's run (one seed)
    python examples/stargan_digits.py --dataset celeb_a --steps 200000   # the paper (needs the network and a GPU)

Writes OUT/translations.png (the sources, then one row per target domain),
OUT/model.keras and OUT/export/ (SavedModel + TFLite taking (source, domains)).
benchmarks/stargan.py measures the attribute accuracy of the translations.
"""

import argparse
import os
import time

import numpy as np
import keras

import keras_gans
from keras_gans import datasets, plotting, zoo
from keras_gans.models.stargan import StarGAN
from keras_gans.networks.stargan import stargan_discriminator, stargan_generator


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist5k", choices=["mnist5k", "celeb_a"])
    parser.add_argument("--steps", type=int, default=1200, help="generator updates (each after 5 D updates)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="tiny networks, a few steps, offline")
    parser.add_argument("--out", default="runs/stargan")
    args = parser.parse_args()
    if args.smoke and args.dataset != "mnist5k":
        parser.error("--smoke runs offline, on the mnist5k attribute digits.")
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)

    data = datasets.load_attributes(args.dataset, batch_size=args.batch_size, seed=args.seed)
    names = datasets.attribute_names(args.dataset)
    if args.smoke:
        shape = tuple(data.element_spec[0].shape[1:])
        model = StarGAN(
            stargan_generator(shape, len(names), base_filters=4, num_residual_blocks=1),
            stargan_discriminator(shape, len(names), base_filters=4, num_layers=2),
            critic_steps=2,
            domain_names=names,
            seed=args.seed,
        )
        model.compile()
        steps = 3
    else:
        model = zoo.build("stargan", data.element_spec, dataset=args.dataset, seed=args.seed)
        steps = args.steps
    print(
        f"{args.dataset}: attributes {names}; G {model.generator.count_params():,} and "
        f"D {model.discriminator.count_params():,} parameters; {steps} G steps"
    )

    start = time.time()
    history = model.fit(data.repeat(), epochs=1, steps_per_epoch=steps, verbose=0 if args.smoke else 2)
    print(
        f"trained in {time.time() - start:.0f} s; last logs:",
        {k: round(float(v[-1]), 3) for k, v in history.history.items()},
    )

    sources, attributes = next(iter(datasets.load_attributes(args.dataset, split="test", batch_size=8, shuffle=False)))
    print("source attributes:", attributes.numpy().astype(int).tolist())
    print("grid rows: sources, then targets", model.grid_domains().astype(int).tolist())
    grid = plotting.save_image_grid(
        model.domain_grid(sources.numpy()), os.path.join(args.out, "translations.png"), columns=8
    )
    print("translations:", grid)

    path = os.path.join(args.out, "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    same = np.allclose(reloaded.translate(sources, attributes), model.translate(sources, attributes), atol=1e-5)
    print(f"saved {path}; the reloaded model translates the same: {same}")
    manifest = model.export_generator(os.path.join(args.out, "export"), quantize=("float32",))
    served = keras_gans.export.load_exported(os.path.join(args.out, "export"))
    flipped = 1.0 - attributes.numpy()
    exported = served.run({"source": sources.numpy(), "domains": flipped})["images"]
    difference = np.abs(exported - model.translate(sources, flipped)).max()
    print(f"exported {sorted(manifest['artifacts'])}; SavedModel vs model max |difference| {difference:.2e}")


if __name__ == "__main__":
    main()
