"""SRGAN against its control (SRResNet, MSE only) and bicubic upscaling, on mnist5k x4.

Offline data: the embedded mnist5k digits (28x28, 4,000 train / 1,000 test),
low-resolution inputs made by bicubic downsampling x4 (7x7,
`datasets.load_super_resolution`). Small networks: SRResNet with 4 residual
blocks of 32 filters; the discriminator at base width 16 and a dense layer of
128. Content loss: pixel MSE (the VGG19 weights are not reachable offline:
this is the paper's SRGAN-MSE, not SRGAN-VGG54). Adam(1e-4, 0.9), batch 16.

Per seed, as the paper (SRGAN's generator starts from a trained SRResNet):
the SRResNet trains `--pretrain` steps on the MSE; from there
- SRResNet (control): `--steps` more MSE steps;
- SRGAN: `--steps` adversarial steps (content + 1e-3 adversarial loss),
so both generators get the same number of updates. Scores: PSNR and SSIM on
[0, 1] (`metrics.super_resolution.evaluate_super_resolution`) over the 1,000
test images, for both models and for bicubic upscaling of the same inputs;
mean +- std over the test images per seed, and over the seeds.

    PYTHONPATH=. python benchmarks/srgan.py --seeds 0 1 2 --pretrain 600 --steps 600 --out benchmarks/results

(or one process per seed, `--seeds N` each, then `--summarize`).
"""

import argparse
import json
import os
import time

import numpy as np
import keras

from keras_gans import plotting
from keras_gans.datasets.super_resolution import bicubic_upscale, load_super_resolution
from keras_gans.metrics.super_resolution import evaluate_super_resolution
from keras_gans.models.srgan import build_srgan, pretrain_srresnet

SCALE = 4
NETWORKS = dict(blocks=4, filters=32, discriminator_filters=16, dense_units=128)
KEYS = ("psnr", "ssim", "bicubic_psnr", "bicubic_ssim")


def build(seed):
    return build_srgan(channels=1, scale=SCALE, hr_shape=(28, 28, 1), content_loss="pixel", seed=seed, **NETWORKS)


def scores(model, test):
    result = evaluate_super_resolution(model, test)
    result.pop("per_pair")
    return result


def run(seed, pretrain, steps, batch_size, picture):
    keras.utils.set_random_seed(seed)
    train = load_super_resolution("mnist5k", scale=SCALE, batch_size=batch_size, seed=seed).repeat()
    test = load_super_resolution("mnist5k", split="test", scale=SCALE, batch_size=100, shuffle=False)
    srgan = build(seed)
    start = time.time()
    pretrain_srresnet(srgan.generator, train, steps_per_epoch=pretrain, verbose=0)
    pretrain_seconds = time.time() - start
    print(f"seed {seed}: pretrained {pretrain} steps in {pretrain_seconds:.0f} s", flush=True)
    control = build(seed)
    control.generator.set_weights(srgan.generator.get_weights())
    start = time.time()
    pretrain_srresnet(control.generator, train, steps_per_epoch=steps, verbose=0)
    control_seconds = time.time() - start
    print(f"seed {seed}: SRResNet control {steps} steps in {control_seconds:.0f} s", flush=True)
    start = time.time()
    history = srgan.fit(train, epochs=1, steps_per_epoch=steps, verbose=0).history
    srgan_seconds = time.time() - start
    row = {
        "seed": seed,
        "pretrain_steps": pretrain,
        "steps": steps,
        "batch_size": batch_size,
        "seconds": {"pretrain": pretrain_seconds, "srresnet": control_seconds, "srgan": srgan_seconds},
        "srgan_last_logs": {k: float(v[-1]) for k, v in history.items()},
        "srresnet": scores(control, test),
        "srgan": scores(srgan, test),
    }
    if picture:
        low, high = next(iter(test))
        low, high = low[:8], high[:8]
        nearest = np.repeat(np.repeat(low.numpy(), SCALE, axis=1), SCALE, axis=2)
        rows = [nearest, bicubic_upscale(low, SCALE).numpy(), control.upscale(low), srgan.upscale(low), high.numpy()]
        plotting.save_image_grid(np.concatenate(rows), picture, columns=8, scale=4)
    return row


def summary(rows):
    def stat(values):
        return f"{np.mean(values):.3f} +- {np.std(values):.3f}"

    seeds = [r["seed"] for r in rows]
    r0 = rows[0]
    lines = [
        f"SRGAN (pixel content loss, SRGAN-MSE) vs SRResNet (MSE only) vs bicubic, mnist5k x{SCALE} (7x7 -> 28x28), "
        f"networks {NETWORKS}, batch {r0['batch_size']}, Adam(1e-4, 0.9); per seed: SRResNet pretraining "
        f"{r0['pretrain_steps']} steps, then {r0['steps']} more steps of each arm from the same weights; "
        f"seeds {seeds}; PSNR (dB) and SSIM on [0, 1] over the 1,000 test images. Mean +- std over seeds of the "
        "per-seed means (the per-image std within a seed is in the json). 2-core CPU shared with other jobs, "
        "1 intra-op thread.",
        "",
        "| method | PSNR (dB) | SSIM |",
        "|---|---|---|",
        f"| bicubic | {stat([r['srgan']['bicubic_psnr'] for r in rows])} | "
        f"{stat([r['srgan']['bicubic_ssim'] for r in rows])} |",
        f"| SRResNet (MSE only) | {stat([r['srresnet']['psnr'] for r in rows])} | "
        f"{stat([r['srresnet']['ssim'] for r in rows])} |",
        f"| SRGAN (MSE + 1e-3 adversarial) | {stat([r['srgan']['psnr'] for r in rows])} | "
        f"{stat([r['srgan']['ssim'] for r in rows])} |",
        "",
        "Per seed (mean +- std over the test images):",
        "",
    ]
    for r in rows:
        parts = [
            f"{arm} PSNR {r[arm]['psnr']:.2f} +- {r[arm]['psnr_std']:.2f}, SSIM {r[arm]['ssim']:.3f} +- "
            f"{r[arm]['ssim_std']:.3f}"
            for arm in ("srresnet", "srgan")
        ]
        bicubic = f"bicubic PSNR {r['srgan']['bicubic_psnr']:.2f} +- {r['srgan']['bicubic_psnr_std']:.2f}"
        seconds = ", ".join(f"{k} {v:.0f} s" for k, v in r["seconds"].items())
        lines.append(f"- seed {r['seed']}: {'; '.join(parts)}; {bicubic} ({seconds})")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--pretrain", type=int, default=600)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--picture", default="docs/images/srgan_mnist5k.png")
    parser.add_argument("--summarize", action="store_true", help="only rewrite srgan.md from srgan.jsonl")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    jsonl = os.path.join(args.out, "srgan.jsonl")
    for seed in [] if args.summarize else args.seeds:
        # One line per seed: seeds may run as parallel processes appending to the same file.
        row = run(seed, args.pretrain, args.steps, args.batch_size, args.picture if seed == 0 else None)
        with open(jsonl, "a") as f:
            f.write(json.dumps(row) + "\n")
    with open(jsonl) as f:
        rows = sorted((json.loads(line) for line in f if line.strip()), key=lambda r: r["seed"])
    with open(os.path.join(args.out, "srgan.md"), "w") as f:
        f.write(summary(rows))
    print(summary(rows), flush=True)


if __name__ == "__main__":
    main()
