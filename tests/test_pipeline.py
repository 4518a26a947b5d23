"""Every dataset keras_gans' loaders return has tf.data autotuning off (docs/tfdata_stall.md)."""

import numpy as np
import tensorflow as tf

from keras_gans import datasets
from keras_gans.datasets import pipeline
from keras_gans.datasets.text import sequence_dataset


def test_loaders_turn_autotuning_off():
    images = np.zeros((40, 8, 8, 1), "float32")
    made = {
        "load digits": datasets.load("digits", batch_size=16),
        "load ring8": datasets.load("ring8", batch_size=16, num_samples=64),
        "load_paired": datasets.load_paired("digits", split="test", batch_size=4),
        "load_unpaired": datasets.load_unpaired(batch_size=4),
        "semi_supervised_dataset": datasets.semi_supervised_dataset(images, np.arange(40) % 2, 2, batch_size=8)[0],
        "sequence_dataset": sequence_dataset(np.zeros((10, 5), "int32"), batch_size=2),
    }
    for name, ds in made.items():
        assert ds.options().autotune.enabled is False, name
        next(iter(ds))  # still yields
    # A caller can turn it back on: the later options win.
    again = tf.data.Options()
    again.autotune.enabled = True
    assert made["load digits"].with_options(again).options().autotune.enabled is True
    assert pipeline.options().autotune.enabled is False


def test_fit_turns_autotuning_off_unless_the_dataset_sets_it(monkeypatch):
    """fit() iterates a user's pipeline with autotuning off when its options leave it unset: deleting
    an autotuned iterator (every epoch end) waited up to 10 s for the autotuning thread."""
    import keras

    import keras_gans
    from keras_gans import networks

    seen = []
    monkeypatch.setattr(keras.Model, "fit", lambda self, x=None, *args, **kwargs: seen.append(x))
    model = keras_gans.GAN(networks.mlp_generator(2, 2, hidden_units=(4,)), networks.mlp_discriminator(2, (4,)), 2)
    model.compile()
    points = tf.data.Dataset.from_tensor_slices(np.zeros((8, 2), "float32")).batch(4)
    keep = tf.data.Options()
    keep.autotune.enabled = True
    model.fit(points)
    model.fit(points.with_options(keep))
    assert [x.options().autotune.enabled for x in seen] == [False, True]
