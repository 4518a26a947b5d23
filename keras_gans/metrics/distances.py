"""Distances between sets of samples or features.

All computations are done in float64 with numpy/scipy. Inputs may be numpy
arrays, lists or tensors of shape `(num_samples, dim)`.
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse
import scipy.stats


def _as_2d(x, name="x"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"`{name}` must have shape (num_samples, dim); got {x.shape}.")
    return x


def pairwise_sq_distances(x, y):
    """Squared Euclidean distances between the rows of `x` and of `y`.

    Args:
        x: Array of shape `(n, d)`.
        y: Array of shape `(m, d)`.

    Returns:
        A float64 array of shape `(n, m)`, clipped at 0.
    """
    x, y = _as_2d(x, "x"), _as_2d(y, "y")
    # In place, so only one (n, m) array is allocated.
    d = x @ y.T
    d *= -2.0
    d += np.sum(x * x, axis=1)[:, None]
    d += np.sum(y * y, axis=1)[None, :]
    return np.maximum(d, 0.0, out=d)


class FeatureStatistics:
    """Streaming mean and covariance of feature vectors (for FID).

    Keeps a running sum, a running sum of outer products (both float64,
    taken relative to the mean of the first batch for numerical
    stability) and a count, so features never have to be held in memory.

    Example:

    >>> stats = FeatureStatistics()
    >>> for batch in np.split(np.random.rand(100, 4), 10):
    ...     stats.update(batch)
    >>> stats.mean().shape, stats.covariance().shape
    ((4,), (4, 4))
    """

    def __init__(self):
        self.count = 0
        self._shift = None
        self._sum = None
        self._outer = None

    def update(self, batch_features):
        """Adds a batch of features of shape `(batch, dim)`."""
        f = _as_2d(batch_features, "batch_features")
        if f.shape[0] == 0:
            return self
        if self._shift is None:
            self._shift = f.mean(axis=0)
            self._sum = np.zeros(f.shape[1])
            self._outer = np.zeros((f.shape[1], f.shape[1]))
        elif f.shape[1] != self._shift.shape[0]:
            raise ValueError(f"Feature dim changed from {self._shift.shape[0]} to {f.shape[1]}.")
        c = f - self._shift
        self._sum += c.sum(axis=0)
        self._outer += c.T @ c
        self.count += f.shape[0]
        return self

    @property
    def dim(self):
        return None if self._shift is None else self._shift.shape[0]

    def mean(self):
        """Returns the float64 mean vector of shape `(dim,)`."""
        if self.count == 0:
            raise ValueError("No features were added.")
        return self._shift + self._sum / self.count

    def covariance(self):
        """Returns the unbiased (`n - 1`) float64 covariance `(dim, dim)`."""
        if self.count < 2:
            raise ValueError("At least 2 feature vectors are needed.")
        m = self._sum / self.count
        cov = (self._outer - self.count * np.outer(m, m)) / (self.count - 1)
        return (cov + cov.T) / 2.0


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Fréchet distance between two Gaussians `N(mu1, sigma1)`, `N(mu2, sigma2)`.

    `d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`.
    Applied to Inception (or other) features this is the FID of Heusel et
    al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
    Local Nash Equilibrium". Follows the reference TTUR / pytorch-fid code:
    when the matrix square root of the product is inaccurate or not finite
    (near-singular covariances), `eps * I` is added to both covariances,
    and the real part of the square root is used.

    Args:
        mu1, mu2: Mean vectors of shape `(dim,)`.
        sigma1, sigma2: Covariance matrices of shape `(dim, dim)`.
        eps: Diagonal offset used for near-singular products.

    Returns:
        The squared Fréchet distance as a non-negative Python float.

    Example:

    >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
    2.0
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError("Means and covariances must have matching shapes.")

    diff = mu1 - mu2
    product = sigma1 @ sigma2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covmean = scipy.linalg.sqrtm(product)
        norm = np.linalg.norm(product)
        inaccurate = not np.all(np.isfinite(covmean)) or (
            norm > 0 and np.linalg.norm(covmean @ covmean - product) > 1e-3 * norm
        )
        if inaccurate:
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    covmean = np.real(covmean)
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def warn_if_few_samples(counts, dim, what="FID"):
    """Warns when a feature set has fewer samples than feature dimensions.

    The covariance of `n < dim` vectors is singular (rank at most `n - 1`),
    which makes the Fréchet distance strongly biased and unstable.

    Args:
        counts: Sample counts of the sets, e.g. `(num_real, num_fake)`.
        dim: Feature dimension.
        what: Name of the metric for the message.

    Returns:
        True when a warning was issued.
    """
    few = [int(n) for n in counts if int(n) < int(dim)]
    if not few:
        return False
    warnings.warn(
        f"{what} from {' and '.join(str(int(n)) for n in counts)} samples "
        f"of {int(dim)}-d features: fewer samples than dimensions, so the "
        "covariance estimate is singular and the value is biased high and "
        f"unstable. Use at least {int(dim)} samples per set (published FIDs "
        "use 50,000 generated images).",
        stacklevel=3,
    )
    return True


def frechet_distance_from_features(f1, f2, eps=1e-6):
    """Fréchet distance between Gaussians fitted to two feature sets.

    See `frechet_distance` (Heusel et al. 2017). Warns when a set has fewer
    samples than feature dimensions (see `warn_if_few_samples`).

    Args:
        f1, f2: Feature arrays of shape `(n1, dim)` and `(n2, dim)`.
        eps: Diagonal offset used for near-singular products.

    Returns:
        The squared Fréchet distance as a Python float.

    Example:

    >>> x = np.random.default_rng(0).normal(size=(500, 3))
    >>> frechet_distance_from_features(x, x)  # ~0.0
    """
    s1 = FeatureStatistics().update(f1)
    s2 = FeatureStatistics().update(f2)
    warn_if_few_samples((s1.count, s2.count), s1.dim)
    return frechet_distance(s1.mean(), s1.covariance(), s2.mean(), s2.covariance(), eps=eps)


def _offdiag_mean(k):
    n = k.shape[0]
    if n < 2:
        raise ValueError("Unbiased MMD needs at least 2 samples per set.")
    return (k.sum() - np.trace(k)) / (n * (n - 1))


def _poly_kernel(a, b, d):
    k = a @ b.T
    k /= d
    k += 1.0
    cube = k * k  # Much faster than `k ** 3`.
    cube *= k
    return cube


def kid_subset_size(n1, n2, subset_size=1000, same_set=False):
    """The KID subset size used for sets of `n1` and `n2` samples.

    `min(subset_size, n1, n2)` (MMD-GAN's protocol needs subsets drawn
    without replacement within each set); when a set is compared with
    itself, its two subsets are disjoint halves, so at most `n1 // 2`.
    """
    cap = n1 // 2 if same_set else min(n1, n2)
    return int(min(subset_size, cap))


def kid(f1, f2, num_subsets=100, subset_size=1000, seed=0):
    """Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs").

    Unbiased MMD^2 estimate with the cubic polynomial kernel
    `k(x, y) = (x . y / d + 1)^3`, averaged over `num_subsets` random
    subsets, with the protocol of the reference code (MMD-GAN's
    `polynomial_mmd_averages`): each subset is drawn without replacement
    within its set, independently for the two sets, of size
    `min(subset_size, n1, n2)`; a warning says when the requested
    `subset_size` cannot be met. The unbiased estimator assumes the two
    sets are independent samples: when `f1` and `f2` are the same array,
    overlapping subsets would put the same points on both sides (KID of a
    set with itself would come out negative, about `-2 k(x, x) / n`), so
    each subset pair is then two disjoint halves of one random permutation
    (subset size at most `n // 2`) and `kid(x, x)` is about 0.

    Args:
        f1, f2: Feature arrays of shape `(n1, dim)` and `(n2, dim)`.
        num_subsets: Number of random subsets.
        subset_size: Requested size of each subset (1,000 in the paper).
        seed: Seed of the subset sampling.

    Returns:
        `(mean, std)` of the MMD^2 estimates over subsets (Python floats).
        The mean can be slightly negative when both sets match.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> mean, std = kid(rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8)))
    """
    f1, f2 = _as_2d(f1, "f1"), _as_2d(f2, "f2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(f"KID needs features of one dimension; got {f1.shape[1]} and {f2.shape[1]}.")
    d = f1.shape[1]
    same = f1.shape == f2.shape and np.array_equal(f1, f2)
    m = kid_subset_size(len(f1), len(f2), subset_size, same)
    if m < 2:
        raise ValueError(f"KID needs subsets of at least 2 samples; sets of {len(f1)} and {len(f2)} samples give {m}.")
    if m < subset_size:
        sizes = (
            f"one set of {len(f1)} samples compared with itself (two disjoint halves)"
            if same
            else f"sets of {len(f1)} and {len(f2)} samples"
        )
        warnings.warn(
            f"KID subset size {m} instead of the requested {subset_size}: "
            f"{sizes}. Values from different subset sizes are not "
            "comparable (the paper uses 1,000).",
            stacklevel=2,
        )
    rng = np.random.default_rng(seed)
    values = np.empty(num_subsets)
    for i in range(num_subsets):
        if same:
            order = rng.permutation(len(f1))
            x, y = f1[order[:m]], f1[order[m : 2 * m]]
        else:
            x = f1[rng.choice(f1.shape[0], m, replace=False)]
            y = f2[rng.choice(f2.shape[0], m, replace=False)]
        # One (m, m) kernel matrix alive at a time.
        values[i] = (
            _offdiag_mean(_poly_kernel(x, x, d))
            + _offdiag_mean(_poly_kernel(y, y, d))
            - 2.0 * _poly_kernel(x, y, d).mean()
        )
    return float(values.mean()), float(values.std())


def median_heuristic(x, y=None):
    """Median pairwise Euclidean distance between distinct pooled samples."""
    z = _as_2d(x) if y is None else np.concatenate([_as_2d(x), _as_2d(y)])
    d = pairwise_sq_distances(z, z)
    iu = np.triu_indices(z.shape[0], k=1)
    return float(np.sqrt(np.median(d[iu])))


def mmd(x, y, sigma=None, biased=False):
    """Squared maximum mean discrepancy with a Gaussian kernel.

    Gretton et al. 2012, "A Kernel Two-Sample Test". Kernel
    `k(a, b) = exp(-||a - b||^2 / (2 sigma^2))`. Uses O((n + m)^2)
    memory: meant for small sets.

    Args:
        x, y: Arrays of shape `(n, dim)` and `(m, dim)`.
        sigma: Kernel bandwidth. If `None`, the median heuristic (median
            pairwise distance of the pooled sample) is used.
        biased: If `True`, returns the biased V-statistic (includes the
            diagonal terms, always >= 0); otherwise the unbiased U-statistic.

    Returns:
        MMD^2 as a Python float.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> mmd(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 3.0)
    """
    x, y = _as_2d(x, "x"), _as_2d(y, "y")
    if sigma is None:
        sigma = median_heuristic(x, y)
    if sigma <= 0:
        raise ValueError(f"`sigma` must be positive; got {sigma}.")
    gamma = 1.0 / (2.0 * sigma**2)
    k_xx = np.exp(-gamma * pairwise_sq_distances(x, x))
    k_yy = np.exp(-gamma * pairwise_sq_distances(y, y))
    k_xy = np.exp(-gamma * pairwise_sq_distances(x, y))
    if biased:
        return float(k_xx.mean() + k_yy.mean() - 2.0 * k_xy.mean())
    return float(_offdiag_mean(k_xx) + _offdiag_mean(k_yy) - 2.0 * k_xy.mean())


def _row_batches(n, batch_size):
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def one_nn_ideal(n, m):
    """Expected 1-NN accuracy of a perfect generator for sets of `n` and `m`.

    When both sets come from one distribution the pooled samples are
    exchangeable, so a sample's nearest other sample is in its own set with
    probability `(own set size - 1) / (n + m - 1)`:
    `(n (n - 1) + m (m - 1)) / ((n + m) (n + m - 1))`. That is
    `(n - 1) / (2n - 1)`, just under 0.5, for equal sizes, but 0.77 for 300
    real against 2,000 generated samples.

    Example:

    >>> round(one_nn_ideal(300, 300), 4)
    0.4992
    """
    n, m = int(n), int(m)
    return (n * (n - 1) + m * (m - 1)) / ((n + m) * (n + m - 1))


def one_nn_accuracy(x, y, batch_size=256, balance=True, seed=0):
    """Leave-one-out 1-nearest-neighbour two-sample test accuracy.

    Lopez-Paz & Oquab 2017, "Revisiting Classifier Two-Sample Tests";
    Xu et al. 2018, "An empirical study on evaluation metrics of GANs".
    Each pooled sample is labelled by its set and classified by the label of
    its nearest other sample. The two sets should have equal sizes (as in
    Xu et al.): then it is about 0.5 when both sets come from the same
    distribution (exactly `one_nn_ideal(n, n) = (n - 1) / (2n - 1)` in
    expectation), about 1.0 when they are disjoint, below 0.5 when the
    generated samples copy the real ones. With unequal sizes the chance
    level moves towards the larger set's share (0.77 for 300 against
    2,000), so by default the larger set is subsampled (without
    replacement, seeded) to the size of the smaller.

    Args:
        x, y: Arrays of shape `(n, dim)` and `(m, dim)`.
        batch_size: Rows per block of the distance computation.
        balance: Subsample the larger set to the smaller set's size. With
            `False` all samples are used; compare the result with
            `one_nn_ideal(n, m)`, not with 0.5.
        seed: Seed of the subsampling.

    Returns:
        The accuracy as a Python float.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> one_nn_accuracy(rng.normal(size=(100, 2)), rng.normal(size=(300, 2)))
    """
    x, y = _as_2d(x, "x"), _as_2d(y, "y")
    if balance and len(x) != len(y):
        rng = np.random.default_rng(seed)
        n = min(len(x), len(y))
        if len(x) > n:
            x = x[np.sort(rng.choice(len(x), n, replace=False))]
        else:
            y = y[np.sort(rng.choice(len(y), n, replace=False))]
    z = np.concatenate([x, y])
    labels = np.concatenate([np.zeros(len(x), bool), np.ones(len(y), bool)])
    correct = 0
    for rows in _row_batches(len(z), batch_size):
        d = pairwise_sq_distances(z[rows], z)
        idx = np.arange(rows.start, rows.stop)
        d[idx - rows.start, idx] = np.inf
        correct += np.sum(labels[np.argmin(d, axis=1)] == labels[rows])
    return float(correct / len(z))


def _transport_lp(cost):
    """Exact W1 between uniform distributions via a linear program."""
    n, m = cost.shape
    rows = scipy.sparse.kron(scipy.sparse.eye(n), np.ones((1, m)))
    cols = scipy.sparse.kron(np.ones((1, n)), scipy.sparse.eye(m))
    a_eq = scipy.sparse.vstack([rows, cols]).tocsr()
    b_eq = np.concatenate([np.full(n, 1.0 / n), np.full(m, 1.0 / m)])
    res = scipy.optimize.linprog(cost.ravel(), A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if not res.success:
        raise RuntimeError(f"Optimal transport LP failed: {res.message}")
    return float(res.fun)


def wasserstein_distance(x, y, max_lp_size=250_000):
    """Exact Wasserstein-1 distance between two empirical distributions.

    Uses the Euclidean ground cost. 1-D inputs are solved by sorting;
    equal-size sets by optimal assignment (Kuhn-Munkres, via
    `scipy.optimize.linear_sum_assignment`); other small sets by the
    transport linear program. For large sets use
    `sliced_wasserstein_distance`. (Arjovsky et al. 2017, "Wasserstein GAN",
    motivate W1 as a GAN distance.)

    Args:
        x, y: Arrays of shape `(n,)`/`(n, dim)` and `(m,)`/`(m, dim)`.
        max_lp_size: Largest `n * m` allowed for unequal multi-d sets.

    Returns:
        W1 as a Python float.

    Example:

    >>> wasserstein_distance([[0., 0.], [1., 0.]], [[1., 1.], [0., 1.]])
    1.0
    """
    x, y = _as_2d(x, "x"), _as_2d(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError("`x` and `y` must have the same dimension.")
    if x.shape[1] == 1:
        if len(x) == len(y):
            return float(np.mean(np.abs(np.sort(x[:, 0]) - np.sort(y[:, 0]))))
        return float(scipy.stats.wasserstein_distance(x[:, 0], y[:, 0]))
    cost = np.sqrt(pairwise_sq_distances(x, y))
    if len(x) == len(y):
        r, c = scipy.optimize.linear_sum_assignment(cost)
        return float(cost[r, c].mean())
    if len(x) * len(y) > max_lp_size:
        raise ValueError(
            f"Sets of sizes {len(x)} and {len(y)} are too large for the exact "
            "transport LP; use equal sizes or sliced_wasserstein_distance."
        )
    return _transport_lp(cost)


def sliced_wasserstein_distance(x, y, num_projections=128, seed=0):
    """Sliced Wasserstein-1 distance (Rabin et al. 2011; Deshpande et al. 2018).

    Averages the exact 1-D Wasserstein-1 distance of the samples projected
    on `num_projections` random unit directions. Scales to large sets. In
    1-D it equals the exact W1.

    Args:
        x, y: Arrays of shape `(n, dim)` and `(m, dim)`.
        num_projections: Number of random directions.
        seed: Seed of the directions.

    Returns:
        The sliced distance as a Python float.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> sliced_wasserstein_distance(rng.normal(size=(1000, 2)),
    ...                             rng.normal(size=(1000, 2)) + 1.0)
    """
    x, y = _as_2d(x, "x"), _as_2d(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError("`x` and `y` must have the same dimension.")
    rng = np.random.default_rng(seed)
    dirs = rng.normal(size=(x.shape[1], num_projections))
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    px, py = np.sort(x @ dirs, axis=0), np.sort(y @ dirs, axis=0)
    if len(x) == len(y):
        return float(np.mean(np.abs(px - py)))
    values = [scipy.stats.wasserstein_distance(px[:, j], py[:, j]) for j in range(num_projections)]
    return float(np.mean(values))


def _kth_nn_radii(x, k, batch_size):
    radii = np.empty(len(x))
    for rows in _row_batches(len(x), batch_size):
        d = pairwise_sq_distances(x[rows], x)
        # Index k because each point is its own 0-th neighbour.
        radii[rows] = np.partition(d, k, axis=1)[:, k]
    return radii


def _manifold_coverage(points, support, radii, batch_size):
    inside = np.empty(len(points), dtype=bool)
    for rows in _row_batches(len(points), batch_size):
        d = pairwise_sq_distances(points[rows], support)
        inside[rows] = np.any(d <= radii[None, :], axis=1)
    return float(inside.mean())


def precision_recall(real_features, fake_features, k=3, batch_size=256):
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    "Improved Precision and Recall Metric for Assessing Generative Models".
    Each set's manifold is the union of balls centred on its samples with
    radius the distance to the k-th nearest neighbour in that set.
    Precision is the fraction of fake samples inside the real manifold
    (quality); recall the fraction of real samples inside the fake manifold
    (coverage). Distances are computed in blocks of `batch_size` rows, so
    memory is O(batch_size * n).

    Args:
        real_features: Array of shape `(n, dim)`.
        fake_features: Array of shape `(m, dim)`.
        k: Neighbourhood size (the paper uses 3).
        batch_size: Rows per distance block.

    Returns:
        `(precision, recall)` as Python floats in [0, 1].

    Example:

    >>> rng = np.random.default_rng(0)
    >>> precision_recall(rng.normal(size=(500, 4)), rng.normal(size=(500, 4)))
    """
    real = _as_2d(real_features, "real_features")
    fake = _as_2d(fake_features, "fake_features")
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"Need more than k={k} samples in each set.")
    real_radii = _kth_nn_radii(real, k, batch_size)
    fake_radii = _kth_nn_radii(fake, k, batch_size)
    precision = _manifold_coverage(fake, real, real_radii, batch_size)
    recall = _manifold_coverage(real, fake, fake_radii, batch_size)
    return precision, recall
