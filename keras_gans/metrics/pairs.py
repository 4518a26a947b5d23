"""Scores of image-to-image translations against held-out targets.

`keras-gans evaluate` uses `evaluate_paired_split` for the zoo entries whose
`evaluation` is "pairs" (pix2pix).
"""


def evaluate_paired_split(model, dataset, split, image_size):
    """L1, PSNR and SSIM of G(x) against y on every pair of `dataset:split`, as printed lines.

    Batches of 1, as the paper evaluates, so that every held-out pair counts.
    """
    from keras_gans.datasets.paired import load_paired
    from keras_gans.models.pix2pix import evaluate_pairs

    pairs = load_paired(dataset, split=split, batch_size=1, image_size=image_size, shuffle=False)
    scores = evaluate_pairs(model, pairs)
    lines = ["metric  value"] + [f"{key:<7} {scores[key]:.4f}" for key in ("l1", "psnr", "ssim")]
    lines += [
        "protocol:",
        f"  pairs: {dataset}:{split} ({scores['num_pairs']} pairs, images in [-1, 1]; PSNR and SSIM on [0, 1])",
    ]
    return "\n".join(lines)
