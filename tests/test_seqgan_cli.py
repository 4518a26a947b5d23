"""`keras-gans seqgan train | sample | evaluate` on a text file and on the oracle (tiny, offline)."""

import json

import pytest

from keras_gans import cli, seqgan_cli
from tests import harness

TINY = [
    "--embedding-dim",
    "8",
    "--hidden-dim",
    "8",
    "--small-discriminator",
    "--mle-epochs",
    "1",
    "--d-pretrain-epochs",
    "1",
    "--rounds",
    "2",
    "--rollouts",
    "2",
    "--discriminator-steps",
    "1",
    "--batch-size",
    "16",
    "--verbose",
    "0",
]
WORDS = ["the", "a", "dog", "cat", "bird", "saw", "liked", "ran", "slept", "near", "tree", "house"]


def run_cli(*args):
    return cli.main([str(a) for a in args])


@pytest.fixture
def corpus(tmp_path):
    lines = [" ".join(WORDS[(i * k + k) % len(WORDS)] for k in range(1, 6)) + "." for i in range(60)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_text_file_train_sample_evaluate(tmp_path, corpus, capsys):
    out = tmp_path / "run"
    assert run_cli("seqgan", "train", "--data", corpus, "--out", out, "--seq-len", "8", "--max-vocab", "30", *TINY) == 0
    for name in ("run.json", "model.keras", "tokenizer.json", "history.csv", "loss_curve.png", "samples.txt"):
        assert (out / name).exists(), name
    run = json.loads((out / "run.json").read_text())
    assert run["model"] == "seqgan" and run["rounds"] == 2
    with open(out / "history.csv") as f:
        assert len(f.read().splitlines()) == 3  # header and the two rounds
    capsys.readouterr()

    assert run_cli("seqgan", "sample", out, "-n", "3", "--out", tmp_path / "s.txt") == 0
    lines = (tmp_path / "s.txt").read_text().splitlines()
    assert len(lines) == 3
    vocabulary = set(WORDS) | {".", "<unk>"}
    assert all(set(line.replace(".", " .").split()) <= vocabulary for line in lines), lines
    # The shared commands recognise a SeqGAN run.
    assert run_cli("sample", out, "-n", "2") == 0
    assert len((out / "samples.txt").read_text().splitlines()) == 2
    capsys.readouterr()
    assert run_cli("evaluate", out, "--num-samples", "20") == 0
    printed = capsys.readouterr().out
    scores = {line.split()[0]: float(line.split()[1]) for line in printed.splitlines() if line.startswith("bleu")}
    assert set(scores) == {"bleu2", "bleu3", "bleu4"} and all(0.0 <= v <= 1.0 for v in scores.values())
    assert "held-out" in printed


def test_oracle_nll(tmp_path, capsys):
    out = tmp_path / "oracle"
    oracle = ["--vocab-size", "30", "--seq-len", "6", "--num-sequences", "64"]
    assert run_cli("seqgan", "train", "--data", "oracle", "--out", out, *oracle, *TINY) == 0
    capsys.readouterr()
    assert run_cli("seqgan", "evaluate", out, "--num-samples", "64") == 0
    printed = capsys.readouterr().out
    nll = float(next(line.split()[1] for line in printed.splitlines() if line.startswith("nll_oracle")))
    # Samples of a 30-token vocabulary: between 0 and far above uniform's log(30) = 3.4 nats.
    assert 0.0 < nll < 20.0
    assert "64 samples" in printed


def test_train_seqgan_maps_to_seqgan_train(tmp_path):
    args = cli._parser().parse_args(
        [
            "train",
            "seqgan",
            "--dataset",
            "oracle",
            "--out",
            str(tmp_path),
            "--epochs",
            "7",
            "--batch-size",
            "32",
            "--seed",
            "3",
        ]
    )
    mapped = seqgan_cli.from_train_args(args)
    assert (mapped.data, mapped.rounds, mapped.batch_size, mapped.seed) == ("oracle", 7, 32, 3)
    args.latent_dim = 8
    harness.assert_clear_error(lambda: seqgan_cli.from_train_args(args), "--latent-dim", "seqgan", error=ValueError)


def test_bad_input(tmp_path, capsys):
    assert run_cli("seqgan", "train", "--data", tmp_path / "missing.txt", "--out", tmp_path / "x") == 2
    assert "missing.txt" in capsys.readouterr().err
    assert run_cli("seqgan", "sample", tmp_path) == 2
    assert "not a run directory" in capsys.readouterr().err
