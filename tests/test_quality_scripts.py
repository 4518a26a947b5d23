"""The quality-table scripts' own logic: checkpointed mixture runs, the mnist5k
presets of the pix2pix and CycleGAN examples, and the EMA warm-up benchmark."""

import importlib.util
import os
import sys

import numpy as np
import pytest
from scipy import ndimage

from keras_gans.datasets import embedded

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(path, name):
    sys.path.insert(0, os.path.join(ROOT, os.path.dirname(path)))  # for the scripts' sibling imports
    try:
        spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


def test_mixtures_scores_each_checkpoint_once_with_its_step_count():
    mixtures = load("benchmarks/mixtures.py", "mixtures")
    rows = []
    last, _ = mixtures.run("minimax", "ring8", 6, 32, 100, 0, checkpoints=(2, 4, 9), on_row=rows.append)
    # 9 > steps is ignored here (main() refuses it); the final row is the returned one.
    assert [r["generator_steps"] for r in rows] == [2, 4, 6]
    assert rows[-1] is last and all(r["seed"] == 0 and r["num_modes"] == 8 for r in rows)
    assert rows[0]["seconds"] <= rows[1]["seconds"] <= rows[2]["seconds"]


def test_mixtures_summary_is_mean_and_sample_std_over_seeds():
    mixtures = load("benchmarks/mixtures.py", "mixtures")
    base = dict(config="wgan_gp", mixture="ring8", num_modes=8, discriminator_steps_per_g=5, seconds=10.0)
    rows = [
        dict(base, generator_steps=20000, seed=s, modes_captured=m, high_quality_fraction=h)
        for s, m, h in ((0, 8, 0.6), (1, 6, 0.8), (2, 7, 0.7))
    ]
    rows.append(dict(base, generator_steps=3000, seed=0, modes_captured=2, high_quality_fraction=0.002))
    table = mixtures.summary(rows).splitlines()
    assert table[2] == "| wgan_gp | ring8 | 3000 | 2.0 +- 0.0 / 8 | 0.2% +- 0.0 | 5 | 10 | 1 |"
    assert table[3] == "| wgan_gp | ring8 | 20000 | 7.0 +- 1.0 / 8 | 70.0% +- 10.0 | 5 | 10 | 3 |"


def test_pix2pix_mnist5k_pairs_are_the_padded_digits_and_their_outlines():
    ablation = load("examples/pix2pix_ablation.py", "pix2pix_ablation")
    edges, digits, labels = ablation.pairs("mnist5k", "test")
    images, expected_labels = embedded.mnist5k("test")
    assert edges.shape == digits.shape == (1000, 32, 32, 1)
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_allclose(digits[:, 2:30, 2:30], images, atol=1e-6)
    assert np.all(digits[:, :2] == -1.0) and np.all(digits[:, :, -2:] == -1.0)
    assert set(np.unique(edges)) == {-1.0, 1.0}
    # An outline of each digit: some edge pixels per image, each next to ink (3x3 neighbourhood).
    assert np.all(np.sum(edges > 0, axis=(1, 2, 3)) > 0)
    near_ink = ndimage.maximum_filter(digits > -1.0, size=(1, 3, 3, 1))
    assert np.all(near_ink[edges > 0])


def test_cyclegan_mnist5k_domains_are_disjoint_halves_and_b_is_dilated():
    cyclegan = load("examples/cyclegan_horse2zebra.py", "cyclegan_horse2zebra")
    a, labels_a, b, labels_b = cyclegan.mnist5k_strokes("test")
    images, labels = embedded.mnist5k("test")
    assert a.shape == b.shape == (500, 32, 32, 1)
    np.testing.assert_array_equal(labels_a, labels[0::2])
    np.testing.assert_array_equal(labels_b, labels[1::2])
    ink_b = (images[1::2] + 1.0) / 2.0
    # Dilation is extensive: every fully inked pixel of B's source digit is ink in B, and B has more ink.
    assert np.all(b[:, 2:30, 2:30][ink_b > 0.6] == 1.0)
    assert np.mean(b > 0) > 1.3 * np.mean(np.pad(ink_b, ((0, 0), (2, 2), (2, 2), (0, 0))) > 0.5)
    assert a.min() >= -1.0 and a.max() <= 1.0 and b.min() >= -1.0 and b.max() <= 1.0


def test_cyclegan_unpaired_arrays_epoch_is_the_larger_domain():
    cyclegan = load("examples/cyclegan_horse2zebra.py", "cyclegan_horse2zebra")
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (24, 32, 32, 1)).astype("float32")
    b = rng.uniform(-1, 1, (40, 32, 32, 1)).astype("float32")
    batches = list(cyclegan.unpaired_arrays(a, b, 8, seed=0))
    assert len(batches) == 5  # max(24, 40) / 8, the smaller domain repeated
    for x, y in batches:
        assert x.shape == y.shape == (8, 32, 32, 1)
        assert float(np.min(x)) >= -1.0 and float(np.max(y)) <= 1.0


@pytest.mark.parametrize("script, decay", [("ema_warmup", 2.0 / 11.0), ("dcgan_quality", 0.999)])
def test_ema_benchmarks_build_the_average_they_measure(script, decay):
    # ema_warmup.py measures the warmed-up average (TF's num_updates decay), dcgan_quality.py's EMA rows the
    # plain 0.999 one: after one generator update (t = 1) the average moved by 1 - 2/11 or by 1 - 0.999.
    module = load(f"benchmarks/{script}.py", script)
    model = module.build("non_saturating", 3, 0.999, 5e-4)
    initial = [w.copy() for w in model.ema_generator.get_weights()]
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    model.fit(images, batch_size=8, epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations.numpy()) == 1
    for ema, start, trained in zip(model.ema_generator.get_weights(), initial, model.generator.get_weights()):
        np.testing.assert_allclose(ema, decay * start + (1 - decay) * trained, rtol=1e-5, atol=1e-6)
    assert not np.allclose(model.ema_generator.get_weights()[0], initial[0])


def test_mixtures_refuses_checkpoints_beyond_the_run(capsys, monkeypatch, tmp_path):
    mixtures = load("benchmarks/mixtures.py", "mixtures")
    argv = ["--steps", "10", "--checkpoints", "5,20", "--jsonl", str(tmp_path / "rows.jsonl")]
    monkeypatch.setattr(sys, "argv", ["mixtures.py", *argv])
    with pytest.raises(SystemExit):
        mixtures.main()
    assert "--checkpoints must be <= --steps (10)" in capsys.readouterr().err
    assert not (tmp_path / "rows.jsonl").exists()
