"""The zoo entry carries each model's policy: the CLI asks it, never a model's name."""

import numpy as np
import pytest

from keras_gans import zoo


@pytest.mark.parametrize(
    "name,grid,rows",
    [
        ("dcgan", "samples", None),
        ("cgan", "classes", 10),
        ("pix2pix", "translations", 2),
        ("cyclegan", "translations", 2),
    ],
)
def test_grid_sampler_follows_the_entry(name, grid, rows):
    assert zoo.MODELS[name].grid == grid
    data = zoo.load_data(name, None, batch_size=8)
    sample_fn, columns = zoo.grid_sampler(name, data)
    if rows is None:
        assert sample_fn is None and columns is None
        return
    model = zoo.build(name, data.element_spec, dataset=zoo.MODELS[name].default_dataset, seed=0)
    images = sample_fn(model, 8, 0)
    assert columns == 8 and images.shape[0] == rows * 8
    if grid == "translations":
        # First row: 8 sources of the data; below them, their translations.
        sources = images[:8]
        translated = np.asarray(model.sampling_generator(sources, training=False))
        np.testing.assert_allclose(images[8:], translated, atol=1e-5)
        assert sources.shape[1:] == tuple(data.element_spec[0].shape[1:])


def test_evaluation_policy():
    assert zoo.MODELS["pix2pix"].evaluation == "pairs"
    assert {name for name, entry in zoo.MODELS.items() if entry.evaluation == "pairs"} == {"pix2pix"}


def test_cli_names_no_model_outside_demo():
    import inspect
    import re

    from keras_gans import cli

    outside_demo = inspect.getsource(cli).replace(inspect.getsource(cli.cmd_demo), "")
    assert [name for name in zoo.MODELS if re.search(rf"\b{name}\b", outside_demo)] == []


def test_the_cli_hands_a_runner_model_to_its_runner(tmp_path, monkeypatch):
    """A model with a Runner: `train NAME`, `sample`/`evaluate` of its runs and its subcommand go to it."""
    import json

    from keras_gans import cli

    calls = []

    def add_parser(sub):
        sub.add_parser("fakecmd").add_argument("--flag")

    runner = zoo.Runner(
        "fakecmd",
        add_parser,
        lambda args: calls.append(("main", args.flag)) or 0,
        lambda args: calls.append(("train", args.model, args.epochs)) or 0,
        lambda args: calls.append(("sample", args.num_samples)) or 0,
        lambda args: calls.append(("evaluate", args.seed)) or 0,
    )
    entry = zoo.Entry(None, None, "a fake runner model", "nothing", runner=runner)
    monkeypatch.setitem(zoo.MODELS, "fake", entry)
    (tmp_path / "run.json").write_text(json.dumps({"model": "fake"}))
    assert cli.main(["train", "fake", "--out", str(tmp_path / "x"), "--epochs", "3"]) == 0
    assert cli.main(["sample", str(tmp_path), "-n", "5"]) == 0
    assert cli.main(["evaluate", str(tmp_path), "--seed", "7"]) == 0
    assert cli.main(["fakecmd", "--flag", "on"]) == 0
    assert calls == [("train", "fake", 3), ("sample", 5), ("evaluate", 7), ("main", "on")]


def test_seqgan_is_a_runner_entry():
    from keras_gans import seqgan_cli
    from tests import harness

    entry = zoo.MODELS["seqgan"]
    assert entry.runner.command == "seqgan" and entry.runner.train is seqgan_cli.train_from_cli
    harness.assert_clear_error(lambda: zoo.build("seqgan", (20,)), "keras-gans train seqgan", error=ValueError)
