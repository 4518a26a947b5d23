"""PSNR and SSIM of super-resolved images against their targets, and of the bicubic baseline."""

import numpy as np

from keras_gans.datasets.super_resolution import bicubic_upscale
from keras_gans.metrics.pairs import pair_scores


def evaluate_super_resolution(model, dataset, scale=None, max_pairs=None):
    """PSNR and SSIM of G(I^LR) against I^HR, and of bicubic upscaling of the same I^LR.

    Per pair, as `models.pix2pix.pair_scores` (shared with pix2pix's
    evaluation): images mapped from [-1, 1] to [0, 1] (outputs clipped),
    PSNR = tf.image.psnr(max_val=1), SSIM = tf.image.ssim(max_val=1, 11x11
    Gaussian window, smaller for small images). The generator runs in
    inference mode.

    Args:
        model: an `SRGAN`, or a generator (a Keras model I^LR -> I^SR).
        dataset: batches of (low_res, high_res), e.g.
            `datasets.load_super_resolution(..., split="test", shuffle=False)`.
        scale: the upscaling factor of the bicubic baseline; default the
            ratio of the pairs' sizes.
        max_pairs: stop after this many pairs.

    Returns:
        {"psnr", "ssim", "bicubic_psnr", "bicubic_ssim"} (means),
        the same keys with "_std" (standard deviations over pairs), "num_pairs",
        and "per_pair": {key: numpy array} of every pair's values.
    """
    generator = getattr(model, "generator", model)
    values = {"psnr": [], "ssim": [], "bicubic_psnr": [], "bicubic_ssim": []}
    count = 0
    for low, high in dataset:
        if max_pairs is not None:
            low, high = low[: max_pairs - count], high[: max_pairs - count]
        factor = scale or int(high.shape[1]) // int(low.shape[1])
        output = generator(low, training=False)
        for prefix, images in (("", output), ("bicubic_", bicubic_upscale(low, factor))):
            scores = pair_scores(high, images)
            values[prefix + "psnr"].append(scores["psnr"].numpy())
            values[prefix + "ssim"].append(scores["ssim"].numpy())
        count += int(low.shape[0])
        if max_pairs is not None and count >= max_pairs:
            break
    if count == 0:
        raise ValueError("evaluate_super_resolution got an empty dataset.")
    per_pair = {key: np.concatenate(v).astype("float64") for key, v in values.items()}
    results = {key: float(v.mean()) for key, v in per_pair.items()}
    results.update({key + "_std": float(v.std()) for key, v in per_pair.items()})
    return {**results, "num_pairs": count, "per_pair": per_pair}


def evaluate_super_resolution_split(model, dataset, split, image_size):
    """`keras-gans evaluate` of an SRGAN run: PSNR/SSIM of the model and of bicubic upscaling, as printed lines.

    Every image of `dataset:split`, downsampled bicubic x4 as the zoo's
    loader makes its pairs (batches of 1, then scored 100 at a time).
    """
    from keras_gans.datasets.super_resolution import load_super_resolution

    pairs = load_super_resolution(
        dataset, split=split, batch_size=1, scale=4, image_size=image_size, shuffle=False, seed=0
    )
    scores = evaluate_super_resolution(model, pairs.unbatch().batch(100))
    return "\n".join(
        [
            "method   psnr     ssim",
            f"model    {scores['psnr']:<8.4f} {scores['ssim']:.4f}",
            f"bicubic  {scores['bicubic_psnr']:<8.4f} {scores['bicubic_ssim']:.4f}",
            "protocol:",
            f"  pairs: {dataset}:{split} ({scores['num_pairs']} images, inputs downsampled bicubic; "
            "PSNR and SSIM on [0, 1])",
        ]
    )
