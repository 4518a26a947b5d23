"""The TFDS download path, offline up to the network boundary.

A fresh machine loads mnist (cifar10, facades, ...) by letting TFDS download
and prepare it. Everything before the download (TFDS' own imports, such as
importlib_resources through etils) and everything after it (extraction
results, example generation, writing, reading) runs here for real; only
DownloadManager.download_and_extract, the call that would reach the network,
is a stub that records the URLs and hands back tiny MNIST-format files.
"""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from tensorflow_datasets.image_classification import mnist

from keras_gans import datasets
from tests import harness

TRAIN, TEST = 40, 20


def _write_idx(directory, count, offset):
    """MNIST's idx files (as extracted): image i is filled with i + offset, its label is that % 10."""
    values = np.arange(count, dtype=np.uint8) + offset
    images = directory / f"images-{offset}"
    labels = directory / f"labels-{offset}"
    header = np.array([2051, count, 28, 28], ">u4").tobytes()
    images.write_bytes(header + np.repeat(values, 28 * 28).tobytes())
    labels.write_bytes(np.array([2049, count], ">u4").tobytes() + (values % 10).tobytes())
    return str(images), str(labels)


@pytest.fixture
def stub_download(tmp_path, monkeypatch):
    """Replace the network call of TFDS' download manager; returns the URLs it was asked for."""
    monkeypatch.setattr(mnist, "_TRAIN_EXAMPLES", TRAIN)
    monkeypatch.setattr(mnist, "_TEST_EXAMPLES", TEST)
    train_images, train_labels = _write_idx(tmp_path, TRAIN, 0)
    test_images, test_labels = _write_idx(tmp_path, TEST, 100)
    files = {
        "train_data": train_images,
        "train_labels": train_labels,
        "test_data": test_images,
        "test_labels": test_labels,
    }
    requested = []

    def download_and_extract(self, url_or_urls):
        requested.extend(url_or_urls.values())
        return {key: files[key] for key in url_or_urls}

    monkeypatch.setattr(tfds.download.DownloadManager, "download_and_extract", download_and_extract)
    return requested


def test_mnist_downloads_and_prepares_offline_up_to_the_network(tmp_path, stub_download):
    data_dir = str(tmp_path / "tfds")
    train = datasets.load("mnist", split="train", batch_size=TRAIN, with_labels=True, shuffle=False, data_dir=data_dir)
    images, labels = next(iter(train))
    # The real URLs were asked for: everything up to the network ran.
    assert all(url.startswith(mnist._MNIST_URL) for url in stub_download) and len(stub_download) == 4
    assert images.shape == (TRAIN, 28, 28, 1)
    # Every prepared example is one of ours, pixels scaled to [-1, 1], its label kept.
    pixel = np.round((images.numpy()[:, 0, 0, 0] + 1.0) * 127.5).astype(int)
    assert sorted(pixel.tolist()) == list(range(TRAIN))
    assert (labels.numpy() == pixel % 10).all()
    test = next(iter(datasets.load("mnist", split="test", batch_size=TEST, shuffle=False, data_dir=data_dir)))
    assert sorted(np.round((test.numpy()[:, 0, 0, 0] + 1.0) * 127.5).astype(int).tolist()) == list(
        range(100, 100 + TEST)
    )
    # Prepared once: loading again does not download.
    stub_download.clear()
    datasets.load("mnist", batch_size=8, data_dir=data_dir)
    assert stub_download == []


def _raise(error):
    def load(*args, **kwargs):
        raise error

    return load


def test_a_missing_module_is_named_not_called_offline(monkeypatch):
    # What TFDS 4.9.10 raised on a fresh machine before importlib_resources was declared.
    missing = ModuleNotFoundError("No module named 'importlib_resources'", name="importlib_resources")
    monkeypatch.setattr(tfds, "load", _raise(missing))
    e = harness.assert_clear_error(
        lambda: datasets.load("mnist", batch_size=8),
        "importlib_resources",
        "pip install importlib_resources",
        error=RuntimeError,
    )
    assert "network" not in str(e)


def test_a_network_failure_says_offline(monkeypatch):
    import requests

    refused = requests.exceptions.ConnectionError("Failed to resolve 'storage.googleapis.com'")
    monkeypatch.setattr(tfds, "load", _raise(refused))
    e = harness.assert_clear_error(
        lambda: datasets.load("mnist", batch_size=8), "needs the network", "digits", error=RuntimeError
    )
    assert "storage.googleapis.com" in str(e)


def test_other_failures_are_reported_as_they_are(monkeypatch):
    monkeypatch.setattr(tfds, "load", _raise(PermissionError("[Errno 13] Permission denied: '/data'")))
    e = harness.assert_clear_error(
        lambda: datasets.load("mnist", batch_size=8), "PermissionError", "/data", error=RuntimeError
    )
    assert "network" not in str(e)
