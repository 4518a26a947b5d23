"""GANTensorBoard writes both players' losses, both learning rates, sample grids and metrics."""

import glob

import keras
import numpy as np
import tensorflow as tf

from keras_gans import callbacks, datasets, zoo
from tests import harness


def read_events(log_dir):
    """{tag: [(step, value)]} of scalar summaries, and {tag: [step]} of the others."""
    scalars, others = {}, {}
    for path in glob.glob(f"{log_dir}/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                array = tf.make_ndarray(value.tensor)
                if value.metadata.plugin_data.plugin_name == "scalars":
                    scalars.setdefault(value.tag, []).append((event.step, float(array)))
                else:
                    others.setdefault(value.tag, []).append((event.step, array))
    return scalars, others


def test_losses_learning_rates_samples_and_metrics(tmp_path):
    data = datasets.load("digits", batch_size=16, image_size=16)
    model = zoo.build("dcgan", (16, 16, 1), latent_dim=8, seed=0)
    # Different rates for the two players, and a schedule for G: the logged
    # values must be each optimizer's own, evaluated at the step.
    g_schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=1, decay_rate=0.5)
    model.compile(d_optimizer=keras.optimizers.Adam(4e-4), g_optimizer=keras.optimizers.Adam(g_schedule))
    board = callbacks.GANTensorBoard(
        str(tmp_path),
        update_freq=1,
        num_samples=4,
        metrics_fn=lambda m: {"mean_pixel": float(np.mean(m.generate(8, seed=0)))},
    )
    model.fit(data, epochs=2, steps_per_epoch=3, callbacks=[board], verbose=0)

    scalars, others = read_events(tmp_path)
    for key in ("d_loss", "g_loss"):
        assert [step for step, _ in scalars[f"train/{key}"]] == [1, 2, 3, 4, 5, 6]
        assert [step for step, _ in scalars[f"epoch/{key}"]] == [3, 6]
        assert all(np.isfinite(v) for _, v in scalars[f"train/{key}"])
    d_rates = [v for _, v in scalars["learning_rate/d_optimizer"]]
    g_rates = dict(scalars["learning_rate/g_optimizer"])
    np.testing.assert_allclose(d_rates, 4e-4, rtol=1e-6)
    # After step s the generator optimizer has made s updates: lr = 1e-3 * 0.5**s.
    np.testing.assert_allclose([g_rates[s] for s in (1, 2, 3)], [5e-4, 2.5e-4, 1.25e-4], rtol=1e-5)
    assert [step for step, _ in scalars["eval/mean_pixel"]] == [3, 6]
    [(step, grid), _] = others["samples"]
    assert step == 3
    # A PNG-encoded grid: width, height, then the encoded image.
    width, height = int(grid[0]), int(grid[1])
    assert (width, height) == (2 * 17 + 1, 2 * 17 + 1)


def test_text_samples_and_resume_step(tmp_path):
    model = zoo.build("dcgan", (16, 16, 1), latent_dim=8, seed=0)
    data = datasets.load("digits", batch_size=16, image_size=16)
    model.fit(data, epochs=1, steps_per_epoch=2, verbose=0)  # a resumed model: 2 steps done
    board = callbacks.GANTensorBoard(str(tmp_path), sample_fn=lambda m, n, seed: ["a b c", "d e"])
    model.fit(data, epochs=1, steps_per_epoch=2, callbacks=[board], verbose=0)
    scalars, others = read_events(tmp_path)
    assert [step for step, _ in scalars["epoch/g_loss"]] == [4]
    assert "train/g_loss" not in scalars  # update_freq="epoch"
    assert others["samples"][0][1].item().decode() == "a b c\n\nd e"


def test_bad_update_freq():
    harness.assert_clear_error(
        lambda: callbacks.GANTensorBoard("x", update_freq=0), "update_freq", "'epoch'", error=ValueError
    )


def test_missing_tensorboard_says_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboard", None)
    harness.assert_clear_error(lambda: callbacks.GANTensorBoard("x"), "keras-gans[tensorboard]", error=ImportError)


def test_cli_train_tensorboard(tmp_path, capsys):
    from keras_gans import cli

    out = tmp_path / "run"
    argv = [
        "train",
        "dcgan",
        "--dataset",
        "digits",
        "--out",
        out,
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--steps-per-epoch",
        "2",
        "--latent-dim",
        "8",
        "--verbose",
        "0",
        "--tensorboard",
        "--tensorboard-update-freq",
        "1",
    ]
    assert cli.main([str(a) for a in argv]) == 0
    assert f"tensorboard --logdir {out / 'tensorboard'}" in capsys.readouterr().out
    scalars, others = read_events(out / "tensorboard")
    assert [s for s, _ in scalars["train/g_loss"]] == [1, 2]
    assert {"epoch/d_loss", "learning_rate/d_optimizer", "learning_rate/g_optimizer"} <= set(scalars)
    assert "samples" in others
    assert "tensorboard" not in (out / "run.json").read_text()  # a run option, not part of the run


def test_cli_without_tensorboard_says_so_before_training(tmp_path, capsys, monkeypatch):
    import sys

    from keras_gans import cli

    monkeypatch.setitem(sys.modules, "tensorboard", None)
    assert cli.main(["train", "dcgan", "--out", str(tmp_path / "run"), "--tensorboard"]) == 2
    assert "keras-gans[tensorboard]" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
