"""The one normalization factory of the network builders."""

from keras import layers

from keras_gans.networks.instance_norm import InstanceNormalization

KINDS = ("batch", "layer", "instance", None)


def check_kind(normalization):
    if normalization not in KINDS:
        raise ValueError(f"normalization must be 'batch', 'layer', 'instance' or None, got {normalization!r}.")
    return normalization


def batch_norm(synchronized=False, name=None):
    """BatchNormalization (momentum 0.9, epsilon 1e-5), synchronised across replicas when asked."""
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name)


def normalization(kind, name, synchronized=False, affine=True, epsilon=1e-3):
    """A normalization layer by kind, or None for `kind=None`.

    Args:
        kind: "batch", "layer", "instance" (`InstanceNormalization`: the
            function of GroupNormalization(groups=-1) on TensorFlow's fused
            batch-norm kernel, 1.1-2.5x faster layer for layer; see
            docs/benchmarks.md) or None.
        name: the layer's name.
        synchronized: cross-replica statistics for batch norm.
        affine: learned scale and offset for instance norm (PyTorch's
            InstanceNorm2d, used by the pix2pix/CycleGAN reference, has none).
        epsilon: instance norm's epsilon (PyTorch's is 1e-5).
    """
    check_kind(kind)
    if kind == "batch":
        return batch_norm(synchronized, name=name)
    if kind == "layer":
        return layers.LayerNormalization(name=name)
    if kind == "instance":
        return InstanceNormalization(epsilon=epsilon, center=affine, scale=affine, name=name)
    return None
