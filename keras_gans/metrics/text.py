"""Scores of generated text: BLEU against a held-out reference set (SeqGAN's text metric)."""

import collections
import math

import numpy as np


def bleu(hypotheses, references, max_order=4, epsilon=0.1):
    """Mean sentence BLEU of each hypothesis against the whole reference set.

    As in the SeqGAN paper and its successors (Texygen): every generated
    sentence is scored with all held-out sentences as its references: n-gram
    counts clipped by their largest count in any reference, geometric mean
    of the 1..max_order precisions with equal weights, brevity penalty from
    the reference length closest to the hypothesis', and NLTK's smoothing
    method 1 (a precision with no match counts `epsilon` matches).

    Args:
        hypotheses: list of token lists (generated).
        references: list of token lists (held out).
        max_order: the largest n-gram order (BLEU-2, -3, -4, ...).
        epsilon: matches counted for an n-gram order without any.

    Returns:
        A float in [0, 1].
    """
    if not references:
        raise ValueError("bleu() needs at least one reference.")
    if not hypotheses:
        raise ValueError("bleu() needs at least one hypothesis.")
    max_counts = collections.defaultdict(int)
    for reference in references:
        for gram, count in _ngrams(list(reference), max_order).items():
            max_counts[gram] = max(max_counts[gram], count)
    lengths = sorted({len(r) for r in references})
    scores = []
    for hypothesis in hypotheses:
        hypothesis = list(hypothesis)
        if not hypothesis:
            scores.append(0.0)
            continue
        counts = _ngrams(hypothesis, max_order)
        log_precision = 0.0
        for n in range(1, max_order + 1):
            grams = {g: c for g, c in counts.items() if len(g) == n}
            total = max(1, sum(grams.values()))
            matches = sum(min(c, max_counts.get(g, 0)) for g, c in grams.items())
            if n == 1 and matches == 0:
                log_precision = -math.inf
                break
            log_precision += math.log((matches or epsilon) / total) / max_order
        closest = min(lengths, key=lambda r: (abs(r - len(hypothesis)), r))
        brevity = 1.0 if len(hypothesis) > closest else math.exp(1.0 - closest / len(hypothesis))
        scores.append(brevity * math.exp(log_precision))
    return float(np.mean(scores))


def _ngrams(tokens, max_order):
    counts = collections.Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i : i + n])] += 1
    return counts
