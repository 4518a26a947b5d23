"""Evaluation metrics for generative models.

Distances between feature sets (FID, KID, MMD, 1-NN accuracy, Wasserstein,
precision/recall), classifier scores (IS, MODE score), mode coverage on toy
mixtures, feature extractors (the FID Inception network, keras.applications
InceptionV3, domain classifiers), a streaming `evaluate_generator` and a
Keras `MetricsCallback`; translations against held-out pairs
(`evaluate_pairs`) and BLEU of generated text (`bleu`). Every result carries its protocol: see
docs/metrics.md.
"""

from keras_gans.metrics.callback import MetricsCallback
from keras_gans.metrics.classifier import DomainClassifier
from keras_gans.metrics.classifier import build_domain_classifier
from keras_gans.metrics.classifier import train_domain_classifier
from keras_gans.metrics.distances import FeatureStatistics
from keras_gans.metrics.distances import frechet_distance
from keras_gans.metrics.distances import frechet_distance_from_features
from keras_gans.metrics.distances import kid
from keras_gans.metrics.distances import kid_subset_size
from keras_gans.metrics.distances import median_heuristic
from keras_gans.metrics.distances import mmd
from keras_gans.metrics.distances import one_nn_accuracy
from keras_gans.metrics.distances import one_nn_ideal
from keras_gans.metrics.distances import pairwise_sq_distances
from keras_gans.metrics.distances import precision_recall
from keras_gans.metrics.distances import sliced_wasserstein_distance
from keras_gans.metrics.distances import wasserstein_distance
from keras_gans.metrics.distances import warn_if_few_samples
from keras_gans.metrics.evaluate import METRICS
from keras_gans.metrics.evaluate import evaluate_generator
from keras_gans.metrics.evaluate import format_table
from keras_gans.metrics.evaluate import protocol_line
from keras_gans.metrics.evaluate import seeded_sampler
from keras_gans.metrics.features import InceptionExtractor
from keras_gans.metrics.features import compute_features
from keras_gans.metrics.features import inception_feature_extractor
from keras_gans.metrics.features import iterate_image_batches
from keras_gans.metrics.fid_inception import FIDInceptionExtractor
from keras_gans.metrics.fid_inception import build_fid_inception
from keras_gans.metrics.fid_inception import fid_inception_extractor
from keras_gans.metrics.fid_inception import load_fid_inception_weights
from keras_gans.metrics.mixtures import mixture_modes
from keras_gans.metrics.mixtures import mode_coverage
from keras_gans.metrics.mnist import MNISTFrechetDistance
from keras_gans.metrics.mnist import mnist_classifier
from keras_gans.metrics.mnist import mnist_frechet_distance
from keras_gans.metrics.mnist import mnist_protocol
from keras_gans.metrics.mnist import mnist_score
from keras_gans.metrics.pairs import evaluate_paired_split
from keras_gans.metrics.pairs import evaluate_pairs
from keras_gans.metrics.pairs import pair_scores
from keras_gans.metrics.scores import ScoreStatistics
from keras_gans.metrics.scores import inception_score
from keras_gans.metrics.scores import mode_score
from keras_gans.metrics.text import bleu
from keras_gans.metrics.super_resolution import evaluate_super_resolution, evaluate_super_resolution_split

# `keras-gans evaluate` of a zoo entry whose `evaluation` is not "samples":
# kind -> evaluate(model, dataset, split, image_size) -> the printed report.
EVALUATIONS = {"pairs": evaluate_paired_split, "super_resolution": evaluate_super_resolution_split}

__all__ = [
    "EVALUATIONS",
    "METRICS",
    "DomainClassifier",
    "FIDInceptionExtractor",
    "FeatureStatistics",
    "InceptionExtractor",
    "MetricsCallback",
    "ScoreStatistics",
    "bleu",
    "build_domain_classifier",
    "build_fid_inception",
    "compute_features",
    "evaluate_generator",
    "evaluate_paired_split",
    "evaluate_pairs",
    "evaluate_super_resolution",
    "fid_inception_extractor",
    "format_table",
    "frechet_distance",
    "frechet_distance_from_features",
    "inception_feature_extractor",
    "inception_score",
    "iterate_image_batches",
    "kid",
    "kid_subset_size",
    "load_fid_inception_weights",
    "median_heuristic",
    "mixture_modes",
    "mmd",
    "MNISTFrechetDistance",
    "mnist_classifier",
    "mnist_frechet_distance",
    "mnist_protocol",
    "mnist_score",
    "mode_coverage",
    "mode_score",
    "one_nn_accuracy",
    "one_nn_ideal",
    "pair_scores",
    "pairwise_sq_distances",
    "precision_recall",
    "protocol_line",
    "seeded_sampler",
    "sliced_wasserstein_distance",
    "train_domain_classifier",
    "wasserstein_distance",
    "warn_if_few_samples",
]
