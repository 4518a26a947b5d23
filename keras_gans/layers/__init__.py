"""Layers of keras_gans."""

from keras_gans.layers.spectral_normalization import (
    SpectralNormalization,
    advance_power_iterations,
    maybe_spectral_norm,
    spectral_layers,
)
from keras_gans.layers.image_pool import ImagePool
from keras_gans.layers.conditional_batch_norm import ConditionalBatchNormalization
from keras_gans.layers.self_attention import SelfAttention
from keras_gans.layers.resampling import GlobalSumPooling2D, NearestUpSampling2D
