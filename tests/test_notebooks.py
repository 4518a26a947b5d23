"""The notebooks: one per example, each generated from its jupytext source (tools/notebooks.py).

Executing them is .ci/notebooks' job (minutes); these tests check, in well
under a second each, that they exist, are in sync and have their links.
"""

import glob
import importlib.util
import os
import shutil

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLAB = "https://colab.research.google.com/github/OWNER/keras_gans/blob/main/notebooks/{}.ipynb"


def _tool():
    spec = importlib.util.spec_from_file_location("notebooks_tool", os.path.join(ROOT, "tools", "notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_has_a_notebook():
    tool = _tool()
    examples = {os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(ROOT, "examples", "*.py"))}
    missing = sorted(examples - set(tool.names()))
    assert not missing, f"examples without a notebook source in notebooks/: {missing}"
    assert "dcgan_demo" in tool.names()


def test_each_source_has_its_colab_link_smoke_switch_and_install_cell():
    tool = _tool()
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for name in tool.names():
        source = open(os.path.join(tool.SOURCES, f"{name}.py"), encoding="utf-8").read()
        assert COLAB.format(name) in source, f"{name}.py does not link its own Colab page"
        assert COLAB.format(name) in readme, f"README.md has no Colab link to {name}"
        assert 'os.environ.get("KERAS_GANS_SMOKE") == "1"' in source, f"{name}.py has no smoke switch"
        assert 'if not SMOKE and importlib.util.find_spec("keras_gans") is None:' in source, (
            f"{name}.py: the install cell must skip itself in smoke mode"
        )


def test_notebooks_match_their_sources():
    pytest.importorskip("jupytext")
    assert _tool().check(_tool().names()) == 0


def test_check_fails_when_a_source_changed(tmp_path, capsys):
    pytest.importorskip("jupytext")
    tool = _tool()
    copy = tmp_path / "notebooks"
    shutil.copytree(tool.SOURCES, copy)
    tool.SOURCES = str(copy)
    with open(copy / "cgan_mnist.py", "a", encoding="utf-8") as f:
        f.write("\n# %%\nprint('a cell added to the source only')\n")
    os.remove(copy / "seqgan_text.ipynb")
    (copy / "orphan.ipynb").write_text("{}")
    assert tool.check(tool.names()) == 1
    err = capsys.readouterr().err
    assert "cgan_mnist.ipynb differs from cgan_mnist.py" in err
    assert "seqgan_text.ipynb is missing" in err
    assert "orphan.ipynb has no source orphan.py" in err
    assert "dcgan_demo" not in err


def test_notebook_setup_honours_the_environment(tmp_path, monkeypatch, capsys):
    import keras
    import numpy as np

    from keras_gans import notebook

    monkeypatch.setenv("KERAS_GANS_SMOKE", "1")
    monkeypatch.setenv("KERAS_GANS_PRECISION", "mixed_bfloat16")
    out = str(tmp_path / "runs" / "x")
    run = notebook.setup(out, seed=3)
    assert run == notebook.Setup(smoke=True, gpu=run.gpu, precision="mixed_bfloat16", out=out)
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert os.path.isdir(out)
    drawn = np.random.rand(3)
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(drawn, np.random.rand(3))
    assert "precision: mixed_bfloat16; smoke mode: True" in capsys.readouterr().out

    # A fixed policy ignores KERAS_GANS_PRECISION; without KERAS_GANS_SMOKE=1 it is not smoke mode.
    monkeypatch.setenv("KERAS_GANS_SMOKE", "0")
    run = notebook.setup(out, seed=None, precision="float32")
    assert (run.smoke, run.precision) == (False, "float32")
    assert keras.mixed_precision.global_policy().name == "float32"

    # "auto" without the variable: mixed precision only on a GPU.
    monkeypatch.delenv("KERAS_GANS_PRECISION")
    run = notebook.setup(out)
    assert run.precision == ("mixed_float16" if run.gpu else "float32")
    assert keras.mixed_precision.global_policy().name == run.precision

    monkeypatch.setenv("KERAS_GANS_PRECISION", "float64")
    with pytest.raises(ValueError, match="Unknown precision 'float64'"):
        notebook.setup(out)


def test_every_notebook_sets_up_through_the_package():
    tool = _tool()
    for name in tool.names():
        source = open(os.path.join(tool.SOURCES, f"{name}.py"), encoding="utf-8").read()
        assert "keras_gans.notebook.setup(" in source, (
            f"{name}.py: the set-up cell should call keras_gans.notebook.setup"
        )
