import itertools
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from keras_gans.metrics import distances as D


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------- Fréchet


def test_frechet_distance_diagonal_closed_form():
    rng = _rng()
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    s1, s2 = rng.uniform(0.1, 3.0, size=5), rng.uniform(0.1, 3.0, size=5)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
    got = D.frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_full_covariance_matches_eigen_formula():
    rng = _rng(1)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    s1, s2 = a @ a.T + 0.1 * np.eye(6), b @ b.T + 0.1 * np.eye(6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    r1 = scipy.linalg.sqrtm(s1).real
    tr_sqrt = np.sum(np.sqrt(np.linalg.eigvalsh(r1 @ s2 @ r1)))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * tr_sqrt
    assert D.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)
    assert D.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(D.frechet_distance(mu2, s2, mu1, s1), rel=1e-8)


def test_frechet_distance_from_features_symmetric_and_zero_for_same_set():
    rng = _rng(2)
    x = rng.normal(size=(400, 8))
    y = rng.normal(size=(300, 8)) * 1.5 + 0.3
    assert D.frechet_distance_from_features(x, x) < 1e-6
    dxy = D.frechet_distance_from_features(x, y)
    assert dxy > 0.5
    assert dxy == pytest.approx(D.frechet_distance_from_features(y, x), rel=1e-6)
    expected = D.frechet_distance(x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False))
    assert dxy == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_singular_covariances():
    rng = _rng(3)
    a, b = rng.normal(size=8), rng.normal(size=8)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    s1, s2 = np.outer(a, a), np.outer(b, b)  # rank 1
    # (a a^T)(b b^T) has the single eigenvalue (a.b)^2.
    expected = np.sum((mu1 - mu2) ** 2) + a @ a + b @ b - 2 * abs(a @ b)
    got = D.frechet_distance(mu1, s1, mu2, s2)
    assert np.isfinite(got) and got >= 0
    assert got == pytest.approx(expected, rel=1e-3)

    # Rank-1 features: finite, non-negative, ~0 for the same set.
    t = rng.normal(size=(200, 1))
    f1 = t * a
    f2 = rng.normal(size=(200, 1)) * b
    same = D.frechet_distance_from_features(f1, f1)
    other = D.frechet_distance_from_features(f1, f2)
    assert np.isfinite(same) and 0 <= same < 1e-3
    assert np.isfinite(other) and other > 1.0
    # All-constant features: zero covariances.
    zeros = np.zeros((10, 4))
    assert D.frechet_distance_from_features(zeros, zeros + 1) == pytest.approx(4.0, abs=1e-5)


def test_feature_statistics_streaming_equals_one_shot():
    rng = _rng(4)
    x = rng.normal(size=(1000, 7)) * rng.uniform(0.5, 2, size=7) + 1e4
    stats = D.FeatureStatistics()
    for chunk in np.array_split(x, [1, 50, 51, 333, 900]):
        stats.update(chunk)
    assert stats.count == 1000 and stats.dim == 7
    np.testing.assert_allclose(stats.mean(), x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.covariance(), np.cov(x, rowvar=False), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError):
        stats.update(np.zeros((3, 6)))
    with pytest.raises(ValueError):
        D.FeatureStatistics().mean()


# --------------------------------------------------------------- KID / MMD


def _poly_mmd2_loop(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    kxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    kyy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    kxy = sum(k(x[i], y[j]) for i in range(m) for j in range(n))
    return kxx / (m * (m - 1)) + kyy / (n * (n - 1)) - 2 * kxy / (m * n)


def test_kid_single_full_subset_matches_loop():
    rng = _rng(5)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)) + 0.5
    with pytest.warns(UserWarning, match="subset size 7 instead of the requested 100"):
        mean, std = D.kid(x, y, num_subsets=1, subset_size=100)
    assert mean == pytest.approx(_poly_mmd2_loop(x, y), abs=1e-10)
    assert std == 0.0


def test_kid_unbiased_near_zero_for_same_distribution():
    rng = _rng(6)
    x, y = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    shifted = rng.normal(size=(600, 16)) + 0.5
    same_mean, _ = D.kid(x, y, num_subsets=20, subset_size=200)
    diff_mean, diff_std = D.kid(x, shifted, num_subsets=20, subset_size=200)
    assert diff_mean > 0 and diff_mean > 5 * diff_std
    assert abs(same_mean) < 0.05 * diff_mean
    # Seeded: same seed gives the same value.
    assert D.kid(x, y, 5, 100, seed=3) == D.kid(x, y, 5, 100, seed=3)


def test_kid_subset_protocol_and_warning():
    rng = _rng(16)
    x, y = rng.normal(size=(300, 8)), rng.normal(size=(500, 8))
    # The reference's subset size is min(requested, n1, n2), with a warning
    # when the request cannot be met, and none when it can.
    assert D.kid_subset_size(300, 500, 1000) == 300
    assert D.kid_subset_size(3000, 5000, 1000) == 1000
    assert D.kid_subset_size(300, 300, 1000, same_set=True) == 150
    with pytest.warns(UserWarning, match="subset size 300 instead of the requested 1000"):
        D.kid(x, y, num_subsets=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        D.kid(x, y, num_subsets=3, subset_size=200)
    with pytest.raises(ValueError, match="one dimension"):
        D.kid(x, rng.normal(size=(300, 4)))


def test_kid_of_a_set_with_itself_is_about_zero():
    # Overlapping subsets of one set put the same points on both sides of
    # the unbiased estimator: kid(x, x) came out about -2 k(x, x) / n.
    rng = _rng(17)
    x = rng.normal(size=(600, 32))
    with pytest.warns(UserWarning, match="compared with itself"):
        mean, std = D.kid(x, x, num_subsets=50)
    far, _ = D.kid(x, rng.normal(size=(600, 32)) + 0.3, 20, 300)
    assert abs(mean) < 3 * std / np.sqrt(50) + 1e-4
    assert abs(mean) < 0.05 * far
    # Independent samples of one distribution: about 0 as well.
    same, same_std = D.kid(x, rng.normal(size=(600, 32)), 50, 300)
    assert abs(same) < 3 * same_std


def test_fid_warns_with_fewer_samples_than_dimensions():
    rng = _rng(18)
    with pytest.warns(UserWarning, match="fewer samples than dimensions"):
        D.frechet_distance_from_features(rng.normal(size=(20, 32)), rng.normal(size=(50, 32)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        D.frechet_distance_from_features(rng.normal(size=(40, 32)), rng.normal(size=(50, 32)))


def _gauss_mmd2_loop(x, y, sigma, biased):
    k = lambda a, b: np.exp(-np.sum((a - b) ** 2) / (2 * sigma**2))  # noqa
    m, n = len(x), len(y)
    pairs = lambda p, q, same: [  # noqa: E731
        k(p[i], q[j]) for i in range(len(p)) for j in range(len(q)) if biased or not same or i != j
    ]
    if biased:
        return np.mean(pairs(x, x, True)) + np.mean(pairs(y, y, True)) - 2 * np.mean(pairs(x, y, False))
    return (
        sum(pairs(x, x, True)) / (m * (m - 1))
        + sum(pairs(y, y, True)) / (n * (n - 1))
        - 2 * sum(pairs(x, y, False)) / (m * n)
    )


@pytest.mark.parametrize("biased", [False, True])
def test_mmd_matches_double_loop(biased):
    rng = _rng(7)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(5, 3)) + 0.7
    for sigma in (0.5, 2.0):
        assert D.mmd(x, y, sigma=sigma, biased=biased) == pytest.approx(
            _gauss_mmd2_loop(x, y, sigma, biased), abs=1e-10
        )
    z = np.concatenate([x, y])
    dists = [np.linalg.norm(a - b) for a, b in itertools.combinations(z, 2)]
    median = np.median(dists)
    assert D.median_heuristic(x, y) == pytest.approx(median, abs=1e-10)
    assert D.mmd(x, y, biased=biased) == pytest.approx(_gauss_mmd2_loop(x, y, median, biased), abs=1e-10)


def test_mmd_separates_distributions():
    rng = _rng(8)
    x, y = rng.normal(size=(200, 2)), rng.normal(size=(200, 2))
    far = rng.normal(size=(200, 2)) + 2.0
    assert abs(D.mmd(x, y)) < 0.1 * D.mmd(x, far)
    assert D.mmd(x, y, biased=True) > 0


# ---------------------------------------------------------------- 1-NN


def test_one_nn_accuracy():
    rng = _rng(9)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    acc = D.one_nn_accuracy(x, y)
    assert abs(acc - 0.5) < 0.1
    assert D.one_nn_accuracy(x, y, batch_size=7) == acc
    assert D.one_nn_accuracy(x, y + 100.0) == 1.0
    # Memorised copies: every point's nearest neighbour is its twin.
    assert D.one_nn_accuracy(x, x + 1e-6) == 0.0


def test_one_nn_accuracy_on_unequal_sets_is_balanced():
    # 300 real against 2,000 generated from the same distribution: the
    # pooled test's chance level is 0.77, not the documented 0.5, unless the
    # larger set is subsampled to the smaller's size.
    rng = _rng(19)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(2000, 2))
    assert D.one_nn_ideal(300, 2000) == pytest.approx((300 * 299 + 2000 * 1999) / (2300 * 2299))
    assert D.one_nn_ideal(300, 300) == pytest.approx(299 / 599)
    unbalanced = D.one_nn_accuracy(x, y, balance=False)
    assert abs(unbalanced - D.one_nn_ideal(300, 2000)) < 0.03
    balanced = D.one_nn_accuracy(x, y)
    assert abs(balanced - 0.5) < 0.05
    assert D.one_nn_accuracy(x, y, seed=1) != balanced  # seeded subsample
    assert D.one_nn_accuracy(y, x) == pytest.approx(balanced, abs=0.05)


# ---------------------------------------------------------- Wasserstein


def test_wasserstein_1d_matches_scipy():
    rng = _rng(10)
    x, y = rng.normal(size=50), rng.exponential(size=50)
    ref = scipy.stats.wasserstein_distance(x, y)
    assert D.wasserstein_distance(x, y) == pytest.approx(ref, abs=1e-12)
    assert D.wasserstein_distance(x[:, None], y[:, None]) == pytest.approx(ref, abs=1e-12)
    ref_unequal = scipy.stats.wasserstein_distance(x, y[:30])
    assert D.wasserstein_distance(x, y[:30]) == pytest.approx(ref_unequal, abs=1e-12)


def test_wasserstein_exact_assignment_hand_example():
    # Matching by index costs sqrt(101) per point; the optimum costs 1.
    x = np.array([[0.0, 0.0], [10.0, 0.0]])
    y = np.array([[10.0, 1.0], [0.0, 1.0]])
    assert D.wasserstein_distance(x, y) == pytest.approx(1.0, abs=1e-12)
    # Three points: optimal matching (0->c, 1->a, 2->b) with costs 1, 2, 3.
    x = np.array([[0.0, 0.0], [5.0, 0.0], [9.0, 0.0]])
    y = np.array([[5.0, 2.0], [9.0, 3.0], [0.0, 1.0]])
    assert D.wasserstein_distance(x, y) == pytest.approx(2.0, abs=1e-12)


def test_wasserstein_unequal_sizes_linear_program():
    x = np.array([[0.0, 0.0], [4.0, 0.0]])
    y = np.concatenate([x, x]) + np.array([0.0, 0.5])
    assert D.wasserstein_distance(x, y) == pytest.approx(0.5, abs=1e-9)
    rng = _rng(11)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    # The LP on duplicated points equals the assignment solution.
    assert D.wasserstein_distance(a, np.concatenate([b, b])) == pytest.approx(D.wasserstein_distance(a, b), abs=1e-8)
    with pytest.raises(ValueError, match="sliced"):
        D.wasserstein_distance(a, b[:5], max_lp_size=10)


def test_sliced_wasserstein():
    rng = _rng(12)
    x = rng.normal(size=(2000, 3))
    assert D.sliced_wasserstein_distance(x, x) == pytest.approx(0.0, abs=1e-12)
    a, b = rng.normal(size=(2000, 1)), rng.normal(size=(2000, 1)) + 2.0
    swd = D.sliced_wasserstein_distance(a, b, num_projections=8)
    assert swd == pytest.approx(2.0, abs=0.1)
    assert swd == pytest.approx(D.wasserstein_distance(a, b), abs=1e-10)
    # Unequal sizes go through scipy per projection.
    swd_unequal = D.sliced_wasserstein_distance(a, b[:1500], num_projections=4)
    assert swd_unequal == pytest.approx(scipy.stats.wasserstein_distance(a[:, 0], b[:1500, 0]), abs=1e-10)
    # A shift v in 2-D projects to |v| E|cos(theta)| = 2 |v| / pi.
    y = x[:, :2] + np.array([3.0, 4.0])
    swd2 = D.sliced_wasserstein_distance(x[:, :2], y, num_projections=2000)
    assert swd2 == pytest.approx(10.0 / np.pi, rel=0.05)


# ---------------------------------------------------- precision / recall


def test_precision_recall():
    rng = _rng(13)
    real = rng.normal(size=(500, 4))
    fake = rng.normal(size=(500, 4))
    p, r = D.precision_recall(real, fake, k=3)
    assert p > 0.8 and r > 0.8
    assert D.precision_recall(real, fake, k=3, batch_size=33) == (p, r)
    p_far, r_far = D.precision_recall(real, fake + 10.0)
    assert p_far < 0.05 and r_far < 0.05
    # Mode collapse onto a small region: precise but low recall.
    collapsed = rng.normal(size=(500, 4)) * 0.1
    p_c, r_c = D.precision_recall(real, collapsed)
    assert p_c > 0.9 and r_c < 0.3
