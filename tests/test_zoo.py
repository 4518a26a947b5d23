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
