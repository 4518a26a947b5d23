"""Streaming evaluation of a generator against a real dataset."""

import warnings

import numpy as np

from keras_gans.metrics import distances
from keras_gans.metrics import scores
from keras_gans.metrics.features import inception_feature_extractor
from keras_gans.metrics.features import iterate_image_batches
from keras_gans.metrics.fid_inception import fid_inception_extractor

METRICS = ("fid", "kid", "is", "mode_score", "precision", "recall", "one_nn")
_KERNEL_METRICS = {"kid", "precision", "recall", "one_nn"}
_PROB_METRICS = {"is", "mode_score"}


def batch_seed(seed, index):
    """The seed of batch `index` of a sampler seeded with `seed` (an int)."""
    state = np.random.SeedSequence([int(seed), int(index)]).generate_state(1)
    return int(state[0])


def seeded_sampler(generate, seed):
    """A `generate_fn(n)` that draws distinct, reproducible batches.

    `evaluate_generator` asks for its samples batch by batch; passing
    `lambda n: model.generate(n, seed=seed)` would return the same images
    for every batch. This sampler calls `generate(n, seed=batch_seed(seed,
    i))` for the `i`-th batch instead, so every batch is new and the whole
    sample set is a function of `seed`.

    Args:
        generate: `generate(n, seed=...)`, e.g. a GAN's `generate` method.
        seed: The evaluation's seed.

    Returns:
        A callable `n -> images`.

    Example:

    >>> sample = seeded_sampler(gan.generate, seed=0)
    >>> evaluate_generator(sample, real_ds, classifier=clf)
    """
    calls = [0]

    def generate_fn(n):
        index = calls[0]
        calls[0] += 1
        return generate(n, seed=batch_seed(seed, index))

    return generate_fn


# What each kind of feature network is (and is not) comparable with.
_NOT_COMPARABLE = (
    "NOT comparable with published FID/KID/IS (those use the FID Inception "
    "network, TTUR's / pytorch-fid's pt_inception-2015-12-05 weights)"
)


def describe_features(extractor):
    """`{feature_network, weights, resize, comparable_with}` of an extractor."""
    own = getattr(extractor, "protocol", None)
    if isinstance(own, dict):
        return dict(own)
    name = getattr(extractor, "name", None) or getattr(extractor, "__name__", type(extractor).__name__)
    return {
        "feature_network": f"{name} (user-supplied)",
        "weights": "user-supplied",
        "resize": getattr(extractor, "resize", "unknown"),
        "comparable_with": "only results from this same feature function; " + _NOT_COMPARABLE,
    }


class _Extractor:
    """Resolves `features`/`classifier` into one `images -> (f, p)` call."""

    def __init__(self, features, classifier, need_probs):
        if isinstance(features, str):
            if features == "domain":
                if classifier is None:
                    raise ValueError(
                        'features="domain" needs `classifier=` (a DomainClassifier from train_domain_classifier).'
                    )
                base = classifier
            elif features == "inception":
                base = inception_feature_extractor(with_probabilities=need_probs and classifier is None)
            elif features == "fid_inception":
                base = fid_inception_extractor(with_probabilities=need_probs and classifier is None)
            else:
                raise ValueError(
                    f"Unknown features {features!r}: use 'domain', "
                    "'inception', 'fid_inception' or a callable images -> "
                    "features."
                )
        elif hasattr(features, "features") or callable(features):
            base = features
        else:
            raise TypeError(f"Not a feature extractor: {features!r}")
        self.base = base
        self.name = getattr(base, "name", None) or getattr(base, "__name__", type(base).__name__)
        self.description = describe_features(base)
        self.resize = self.description["resize"]
        self._feature_fn = getattr(base, "features", base)
        self.prob_source = None
        if need_probs:
            if classifier is not None:
                self.prob_source = classifier
            elif hasattr(base, "probabilities") and getattr(base, "with_probabilities", True):
                self.prob_source = base
            else:
                raise ValueError(
                    "'is'/'mode_score' need class probabilities: pass "
                    "`classifier=` (an object with .probabilities(images))."
                )

    def __call__(self, images):
        src = self.prob_source
        if src is self.base and hasattr(src, "features_and_probabilities"):
            f, p = src.features_and_probabilities(images)
        else:
            f = self._feature_fn(images)
            p = None if src is None else src.probabilities(images)
        f = np.asarray(f, dtype=np.float64).reshape(len(images), -1)
        return f, (None if p is None else np.asarray(p, dtype=np.float64))


class _Reservoir:
    """Uniform random subset of at most `capacity` streamed rows."""

    def __init__(self, capacity, seed):
        self.capacity = capacity
        self.rng = np.random.default_rng(seed)
        self.seen = 0
        self.data = None

    def update(self, rows):
        if self.data is None:
            self.data = np.empty((self.capacity, rows.shape[1]), np.float32)
        free = max(0, min(self.capacity - self.seen, len(rows)))
        self.data[self.seen : self.seen + free] = rows[:free]
        idx = np.arange(self.seen + free, self.seen + len(rows))
        if len(idx):  # Algorithm R: keep row i with prob capacity / (i + 1).
            slots = self.rng.integers(0, idx + 1)
            keep = slots < self.capacity
            self.data[slots[keep]] = rows[free:][keep]
        self.seen += len(rows)

    def values(self):
        return self.data[: min(self.seen, self.capacity)]


def _stream(source, num, batch_size, extractor, want, kernel_cap, seed, split):
    """Runs the extractor over `num` images; returns the accumulators."""
    fstats = distances.FeatureStatistics()
    kept = _Reservoir(kernel_cap, seed) if want & _KERNEL_METRICS else None
    sstats = scores.ScoreStatistics(num, split) if split else None
    prob_sum = 0.0
    for images in iterate_image_batches(source, num, batch_size):
        f, p = extractor(images)
        fstats.update(f)
        if kept is not None:
            kept.update(f)
        if p is not None:
            prob_sum = prob_sum + p.sum(axis=0)
            if sstats is not None:
                sstats.update(p)
    if fstats.count < num:
        warnings.warn(f"Only {fstats.count} of {num} samples were available.")
    return fstats, kept, sstats, prob_sum


def evaluate_generator(
    generate_fn,
    real_dataset,
    metrics=("fid", "kid", "is"),
    num_samples=10_000,
    batch_size=100,
    features="domain",
    classifier=None,
    num_real_samples=None,
    max_kernel_samples=5_000,
    kid_subsets=100,
    kid_subset_size=1_000,
    is_splits=10,
    pr_k=3,
    reference_split="unspecified",
    seed=0,
):
    """Evaluates a generator against real data, streaming batch by batch.

    Neither real nor generated images are ever held in memory beyond one
    batch: FID uses streaming `FeatureStatistics`, IS/MODE score streaming
    `ScoreStatistics`, and the kernel/nearest-neighbour metrics (KID,
    precision, recall, 1-NN) a uniform random subset (reservoir) of at most
    `max_kernel_samples` feature vectors per side.

    Metrics: `"fid"` (Heusel et al. 2017), `"kid"` (Binkowski et al.
    2018; MMD-GAN's subset protocol), `"is"` (Salimans et al. 2016;
    improved-gan's splits), `"mode_score"` (Che et al. 2017; over all
    samples), `"precision"`/`"recall"` (Kynkäänniemi et al. 2019),
    `"one_nn"` (1-NN two-sample accuracy, Xu et al. 2018; on equal-size
    sets, the larger kernel set subsampled). See docs/metrics.md.

    Args:
        generate_fn: `generate_fn(n)` returns `n` NEW images in [-1, 1]
            (numpy array or tensor, `(n, h, w, c)`); it is called once per
            batch, so it must not return the same images on every call
            (wrap a seeded `generate(n, seed=...)` in `seeded_sampler`).
        real_dataset: Real images: a `tf.data.Dataset` (of images or
            `(images, labels)`, batched or not), an array, or a callable.
        metrics: Metric names (see above).
        num_samples: Number of generated images.
        batch_size: Images per batch.
        features: `"domain"` (the `classifier`'s 128-d features),
            `"fid_inception"` (the FID Inception network with the
            pytorch-fid/TTUR weights, downloaded once: the features of
            published FIDs), `"inception"` (keras.applications InceptionV3
            ImageNet weights: NOT comparable with published FID) or a
            callable `images -> features`.
        classifier: A `DomainClassifier` (or object with `.features` and
            `.probabilities`), used for `"domain"` features and for the
            class probabilities of IS/MODE score.
        num_real_samples: Number of real images (default `num_samples`).
        max_kernel_samples: Cap on the feature vectors kept per side for
            KID/precision/recall/1-NN.
        kid_subsets: Number of KID subsets.
        kid_subset_size: KID subset size.
        is_splits: Number of Inception Score splits.
        pr_k: `k` of the precision/recall k-NN manifolds.
        reference_split: Name of the real data split (recorded only).
        seed: Seed of the reservoir, KID subset and 1-NN subsampling.

    Returns:
        A dict with the metric values (`"fid"`, `"kid"`, `"kid_std"`,
        `"is"`, `"is_std"`, `"mode_score"`, `"precision"`, `"recall"`,
        `"one_nn_accuracy"`, as requested) and a `"protocol"` dict
        describing how they were obtained: feature network, weights,
        resize, what the values are comparable with, sample counts, and
        under `"metrics"` one line per metric (splits, subsets, ideal
        value). `protocol_line(results)` puts it all on one line.

    Warns:
        UserWarning: when a set has fewer samples than feature dimensions
            (FID), or the KID subset size cannot be met.

    Example:

    >>> clf = train_domain_classifier(train_ds, num_classes=10)
    >>> results = evaluate_generator(
    ...     seeded_sampler(gan.generate, seed=0), test_ds,
    ...     metrics=("fid", "kid", "is"), classifier=clf)
    >>> print(format_table(results))
    """
    want = set(metrics)
    unknown = want - set(METRICS)
    if unknown:
        raise ValueError(f"Unknown metrics {sorted(unknown)}; use {METRICS}.")
    num_real = num_real_samples or num_samples
    extractor = _Extractor(features, classifier, bool(want & _PROB_METRICS))
    cap = max_kernel_samples
    real_f, real_k, _, real_p = _stream(real_dataset, num_real, batch_size, extractor, want, cap, seed, None)
    splits = is_splits if want & _PROB_METRICS else None
    fake_f, fake_k, fake_s, _ = _stream(
        generate_fn,
        num_samples,
        batch_size,
        extractor,
        want,
        cap,
        seed + 1,
        splits,
    )
    n_real, n_fake = real_f.count, fake_f.count
    kernel_real = real_k.values() if real_k is not None else None
    kernel_fake = fake_k.values() if fake_k is not None else None

    results = {}
    notes = {}
    if "fid" in want:
        distances.warn_if_few_samples((n_real, n_fake), real_f.dim)
        results["fid"] = distances.frechet_distance(
            real_f.mean(),
            real_f.covariance(),
            fake_f.mean(),
            fake_f.covariance(),
        )
        notes["fid"] = f"{n_real} real / {n_fake} generated"
        if min(n_real, n_fake) < real_f.dim:
            notes["fid"] += f" (< {real_f.dim} dims: biased)"
    if "kid" in want:
        results["kid"], results["kid_std"] = distances.kid(
            kernel_real,
            kernel_fake,
            kid_subsets,
            kid_subset_size,
            seed,
        )
        size = distances.kid_subset_size(len(kernel_real), len(kernel_fake), kid_subset_size)
        notes["kid"] = (
            f"{kid_subsets} subsets of {size} per set, from {len(kernel_real)} real / {len(kernel_fake)} generated"
        )
    if want & _PROB_METRICS:
        src = extractor.prob_source
        by = f"classifier {getattr(src, 'name', type(src).__name__)}"
    if "is" in want:
        results["is"], results["is_std"] = fake_s.inception_score()
        notes["is"] = f"{is_splits} splits of {n_fake} generated, {by}"
    if "mode_score" in want:
        marginal = real_p / n_real
        results["mode_score"] = fake_s.mode_score(marginal)
        notes["mode_score"] = f"all {n_fake} generated, p*(y) of {n_real} real, {by}"
    if want & {"precision", "recall"}:
        p, r = distances.precision_recall(kernel_real, kernel_fake, pr_k)
        for name, value in (("precision", p), ("recall", r)):
            if name in want:
                results[name] = value
                notes[name] = f"k={pr_k}, {len(kernel_real)} real / {len(kernel_fake)} generated"
    if "one_nn" in want:
        n = min(len(kernel_real), len(kernel_fake))
        results["one_nn_accuracy"] = distances.one_nn_accuracy(kernel_real, kernel_fake, seed=seed)
        ideal = distances.one_nn_ideal(n, n)
        notes["one_nn_accuracy"] = f"{n} real vs {n} generated (ideal {ideal:.3f}, 1.0 = disjoint)"

    protocol = {
        "feature_extractor": extractor.name,
        "feature_network": extractor.description["feature_network"],
        "weights": extractor.description["weights"],
        "feature_dim": real_f.dim,
        "resize": extractor.resize,
        "comparable_with": extractor.description["comparable_with"],
        "num_real_samples": n_real,
        "num_fake_samples": n_fake,
        "reference_split": reference_split,
        "fake_sampling": getattr(generate_fn, "sampling", "generate_fn(n) once per batch"),
    }
    if want & _KERNEL_METRICS:
        protocol["kernel_samples"] = len(kernel_real), len(kernel_fake)
    if "kid" in want:
        protocol["kid_subsets"] = kid_subsets
        protocol["kid_subset_size"] = distances.kid_subset_size(len(kernel_real), len(kernel_fake), kid_subset_size)
    if want & _PROB_METRICS:
        src = extractor.prob_source
        protocol["classifier"] = getattr(src, "name", type(src).__name__)
    if "is" in want:
        protocol["is_splits"] = is_splits
    if want & {"precision", "recall"}:
        protocol["pr_k"] = pr_k
    if "one_nn" in want:
        n = min(len(kernel_real), len(kernel_fake))
        protocol["one_nn_samples"] = (n, n)
        protocol["one_nn_ideal"] = distances.one_nn_ideal(n, n)
    protocol["metrics"] = notes
    results["protocol"] = protocol
    return results


def protocol_line(results):
    """One line saying what every metric of `results` was measured on."""
    protocol = results.get("protocol", {})
    parts = [
        f"{protocol.get('feature_network', protocol.get('feature_extractor'))}",
        f"weights {protocol.get('weights', 'unknown')}",
        f"resize {protocol.get('resize', 'unknown')}",
        (
            f"{protocol.get('num_real_samples')} real "
            f"({protocol.get('reference_split', 'unspecified')}) / "
            f"{protocol.get('num_fake_samples')} generated"
        ),
    ]
    parts += [f"{k}: {v}" for k, v in protocol.get("metrics", {}).items()]
    parts.append(f"comparable with {protocol.get('comparable_with', '?')}")
    return "; ".join(parts)


def format_table(results):
    """Formats `evaluate_generator` results as a printable text table.

    Each metric row carries its own protocol (samples, splits, subsets,
    ideal value) in a third column; the lines after the table give the
    feature network, its weights, the resize and what the figures are
    comparable with.

    Args:
        results: The dict returned by `evaluate_generator`.

    Returns:
        A multi-line string: one line per metric (`value ± std` when a
        `<name>_std` entry exists, then its protocol), then the protocol
        lines.

    Example:

    >>> print(format_table({"fid": 12.3, "protocol": {"feature_dim": 128}}))
    metric  value  protocol
    ------  -----  --------
    fid     12.3
    protocol:
      feature_dim: 128
    """
    protocol = results.get("protocol", {})
    notes = protocol.get("metrics", {})
    rows = []
    for key, value in results.items():
        if key == "protocol" or key.endswith("_std"):
            continue
        text = f"{value:.6g}"
        if f"{key}_std" in results:
            text += f" ± {results[f'{key}_std']:.2g}"
        rows.append((key, text, notes.get(key, "")))
    w1 = max([len("metric")] + [len(k) for k, _, _ in rows])
    w2 = max([len("value")] + [len(v) for _, v, _ in rows])
    lines = [
        f"{'metric':<{w1}}  {'value':<{w2}}  protocol",
        f"{'-' * w1}  {'-' * w2}  {'-' * len('protocol')}",
    ]
    lines += [f"{k:<{w1}}  {v:<{w2}}  {n}".rstrip() for k, v, n in rows]
    if protocol:
        lines.append("protocol:")
        lines += [f"  {k}: {v}" for k, v in protocol.items() if k != "metrics"]
    return "\n".join(lines)
