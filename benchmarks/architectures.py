"""SNGAN and SAGAN against the DCGAN baseline on the embedded MNIST (mnist5k), same budget.

The protocol of benchmarks/dcgan_quality.py: for each configuration and seed,
train on the 4,000 mnist5k train images (28x28, batch 64, latent 32) for the
same number of epochs (10 by default: 620 generator steps), then score 1,000
samples with keras_gans' MNIST classifier: MNIST Frechet distance against the
1,000 test images, MNIST score, and class coverage (the fraction of the 10
digits that get >= 2% of the samples). Mean +- std over seeds. The DCGAN row
is rerun here, on the same machine and load, rather than copied.

Configurations (CONFIGS; each entry: a builder(seed) and a description):
- dcgan: the zoo's DCGAN (batch-norm D, non-saturating game, base filters 32,
  Adam(5e-4, 0.5)), the dcgan_quality.py row "non_saturating, no EMA";
- sngan: the zoo's SNGAN: the paper's ResNet networks (28 px: 7x7 bottom,
  2 up-sampling G blocks; D = optimized block, 3 blocks, global sum pooling)
  at width `channels` (16: narrow, for this 2-core CPU), spectral norm on
  every D layer, hinge, n_dis = 5 (sharing the step's real batch), Adam(2e-4,
  0, 0.9);
- sagan: the zoo's SAGAN: the same ResNets with self-attention at 14x14 in G
  and D, spectral norm in G and D, hinge, 1 D step, TTUR Adam(1e-4 G,
  4e-4 D, 0, 0.9);
- sngan_dcgan: SNGAN's game and optimizer with the DCGAN networks (base
  filters 32, D without batch norm, spectrally normalized).

    python benchmarks/architectures.py --epochs 10 --seeds 0 1 2 --out benchmarks/results
    python benchmarks/architectures.py --table --out benchmarks/results   # the table from the JSONL
"""

import functools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcgan_quality  # noqa: E402  (the protocol: fit, scores, the JSONL and the table)

from keras_gans import metrics, zoo  # noqa: E402

SHAPE, LATENT, CHANNELS = (28, 28, 1), 32, 16


def _dcgan(seed):
    return zoo.build("dcgan", SHAPE, latent_dim=LATENT, learning_rate=5e-4, seed=seed)


def _sngan(seed):
    return zoo.build("sngan", SHAPE, latent_dim=LATENT, channels=CHANNELS, seed=seed)


def _sagan(seed):
    return zoo.build("sagan", SHAPE, latent_dim=LATENT, channels=CHANNELS, seed=seed)


def _sngan_dcgan(seed):
    return zoo.build("sngan", SHAPE, latent_dim=LATENT, architecture="dcgan", channels=32, seed=seed)


# name -> (builder(seed) -> compiled model, description for the table). Add rows here.
CONFIGS = {
    "dcgan": (_dcgan, "DCGAN, batch-norm D, non-saturating, Adam(5e-4, 0.5)"),
    "sngan": (_sngan, f"SNGAN ResNet (ch {CHANNELS}), SN D, hinge, n_dis 5, Adam(2e-4, 0, 0.9)"),
    "sagan": (
        _sagan,
        f"SAGAN ResNet (ch {CHANNELS}) + attention at 14x14, SN G and D, hinge, TTUR 1e-4/4e-4",
    ),
    "sngan_dcgan": (_sngan_dcgan, "SNGAN game with the DCGAN networks (filters 32), SN D without BN"),
}


def run(config, seed, epochs, classifier):
    model, seconds = dcgan_quality.fit(lambda: CONFIGS[config][0](seed), seed, epochs)
    row = {"config": config, "seed": seed, "epochs": epochs}
    row.update(
        generator_steps=int(model.g_optimizer.iterations.numpy()),
        discriminator_steps=int(model.d_optimizer.iterations.numpy()),
        parameters={"generator": model.generator.count_params(), "discriminator": model.discriminator.count_params()},
        seconds=seconds,
    )
    row.update(dcgan_quality.scores(model.generate(1000, seed=seed), classifier))
    return row


def table(rows, protocol):
    lines = [
        "| configuration | MNIST FD (lower is better) | MNIST score | class coverage | G / D steps | "
        "G / D parameters | seconds per run | seeds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    # One row per (configuration, seed): the last run of it (runs may be split across processes).
    rows = list({(r["config"], r["seed"]): r for r in rows}.values())
    for config, (_, description) in CONFIGS.items():
        arm = sorted((r for r in rows if r["config"] == config), key=lambda r: r["seed"])
        if not arm:
            continue
        stat = functools.partial(dcgan_quality.stat, arm)
        params = arm[0]["parameters"]
        lines.append(
            f"| {config}: {description} | {stat('mnist_fd', '.1f')} | {stat('mnist_score', '.2f')} | "
            f"{stat('class_coverage', '.2f')} | {arm[0]['generator_steps']} / {arm[0]['discriminator_steps']} | "
            f"{params['generator']:,} / {params['discriminator']:,} | {np.mean([r['seconds'] for r in arm]):.0f} | "
            f"{', '.join(str(r['seed']) for r in arm)} |"
        )
    return protocol + "\n\n" + "\n".join(lines) + "\n"


def main():
    args = dcgan_quality.arguments(__doc__, CONFIGS).parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "architectures.jsonl")
    classifier = metrics.mnist_classifier()
    protocol = (
        f"mnist5k 28x28 (the 4,000 train images), batch 64, latent {LATENT}, {args.epochs} epochs per run, "
        "each model's own optimizer (see benchmarks/architectures.py); mean +- std over the seeds listed; "
        "2-core CPU shared with other jobs (seconds are wall time under that load). "
        + metrics.mnist_protocol(classifier, 1000)
    )
    if not args.table:
        for seed in args.seeds:
            for config in args.configs:
                dcgan_quality.append_row(path, run(config, seed, args.epochs, classifier))
    dcgan_quality.write_table(path, os.path.join(args.out, "architectures.md"), lambda rows: table(rows, protocol))


if __name__ == "__main__":
    main()
