"""Scores of image-to-image translations against held-out targets.

`evaluate_pairs(model, pairs)`: L1, PSNR and SSIM of G(x) against y;
`keras-gans evaluate` uses `evaluate_paired_split` for the zoo entries whose
`evaluation` is "pairs" (pix2pix).
"""

import tensorflow as tf


def evaluate_pairs(model, dataset, max_pairs=None, test_mode=None):
    """L1, PSNR and SSIM of translations against held-out targets (tf.image).

    Images are mapped from [-1, 1] to [0, 1]; then per pair: L1 is the mean
    absolute difference, PSNR = 10 log10(1 / MSE) (tf.image.psnr, max_val=1),
    SSIM is tf.image.ssim (max_val=1, 11x11 Gaussian window, smaller for
    small images); the results are means over pairs. The generator runs in
    `test_mode`: "inference" (moving statistics, no dropout) or "paper"
    (dropout on, each test batch normalised by its own statistics; use
    batches of 1 as the paper).

    Args:
        model: a `Pix2Pix`, or a generator (a Keras model x -> y).
        dataset: batches of (input_images, target_images), e.g.
            `load_paired(..., split="test")` (no jitter outside "train").
        max_pairs: stop after this many pairs.
        test_mode: "inference" or "paper"; default the model's
            `test_mode` ("inference" for a bare generator).

    Returns:
        {"l1": ..., "psnr": ..., "ssim": ..., "num_pairs": n}.
    """
    from keras_gans.models.pix2pix import Pix2Pix, check_test_mode, run_generator

    generator = model.generator if isinstance(model, Pix2Pix) else model
    default = model.test_mode if isinstance(model, Pix2Pix) else "inference"
    mode = check_test_mode(test_mode or default)
    totals = {"l1": 0.0, "psnr": 0.0, "ssim": 0.0}
    count = 0
    for batch in dataset:
        source, target = Pix2Pix.unpack_pair(batch)
        if max_pairs is not None:
            source, target = source[: max_pairs - count], target[: max_pairs - count]
        output = run_generator(generator, source, mode)
        scores = pair_scores(target, output)
        for key in totals:
            totals[key] += float(tf.reduce_sum(scores[key]))
        count += int(source.shape[0])
        if max_pairs is not None and count >= max_pairs:
            break
    if count == 0:
        raise ValueError("evaluate_pairs got an empty dataset.")
    return {**{k: v / count for k, v in totals.items()}, "num_pairs": count}


def pair_scores(target, output):
    """Per-pair L1, PSNR and SSIM of images in [-1, 1] (see `evaluate_pairs`)."""
    target = (tf.cast(target, tf.float32) + 1.0) / 2.0
    output = tf.clip_by_value((tf.cast(output, tf.float32) + 1.0) / 2.0, 0.0, 1.0)
    if target.shape[1:] != output.shape[1:]:
        raise ValueError(f"Targets have shape {target.shape[1:]} but outputs {output.shape[1:]}.")
    filter_size = min(11, int(target.shape[1]), int(target.shape[2]))
    return {
        "l1": tf.reduce_mean(tf.abs(target - output), axis=[1, 2, 3]),
        "psnr": tf.image.psnr(target, output, max_val=1.0),
        "ssim": tf.image.ssim(target, output, max_val=1.0, filter_size=filter_size),
    }


def evaluate_paired_split(model, dataset, split, image_size):
    """L1, PSNR and SSIM of G(x) against y on every pair of `dataset:split`, as printed lines.

    Batches of 1, as the paper evaluates, so that every held-out pair counts.
    """
    from keras_gans.datasets.paired import load_paired

    pairs = load_paired(dataset, split=split, batch_size=1, image_size=image_size, shuffle=False)
    scores = evaluate_pairs(model, pairs)
    lines = ["metric  value"] + [f"{key:<7} {scores[key]:.4f}" for key in ("l1", "psnr", "ssim")]
    lines += [
        "protocol:",
        f"  pairs: {dataset}:{split} ({scores['num_pairs']} pairs, images in [-1, 1]; PSNR and SSIM on [0, 1])",
    ]
    return "\n".join(lines)
