"""Spectral normalization as in Miyato et al. 2018 (https://arxiv.org/abs/1802.05957).

Keras' own `keras.layers.SpectralNormalization` assigns W / sigma(W) into the
trainable kernel on every training call: two calls of a discriminator in one
loss (on real and on generated samples) see different kernels, no gradient
flows through sigma, and a forward pass changes a trainable weight. This layer
follows the paper (and the authors' chainer code) instead:

- the wrapped layer's kernel W is the trainable variable, left as it is;
- every call computes W_SN = W / sigma(W) with sigma(W) = u'^T W v from the
  stored vector u by one power iteration (v = W^T u / ||W^T u||,
  u' = W v / ||W v||), u and v held constant (stop-gradient) so the gradient
  flows through sigma(W) as in the paper's equation (12);
- a call never assigns anything: the same W and u give the same W_SN in every
  call of one update (D(x), D(G(z)), penalties, the generator's step);
- u advances once per update of the layer's kernel: `advance()` stores u',
  computed from the kernel the update's forward passes used. keras_gans'
  engine calls it for every spectral-normalized layer whose kernel an update
  changes (`AdversarialModel.apply_update`); in a custom loop, call
  `advance_power_iterations(model)` after each optimizer step.

W is read as a matrix with one column per output unit: Dense (in, out),
Conv (kh, kw, in, out) -> (kh*kw*in, out), Conv2DTranspose (kh, kw, out, in)
-> (kh*kw*in, out) as PyTorch's `spectral_norm(dim=1)` for transposed
convolutions, Embedding (vocab, dim) as PyTorch's default (dim=0).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class SpectralNormalization(keras.layers.Wrapper):
    """Spectral normalization of a Dense, Conv, Conv*Transpose or Embedding layer.

    Args:
        layer: the layer whose kernel (or embeddings) is normalized.
        power_iterations: power iterations per call (the paper: 1).
        epsilon: added to norms before dividing.
        **kwargs: base layer arguments (name, ...).

    Example:

    >>> conv = SpectralNormalization(keras.layers.Conv2D(64, 3, padding="same"))
    >>> y = conv(images)          # W / sigma(W); W itself unchanged
    """

    def __init__(self, layer, power_iterations=1, epsilon=1e-12, **kwargs):
        super().__init__(layer, **kwargs)
        if int(power_iterations) < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}.")
        if not isinstance(
            layer,
            (
                keras.layers.Dense,
                keras.layers.Embedding,
                keras.src.layers.convolutional.base_conv.BaseConv,
                keras.src.layers.convolutional.base_conv_transpose.BaseConvTranspose,
            ),
        ):
            raise ValueError(
                "SpectralNormalization wraps a Dense, Conv1D/2D/3D, Conv*Transpose or Embedding "
                f"layer, got {type(layer).__name__}."
            )
        self.power_iterations = int(power_iterations)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        kernel = self._raw_kernel()
        self._transposed = isinstance(self.layer, keras.src.layers.convolutional.base_conv_transpose.BaseConvTranspose)
        units = kernel.shape[-2] if self._transposed else kernel.shape[-1]
        self.u = self.add_weight(
            shape=(1, units),
            initializer=keras.initializers.RandomNormal(),
            trainable=False,
            name="u",
            dtype="float32",
            aggregation="only_first_replica",
        )
        self.built = True

    # --- the paper's sigma ----------------------------------------------------

    def _raw_kernel(self):
        if isinstance(self.layer, keras.layers.Embedding):
            return self.layer.embeddings
        return self.layer._kernel if isinstance(self.layer, keras.layers.Dense) else self.layer.kernel

    def _matrix(self, kernel):
        kernel = ops.cast(kernel, "float32")
        if self._transposed:  # (..., out, in): one column per output channel
            kernel = ops.swapaxes(kernel, -1, -2)
        return ops.reshape(kernel, (-1, kernel.shape[-1]))

    def power_iteration(self):
        """(u', v, sigma) for the current kernel and u; u', v carry no gradient."""
        w = self._matrix(self._raw_kernel())
        u = ops.convert_to_tensor(self.u)
        for _ in range(self.power_iterations):
            v = _normalize(ops.matmul(u, ops.transpose(w)), self.epsilon)  # (1, rows)
            u = _normalize(ops.matmul(v, w), self.epsilon)  # (1, units)
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.sum(ops.matmul(v, w) * u)
        return u, v, sigma

    def normalized_kernel(self):
        """W / sigma(W), differentiable in W through sigma."""
        _, _, sigma = self.power_iteration()
        kernel = self._raw_kernel()
        return ops.cast(ops.cast(kernel, "float32") / sigma, kernel.dtype)

    def advance(self):
        """Store u' (one power iteration from the current u and kernel)."""
        from keras_gans.models._base import assign_replica_safe

        u, _, _ = self.power_iteration()
        assign_replica_safe([(self.u, u)], lambda variable, value: value)

    # --- the wrapped layer's computation with W_SN ------------------------------

    def call(self, inputs):
        layer = self.layer
        kernel = ops.cast(self.normalized_kernel(), layer.compute_dtype)
        if isinstance(layer, keras.layers.Embedding):
            return ops.take(kernel, ops.cast(inputs, "int32"), axis=0)
        if isinstance(layer, keras.layers.Dense):
            outputs = ops.matmul(inputs, kernel)
            bias_shape = None
        elif self._transposed:
            outputs = ops.conv_transpose(
                inputs,
                kernel,
                strides=list(layer.strides),
                padding=layer.padding,
                output_padding=layer.output_padding,
                dilation_rate=layer.dilation_rate,
                data_format=layer.data_format,
            )
        else:
            outputs = layer.convolution_op(inputs, kernel)
        if getattr(layer, "bias", None) is not None:
            if not isinstance(layer, keras.layers.Dense) and layer.data_format == "channels_first":
                bias_shape = (1, layer.filters) + (1,) * layer.rank
            elif not isinstance(layer, keras.layers.Dense):
                bias_shape = (1,) * (layer.rank + 1) + (layer.filters,)
            bias = ops.cast(layer.bias, outputs.dtype)
            outputs = outputs + (bias if bias_shape is None else ops.reshape(bias, bias_shape))
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations, "epsilon": self.epsilon}


def _normalize(x, epsilon):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + epsilon)


def spectral_layers(model):
    """The SpectralNormalization layers inside `model` (nested models and layers included)."""
    if isinstance(model, SpectralNormalization):
        return [model]
    flatten = getattr(model, "_flatten_layers", None)
    if flatten is None:
        return []
    return [layer for layer in flatten(include_self=False) if isinstance(layer, SpectralNormalization)]


def advance_power_iterations(model):
    """Advance u once in every spectral-normalized layer of `model` (for custom loops)."""
    for layer in spectral_layers(model):
        layer.advance()


def maybe_spectral_norm(layer, spectral_norm):
    """`SpectralNormalization(layer)` when `spectral_norm`, else `layer`: the one wrapper the builders use."""
    return SpectralNormalization(layer) if spectral_norm else layer
