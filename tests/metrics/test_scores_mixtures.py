import numpy as np
import pytest

from keras_gans.metrics import ScoreStatistics
from keras_gans.metrics import inception_score
from keras_gans.metrics import mixture_modes
from keras_gans.metrics import mode_coverage
from keras_gans.metrics import mode_score


def _one_hot(labels, num_classes=10):
    return np.eye(num_classes)[labels]


# ------------------------------------------------------------------ IS


def test_inception_score_extremes():
    confident = _one_hot(np.arange(1000) % 10)
    mean, std = inception_score(confident, splits=10)
    assert mean == pytest.approx(10.0, rel=1e-6) and std < 1e-6
    constant = np.tile(np.full(10, 0.1), (1000, 1))
    assert inception_score(constant)[0] == pytest.approx(1.0, abs=1e-6)
    collapsed = _one_hot(np.zeros(1000, int))
    assert inception_score(collapsed)[0] == pytest.approx(1.0, abs=1e-6)
    # Confident predictions over 4 of 10 classes.
    assert inception_score(_one_hot(np.arange(1000) % 4))[0] == pytest.approx(4.0, rel=1e-6)


def test_inception_score_bounds_and_streaming():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(5, 0.3), size=503)
    mean, std = inception_score(probs, splits=7)
    assert 1.0 < mean < 5.0 and std > 0
    stats = ScoreStatistics(503, splits=7)
    for chunk in np.array_split(probs, [1, 100, 101, 400]):
        stats.update(chunk)
    assert stats.inception_score() == pytest.approx((mean, std), rel=1e-12)
    with pytest.raises(ValueError):
        ScoreStatistics(503, 7).update(probs[:10]).inception_score()
    with pytest.raises(ValueError):
        inception_score(probs * 2)


def test_mode_score():
    good = _one_hot(np.arange(1000) % 10)
    real = _one_hot(np.arange(500) % 10)
    assert mode_score(good, real) == pytest.approx(10.0, rel=1e-6)
    # Collapse to one class: IS = 1, KL(p(y) || p*(y)) = log 10.
    collapsed = _one_hot(np.zeros(1000, int))
    assert mode_score(collapsed, real) == pytest.approx(0.1, rel=1e-6)
    # Half of the classes: IS = 5, penalised by exp(-log 2).
    half = _one_hot(np.arange(1000) % 5)
    assert inception_score(half)[0] == pytest.approx(5.0, rel=1e-6)
    assert mode_score(half, real) == pytest.approx(2.5, rel=1e-6)
    # Matching a non-uniform real marginal is not penalised.
    assert mode_score(half, _one_hot(np.arange(50) % 5)) == pytest.approx(5.0, rel=1e-6)
    with pytest.raises(ValueError):
        mode_score(good, _one_hot(np.arange(10) % 3, 3))


def _improved_gan_inception_score(preds, splits):
    """openai/improved-gan's split loop (boundaries rounded down)."""
    scores = []
    n = preds.shape[0]
    for i in range(splits):
        part = preds[(i * n // splits) : ((i + 1) * n // splits), :]
        kl = part * (np.log(part) - np.log(np.mean(part, 0, keepdims=True)))
        scores.append(np.exp(np.mean(np.sum(kl, 1))))
    return np.mean(scores), np.std(scores)


@pytest.mark.parametrize("n, splits", [(105, 10), (503, 7), (1000, 10), (19, 4)])
def test_inception_score_splits_as_the_reference(n, splits):
    probs = np.random.default_rng(n).dirichlet(np.full(6, 0.4), size=n)
    mean, std = inception_score(probs, splits=splits)
    ref_mean, ref_std = _improved_gan_inception_score(probs, splits)
    assert mean == pytest.approx(ref_mean, rel=1e-10)
    assert std == pytest.approx(ref_std, rel=1e-10)
    stats = ScoreStatistics(n, splits)
    for chunk in np.array_split(probs, 3):
        stats.update(chunk)
    assert stats.inception_score() == pytest.approx((ref_mean, ref_std), rel=1e-10)


def test_mode_score_is_over_all_samples():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.full(5, 0.5), size=400)
    real = rng.dirichlet(np.full(5, 2.0), size=300)
    p_y, p_star = probs.mean(0), real.mean(0)
    expected_kl = np.mean(np.sum(probs * (np.log(probs) - np.log(p_y)), 1))
    kl_marginals = np.sum(p_y * (np.log(p_y) - np.log(p_star)))
    value = mode_score(probs, real)
    assert isinstance(value, float)
    assert value == pytest.approx(np.exp(expected_kl - kl_marginals), rel=1e-9)
    # = the Inception Score of all samples, penalised by the marginals' KL.
    assert value == pytest.approx(inception_score(probs, splits=1)[0] * np.exp(-kl_marginals), rel=1e-9)
    stats = ScoreStatistics(400, splits=10)
    for chunk in np.array_split(probs, 7):
        stats.update(chunk)
    assert stats.mode_score(p_star) == pytest.approx(value, rel=1e-9)


# ------------------------------------------------------------ mixtures


def test_mixture_modes():
    ring, ring_std = mixture_modes("ring8")
    assert ring.shape == (8, 2) and ring_std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0)
    assert len(np.unique(np.round(ring, 6), axis=0)) == 8
    grid, grid_std = mixture_modes("grid25")
    assert grid.shape == (25, 2) and grid_std == 0.05
    assert set(np.unique(grid)) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert len(np.unique(grid, axis=0)) == 25
    with pytest.raises(ValueError):
        mixture_modes("ring9")


def test_mode_coverage_all_modes():
    centers, std = mixture_modes("ring8")
    result = mode_coverage(np.repeat(centers, 5, axis=0), centers, std)
    assert result == {
        "modes_captured": 8,
        "num_modes": 8,
        "high_quality_fraction": 1.0,
    }
    grid, grid_std = mixture_modes("grid25")
    rng = np.random.default_rng(0)
    samples = np.repeat(grid, 40, axis=0)
    samples = samples + rng.normal(size=samples.shape) * grid_std
    result = mode_coverage(samples, grid, grid_std)
    assert result["modes_captured"] == 25
    assert result["high_quality_fraction"] > 0.95


def test_mode_coverage_partial_with_outliers():
    centers, std = mixture_modes("ring8")
    rng = np.random.default_rng(1)
    on_modes = np.repeat(centers[:3], 10, axis=0)
    on_modes = on_modes + rng.normal(size=on_modes.shape) * std * 0.3
    outliers = np.array([[5.0, 5.0], [0.0, 0.0], [-3.0, 1.0]])
    # 4 std away from mode 3: not high quality, so mode 3 is not captured.
    near_miss = centers[3:4] + np.array([[4 * std, 0.0]])
    samples = np.concatenate([on_modes, outliers, near_miss])
    result = mode_coverage(samples, centers, std, threshold=3.0)
    assert result["modes_captured"] == 3
    assert result["num_modes"] == 8
    assert result["high_quality_fraction"] == pytest.approx(30 / 34)
    # A looser threshold accepts the near miss.
    assert mode_coverage(samples, centers, std, threshold=5.0)["modes_captured"] == 4
