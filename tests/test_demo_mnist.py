"""`keras-gans demo` end to end on mnist5k (one epoch; slow: classifier training and export)."""

import csv

import pytest

from keras_gans import cli


@pytest.mark.slow
def test_demo_one_epoch_writes_samples_fd_curve_and_export(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))  # the MNIST classifier's cache goes under ~/.cache
    out, exported = tmp_path / "demo", tmp_path / "exported"
    assert cli.main(["demo", "--out", str(out), "--export-dir", str(exported), "--epochs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "Not comparable with TF-GAN" in printed and "MNIST Frechet distance" in printed
    for name in ("samples.png", "loss_curve.png", "mnist_fd.png", "history.csv", "model.keras"):
        assert (out / name).exists(), name
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and float(rows[0]["mnist_fd"]) > 0
    assert (tmp_path / ".cache/keras_gans/classifiers/mnist5k_classifier_e5_s0.keras").exists()
    assert (exported / "manifest.json").exists()
