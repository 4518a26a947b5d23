"""The FID Inception network's loading path, with stub weights.

pytorch-fid's published weights cannot be downloaded here. What these
tests check offline: the `.pth` reader on files written by PyTorch 2.13 in
both formats, the transposition of PyTorch weights into the Keras network,
the errors for a wrong file, download failure and checksum, and the
extractor inside `evaluate_generator`. The network itself was compared
with pytorch-fid's own InceptionV3 on shared random weights by
`torch_reference_fid_inception.py` (needs PyTorch; see docs/metrics.md).
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.metrics import evaluate_generator
from keras_gans.metrics import fid_inception as F
from keras_gans.metrics import torch_weights

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("kind", ["zip", "legacy"])
def test_reads_pytorch_state_dicts_without_pytorch(kind):
    expected = np.load(os.path.join(DATA, "tiny_state_dict_expected.npz"))
    state = torch_weights.load_state_dict(os.path.join(DATA, f"tiny_state_dict_{kind}.pth"))
    assert list(state) == list(expected.files)
    for key in expected.files:
        assert state[key].dtype == expected[key].dtype, key
        np.testing.assert_array_equal(state[key], expected[key], err_msg=key)


def test_refuses_files_that_are_not_state_dicts(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a pytorch file")
    with pytest.raises(ValueError, match="PyTorch"):
        torch_weights.load_state_dict(str(bad))


@pytest.fixture(scope="module")
def stub():
    """The network with seeded random weights in pytorch-fid's layout.

    At 75x75 input (the smallest InceptionV3 takes) to keep the test fast;
    the weights do not depend on the input size.
    """
    model = F.build_fid_inception(with_logits=True, image_size=75)
    rng = np.random.default_rng(0)
    state = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            h, w, cin, cout = layer.kernel.shape
            state[f"{layer.name}.weight"] = rng.normal(0, (2.0 / (h * w * cin)) ** 0.5, (cout, cin, h, w))
        elif isinstance(layer, keras.layers.BatchNormalization):
            (c,) = layer.gamma.shape
            state[f"{layer.name}.weight"] = rng.uniform(0.5, 1.5, c)
            state[f"{layer.name}.bias"] = rng.uniform(-0.1, 0.1, c)
            state[f"{layer.name}.running_mean"] = rng.uniform(-0.1, 0.1, c)
            state[f"{layer.name}.running_var"] = rng.uniform(0.5, 1.5, c)
            state[f"{layer.name}.num_batches_tracked"] = np.array(0)
    state["fc.weight"] = rng.normal(0, 0.02, (F.NUM_CLASSES, 2048))
    state["fc.bias"] = rng.normal(0, 0.02, F.NUM_CLASSES)
    return model, state


def test_loads_pytorch_layout_weights(stub):
    model, state = stub
    F.load_fid_inception_weights(model, state)
    conv = model.get_layer("Mixed_7c.branch3x3_2a.conv")  # a (1, 3) kernel
    np.testing.assert_allclose(
        conv.kernel.numpy(), state["Mixed_7c.branch3x3_2a.conv.weight"].transpose(2, 3, 1, 0), rtol=1e-6
    )
    bn = model.get_layer("Conv2d_1a_3x3.bn")
    np.testing.assert_allclose(bn.moving_variance.numpy(), state["Conv2d_1a_3x3.bn.running_var"], rtol=1e-6)
    np.testing.assert_allclose(model.get_layer("fc").kernel.numpy(), state["fc.weight"].T, rtol=1e-6)
    # Every tensor of the stub is used: 94 convolutions, as torchvision's.
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in model.layers) == 94


def test_wrong_state_dicts_are_refused_with_the_names(stub):
    model, state = stub
    broken = dict(state)
    del broken["Mixed_5b.branch1x1.conv.weight"]
    broken["Mixed_6e.branch_pool.bn.bias"] = np.zeros(7)
    broken["AuxLogits.fc.weight"] = np.zeros((1000, 768))
    with pytest.raises(ValueError) as error:
        F.load_fid_inception_weights(model, broken)
    message = str(error.value)
    for words in (
        "missing Mixed_5b.branch1x1.conv.weight",
        "Mixed_6e.branch_pool.bn.bias has shape (7,)",
        "unused AuxLogits.fc.weight",
        F.FID_WEIGHTS_FILE,
    ):
        assert words in message


def test_extractor_features_probabilities_and_protocol(stub):
    model, state = stub
    F.load_fid_inception_weights(model, state)
    extractor = F.FIDInceptionExtractor(model, with_probabilities=True, name="stub", batch_size=3)
    # Eager: tracing and optimising the 300-layer graph would take most of the time.
    tf.config.run_functions_eagerly(True)
    try:
        _check_extractor(extractor)
    finally:
        tf.config.run_functions_eagerly(False)


def _check_extractor(extractor):
    images = np.random.default_rng(1).uniform(-1, 1, (3, 16, 16, 1)).astype(np.float32)
    features, probs = extractor.features_and_probabilities(images)
    assert features.shape == (3, 2048) and probs.shape == (3, F.NUM_CLASSES)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(features >= 0)  # pool3 follows ReLUs
    # Resized to the network's input (299 outside tests) without antialias,
    # as PyTorch's bilinear interpolation with align_corners=False.
    x = extractor.preprocess(images)
    assert tuple(x.shape) == (3, 75, 75, 3)
    np.testing.assert_allclose(x[:, :, :, 0], tf.image.resize(images, (75, 75), antialias=False)[..., 0], rtol=1e-6)
    assert "pytorch-fid" in extractor.resize
    assert "pytorch-fid" in extractor.protocol["comparable_with"]

    real = np.random.default_rng(2).uniform(-1, 1, (6, 16, 16, 1)).astype(np.float32)
    # (FID itself would spend its time on the square root of a 2048x2048 matrix.)
    fake = iter(np.split(real * 0.5, 2))
    results = evaluate_generator(
        lambda n: next(fake), real, metrics=("one_nn",), num_samples=6, features=extractor, batch_size=3
    )
    protocol = results["protocol"]
    assert protocol["feature_network"].startswith("FID Inception v3")
    assert protocol["feature_dim"] == 2048 and protocol["weights"] == "stub"


def test_download_failure_and_checksum_are_explained(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(RuntimeError, match="one-time download") as error:
        F.fid_inception_extractor()
    assert F.FID_WEIGHTS_URL in str(error.value) and "features='domain'" in str(error.value)
    with pytest.raises(RuntimeError, match="one-time download"):
        evaluate_generator(
            lambda n: np.zeros((n, 8, 8, 1)),
            np.zeros((4, 8, 8, 1)),
            metrics=("fid",),
            num_samples=4,
            features="fid_inception",
        )

    wrong = tmp_path / F.FID_WEIGHTS_FILE
    wrong.write_bytes(b"a different file")
    monkeypatch.setattr(keras.utils, "get_file", lambda *args, **kwargs: str(wrong))
    with pytest.raises(RuntimeError, match="sha256"):
        F.download_fid_weights()
    with pytest.raises(FileNotFoundError, match="No FID Inception weights"):
        F.fid_inception_extractor(weights=str(tmp_path / "missing.pth"))
