"""StarGAN: the harness with tiny networks, the losses by hand, which way each player learns, the data."""

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import datasets, zoo
from keras_gans.models.stargan import StarGAN, build_stargan, domain_classification_loss, reconstruction_loss
from keras_gans.networks.stargan import stargan_discriminator, stargan_generator
from tests import harness

SIZE, DOMAINS = 8, 2
X = np.random.default_rng(1).uniform(-1, 1, (3, SIZE, SIZE, 1)).astype("float32")
C = np.array([[0, 1], [1, 1], [1, 0]], "float32")


def tiny(critic_steps=2, optimizer=None, **kwargs):
    def build():
        model = StarGAN(
            stargan_generator((SIZE, SIZE, 1), DOMAINS, base_filters=4, num_residual_blocks=1),
            stargan_discriminator((SIZE, SIZE, 1), DOMAINS, base_filters=4, num_layers=2),
            critic_steps=critic_steps,
            seed=3,
            **kwargs,
        )
        make = optimizer or (lambda: keras.optimizers.Adam(1e-3, beta_1=0.5))
        model.compile(d_optimizer=make(), g_optimizer=make(), jit_compile=False)
        return model

    return build


def attribute_data(batch_size=4, n=8, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (n, SIZE, SIZE, 1)).astype("float32")
    labels = rng.integers(0, 2, (n, DOMAINS)).astype("float32")
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size, drop_remainder=True)


# --- the harness ----------------------------------------------------------------


def test_trains_saves_and_resumes(tmp_path):
    harness.run_model_tests(tiny(), attribute_data(), tmp_path, lambda m: m.translate(X, C))


def test_two_replicas_equal_one_device():
    # The target shuffles are of the global batch; the penalty's interpolates
    # and the shuffles' keys come from the stateless streams.
    sgd = lambda: keras.optimizers.SGD(0.01)  # noqa: E731
    # atol 5e-6: the first run differed by at most 1.4e-6 (4 of 588 entries of G's first kernel, rounding).
    harness.run_distribution_test(tiny(optimizer=sgd), attribute_data(), atol=5e-6)


def test_export(tmp_path):
    model = tiny()()
    model.fit(attribute_data(), epochs=1, steps_per_epoch=1, verbose=0)
    result = harness.run_export_test(model, {"source": X, "domains": C}, tmp_path)
    assert result["manifest"]["description"]["num_domains"] == DOMAINS


def test_paper_size_networks_build():
    # The reference's sizes: G 8.43M and D 44.76M parameters at 128x128x3 with 5 attributes.
    generator = stargan_generator()
    discriminator = stargan_discriminator()
    assert generator.count_params() == 8_430_528
    assert discriminator.count_params() == 44_762_048
    assert discriminator.output_shape == [(None, 2, 2, 1), (None, 5)]


# --- the losses, by hand ----------------------------------------------------------


def test_domain_classification_loss_is_the_summed_sigmoid_cross_entropy():
    logits = np.array([[0.0, 2.0], [-1.0, 3.0]], "float32")
    labels = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    sp = lambda x: np.log1p(np.exp(x))  # noqa: E731
    # -log sigmoid(l) = softplus(-l) for label 1, -log(1 - sigmoid(l)) = softplus(l) for label 0.
    expected = ((sp(-0.0) + sp(2.0)) + (sp(-1.0) + sp(-3.0))) / 2
    assert float(domain_classification_loss(logits, labels)) == pytest.approx(expected, rel=1e-6)
    assert float(reconstruction_loss(np.array([[1.0, -1.0]]), np.array([[0.5, 0.0]]))) == pytest.approx(0.75)


def test_losses_are_the_papers():
    model = tiny()()
    images, labels = next(iter(attribute_data()))
    targets = model.target_domains(labels, tf.constant([1, 2], tf.int64))
    fakes = model.generator([images, targets])
    d = model.discriminator_losses(images, labels, fakes, tf.constant([5, 6], tf.int64))
    real_src, real_cls = (t.numpy() for t in model.discriminator(images))
    fake_src, fake_cls = (t.numpy() for t in model.discriminator(fakes))
    bce = lambda logits, y: np.mean(np.sum(np.log1p(np.exp(-logits)) + (1 - y) * logits, axis=1))  # noqa: E731
    assert float(d["d_real"]) == pytest.approx(-real_src.mean(), rel=1e-5)
    assert float(d["d_fake"]) == pytest.approx(fake_src.mean(), rel=1e-5)
    assert float(d["d_cls"]) == pytest.approx(bce(real_cls, labels.numpy()), rel=1e-5)
    expected = float(d["d_real"] + d["d_fake"]) + 1.0 * float(d["d_cls"]) + 10.0 * float(d["d_gp"])
    assert float(d["d_loss"]) == pytest.approx(expected, rel=1e-5)

    g = model.generator_losses(images, labels, targets)
    reconstructed = model.generator([fakes, labels]).numpy()
    assert float(g["g_fake"]) == pytest.approx(-fake_src.mean(), rel=1e-5)
    assert float(g["g_cls"]) == pytest.approx(bce(fake_cls, targets.numpy()), rel=1e-5)
    assert float(g["g_rec"]) == pytest.approx(np.abs(images.numpy() - reconstructed).mean(), rel=1e-5)
    expected = float(g["g_fake"]) + 1.0 * float(g["g_cls"]) + 10.0 * float(g["g_rec"])
    assert float(g["g_loss"]) == pytest.approx(expected, rel=1e-5)


def test_targets_are_the_batch_labels_shuffled():
    model = tiny()()
    labels = tf.constant(np.eye(6, dtype="float32"))  # distinct rows
    first = model.target_domains(labels, tf.constant([1, 2], tf.int64)).numpy()
    again = model.target_domains(labels, tf.constant([1, 2], tf.int64)).numpy()
    other = model.target_domains(labels, tf.constant([1, 3], tf.int64)).numpy()
    np.testing.assert_array_equal(first, again)  # stateless
    assert sorted(map(tuple, first)) == sorted(map(tuple, labels.numpy()))  # a permutation of the rows
    assert not np.array_equal(first, labels.numpy()) and not np.array_equal(first, other)


def test_each_player_learns_its_own_terms():
    images, labels = next(iter(attribute_data(batch_size=8)))
    fast = lambda: keras.optimizers.Adam(1e-2, beta_1=0.5)  # noqa: E731
    seed = tf.constant([0, 1], tf.int64)
    # D against a frozen G: its classification loss on the real images falls.
    model = tiny(critic_steps=1, optimizer=fast)()
    before = float(model.discriminator_losses(images, labels, images, seed)["d_cls"])
    update = tf.function(lambda: model.discriminator_update(images, labels))
    for _ in range(30):
        update()
    after = float(model.discriminator_losses(images, labels, images, seed)["d_cls"])
    assert after < 0.5 * before, (before, after)
    # G against a frozen D: its reconstruction loss falls.
    model = tiny(optimizer=fast)()
    targets = model.target_domains(labels, tf.constant([1, 2], tf.int64))
    before = float(model.generator_losses(images, labels, targets)["g_rec"])
    update = tf.function(lambda: model.generator_update(images, labels))
    for _ in range(30):
        update()
    after = float(model.generator_losses(images, labels, targets)["g_rec"])
    assert after < 0.7 * before, (before, after)


# --- inputs, errors, zoo -----------------------------------------------------------


def test_bad_input_gets_a_clear_error():
    model = tiny()()
    wrong_width = tf.data.Dataset.from_tensor_slices((X, np.zeros((3, 5), "float32"))).batch(3)
    harness.assert_clear_error(lambda: model.fit(wrong_width, verbose=0), "(5,)", "2 domains")
    not_binary = tf.data.Dataset.from_tensor_slices((X, np.full((3, 2), 0.5, "float32"))).batch(3)
    harness.assert_clear_error(lambda: model.fit(not_binary, verbose=0), "other than 0 and 1")
    harness.assert_clear_error(
        lambda: model.fit(tf.data.Dataset.from_tensor_slices(X).batch(3), verbose=0), "(images, domain vectors)"
    )
    harness.assert_clear_error(lambda: model.translate(X, [[1, 0, 1]] * 3), "(3, 2)")


def test_translate_and_grid():
    model = tiny()()
    np.testing.assert_allclose(model.translate(X, [1, 0]), model.translate(X, [[1, 0]] * 3), atol=1e-6)
    grid = model.domain_grid(X)
    assert grid.shape == (3 * 5, SIZE, SIZE, 1)  # the sources, then 2**2 domains
    np.testing.assert_allclose(grid[-3:], model.translate(X, [1, 1]), atol=1e-6)


def test_zoo_entry_builds_and_draws_a_domain_grid():
    data = datasets.load_attributes("mnist5k", batch_size=4)
    model = zoo.build("stargan", data.element_spec, dataset="mnist5k", seed=0)
    assert model.domain_names == ["thick", "inverted"] and model.num_domains == 2
    assert (model.d_optimizer.learning_rate.numpy(), model.d_optimizer.beta_1) == (pytest.approx(1e-4), 0.5)
    assert zoo.MODELS["stargan"].evaluation == "none"  # keras-gans evaluate says it has no measure
    sample, columns = zoo.grid_sampler("stargan", data)
    assert sample(model, 0, 0).shape == (4 * 5, 28, 28, 1) and columns == 4
    assert isinstance(build_stargan((16, 16, 3), 3, 4, 4, 1, 2), keras_gans.StarGAN)


# --- the data ------------------------------------------------------------------------


def test_attribute_digits_show_their_attributes():
    images, attributes, digits = datasets.attribute_digits("test")
    assert images.shape == (1000, 28, 28, 1) and attributes.shape == (1000, 2) and digits.shape == (1000,)
    counts = np.unique(attributes, axis=0, return_counts=True)[1]
    assert len(counts) == 4 and counts.min() > 200  # four domains, about a quarter each
    inverted = attributes[:, 1] == 1
    means = images.reshape(len(images), -1).mean(axis=1)
    # Inverted: a white background, the mean intensity flips sign.
    assert (means[inverted] > 0).all() and (means[~inverted] < 0).all()
    # Thick strokes hold more ink than thin ones (ink: the pixels away from the background).
    ink = np.where(inverted[:, None, None, None], -images, images).reshape(len(images), -1)
    ink = ((ink + 1) / 2).mean(axis=1)
    thick = attributes[:, 0] == 1
    assert ink[thick].mean() > 3 * ink[~thick].mean()
    assert np.percentile(ink[thick], 10) > np.percentile(ink[~thick], 90)


def test_load_attributes_offline_and_celeb_a_with_mock_data():
    images, attributes = next(iter(datasets.load_attributes("mnist5k", batch_size=8, shuffle=False)))
    expected_images, expected_attributes, _ = datasets.attribute_digits("train")
    np.testing.assert_array_equal(images.numpy(), expected_images[:8])
    np.testing.assert_array_equal(attributes.numpy(), expected_attributes[:8])
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=8):
        ds = datasets.load_attributes("celeb_a", batch_size=4, image_size=32, attributes=["Male", "Young", "Bald"])
        images, attributes = next(iter(ds))
    assert images.shape == (4, 32, 32, 3) and attributes.shape == (4, 3)
    assert float(tf.reduce_min(images)) >= -1 and float(tf.reduce_max(images)) <= 1
    assert set(np.unique(attributes.numpy())) <= {0.0, 1.0}
    with tfds.testing.mock_data(num_examples=8):
        harness.assert_clear_error(
            lambda: datasets.load_attributes("celeb_a", attributes=["Purple_Hair"]), "Purple_Hair"
        )
