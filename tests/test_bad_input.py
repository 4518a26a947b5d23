"""Bad input, swept (issue 17): each public entry point answers a wrong input
with an error naming what was expected and what came, before work is lost.

Every row of CASES is one input a user plausibly gives; docs/errors.md lists
them with the messages (printed by `python -m tests.test_bad_input`). Cases
that other test files already cover are listed there with those tests' names.
"""

import json
import re
import os
import warnings
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import _io, callbacks, cli, datasets, export, networks
from keras_gans.models.acgan import ACGAN
from keras_gans.models.conditional_gan import ConditionalGAN
from keras_gans.networks import conditional
from tests import harness

LATENT, K, SHAPE = 4, 3, (16, 16, 1)
RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, (32,) + SHAPE).astype("float32")
IMAGES[:, 0, 0, 0], IMAGES[:, 0, 1, 0] = -1.0, 1.0  # every batch spans exactly [-1, 1]
LABELS = (np.arange(32) % K).astype("int64")


# --- tiny models --------------------------------------------------------------------


def gan(cls=keras_gans.GAN, **kwargs):
    model = cls(
        networks.dcgan_generator(LATENT, SHAPE, base_filters=8),
        networks.dcgan_discriminator(
            SHAPE, base_filters=8, normalization=None if cls is keras_gans.WGANGP else "batch"
        ),
        latent_dim=LATENT,
        seed=3,
        **kwargs,
    )
    model.compile()
    return model


def sigmoid_gan():
    """A GAN whose generator ends in a sigmoid (outputs in [0, 1])."""
    z = keras.Input((LATENT,))
    x = keras.layers.Dense(int(np.prod(SHAPE)), activation="sigmoid")(z)
    generator = keras.Model(z, keras.layers.Reshape(SHAPE)(x), name="sigmoid_generator")
    model = keras_gans.GAN(generator, networks.dcgan_discriminator(SHAPE, base_filters=8), latent_dim=LATENT, seed=3)
    model.compile()
    return model


def cgan(cls=ConditionalGAN):
    discriminator = (
        conditional.acgan_discriminator(SHAPE, K, base_filters=8)
        if cls is ACGAN
        else conditional.conditional_discriminator(SHAPE, K, base_filters=8)
    )
    model = cls(
        conditional.conditional_generator(LATENT, K, SHAPE, base_filters=8),
        discriminator,
        latent_dim=LATENT,
        num_classes=K,
        seed=3,
    )
    model.compile()
    return model


def ssgan():
    from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN

    model = SemiSupervisedGAN(
        networks.dcgan_generator(LATENT, SHAPE, base_filters=8),
        conditional.semi_supervised_discriminator(SHAPE, K, base_filters=8),
        latent_dim=LATENT,
        num_classes=K,
        seed=3,
    )
    model.compile()
    return model


def pix2pix():
    from keras_gans.models.pix2pix import Pix2Pix
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.unet import unet_generator

    shape = (32, 32, 1)
    model = Pix2Pix(
        unet_generator(shape, depth=3, base_filters=4),
        patchgan_discriminator(shape, n_layers=1, base_filters=4),
        seed=3,
    )
    model.compile()
    return model


def cycle_gan():
    from tests.test_cycle_gan import tiny_cycle_gan

    return tiny_cycle_gan()()


def seqgan():
    from tests.test_seqgan import tiny

    return tiny()()


def batches(*arrays, batch_size=8):
    return tf.data.Dataset.from_tensor_slices(arrays if len(arrays) > 1 else arrays[0]).batch(
        batch_size, drop_remainder=True
    )


def with_bad_batch(images, index, value):
    images = images.copy()
    images[index] = value
    return images


def fit(model, *data, **kwargs):
    return lambda: model.fit(*data, epochs=1, verbose=0, **kwargs)


def untouched(model):
    """The model made no update (checked after each error raised before training)."""
    return int(model.d_optimizer.iterations.numpy()) == 0


# --- the sweep: (id, make the call, error type, fragments the message must hold) ------


def _case_gan_uint8():
    m = gan()
    return m, fit(m, (IMAGES * 127.5 + 127.5).astype("uint8"), batch_size=8)


def _case_gan_0_255_pipeline():
    m = gan()
    return m, fit(m, batches(IMAGES * 127.5 + 127.5))


def _case_wgan_0_255():
    m = gan(keras_gans.WGAN)
    return m, fit(m, batches(IMAGES * 127.5 + 127.5))


def _case_sigmoid_minus1_1():
    m = sigmoid_gan()
    return m, fit(m, batches(IMAGES))


def _case_sigmoid_0_255():
    m = sigmoid_gan()
    return m, fit(m, IMAGES * 127.5 + 127.5, batch_size=8)


def _case_gan_nan_array():
    m = gan()
    return m, fit(m, with_bad_batch(IMAGES, 5, np.nan), batch_size=8)


def _case_wgangp_inf_first_batch():
    m = gan(keras_gans.WGANGP)
    return m, fit(m, batches(with_bad_batch(IMAGES, 2, np.inf)))


def _case_gan_empty_pipeline():
    m = gan()
    return m, fit(m, batches(IMAGES[:4]))  # 4 examples, batch 8, drop_remainder: no batch


def _case_gan_empty_arrays():
    m = gan()
    return m, fit(m, IMAGES[:0], batch_size=8)


def _case_cgan_labels_pipeline():
    m = cgan()
    return m, fit(m, batches(IMAGES, LABELS + 2))


def _case_cgan_labels_tuple():
    m = cgan()
    return m, fit(m, (IMAGES, LABELS - 1), batch_size=8)


def _case_cgan_0_255():
    m = cgan()
    return m, fit(m, batches(IMAGES * 127.5 + 127.5, LABELS))


def _case_acgan_labels_dict():
    m = cgan(ACGAN)
    ds = tf.data.Dataset.from_tensor_slices({"image": IMAGES, "label": LABELS * 2}).batch(8)
    return m, fit(m, ds)


def _case_acgan_nan():
    m = cgan(ACGAN)
    return m, fit(m, with_bad_batch(IMAGES, 7, np.nan), LABELS, batch_size=8)


def _ss_data(labels=None, images=None):
    from keras_gans.datasets.semi_supervised import semi_supervised_dataset

    ds, _ = semi_supervised_dataset(
        IMAGES if images is None else images,
        LABELS if labels is None else labels,
        labels_per_class=4,
        batch_size=8,
        shuffle=False,
    )
    return ds


def _case_ssgan_0_255():
    m = ssgan()
    return m, fit(m, _ss_data(images=IMAGES * 127.5 + 127.5))


def _case_pix2pix_target_0_255():
    m = pix2pix()
    x = RNG.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    x[:, 0, 0, 0], x[:, 0, 1, 0] = -1.0, 1.0
    return m, fit(m, batches(x, x * 127.5 + 127.5, batch_size=4))


def _case_cyclegan_domain_b_uint8():
    m = cycle_gan()
    a = RNG.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    return m, fit(m, batches(a, (a * 127.5 + 127.5).astype("uint8"), batch_size=4))


def _case_seqgan_empty():
    m = seqgan()
    return m, fit(m, batches(np.zeros((4, 5), "int32"), batch_size=8))


FIT_CASES = [
    # (id, case, error, fragments)
    (
        "GAN: uint8 images in [0, 255] (arrays)",
        _case_gan_uint8,
        ValueError,
        ["from 0 to 255", "uint8", "ends in tanh", "[-1, 1]", "/ 127.5 - 1"],
    ),
    (
        "GAN: float images in [0, 255] (pipeline)",
        _case_gan_0_255_pipeline,
        ValueError,
        ["from 0", "to 255", "in the first batch", "tanh", "[-1, 1]", "/ 127.5 - 1"],
    ),
    ("WGAN: float images in [0, 255]", _case_wgan_0_255, ValueError, ["to 255", "[-1, 1]"]),
    (
        "GAN, sigmoid generator: images in [-1, 1]",
        _case_sigmoid_minus1_1,
        ValueError,
        ["from -1", "ends in sigmoid", "[0, 1]", "(x + 1) / 2"],
    ),
    ("GAN, sigmoid generator: images in [0, 255]", _case_sigmoid_0_255, ValueError, ["to 255", "[0, 1]", "/ 255"]),
    ("GAN: a NaN in array data", _case_gan_nan_array, ValueError, ["non-finite", "example 5", "NaN"]),
    (
        "WGANGP: an inf in a pipeline's first batch",
        _case_wgangp_inf_first_batch,
        ValueError,
        ["non-finite", "the first batch", "example 2", "inf"],
    ),
    (
        "GAN: a pipeline with no batch (fewer examples than the batch, drop_remainder)",
        _case_gan_empty_pipeline,
        ValueError,
        ["empty"],
    ),
    ("GAN: arrays of 0 examples", _case_gan_empty_arrays, ValueError, ["no examples", "(0, 16, 16, 1)"]),
    (
        "ConditionalGAN: labels outside [0, K) in a pipeline",
        _case_cgan_labels_pipeline,
        ValueError,
        ["ConditionalGAN: labels must be class ids in [0, 3)", "from 2 to 4 in the first batch"],
    ),
    (
        "ConditionalGAN: labels outside [0, K) as one (x, y) tuple",
        _case_cgan_labels_tuple,
        ValueError,
        ["[0, 3)", "from -1 to 1"],
    ),
    ("ConditionalGAN: images in [0, 255]", _case_cgan_0_255, ValueError, ["to 255", "tanh", "[-1, 1]"]),
    (
        "ACGAN: labels outside [0, K) in a dict pipeline",
        _case_acgan_labels_dict,
        ValueError,
        ["ACGAN", "[0, 3)", "from 0 to 4"],
    ),
    (
        "ACGAN: a NaN in array images",
        _case_acgan_nan,
        ValueError,
        ["non-finite", "example 7 of batch element 0", "NaN"],
    ),
    ("SemiSupervisedGAN: images in [0, 255]", _case_ssgan_0_255, ValueError, ["to 255", "[-1, 1]"]),
    (
        "Pix2Pix: target images in [0, 255]",
        _case_pix2pix_target_0_255,
        ValueError,
        ["The target images", "to 255", "[-1, 1]"],
    ),
    (
        "CycleGAN: domain B uint8 images",
        _case_cyclegan_domain_b_uint8,
        ValueError,
        ["Domain B images", "uint8", "g_ab", "[-1, 1]"],
    ),
    ("SeqGAN: a pipeline with no batch", _case_seqgan_empty, ValueError, ["empty"]),
]


@pytest.mark.parametrize("name, case, error, fragments", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_rejects_bad_data_before_training(name, case, error, fragments):
    model, call = case()
    harness.assert_clear_error(call, *fragments, error=error)
    assert untouched(model), f"{name}: an update was made before the error"


def test_images_in_0_1_for_a_tanh_generator_warn_and_train():
    model = gan()
    with pytest.warns(UserWarning, match=r"look like images in \[0, 1\].*tanh.*\[-1, 1\].*x \* 2 - 1"):
        model.fit(batches(IMAGES * 0.5 + 0.5), epochs=1, steps_per_epoch=1, verbose=0)
    assert int(model.d_optimizer.iterations.numpy()) == 1
    with warnings.catch_warnings():  # data in [-1, 1]: silent
        warnings.simplefilter("error")
        gan().fit(batches(IMAGES), epochs=1, steps_per_epoch=1, verbose=0)


# --- later batches: the in-graph checks and StopOnNaN ----------------------------------


def test_nan_in_a_later_batch_is_named_as_data_not_learning_rate():
    images = with_bad_batch(IMAGES, 20, np.nan)  # batch 3 (examples 16-23), example 4
    e = harness.assert_clear_error(
        lambda: gan().fit(batches(images), epochs=1, verbose=0),
        "is nan at epoch 1, step 3",
        "the data contain non-finite values",
        "batch 3",
        "example 4",
        "NaN",
        error=FloatingPointError,
    )
    assert "learning rate" not in str(e)


def test_non_finite_loss_with_finite_data_says_so():
    model = gan()
    stop = callbacks.StopOnNaN(data=batches(IMAGES))
    stop.set_model(model)
    e = harness.assert_clear_error(
        lambda: stop.on_train_batch_end(0, {"d_loss": float("nan")}),
        "d_loss is nan",
        "batches were checked and are finite",
        "Lower the learning rates",
        error=FloatingPointError,
    )
    assert "non-finite values:" not in str(e)


def test_labels_out_of_range_in_a_later_batch_raise_a_clear_value_error():
    labels = LABELS.copy()
    labels[17] = 7  # batch 3
    model = cgan()
    e = harness.assert_clear_error(
        lambda: model.fit(batches(IMAGES, labels), epochs=1, verbose=0),
        "ConditionalGAN: labels must be class ids in [0, 3); this batch has labels from 0 to 7",
        "step 3",
        error=ValueError,
    )
    assert str(e).splitlines()[0].startswith("ConditionalGAN: labels must be class ids in [0, 3)")
    assert e.__cause__ is None and e.__suppress_context__  # the check's message is all the user sees
    assert int(model.d_optimizer.iterations.numpy()) == 2  # batches 1 and 2 trained, not 3


def test_semi_supervised_labels_out_of_range_in_a_later_batch():
    labels = LABELS.copy()
    labels[:] = np.arange(32) % K
    model = ssgan()
    ds = _ss_data().map(lambda labelled, unlabelled: ((labelled[0], labelled[1] + 5), unlabelled))
    harness.assert_clear_error(
        lambda: model.fit(ds, epochs=1, verbose=0),
        "SemiSupervisedGAN: labels must be class ids in [0, 3)",
        "from 5",
        error=ValueError,
    )


def test_token_ids_out_of_range_in_a_later_batch():
    from tests.test_seqgan import VOCAB

    tokens = RNG.integers(0, VOCAB, (48, 5)).astype("int32")
    tokens[40, 2] = VOCAB + 3  # batch 3
    harness.assert_clear_error(
        lambda: seqgan().fit(batches(tokens, batch_size=16), epochs=1, verbose=0),
        f"SeqGAN: token ids must be in [0, {VOCAB})",
        "step 3",
        error=ValueError,
    )


# --- datasets -------------------------------------------------------------------------


def _write_png(path, value=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(str(path), tf.io.encode_png(np.full((8, 8, 1), value, "uint8")))


def test_folder_with_unreadable_files_names_them(tmp_path):
    for i in range(3):
        _write_png(tmp_path / "imgs" / f"{i}.png")
    (tmp_path / "imgs" / "broken.png").write_bytes(b"not an image")
    (tmp_path / "imgs" / "empty.jpg").write_bytes(b"")
    harness.assert_clear_error(
        lambda: datasets.load(str(tmp_path / "imgs"), batch_size=2),
        "2 of 5 image files cannot be decoded",
        "broken.png",
        "empty.jpg",
        error=ValueError,
    )
    from keras_gans.datasets.unpaired import load_unpaired

    _write_png(tmp_path / "b" / "0.png")
    _write_png(tmp_path / "b" / "1.png")
    harness.assert_clear_error(
        lambda: load_unpaired((str(tmp_path / "imgs"), str(tmp_path / "b")), batch_size=1),
        "broken.png",
        error=ValueError,
    )


def test_folder_with_no_images(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    harness.assert_clear_error(
        lambda: datasets.load(str(tmp_path), batch_size=2), str(tmp_path), "holds no images", ".png", error=ValueError
    )


def test_dataset_smaller_than_the_batch():
    harness.assert_clear_error(
        lambda: datasets.load("digits", split="test", batch_size=100_000),
        "fewer than batch_size=100000",
        error=ValueError,
    )


# --- export ------------------------------------------------------------------------------


def test_load_exported_of_a_folder_that_is_no_export(tmp_path):
    harness.assert_clear_error(
        lambda: export.load_exported(tmp_path), "is not an export", "manifest.json", error=ValueError
    )
    harness.assert_clear_error(lambda: export.load_exported(tmp_path / "nope"), "No export at", error=FileNotFoundError)
    (tmp_path / "model.keras").write_bytes(b"x")
    harness.assert_clear_error(
        lambda: export.load_exported(tmp_path / "model.keras"), "Expected a .tflite file", error=ValueError
    )


# --- the CLI: corrupted and foreign checkpoints ------------------------------------------


def _run_dir(tmp_path, model_class="GAN"):
    out = tmp_path / "run"
    out.mkdir()
    run = {
        "model": "dcgan",
        "dataset": "digits",
        "batch_size": 32,
        "image_size": None,
        "seed": 0,
        "epochs": 1,
        "latent_dim": LATENT,
        "loss": None,
        "learning_rate": None,
        "ema_decay": None,
        "steps_per_epoch": 1,
        "samples_every": 1,
        "model_class": model_class,
    }
    (out / cli.RUN_FILE).write_text(json.dumps(run))
    return out


def test_cli_resume_from_a_truncated_checkpoint(tmp_path, capsys):
    out = _run_dir(tmp_path)
    model = gan()
    model.save(out / cli.CHECKPOINT)
    data = (out / cli.CHECKPOINT).read_bytes()
    (out / cli.CHECKPOINT).write_bytes(data[: len(data) // 2])
    assert cli.main(["train", "dcgan", "--out", str(out), "--resume", "--epochs", "2", "--verbose", "0"]) == 2
    err = capsys.readouterr().err
    for fragment in ("model.keras", "is not a whole .keras file", "truncated"):
        assert fragment in err, err
    assert cli.main(["sample", str(out)]) == 2
    assert "is not a whole .keras file" in capsys.readouterr().err
    (out / cli.CHECKPOINT).write_bytes(data)  # a whole zip whose weights are cut
    with zipfile.ZipFile(out / cli.CHECKPOINT, "a") as zf:
        zf.writestr("config.json", "{")  # a second, broken config
    assert cli.main(["sample", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cannot be loaded" in err and "expected a .keras file of a keras_gans model" in err, err


def test_cli_checkpoint_of_another_model(tmp_path, capsys):
    out = _run_dir(tmp_path, model_class="GAN")
    cgan().save(out / cli.CHECKPOINT)
    assert cli.main(["sample", str(out)]) == 2
    err = capsys.readouterr().err
    for fragment in ("holds a ConditionalGAN", "trains a GAN (dcgan)"):
        assert fragment in err, err


def test_cli_resume_without_a_checkpoint(tmp_path, capsys):
    out = _run_dir(tmp_path)
    assert cli.main(["train", "dcgan", "--out", str(out), "--resume", "--verbose", "0"]) == 2
    assert "No checkpoint to resume from" in capsys.readouterr().err


def test_cli_train_on_a_folder_without_images(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    assert (
        cli.main(
            ["train", "dcgan", "--dataset", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--verbose", "0"]
        )
        == 2
    )
    assert "holds no images" in capsys.readouterr().err


# --- atomic checkpoints and exports (fault injection) ------------------------------------


class _Truncating:
    """A file object that accepts `limit` bytes, then fails: a disk full or a kill mid-write."""

    def __init__(self, fileobj, limit):
        self._f, self._left = fileobj, limit

    def write(self, data):
        if len(data) > self._left:
            self._f.write(bytes(data[: self._left]))
            self._f.flush()
            self._left = 0
            raise OSError("injected: disk full mid-save")
        self._left -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)


class _FailMidSave:
    """Patch Keras' .keras writer so that, when armed, a save fails after writing its first 3 KB."""

    LIMIT = 3000

    def __init__(self, monkeypatch):
        from keras.src.saving import saving_lib

        self.armed = False
        self.failures = 0
        original = saving_lib._save_model_to_fileobj

        def save(model, fileobj, weights_format):
            if self.armed:
                self.failures += 1
                fileobj = _Truncating(fileobj, self.LIMIT)
            return original(model, fileobj, weights_format)

        monkeypatch.setattr(saving_lib, "_save_model_to_fileobj", save)


def test_injection_breaks_a_plain_save(tmp_path, monkeypatch):
    """Control: the injected failure does leave a broken file when the save is not atomic."""
    path = tmp_path / "model.keras"
    model = gan()
    model.save(path)
    fail = _FailMidSave(monkeypatch)
    fail.armed = True
    with pytest.raises(OSError, match="injected"):
        model.save(path)
    fail.armed = False
    assert 0 < os.path.getsize(path) <= _FailMidSave.LIMIT  # part of the file was written
    with pytest.raises(Exception):  # noqa: B017 - whatever the reader raises on a cut file
        keras.models.load_model(path)


def test_a_failure_during_a_checkpoint_save_leaves_the_previous_one_loadable(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    fail = _FailMidSave(monkeypatch)

    class ArmOnSecondEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            fail.armed = epoch == 1

    model = gan()
    saved = {}

    class Remember(keras.callbacks.Callback):  # the weights the epoch-1 checkpoint holds
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                saved["g"] = [w.copy() for w in self.model.generator.get_weights()]

    checkpoint = callbacks.AtomicModelCheckpoint(path)
    with pytest.raises(OSError, match="injected"):
        model.fit(
            batches(IMAGES),
            epochs=2,
            steps_per_epoch=1,
            verbose=0,
            callbacks=[Remember(), ArmOnSecondEpoch(), checkpoint],
        )
    assert fail.failures == 1  # the second save started and failed midway
    fail.armed = False
    restored = keras.models.load_model(path)
    assert int(restored.g_optimizer.iterations.numpy()) == 1  # epoch 1's checkpoint
    for a, b in zip(saved["g"], restored.generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]  # no partial file left behind


def test_a_failure_during_an_export_leaves_the_previous_export(tmp_path, monkeypatch):
    model = gan()
    export.export_generator(model, tmp_path, formats="saved_model", allow_untrained=True)
    z = np.zeros((2, LATENT), "float32")
    before = export.load_exported(tmp_path).run({"latent": z})
    original = tf.saved_model.save

    def fail_midway(obj, path, **kwargs):
        original(obj, path, **kwargs)
        os.remove(os.path.join(path, "saved_model.pb"))  # half written
        raise OSError("injected: disk full mid-export")

    monkeypatch.setattr(tf.saved_model, "save", fail_midway)
    with pytest.raises(OSError, match="injected"):
        export.export_generator(model, tmp_path, formats="saved_model", allow_untrained=True, overwrite=True)
    monkeypatch.undo()
    after = export.load_exported(tmp_path).run({"latent": z})
    np.testing.assert_array_equal(_first(before), _first(after))
    assert sorted(os.listdir(tmp_path / "saved_model")) == ["1"]


def test_atomic_write_bytes_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "model_float32.tflite"
    _io.write_bytes(path, b"old")

    def fail(tmp):
        with open(tmp, "wb") as f:
            f.write(b"ne")
        raise OSError("injected")

    with pytest.raises(OSError):
        _io.atomic_write(path, fail)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["model_float32.tflite"]


def _first(outputs):
    return np.asarray(next(iter(outputs.values())) if isinstance(outputs, dict) else outputs)


# --- `python -m tests.test_bad_input`: the messages of docs/errors.md ---------------------


def _messages(tmp):
    """(input, callable) of the cases outside FIT_CASES, as the tests above make them."""
    from tests.test_seqgan import VOCAB

    nan_later = with_bad_batch(IMAGES, 20, np.nan)
    labels = LABELS.copy()
    labels[17] = 7
    tokens = RNG.integers(0, VOCAB, (48, 5)).astype("int32")
    tokens[40, 2] = VOCAB + 3
    stop = callbacks.StopOnNaN(data=batches(IMAGES))
    stop.set_model(gan())
    folder = os.path.join(tmp, "imgs")
    for i in range(3):
        _write_png(os.path.join(folder, f"{i}.png"))
    with open(os.path.join(folder, "broken.png"), "wb") as f:
        f.write(b"not an image")
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    run = os.path.join(tmp, "run")
    os.makedirs(run)
    with open(os.path.join(run, cli.RUN_FILE), "w") as f:
        json.dump(
            {
                "model": "dcgan",
                "dataset": "digits",
                "batch_size": 32,
                "image_size": None,
                "seed": 0,
                "epochs": 1,
                "model_class": "GAN",
            },
            f,
        )
    gan().save(os.path.join(run, cli.CHECKPOINT))
    with open(os.path.join(run, cli.CHECKPOINT), "rb+") as f:
        f.truncate(2000)
    other = os.path.join(tmp, "other")
    os.makedirs(other)
    with open(os.path.join(other, cli.RUN_FILE), "w") as f:
        json.dump({"model": "dcgan", "dataset": "digits", "model_class": "GAN"}, f)
    cgan().save(os.path.join(other, cli.CHECKPOINT))
    return [
        ("GAN: a NaN in a later batch of a pipeline", lambda: gan().fit(batches(nan_later), epochs=1, verbose=0)),
        ("a non-finite loss with finite data", lambda: stop.on_train_batch_end(0, {"d_loss": float("nan")})),
        (
            "ConditionalGAN: a label outside [0, K) in a later batch",
            lambda: cgan().fit(batches(IMAGES, labels), epochs=1, verbose=0),
        ),
        (
            "SemiSupervisedGAN: labels outside [0, K) in a pipeline",
            lambda: ssgan().fit(_ss_data().map(lambda a, b: ((a[0], a[1] + 5), b)), epochs=1, verbose=0),
        ),
        (
            "SeqGAN: a token id outside the vocabulary in a later batch",
            lambda: seqgan().fit(batches(tokens, batch_size=16), epochs=1, verbose=0),
        ),
        ("datasets.load: a folder with an unreadable image file", lambda: datasets.load(folder, batch_size=2)),
        ("datasets.load: a folder with no images", lambda: datasets.load(empty, batch_size=2)),
        (
            "datasets.load: fewer examples than the batch",
            lambda: datasets.load("digits", split="test", batch_size=100_000),
        ),
        ("load_exported: a folder that is not an export", lambda: export.load_exported(empty)),
        ("load_exported: a path that does not exist", lambda: export.load_exported(os.path.join(tmp, "nope"))),
        (
            "keras-gans sample/train --resume: a truncated model.keras",
            lambda: cli.load_checkpoint(os.path.join(run, cli.CHECKPOINT), {"model_class": "GAN"}),
        ),
        (
            "keras-gans sample: the checkpoint of another model",
            lambda: cli.load_checkpoint(os.path.join(other, cli.CHECKPOINT), {"model_class": "GAN", "model": "dcgan"}),
        ),
    ]


if __name__ == "__main__":
    import tempfile

    def show(name, call):
        keras.utils.set_random_seed(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                call()
            print(f"| {name} | (no error) |")
        except Exception as e:  # noqa: BLE001
            print(f"| {name} | {type(e).__name__}: {str(e).splitlines()[0]} |".replace("\n", " "))

    for name, case, _error, _ in FIT_CASES:
        show(name, case()[1])
    show(
        "GAN: images in [0, 1] for a tanh generator (warning)",
        lambda: gan().fit(batches(IMAGES * 0.5 + 0.5), epochs=1, steps_per_epoch=1, verbose=0),
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, call in _messages(tmp):
            show(name, call)


def test_paired_models_unpack_tuples_and_their_dicts_and_name_what_they_train_on():
    from keras_gans.models.cycle_gan import CycleGAN
    from keras_gans.models.pix2pix import Pix2Pix
    from keras_gans.models.srgan import SRGAN

    a, b = tf.zeros((2, 8, 8, 1)), tf.ones((2, 16, 16, 1))
    assert Pix2Pix.unpack_pair({"input": a, "target": b, "extra": 0}) == (a, b)
    assert SRGAN.unpack_pair({"high_res": b, "low_res": a}) == (a, b)
    assert Pix2Pix.unpack_pair([a, b]) == SRGAN.unpack_pair((a, b)) == (a, b)
    for unpack, what in (
        (Pix2Pix.unpack_pair, "Pix2Pix trains on (input_image, target_image) pairs"),
        (SRGAN.unpack_pair, "SRGAN trains on (low_res, high_res) image pairs"),
        (lambda data: CycleGAN.unpack_domains(None, data), "CycleGAN trains on batches of (image_a, image_b)"),
    ):
        with pytest.raises(ValueError, match=r"(?s)" + re.escape(what) + r".*got a batch of tuples of 3 element"):
            unpack((a, b, a))
        with pytest.raises(ValueError, match=r"got a batch of float32 tensors of shape \(2, 8, 8, 1\)"):
            unpack(a)
    # CycleGAN takes no dict batches; Pix2Pix does not take SRGAN's keys.
    with pytest.raises(ValueError, match=re.escape("got a batch of dicts with keys ['input', 'target']")):
        CycleGAN.unpack_domains(None, {"input": a, "target": b})
    with pytest.raises(ValueError, match=re.escape("got a batch of dicts with keys ['high_res', 'low_res']")):
        Pix2Pix.unpack_pair({"low_res": a, "high_res": b})
