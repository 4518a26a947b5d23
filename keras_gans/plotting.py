"""Pictures of training: sample grids, loss curves and 2-D scatter plots, as PNG files."""

import math
import os

import numpy as np


def image_grid(images, columns=None, padding=1, scale=1):
    """Tile images in [-1, 1] into one uint8 array of shape (H, W, C).

    Args:
        images: array (n, height, width, channels), values in [-1, 1].
        columns: images per row (default: a square grid).
        padding: pixels between images.
        scale: integer nearest-neighbour upscaling, for small images.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"Expected images of shape (n, height, width, channels), got {images.shape}.")
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).round().astype("uint8")
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c), 255, "uint8")
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = pixels[i]
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    return grid


def save_image_grid(images, path, columns=None, scale=None):
    """Write images in [-1, 1] as one PNG grid; returns the path.

    Small images are upscaled so the grid is at least ~256 pixels wide.
    """
    images = np.asarray(images)
    if scale is None:
        width = images.shape[2] * (columns or math.ceil(math.sqrt(len(images))))
        scale = max(1, 256 // max(width, 1))
    grid = image_grid(images, columns=columns, scale=scale)
    _write_png(grid, path)
    return path


def _write_png(array, path):
    import tensorflow as tf

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(array))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_history(history, path, keys=None, title="Training losses", ylabel="loss"):
    """Plot per-epoch logs (a dict of lists, as History.history) to a PNG."""
    plt = _pyplot()
    keys = keys or [k for k in history if k.endswith("loss")]
    if not keys or any(k not in history for k in keys):
        raise ValueError(f"Nothing to plot: asked for {keys or 'the *loss keys'}, the history has {list(history)}.")
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for key in keys:
        values = history[key]
        ax.plot(range(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(plt, fig, path)


def scatter_2d(panels, path, centers=None, limit=None, ncols=None):
    """Scatter plots of 2-D samples, one panel per (title, samples) pair."""
    plt = _pyplot()
    panels = list(panels)
    ncols = ncols or len(panels)
    nrows = int(math.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.6 * nrows), dpi=100, squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, (title, samples) in zip(axes.flat, panels):
        samples = np.asarray(samples)
        ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.5)
        if centers is not None:
            centers = np.asarray(centers)
            ax.scatter(centers[:, 0], centers[:, 1], s=12, c="red", marker="x")
        if limit is not None:
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
        ax.set_title(title, fontsize=9)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    return _save(plt, fig, path)


def _save(plt, fig, path):
    """Lay out, write (creating the folder) and close a figure; returns the path."""
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
