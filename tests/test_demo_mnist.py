"""`keras-gans demo` end to end on mnist5k (one epoch; slow: classifier training and export)."""

import csv

import pytest

from keras_gans import cli, plotting


@pytest.mark.slow
def test_demo_one_epoch_writes_samples_fd_curve_and_export(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))  # the MNIST classifier's cache goes under ~/.cache
    plotted = {}
    plot_history = plotting.plot_history

    def recording(history, path, keys=None, **kwargs):
        plotted[path.rsplit("/", 1)[-1]] = (keys, {k: list(v) for k, v in history.items()})
        return plot_history(history, path, keys=keys, **kwargs)

    monkeypatch.setattr(plotting, "plot_history", recording)
    out, exported = tmp_path / "demo", tmp_path / "exported"
    assert cli.main(["demo", "--out", str(out), "--export-dir", str(exported), "--epochs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "Not comparable with TF-GAN" in printed and "MNIST Frechet distance" in printed
    for name in ("samples.png", "loss_curve.png", "mnist_fd.png", "history.csv", "model.keras"):
        assert (out / name).exists(), name
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["epoch"] == "1" and float(rows[0]["mnist_fd"]) > 0
    keys, history = plotted["mnist_fd.png"]  # the FD figure plots the FD per epoch
    assert keys == ["mnist_fd"] and history["mnist_fd"] == [pytest.approx(float(rows[0]["mnist_fd"]))]
    assert (tmp_path / ".cache/keras_gans/classifiers/mnist5k_classifier_e5_s0.keras").exists()
    assert (exported / "manifest.json").exists()


def test_plot_history_refuses_an_empty_figure(tmp_path):
    from tests import harness

    harness.assert_clear_error(
        lambda: plotting.plot_history({"mnist_fd": [3.0]}, str(tmp_path / "x.png")),
        "Nothing to plot",
        "mnist_fd",
        error=ValueError,
    )
    harness.assert_clear_error(
        lambda: plotting.plot_history({"g_loss": [1.0]}, str(tmp_path / "x.png"), keys=["fd"]),
        "fd",
        "g_loss",
        error=ValueError,
    )
    assert plotting.plot_history({"mnist_fd": [3.0, 2.0]}, str(tmp_path / "fd.png"), keys=["mnist_fd"], ylabel="FD")
