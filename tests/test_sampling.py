"""The compiled sampling path: `run_batched` runs a cached tf.function per network."""

import gc
import weakref

import keras
import numpy as np

from keras_gans import networks
from keras_gans.models import GAN
from keras_gans.models._base import AdversarialModel
from keras_gans.models import _compiled


def _gan():
    generator = networks.dcgan_generator(8, (16, 16, 1), base_filters=8)
    discriminator = networks.dcgan_discriminator((16, 16, 1), base_filters=8)
    return GAN(generator, discriminator, latent_dim=8, seed=0)


def test_run_batched_equals_eager_inference_and_traces_once():
    model = _gan()
    generator = model.sampling_generator
    latent = np.random.default_rng(0).normal(size=(5, 8)).astype("float32")
    expected = keras.ops.convert_to_numpy(generator(latent, training=False))
    # Batches 2, 2 and a short last batch of 1: one graph with a free batch dimension.
    got = AdversarialModel.run_batched(generator, latent, batch_size=2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.generate(latent=latent, batch_size=5), expected, rtol=1e-5, atol=1e-6)
    function = _compiled.inference_function(generator, latent)
    assert function.experimental_get_tracing_count() == 1


def test_cache_follows_weights_and_does_not_keep_the_network_alive():
    model = _gan()
    generator = model.sampling_generator
    latent = np.ones((3, 8), "float32")
    before = model.generate(latent=latent)
    for variable in generator.trainable_variables:  # training after a sample
        variable.assign(variable * 0.5)
    after = model.generate(latent=latent)
    np.testing.assert_allclose(
        after, keras.ops.convert_to_numpy(generator(latent, training=False)), rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(before, after)
    ref = weakref.ref(generator)
    del model, generator
    gc.collect()
    assert ref() is None


def test_nested_inputs_of_a_two_input_generator():
    latent_in, label_in = keras.Input((4,)), keras.Input((1,), dtype="int32")
    out = keras.layers.Dense(3)(keras.layers.Concatenate()([latent_in, keras.ops.cast(label_in, "float32")]))
    network = keras.Model([latent_in, label_in], out)
    latent = np.random.default_rng(1).normal(size=(7, 4)).astype("float32")
    labels = np.arange(7, dtype="int32")[:, None]
    got = AdversarialModel.run_batched(network, [latent, labels], batch_size=3)
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(network([latent, labels])), rtol=1e-6)


def test_generate_draws_its_latents_in_one_compiled_call_of_the_models_own_prior():
    import tensorflow as tf

    model = _gan()
    eager = model.sample_latent(6, seed=tf.constant([4, 0], tf.int64)).numpy()
    np.testing.assert_array_equal(model.draw_latent(6, 4), eager)  # the stream generate(seed=4) always used
    np.testing.assert_allclose(
        model.generate(6, seed=4), model.generate(latent=eager), rtol=1e-6, atol=1e-6
    )  # same images
    np.testing.assert_allclose(model.generate(6, seed=4, batch_size=4), model.generate(6, seed=4), rtol=1e-6, atol=1e-6)

    class UniformPrior(GAN):
        def sample_latent(self, batch_size, seed=None):
            shape = tf.stack([batch_size, self.latent_dim])
            return tf.random.stateless_uniform(shape, seed=seed, minval=5.0, maxval=6.0)

    other = _gan()
    uniform = UniformPrior(other.generator, other.discriminator, latent_dim=8, seed=0)
    drawn = uniform.draw_latent(50, 1)
    assert drawn.min() >= 5.0 and drawn.max() < 6.0  # the subclass's prior, not the base class's
    assert np.abs(drawn - uniform.draw_latent(50, 2)).max() > 0  # the seed matters
