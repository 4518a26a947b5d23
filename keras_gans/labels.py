"""Labels of the label-aware models (ConditionalGAN, ACGAN, SemiSupervisedGAN):
unpacking labelled batches, checking label specs and values (in numpy before
training, in the graph during it), and the class losses and accuracy."""

import numpy as np
import keras
import tensorflow as tf


def unpack_labelled(data, model="The model"):
    """(images, labels) of a batch or of its spec; a clear error when unlabelled."""
    if isinstance(data, dict):
        if "image" in data and "label" in data:
            return data["image"], data["label"]
        raise ValueError(
            f"{model} needs labelled batches: a dict batch must have 'image' and 'label' keys, got keys {list(data)}."
        )
    if isinstance(data, (tuple, list)) and len(data) >= 2:
        return data[0], data[1]
    what = describe_batch(data)
    raise ValueError(
        f"{model} needs labelled batches (images, labels) with integer labels of shape "
        f"(batch,), but the dataset yields {what}. Load labelled data, e.g. "
        "keras_gans.datasets.load(..., with_labels=True), or call fit(images, labels)."
    )


def check_label_spec(spec, num_classes, model="The model"):
    """Labels must be integer class ids of shape (batch,) (or (batch, 1))."""
    shape = tuple(spec.shape)
    rank = len(shape)
    if rank == 2 and shape[-1] not in (1, None):
        raise ValueError(
            f"{model} expects integer class ids of shape (batch,), got labels of shape {shape} "
            f"({spec.dtype.name})"
            + (", which look one-hot" if shape[-1] == num_classes else "")
            + ". Convert them, e.g. dataset.map(lambda x, y: (x, tf.argmax(y, -1)))."
        )
    if rank not in (1, 2):
        raise ValueError(f"{model} expects integer class ids of shape (batch,), got labels of shape {shape}.")
    if not spec.dtype.is_integer:
        raise ValueError(
            f"{model} expects integer class ids of shape (batch,), got {spec.dtype.name} labels "
            f"of shape {shape}. Cast them, e.g. dataset.map(lambda x, y: (x, tf.cast(y, tf.int32)))."
        )


def check_label_values(labels, num_classes, what="labels", model=None):
    """Numpy labels as int32, after checking they are int ids in [0, num_classes)."""
    labels = np.asarray(labels)
    prefix = f"{model}: " if model else ""
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.reshape(-1)
    if labels.ndim != 1:
        hint = " (one-hot? pass np.argmax(labels, -1))" if labels.ndim == 2 and labels.shape[1] == num_classes else ""
        raise ValueError(f"{prefix}expected {what} as integer class ids of shape (n,), got shape {labels.shape}{hint}.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{prefix}expected {what} as integer class ids in [0, {num_classes}), got dtype {labels.dtype}."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{prefix}{what} must be class ids in [0, {num_classes}), got values from {labels.min()} to {labels.max()}."
        )
    return labels.astype("int32")


def label_arrays(x, y):
    """The label arrays of array data passed to fit (none for datasets)."""
    if hasattr(x, "element_spec"):
        return []
    if y is not None:
        return [y]
    if isinstance(x, dict) and "label" in x:
        return [x["label"]]
    return []


def check_embeddings(net, num_classes):
    for layer in all_layers(net):
        if isinstance(layer, keras.layers.Embedding) and layer.input_dim < num_classes:
            raise ValueError(
                f"num_classes={num_classes}, but {net.name}'s embedding {layer.name!r} has only "
                f"{layer.input_dim} entries."
            )


def all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from all_layers(layer)


def describe_batch(data):
    if isinstance(data, dict):
        return f"dicts with keys {sorted(data)}"
    if isinstance(data, (tuple, list)):
        return f"{type(data).__name__}s of {len(data)} element(s) {[describe_batch(d) for d in data]}"
    shape = getattr(data, "shape", None)
    dtype = getattr(data, "dtype", None)
    if shape is not None:
        return f"{getattr(dtype, 'name', dtype)} tensors of shape {tuple(shape)}"
    return type(data).__name__


def agree(current, value, current_name, value_name):
    if current is not None and current != value:
        raise ValueError(f"{current_name} gives {current} samples but {value_name} gives {value}.")
    return value


def class_cross_entropy(labels, logits):
    """-E[log P(C = y | x)]: the mean softmax cross-entropy of int labels, on logits."""
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.cast(labels, tf.int32), tf.cast(logits, tf.float32))
    )


def checked_labels(labels, num_classes, model="The model"):
    """`labels` as int32, after an in-graph check that they lie in [0, num_classes).

    Everything computed from the returned tensor (or under a control
    dependency on it) runs after the check.
    """
    labels = tf.cast(labels, tf.int32)
    valid = tf.reduce_all((labels >= 0) & (labels < num_classes))
    check = tf.debugging.Assert(
        valid,
        [
            f"{model}: labels must be class ids in [0, {num_classes}); this batch has labels from",
            tf.reduce_min(labels),
            "to",
            tf.reduce_max(labels),
        ],
    )
    with tf.control_dependencies([check]):
        return tf.identity(labels)


def class_accuracy(labels, logits):
    """The fraction of argmax(logits) equal to the int labels."""
    predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
    return tf.reduce_mean(tf.cast(tf.equal(predicted, tf.cast(labels, tf.int32)), tf.float32))
