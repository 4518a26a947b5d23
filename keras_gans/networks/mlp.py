"""Multi-layer perceptrons for low-dimensional data (the 2-D Gaussian mixtures)."""

import keras
from keras import layers

from keras_gans.layers import maybe_spectral_norm


def mlp_generator(latent_dim, output_dim, hidden_units=(128, 128), activation="relu", name="mlp_generator"):
    """An MLP generator with a linear output.

    Args:
        latent_dim: size of z.
        output_dim: size of a sample.
        hidden_units: units of each hidden layer.
        activation: hidden activation.

    Returns:
        A functional keras.Model (latent_dim,) -> (output_dim,).
    """
    z = keras.Input((latent_dim,), name="latent")
    x = z
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation=activation, name=f"hidden{i}")(x)
    x = layers.Dense(output_dim, name="output")(x)
    x = layers.Activation("linear", dtype="float32", name="sample")(x)
    return keras.Model(z, x, name=name)


def mlp_discriminator(
    input_dim, hidden_units=(128, 128), activation="leaky_relu", spectral_norm=False, name="mlp_discriminator"
):
    """An MLP discriminator returning one logit per sample.

    Args:
        input_dim: size of a sample.
        hidden_units: units of each hidden layer.
        activation: hidden activation.
        spectral_norm: wrap every Dense layer in keras_gans.layers.SpectralNormalization.

    Returns:
        A functional keras.Model (input_dim,) -> (1,).
    """

    def maybe_sn(layer):
        return maybe_spectral_norm(layer, spectral_norm)

    inputs = keras.Input((input_dim,), name="sample")
    x = inputs
    for i, units in enumerate(hidden_units):
        x = maybe_sn(layers.Dense(units, name=f"hidden{i}"))(x)
        x = layers.Activation(activation)(x)
    x = maybe_sn(layers.Dense(1, name="logit"))(x)
    x = layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs, x, name=name)
