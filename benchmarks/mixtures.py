"""Mode collapse on the 2-D Gaussian mixtures, per game.

For each game (and WGAN, WGAN-GP) and each mixture (ring8, grid25): train the
zoo's MLP GAN for a fixed number of generator steps, draw samples, and count
modes captured and the fraction of high-quality samples (within 3 std of the
nearest mode), the protocol of Metz et al. (2017) and Srivastava et al.
(2017). Writes a Markdown table, a JSON file and one scatter plot per mixture.

    python benchmarks/mixtures.py --steps 3000 --out benchmarks/results
"""

import argparse
import json
import os
import time

import keras

import keras_gans
from keras_gans import metrics, plotting, zoo

CONFIGS = {
    # name: (zoo model, options)
    **{game: ("gan", {"loss": game}) for game in keras_gans.losses.GAMES},
    "wgan (clip)": ("wgan", {}),
    "wgan_gp": ("wgan_gp", {}),
}


def run(config, mixture, steps, batch_size, num_samples, seed):
    model_name, options = CONFIGS[config]
    keras.utils.set_random_seed(seed)
    data = keras_gans.datasets.load(mixture, batch_size=batch_size, seed=seed).repeat()
    model = zoo.build(model_name, (2,), latent_dim=8, seed=seed, **options)
    if model_name == "gan":  # 1e-3 rather than DCGAN's 2e-4: MLPs on 2-D data
        model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    start = time.time()
    history = model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    seconds = time.time() - start
    samples = model.generate(num_samples, seed=seed)
    centers, std = metrics.mixture_modes(mixture)
    coverage = metrics.mode_coverage(samples, centers, std)
    return {
        "config": config,
        "mixture": mixture,
        "generator_steps": steps,
        "discriminator_steps_per_g": model.discriminator_steps,
        "seconds": round(seconds, 1),
        "final_d_loss": float(history.history["d_loss"][-1]),
        **coverage,
    }, samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000, help="generator steps per run")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--num-samples", type=int, default=2500, help="samples evaluated per run")
    parser.add_argument("--mixtures", default="ring8,grid25")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = []
    for mixture in args.mixtures.split(","):
        panels = []
        for config in args.configs.split(","):
            result, samples = run(config, mixture, args.steps, args.batch_size, args.num_samples, args.seed)
            print(json.dumps(result), flush=True)
            results.append(result)
            panels.append(
                (
                    f"{config}: {result['modes_captured']}/{result['num_modes']}, "
                    f"{100 * result['high_quality_fraction']:.0f}% hq",
                    samples,
                )
            )
        centers, _ = metrics.mixture_modes(mixture)
        plotting.scatter_2d(
            panels,
            os.path.join(args.out, f"{mixture}.png"),
            centers=centers,
            limit=1.6 if mixture == "ring8" else 5.5,
            ncols=4,
        )
    with open(os.path.join(args.out, "mixtures.json"), "w") as f:
        json.dump(results, f, indent=1)
    lines = [
        "| game | mixture | modes captured | high-quality samples | D steps per G step | train seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['config']} | {r['mixture']} | {r['modes_captured']}/{r['num_modes']} | "
            f"{100 * r['high_quality_fraction']:.1f}% | {r['discriminator_steps_per_g']} | {r['seconds']} |"
        )
    table = "\n".join(lines)
    with open(os.path.join(args.out, "mixtures.md"), "w") as f:
        f.write(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
