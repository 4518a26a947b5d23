"""Mode coverage metrics for 2-D Gaussian-mixture toy problems.

The ring and grid mixtures are the standard mode-collapse benchmarks of
Metz et al. 2017 ("Unrolled Generative Adversarial Networks") and
Srivastava et al. 2017 ("VEEGAN").
"""

import numpy as np

from keras_gans.datasets import embedded
from keras_gans.metrics.distances import pairwise_sq_distances

MIXTURES = tuple(embedded.MIXTURES)


def mixture_modes(name):
    """Centres and standard deviation of a named 2-D Gaussian mixture.

    - `"ring8"`: 8 Gaussians evenly spaced on a circle of radius 1,
      std 0.01.
    - `"grid25"`: 25 Gaussians centred at `{-4, -2, 0, 2, 4}^2`, std 0.05.

    Args:
        name: `"ring8"` or `"grid25"`.

    Returns:
        `(centers, std)`: a float64 array of shape `(num_modes, 2)` and a
        float.

    Example:

    >>> centers, std = mixture_modes("ring8")
    >>> centers.shape, std
    ((8, 2), 0.01)
    """
    # One definition of the mixtures: the dataset's.
    centers = embedded.mixture_centers(name).astype("float64")
    return centers, embedded.MIXTURES[name]["std"]


def mode_coverage(samples, centers, std, threshold=3.0):
    """Number of captured modes and fraction of high-quality samples.

    Protocol of Metz et al. 2017 and Srivastava et al. 2017: a sample is
    high quality when it lies within `threshold * std` of its nearest mode;
    a mode is captured when it is the nearest mode of at least one
    high-quality sample.

    Args:
        samples: Array of shape `(num_samples, 2)` (any dim matching
            `centers`).
        centers: Mode centres, shape `(num_modes, 2)`.
        std: Standard deviation of each mode.
        threshold: Distance threshold in units of `std`.

    Returns:
        A dict with `"modes_captured"` (int), `"num_modes"` (int) and
        `"high_quality_fraction"` (float).

    Example:

    >>> centers, std = mixture_modes("ring8")
    >>> mode_coverage(centers, centers, std)["modes_captured"]
    8
    """
    samples = np.asarray(samples, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"`samples` must have shape (n, {centers.shape[1]}); got {samples.shape}.")
    if len(samples) == 0:
        raise ValueError("`samples` is empty.")
    captured = np.zeros(len(centers), dtype=bool)
    num_hq = 0
    limit = (threshold * std) ** 2
    for start in range(0, len(samples), 4096):
        d = pairwise_sq_distances(samples[start : start + 4096], centers)
        nearest = np.argmin(d, axis=1)
        hq = d[np.arange(len(d)), nearest] <= limit
        captured[nearest[hq]] = True
        num_hq += int(hq.sum())
    return {
        "modes_captured": int(captured.sum()),
        "num_modes": int(len(centers)),
        "high_quality_fraction": float(num_hq / len(samples)),
    }
