"""SelfAttention (SAGAN): identity at initialisation, the paper's attention by hand, any resolution and batch."""

import numpy as np
import keras
import pytest

from keras_gans.layers import SelfAttention, SpectralNormalization, spectral_layers
from tests import harness

RNG = np.random.default_rng(0)


def _pool(x):
    """2x2 max pooling, stride 2, padding "same" (the last row/column alone when odd), by hand."""
    b, h, w, c = x.shape
    out = np.full((b, -(-h // 2), -(-w // 2), c), -np.inf, "float32")
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = x[:, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max(axis=(1, 2))
    return out


def _by_hand(x, wq, wk, wv, wo, gamma):
    """y = x + gamma * v(sum_i beta_ji h(x_i)), beta_j = softmax_i(f(x_j) . g(x_i)), g and h pooled."""
    b, h, w, c = x.shape
    f = (x @ wq).reshape(b, h * w, -1)
    g = _pool(x @ wk).reshape(b, -1, wk.shape[1])
    v = _pool(x @ wv).reshape(b, -1, wv.shape[1])
    logits = np.einsum("bjc,bic->bji", f, g)
    beta = np.exp(logits - logits.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    o = (np.einsum("bji,bic->bjc", beta, v) @ wo).reshape(b, h, w, c)
    return x + gamma * o


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_identity_at_initialisation(spectral_norm):
    x = RNG.normal(size=(3, 6, 6, 16)).astype("float32")
    layer = SelfAttention(spectral_norm=spectral_norm)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    assert float(layer.gamma.numpy()) == 0.0


@pytest.mark.parametrize("side", [4, 3])  # even: the authors' pooling; odd: the last row and column kept
def test_attention_matches_the_papers_formula_by_hand(side):
    x = RNG.normal(size=(2, side, side, 16)).astype("float32")
    layer = SelfAttention()
    layer.build(x.shape)
    # f, g: C/8 = 2 channels; h: C/2 = 8; v: back to 16.
    assert [tuple(w.shape) for w in (layer.query.kernel, layer.key.kernel, layer.value.kernel)] == [
        (1, 1, 16, 2),
        (1, 1, 16, 2),
        (1, 1, 16, 8),
    ]
    weights = {name: RNG.normal(size=getattr(layer, name).kernel.shape[2:]).astype("float32") for name in
               ("query", "key", "value", "output_conv")}  # fmt: skip
    for name, value in weights.items():
        getattr(layer, name).kernel.assign(value[None, None])
    layer.gamma.assign(0.7)
    expected = _by_hand(x, weights["query"], weights["key"], weights["value"], weights["output_conv"], 0.7)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-4)
    # Each position's attention is a distribution over the ceil(side/2)^2 pooled positions.
    beta = keras.ops.convert_to_numpy(layer.attention(x))
    assert beta.shape == (2, side * side, (-(-side // 2)) ** 2)
    np.testing.assert_allclose(beta.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("shape", [(1, 1, 1, 8), (3, 5, 5, 8), (2, 7, 7, 4), (2, 6, 10, 16), (4, 2, 3, 1)])
def test_any_resolution_and_batch(shape):
    x = RNG.normal(size=shape).astype("float32")
    layer = SelfAttention(spectral_norm=True)
    layer.build(shape)
    layer.gamma.assign(1.0)
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == shape and np.all(np.isfinite(y)) and not np.allclose(y, x)


def test_unknown_batch_and_sides_in_a_model_and_config_round_trip(tmp_path):
    inputs = keras.Input((None, None, 8))
    model = keras.Model(inputs, SelfAttention(spectral_norm=True, name="attention")(inputs))
    layer = model.get_layer("attention")
    layer.gamma.assign(0.5)
    assert len(spectral_layers(model)) == 4 and all(
        isinstance(s, SpectralNormalization) for s in spectral_layers(model)
    )
    for shape in ((1, 4, 4, 8), (5, 9, 3, 8)):
        x = RNG.normal(size=shape).astype("float32")
        assert model(x).shape == shape
    config = layer.get_config()
    assert config["spectral_norm"] is True and config["pooling"] is True
    assert SelfAttention.from_config(config).get_config() == config
    path = str(tmp_path / "attention.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = RNG.normal(size=(2, 5, 5, 8)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)


def test_without_pooling_every_position_attends_over_all():
    x = RNG.normal(size=(2, 4, 4, 8)).astype("float32")
    layer = SelfAttention(pooling=False)
    assert keras.ops.convert_to_numpy(layer.attention(x)).shape == (2, 16, 16)


def test_bad_input_is_named():
    harness.assert_clear_error(lambda: SelfAttention()(np.zeros((2, 8), "float32")), "(batch, height, width, channels)")
