"""End-to-end smoke runs of the `keras-gans` command line (tiny, offline)."""

import csv
import json
import os
import subprocess
import sys

import keras
import numpy as np

from keras_gans import cli


def run_cli(*args):
    return cli.main([str(a) for a in args])


def train(out, *options, model="dcgan", steps="2"):
    """`keras-gans train MODEL` for one short epoch into `out`; the exit code."""
    return run_cli(
        "train", model, "--out", out, "--epochs", "1", "--steps-per-epoch", steps, "--verbose", "0", *options
    )


def test_list(capsys):
    assert run_cli("list") == 0
    out = capsys.readouterr().out
    for word in ("dcgan", "wgan_gp", "non_saturating", "hinge", "digits", "ring8", "grid25"):
        assert word in out


def test_train_sample_resume(tmp_path, capsys):
    out = tmp_path / "run"
    common = [
        "--dataset",
        "digits",
        "--out",
        out,
        "--batch-size",
        "32",
        "--steps-per-epoch",
        "2",
        "--latent-dim",
        "8",
        "--verbose",
        "0",
    ]
    assert run_cli("train", "dcgan", "--epochs", "1", *common) == 0
    for name in ("run.json", "model.keras", "history.csv", "loss_curve.png", "samples/epoch_001.png"):
        assert (out / name).exists(), name
    assert json.loads((out / "run.json").read_text())["model_class"] == "GAN"
    first = keras.models.load_model(out / "model.keras")
    assert int(first.g_optimizer.iterations.numpy()) == 2

    # Refuses to overwrite a run; resumes it on request.
    assert run_cli("train", "dcgan", "--epochs", "2", *common) == 2
    assert "--resume" in capsys.readouterr().err
    assert run_cli("train", "dcgan", "--epochs", "2", "--resume", *common) == 0
    resumed = keras.models.load_model(out / "model.keras")
    assert int(resumed.g_optimizer.iterations.numpy()) == 4
    with open(out / "history.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1"]
    assert (out / "samples/epoch_002.png").exists()

    assert run_cli("sample", out, "-n", "9", "--out", tmp_path / "grid.png") == 0
    assert (tmp_path / "grid.png").stat().st_size > 100


def test_train_on_a_mixture_with_another_game(tmp_path):
    out = tmp_path / "ring"
    assert (
        run_cli(
            "train",
            "wgan_gp",
            "--dataset",
            "ring8",
            "--out",
            out,
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--verbose",
            "0",
        )
        == 0
    )
    assert run_cli("sample", out, "-n", "100") == 0
    assert (out / "samples.png").exists()


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert run_cli("train", "nosuchgan", "--out", tmp_path / "x") == 2
    assert "nosuchgan" in capsys.readouterr().err
    assert (
        run_cli(
            "train", "dcgan", "--dataset", "digits", "--loss", "nosuchgame", "--out", tmp_path / "y", "--verbose", "0"
        )
        == 2
    )
    assert "non_saturating" in capsys.readouterr().err
    assert run_cli("sample", tmp_path / "nothing") == 2
    assert "not a run directory" in capsys.readouterr().err


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "keras-gans")
    result = subprocess.run([exe, "list"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "dcgan" in result.stdout


def test_evaluate_prints_metrics_with_protocol(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the domain classifier cache
    out = tmp_path / "run"
    assert train(out, "--dataset", "digits", "--latent-dim", "8") == 0
    capsys.readouterr()
    assert run_cli("evaluate", out, "--metrics", "fid,kid,is", "--num-samples", "200") == 0
    table = capsys.readouterr().out
    for word in ("fid", "kid", "is", "digits:test", "200"):
        assert word in table, word


def test_export_then_sample_from_the_export(tmp_path):
    out = tmp_path / "run"
    assert train(out, "--dataset", "digits", "--latent-dim", "8") == 0
    exported = tmp_path / "exported"
    assert run_cli("export", out, "--to", exported, "--quantize", "float32,float16") == 0
    assert (exported / "saved_model" / "1" / "saved_model.pb").exists()
    assert (exported / "model_float16.tflite").exists()
    # Exporting again over the same version is refused unless asked.
    assert run_cli("export", out, "--to", exported) == 2
    assert run_cli("sample", exported, "-n", "4", "--out", tmp_path / "from_saved_model.png") == 0
    assert run_cli("sample", exported / "model_float32.tflite", "-n", "4", "--out", tmp_path / "from_tflite.png") == 0
    assert (tmp_path / "from_saved_model.png").exists() and (tmp_path / "from_tflite.png").exists()


import pytest  # noqa: E402


@pytest.mark.parametrize("model", ["cgan", "acgan", "ssgan", "pix2pix", "cyclegan"])
def test_every_zoo_model_trains_and_samples_from_the_cli(model, tmp_path):
    out = tmp_path / model
    batch = "4" if model == "cyclegan" else "16"
    assert train(out, "--batch-size", batch, model=model, steps="1") == 0
    assert (out / "model.keras").exists() and (out / "history.csv").exists()
    if model != "ssgan":
        assert (out / "samples" / "epoch_001.png").exists()
    assert run_cli("sample", out, "-n", "8") == 0
    assert (out / "samples.png").exists()


def test_train_with_strategy_and_xla_flags(tmp_path):
    out = tmp_path / "xla"
    options = ("--dataset", "digits", "--latent-dim", "8", "--strategy", "one_device", "--jit-compile", "on")
    assert train(out, *options, steps="1") == 0
    model = keras.models.load_model(out / "model.keras")
    assert int(model.g_optimizer.iterations.numpy()) == 1
    assert run_cli("train", "dcgan", "--out", tmp_path / "bad", "--strategy", "nosuch") == 2


def test_train_steps_per_execution(tmp_path):
    out = tmp_path / "spe"
    assert train(out, "--dataset", "digits", "--latent-dim", "8", "--steps-per-execution", "2", steps="4") == 0
    model = keras.models.load_model(out / "model.keras")
    assert int(model.g_optimizer.iterations.numpy()) == 4 and model.steps_per_execution == 2
    assert run_cli("train", "dcgan", "--out", tmp_path / "bad", "--steps-per-execution", "0") == 2
    assert train(tmp_path / "odd", "--steps-per-execution", "3", steps="4") == 2  # 4 steps, executions of 3
    assert not (tmp_path / "odd").exists()


def test_evaluate_a_pix2pix_run_on_held_out_pairs(tmp_path, capsys):
    out = tmp_path / "p2p"
    assert train(out, "--batch-size", "8", model="pix2pix", steps="1") == 0
    capsys.readouterr()
    assert run_cli("evaluate", out) == 0
    table = capsys.readouterr().out
    for word in ("l1", "psnr", "ssim", "digits:test", "359 pairs"):
        assert word in table, word


def test_evaluate_scores_distinct_samples_with_their_protocol(tmp_path, capsys, monkeypatch):
    # The evaluator asks for its samples batch by batch; the CLI once passed
    # `lambda n: model.generate(n, seed=args.seed)`, so every batch was the
    # same images. Record what the CLI's sampler returns, through cli.main.
    from keras_gans import metrics

    monkeypatch.setenv("HOME", str(tmp_path))  # the domain classifier cache
    out = tmp_path / "run"
    assert train(out, "--dataset", "digits", "--latent-dim", "8") == 0
    batches = []
    original = metrics.evaluate_generator

    def recording_evaluate(generate_fn, *args, **kwargs):
        def recorded(n):
            images = np.asarray(generate_fn(n))
            batches.append(images)
            return images

        recorded.sampling = getattr(generate_fn, "sampling", None)
        return original(recorded, *args, **kwargs)

    monkeypatch.setattr(metrics, "evaluate_generator", recording_evaluate)

    def evaluate(seed):
        batches.clear()
        capsys.readouterr()
        assert run_cli("evaluate", out, "--metrics", "fid,one_nn", "--num-samples", "250", "--seed", seed) == 0
        return np.concatenate(batches), capsys.readouterr().out

    scored, table = evaluate(0)
    assert len(batches) == 3 and len(scored) == 250  # batches of 100, 100, 50
    flat = scored.reshape(len(scored), -1)
    assert len(np.unique(flat, axis=0)) == 250, "the evaluated samples repeat"
    # Reproducible from --seed, and another seed gives other samples.
    again, _ = evaluate(0)
    np.testing.assert_array_equal(again, scored)
    other, _ = evaluate(1)
    assert not np.array_equal(other, scored)
    # Every real test digit is scored (359, not the 300 of full batches), and
    # each metric row says what it was measured on.
    for words in (
        "359 real / 250 generated",
        "250 real vs 250 generated",  # 1-NN on equal-size sets
        "ideal 0.499",
        "comparable_with: only results from this same classifier",
        "distinct samples",
    ):
        assert words in table, (words, table)
