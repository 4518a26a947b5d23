"""Mode collapse on the 2-D Gaussian mixtures, per game.

For each game (and WGAN, WGAN-GP) and each mixture (ring8, grid25): train the
zoo's MLP GAN for a fixed number of generator steps, draw samples, and count
modes captured and the fraction of high-quality samples (within 3 std of the
nearest mode), the protocol of Metz et al. (2017) and Srivastava et al.
(2017). Writes a Markdown table, a JSON file and one scatter plot per mixture.

    python benchmarks/mixtures.py --steps 3000 --out benchmarks/results

Longer runs, several seeds, scored at checkpoints along the way (one JSONL row
per checkpoint, appended as soon as it is measured, so a partial run keeps its
rows; `--table` summarises a JSONL file as mean +- std over seeds):

    python benchmarks/mixtures.py --configs "wgan (clip),wgan_gp" --mixtures ring8 \
        --checkpoints 3000,10000,20000 --seeds 0 1 2 --jsonl benchmarks/results/mixtures_long.jsonl
    python benchmarks/mixtures.py --table benchmarks/results/mixtures_long.jsonl
"""

import argparse
import json
import os
import time

import keras
import numpy as np

import keras_gans
from keras_gans import metrics, plotting, zoo

CONFIGS = {
    # name: (zoo model, options)
    **{game: ("gan", {"loss": game}) for game in keras_gans.losses.GAMES},
    "wgan (clip)": ("wgan", {}),
    "wgan_gp": ("wgan_gp", {}),
}


def run(config, mixture, steps, batch_size, num_samples, seed, checkpoints=(), on_row=None):
    """Train one configuration; score it after `steps` generator steps and at
    each of `checkpoints` (cumulative generator steps, all <= steps), calling
    `on_row(row)` for each checkpoint's row as soon as it is measured."""
    model_name, options = CONFIGS[config]
    keras.utils.set_random_seed(seed)
    data = keras_gans.datasets.load(mixture, batch_size=batch_size, seed=seed).repeat()
    model = zoo.build(model_name, (2,), latent_dim=8, seed=seed, **options)
    if model_name == "gan":  # 1e-3 rather than DCGAN's 2e-4: MLPs on 2-D data
        model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    centers, std = metrics.mixture_modes(mixture)
    start = time.time()

    def score(done, d_loss):
        seconds = time.time() - start  # training (and earlier checkpoints' scoring) only
        samples = model.generate(num_samples, seed=seed)
        row = {
            "config": config,
            "mixture": mixture,
            "seed": seed,
            "generator_steps": done,
            "discriminator_steps_per_g": model.discriminator_steps,
            "seconds": round(seconds, 1),
            "final_d_loss": float(d_loss),
            **metrics.mode_coverage(samples, centers, std),
        }
        return row, samples

    # One fit; a callback scores at the checkpoints, whose gaps are the "epochs".
    marks = sorted({c for c in checkpoints if 0 < c < steps} | {steps})
    chunk = int(np.gcd.reduce(marks))

    class Checkpoints(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            done = (epoch + 1) * chunk
            if done in marks[:-1] and on_row is not None:
                on_row(score(done, logs["d_loss"])[0])

    history = model.fit(data, epochs=steps // chunk, steps_per_epoch=chunk, verbose=0, callbacks=[Checkpoints()])
    row, samples = score(steps, history.history["d_loss"][-1])
    if on_row is not None:
        on_row(row)
    return row, samples


def summary(rows):
    """Mean +- std over seeds of each (config, mixture, generator steps) group of rows."""
    groups = {}
    for r in rows:
        groups.setdefault((r["config"], r["mixture"], r["generator_steps"]), []).append(r)
    lines = [
        "| game | mixture | G steps | modes captured | high-quality samples | D steps per G step | train seconds | seeds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (config, mixture, steps), group in sorted(groups.items()):
        modes = np.array([r["modes_captured"] for r in group], float)
        hq = 100 * np.array([r["high_quality_fraction"] for r in group])
        secs = np.array([r["seconds"] for r in group])
        std = (lambda x: x.std(ddof=1)) if len(group) > 1 else (lambda x: 0.0)
        lines.append(
            f"| {config} | {mixture} | {steps} | {modes.mean():.1f} +- {std(modes):.1f} / {group[0]['num_modes']} | "
            f"{hq.mean():.1f}% +- {std(hq):.1f} | {group[0]['discriminator_steps_per_g']} | "
            f"{secs.mean():.0f} | {len(group)} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000, help="generator steps per run")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--num-samples", type=int, default=2500, help="samples evaluated per run")
    parser.add_argument("--mixtures", default="ring8,grid25")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--seeds", type=int, nargs="+", help="with --jsonl: one run per seed (default: --seed)")
    parser.add_argument(
        "--checkpoints", default="", help="with --jsonl: also score at these generator steps, e.g. 3000,10000"
    )
    parser.add_argument("--jsonl", help="append one row per run and checkpoint here, and write nothing else")
    parser.add_argument("--table", metavar="JSONL", help="print the mean +- std table of a --jsonl file and exit")
    args = parser.parse_args()
    if args.table:
        with open(args.table) as f:
            print(summary([json.loads(line) for line in f if line.strip()]))
        return
    if args.jsonl:
        checkpoints = [int(c) for c in args.checkpoints.split(",") if c]
        if any(c > args.steps for c in checkpoints):
            parser.error(f"--checkpoints must be <= --steps ({args.steps}); got {checkpoints}")

        def append(row):
            print(json.dumps(row), flush=True)
            with open(args.jsonl, "a") as f:
                f.write(json.dumps(row) + "\n")

        for seed in args.seeds or [args.seed]:
            for mixture in args.mixtures.split(","):
                for config in args.configs.split(","):
                    run(config, mixture, args.steps, args.batch_size, args.num_samples, seed, checkpoints, append)
        return
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
