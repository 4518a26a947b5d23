"""Data for semi-supervised GANs: a small labelled stream beside an unlabelled one."""

import numpy as np
import tensorflow as tf

from keras_gans.datasets import pipeline


def labelled_subset(labels, labels_per_class, seed=0, num_classes=None):
    """Indices of `labels_per_class` examples of each class, chosen at random.

    Args:
        labels: int array (n,) of class ids.
        labels_per_class: examples kept per class.
        seed: seed of the choice.
        num_classes: the classes 0..K-1 (default: max(labels) + 1).

    Returns:
        A sorted int array of K * labels_per_class indices into `labels`.
    """
    labels = np.asarray(labels).reshape(-1)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"Expected integer class ids, got labels of dtype {labels.dtype}.")
    num_classes = int(num_classes or labels.max() + 1)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(num_classes):
        members = np.flatnonzero(labels == c)
        if len(members) < labels_per_class:
            raise ValueError(f"Class {c} has {len(members)} examples, fewer than labels_per_class={labels_per_class}.")
        chosen.append(rng.choice(members, labels_per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def semi_supervised_dataset(
    images,
    labels,
    labels_per_class,
    batch_size=100,
    labelled_batch_size=None,
    image_size=None,
    seed=0,
    num_classes=None,
    shuffle=True,
):
    """Batches `((labelled_images, labels), unlabelled_images)` for `SemiSupervisedGAN`.

    As in Salimans et al. (2016): a few labelled examples per class, chosen
    once, repeat and reshuffle forever; every image (labelled ones included,
    without their labels) forms the unlabelled stream, whose length sets the
    epoch (len(images) // batch_size steps).

    Args:
        images: float array (n, H, W, C) in [-1, 1].
        labels: int array (n,) of class ids (only the chosen ones are used).
        labels_per_class: labelled examples per class (e.g. 10: 100 labels
            for 10 classes).
        batch_size: unlabelled images per batch.
        labelled_batch_size: labelled images per batch (default:
            batch_size).
        image_size: resize the images to (image_size, image_size), as
            `datasets.load` does.
        seed: seed of the labelled choice and of the shuffling.
        num_classes: K (default: max(labels) + 1).
        shuffle: reshuffle both streams every pass (False: a fixed order,
            e.g. for tests).

    Returns:
        (dataset, labelled_indices): the tf.data.Dataset and the indices of
        the labelled examples in `images`.

    Example:

    >>> images, labels = keras_gans.datasets.digits("train")
    >>> ds, idx = semi_supervised_dataset(images, labels, 10, 64, image_size=16)
    >>> (x_lab, y_lab), x_unl = next(iter(ds))
    """
    images = np.asarray(images, dtype="float32")
    labels = np.asarray(labels)
    if images.ndim != 4:
        raise ValueError(f"Expected images of shape (n, height, width, channels), got {images.shape}.")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    if image_size is not None:
        images = tf.clip_by_value(tf.image.resize(images, (image_size, image_size), antialias=True), -1.0, 1.0)
        images = images.numpy()
    index = labelled_subset(labels, labels_per_class, seed=seed, num_classes=num_classes)
    labelled_batch_size = int(labelled_batch_size or batch_size)
    if len(images) < batch_size:
        raise ValueError(f"{len(images)} images, fewer than batch_size={batch_size}.")
    labelled = tf.data.Dataset.from_tensor_slices((images[index], labels[index].astype("int64")))
    unlabelled = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        labelled = labelled.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
        unlabelled = unlabelled.shuffle(len(images), seed=seed + 1, reshuffle_each_iteration=True)
    labelled = labelled.repeat().batch(labelled_batch_size, drop_remainder=True)
    unlabelled = unlabelled.batch(int(batch_size), drop_remainder=True)
    dataset = pipeline.finish(tf.data.Dataset.zip((labelled, unlabelled)))
    return dataset, index
