"""Classifier-based scores: Inception Score and MODE score."""

import numpy as np

_EPS = 1e-12


def _as_probs(probs, name="probs"):
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"`{name}` must have shape (num_samples, num_classes); got {p.shape}.")
    if np.any(p < -1e-6) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"`{name}` rows must be probability distributions.")
    return np.clip(p, 0.0, 1.0)


class ScoreStatistics:
    """Streaming accumulator for the Inception Score and MODE score.

    Splits are contiguous and their boundaries rounded down, as in the
    reference code (openai/improved-gan): split `s` holds the samples
    `s * num_samples // splits` to `(s + 1) * num_samples // splits - 1`
    (in update order). Per split only the sum of class probabilities and
    the sum of `sum_c p log p` are kept, so the class probabilities of all
    samples never need to be held in memory. The MODE score uses the sums
    over all splits (it is defined over all samples).

    Args:
        num_samples: Total number of samples that will be added.
        splits: Number of splits.

    Example:

    >>> stats = ScoreStatistics(num_samples=100, splits=10)
    >>> for batch in np.split(np.eye(10)[np.arange(100) % 10], 4):
    ...     stats.update(batch)
    >>> stats.inception_score()  # ~(10.0, 0.0)
    """

    def __init__(self, num_samples, splits=10):
        if num_samples < splits or splits < 1:
            raise ValueError(f"Need num_samples ({num_samples}) >= splits ({splits}) >= 1.")
        self.num_samples = int(num_samples)
        self.splits = int(splits)
        self.count = 0
        self._prob_sums = None
        self._negent_sums = np.zeros(self.splits)
        self._counts = np.zeros(self.splits)

    def update(self, probs):
        """Adds class probabilities of shape `(batch, num_classes)`."""
        p = _as_probs(probs)
        if self.count + len(p) > self.num_samples:
            raise ValueError(f"More than num_samples={self.num_samples} samples added.")
        if self._prob_sums is None:
            self._prob_sums = np.zeros((self.splits, p.shape[1]))
        idx = np.arange(self.count, self.count + len(p))
        # The split s with s * N // K <= idx < (s + 1) * N // K.
        split = ((idx + 1) * self.splits - 1) // self.num_samples
        negent = np.sum(p * np.log(p + _EPS), axis=1)
        np.add.at(self._prob_sums, split, p)
        np.add.at(self._negent_sums, split, negent)
        np.add.at(self._counts, split, 1)
        self.count += len(p)
        return self

    def _check_complete(self):
        if self.count != self.num_samples:
            raise ValueError(f"Only {self.count} of num_samples={self.num_samples} samples were added.")

    def _log_scores(self):
        """Per-split `E_x KL(p(y|x) || p(y))` and marginals `p(y)`."""
        self._check_complete()
        marginals = self._prob_sums / self._counts[:, None]
        expected_kl = self._negent_sums / self._counts - np.sum(marginals * np.log(marginals + _EPS), axis=1)
        return expected_kl, marginals

    def inception_score(self):
        """Returns `(mean, std)` of the Inception Score over splits."""
        expected_kl, _ = self._log_scores()
        scores = np.exp(expected_kl)
        return float(scores.mean()), float(scores.std())

    def mode_score(self, real_marginal):
        """Returns the MODE score over all samples given `p*(y)`."""
        self._check_complete()
        marginal = self._prob_sums.sum(axis=0) / self.count
        expected_kl = self._negent_sums.sum() / self.count - np.sum(marginal * np.log(marginal + _EPS))
        q = np.asarray(real_marginal, dtype=np.float64)
        kl_marginal = np.sum(marginal * (np.log(marginal + _EPS) - np.log(q + _EPS)))
        return float(np.exp(expected_kl - kl_marginal))


def inception_score(probs, splits=10):
    """Inception Score (Salimans et al. 2016, "Improved Techniques for
    Training GANs").

    `IS = exp(E_x KL(p(y|x) || p(y)))`, computed on each of `splits`
    contiguous splits of the samples, with the reference code's boundaries
    (openai/improved-gan: split `i` is
    `probs[i * N // splits:(i + 1) * N // splits]`). It ranges from 1 (all predictions
    identical) to `num_classes` (confident predictions using every class
    equally).

    Args:
        probs: Class probabilities of generated samples, shape
            `(num_samples, num_classes)`.
        splits: Number of splits.

    Returns:
        `(mean, std)` over splits, as Python floats.

    Example:

    >>> probs = np.eye(10)[np.arange(1000) % 10]
    >>> inception_score(probs)  # ~(10.0, 0.0): 10 classes, used evenly
    """
    p = _as_probs(probs)
    return ScoreStatistics(len(p), splits).update(p).inception_score()


def mode_score(probs, real_probs):
    """MODE score (Che et al. 2017, "Mode Regularized Generative Adversarial
    Networks").

    `MS = exp(E_x KL(p(y|x) || p(y)) - KL(p(y) || p*(y)))`, where `p(y)` is
    the class marginal of the generated samples and `p*(y)` that of the real
    data (`real_probs`), both over all samples, as the paper defines it (no
    splits: the score is one number). This is the form of Xu et al. 2018
    ("An empirical study on evaluation metrics of GANs"); writing `p*(y)` in
    the first term, as in some statements of the paper, reduces
    algebraically to the Inception Score. It equals the Inception Score of
    all samples times `exp(-KL(p(y) || p*(y)))`, so it penalises generated
    class frequencies that differ from the real ones (e.g. mode collapse).

    Args:
        probs: Class probabilities of generated samples,
            `(num_samples, num_classes)`.
        real_probs: Class probabilities of real samples,
            `(num_real, num_classes)`; only their mean is used.

    Returns:
        The MODE score as a Python float.

    Example:

    >>> probs = np.eye(10)[np.arange(1000) % 10]
    >>> mode_score(probs, probs)  # ~10.0
    """
    p = _as_probs(probs)
    real_marginal = _as_probs(real_probs, "real_probs").mean(axis=0)
    if real_marginal.shape[0] != p.shape[1]:
        raise ValueError(f"`probs` has {p.shape[1]} classes but `real_probs` has {real_marginal.shape[0]}.")
    return ScoreStatistics(len(p), 1).update(p).mode_score(real_marginal)
