"""Optimizer clipping under two replicas equals clipping on one device (issue #12, row 1).

Measured before this test: on 305d923 the 2-replica update with
`global_clipnorm=1e-3` was 248x the single-device one and the optimizer had
lost its clip settings after fit (benchmarks/engine_rows.py, row 1).
"""

import keras
import pytest

from keras_gans import datasets, networks
from keras_gans.models.gan import GAN
from tests import harness

CLIPPING = {"global_clipnorm": 1e-3, "clipnorm": 1e-3, "clipvalue": 1e-3}


def clipped_mlp(name):
    def build():
        model = GAN(
            networks.mlp_generator(4, 2, hidden_units=(16,)),
            networks.mlp_discriminator(2, hidden_units=(16,)),
            latent_dim=4,
            seed=3,
        )
        model.compile(
            keras.optimizers.SGD(0.1, momentum=0.5, **{name: CLIPPING[name]}),
            keras.optimizers.SGD(0.1, momentum=0.5, **{name: CLIPPING[name]}),
        )
        return model

    return build


@pytest.mark.parametrize("name", sorted(CLIPPING))
def test_clipping_under_two_replicas_equals_one_device(name):
    result = harness.run_distribution_test(
        clipped_mlp(name), datasets.load("ring8", batch_size=16, num_samples=64, shuffle=False)
    )
    if result is None:
        return
    for optimizer in (result["mirrored"].d_optimizer, result["mirrored"].g_optimizer):
        assert getattr(optimizer, name) == CLIPPING[name], f"{name} lost after fit under two replicas"
