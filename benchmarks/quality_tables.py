"""Mean +- sample std (ddof=1) over seeds of the examples' mnist5k rows, as Markdown tables.

Reads the JSONL rows the examples append (one per run) in benchmarks/results:

    pix2pix_ablation_mnist5k.jsonl   examples/pix2pix_ablation.py --dataset mnist5k --jsonl ...
    cyclegan_mnist5k.jsonl           examples/cyclegan_horse2zebra.py --evaluate-digits --offline mnist5k --jsonl ...
    semi_supervised_mnist5k.jsonl    examples/semi_supervised_digits.py --dataset mnist5k (its results.json rows)

    python benchmarks/quality_tables.py
"""

import argparse
import json
import os

import numpy as np


def rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def stat(values, fmt):
    values = np.asarray(values, float)
    spread = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():{fmt}} +- {spread:{fmt}}"


def pix2pix_table(data):
    lines = [
        "| objective | L1 | PSNR (dB) | SSIM | classifier accuracy | classifier FD | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    for objective in ("L1", "cGAN", "L1+cGAN"):
        arm = [r for r in data if r["objective"] == objective]
        if arm:
            lines.append(
                f"| {objective} | {stat([r['l1'] for r in arm], '.4f')} | {stat([r['psnr'] for r in arm], '.2f')} | "
                f"{stat([r['ssim'] for r in arm], '.3f')} | {stat([r['classifier_accuracy'] for r in arm], '.3f')} | "
                f"{stat([r['classifier_fd'] for r in arm], '.2f')} | {len(arm)} |"
            )
    if data:
        lines.append(f"| real targets | 0 | inf | 1 | {data[0]['real_targets_classifier_accuracy']:.3f} | 0 | |")
    return "\n".join(lines)


def cyclegan_table(data):
    if not data:
        return ""

    def cell(key):
        return stat([100 * r[key] for r in data], ".1f") + "%"

    lines = [
        f"| measure ({len(data)} seeds) | A -> B (G) | B -> A (F) |",
        "|---|---|---|",
        f"| cycle-reconstruction L1 (images in [-1, 1]) | {stat([r['cycle_l1_a'] for r in data], '.3f')} | "
        f"{stat([r['cycle_l1_b'] for r in data], '.3f')} |",
        "| translated images classified as their source's class | "
        f"{cell('class_preservation_a_to_b')} | {cell('class_preservation_b_to_a')} |",
        "| the same classifier on real target-domain images | "
        f"{cell('classifier_b_on_real_b')} | {cell('classifier_a_on_real_a')} |",
        "| the same classifier on untranslated source images | "
        f"{cell('classifier_b_on_untranslated_a')} | {cell('classifier_a_on_untranslated_b')} |",
    ]
    steps = sorted({r["setting"].get("steps") for r in data})
    cpu = [r["setting"].get("train_cpu_seconds") for r in data]
    lines.append(f"\nsteps {steps}, train CPU seconds {cpu}")
    return "\n".join(lines)


def semi_supervised_table(data):
    lines = ["| seed | SemiSupervisedGAN classifier | same classifier, 100 labels alone |", "|---|---|---|"]
    for r in sorted(data, key=lambda r: r["seed"]):
        lines.append(f"| {r['seed']} | {r['semi_supervised_gan']:.3f} | {r['labels_only']:.3f} |")
    if data:
        gan, alone = [r["semi_supervised_gan"] for r in data], [r["labels_only"] for r in data]
        lines.append(f"| mean +- std | {stat(gan, '.3f')} | {stat(alone, '.3f')} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="benchmarks/results")
    args = parser.parse_args()
    path = lambda name: os.path.join(args.results, name)  # noqa: E731
    print("pix2pix ablation, mnist5k\n" + pix2pix_table(rows(path("pix2pix_ablation_mnist5k.jsonl"))) + "\n")
    print("CycleGAN, mnist5k strokes\n" + cyclegan_table(rows(path("cyclegan_mnist5k.jsonl"))) + "\n")
    print("Semi-supervised, mnist5k\n" + semi_supervised_table(rows(path("semi_supervised_mnist5k.jsonl"))))


if __name__ == "__main__":
    main()
