"""Export and serving: SavedModel and TFLite served without keras_gans/Keras match the model."""

import json
import os

import numpy as np
import keras
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import export, networks
from keras_gans.export import signatures as signatures_lib
from tests import harness

LATENT = 4
Z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")


def image_data(n=16, batch_size=8):
    return harness.random_images((16, 16, 1), n, batch_size)


def dcgan(steps=1, **kwargs):
    model = keras_gans.GAN(
        networks.dcgan_generator(LATENT, (16, 16, 1), base_filters=8),
        networks.dcgan_discriminator((16, 16, 1), base_filters=8),
        latent_dim=LATENT,
        seed=3,
        **kwargs,
    )
    model.compile()
    if steps:
        model.fit(image_data(), epochs=1, steps_per_epoch=steps, verbose=0)
    return model


def mlp_gan(steps=2):
    model = keras_gans.GAN(
        networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
        networks.mlp_discriminator(2, hidden_units=(16,)),
        latent_dim=LATENT,
        seed=3,
    )
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    data = keras_gans.datasets.load("ring8", batch_size=32, num_samples=64, shuffle=False)
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained_dcgan():
    keras.utils.set_random_seed(0)
    return dcgan(steps=2, ema_decay=0.5)


# --- parity in a process without keras_gans or Keras --------------------------------


def test_latent_generators_export_parity(tmp_path):
    """DCGAN (images, EMA) and an MLP GAN (vectors), served by one keras-free process."""
    dcgan_model, mlp_model = dcgan(steps=2, ema_decay=0.5), mlp_gan()
    results = harness.run_export_tests(
        {"dcgan": (dcgan_model, {"latent": Z}), "mlp": (mlp_model, {"latent": Z})}, tmp_path
    )
    dcgan_result, mlp_result = results["dcgan"], results["mlp"]
    assert set(dcgan_result["manifest"]["signatures"]) == {"serving_default", "uint8"}
    # serving_default is the EMA generator, as generate() is.
    fn, _ = dcgan_model.serving_signatures()["serving_default"]
    np.testing.assert_allclose(fn(tf.constant(Z))["images"].numpy(), dcgan_model.generate(latent=Z), atol=1e-6)
    assert not np.allclose(dcgan_model.generator(Z, training=False).numpy(), dcgan_model.generate(latent=Z), atol=1e-4)
    assert dcgan_result["manifest"]["training"] == {"steps": 2, "ema_weights": True}
    sizes = dcgan_result["sizes"]
    assert sizes["float16"] < sizes["float32"] and sizes["dynamic"] < sizes["float32"]
    # Vectors: "samples", no uint8 signature.
    signatures = mlp_result["manifest"]["signatures"]
    assert list(signatures) == ["serving_default"]
    assert signatures["serving_default"]["outputs"]["samples"]["shape"] == [None, 2]


def test_conditional_translation_and_sequence_export_parity(tmp_path):
    """One model per other kind: ConditionalGAN, Pix2Pix, SeqGAN (sampling loop in the graph).

    Untrained (allow_untrained=True): parity does not depend on training, and
    tracing three train steps would double the test's time.
    """
    from keras_gans.datasets.paired import digits_pairs
    from keras_gans.models.conditional_gan import ConditionalGAN
    from keras_gans.models.pix2pix import Pix2Pix
    from keras_gans.models.seqgan import SeqGAN
    from keras_gans.networks import conditional, text
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.unet import unet_generator

    cgan = ConditionalGAN(
        conditional.conditional_generator(LATENT, 3, (16, 16, 1), base_filters=8),
        conditional.conditional_discriminator((16, 16, 1), 3, base_filters=8),
        latent_dim=LATENT,
        num_classes=3,
        seed=3,
    )

    edges, digits = (a[:8] for a in digits_pairs("train"))
    pix2pix = Pix2Pix(
        unet_generator((32, 32, 1), depth=3, base_filters=4),
        patchgan_discriminator((32, 32, 1), n_layers=1, base_filters=4),
        seed=3,
    )

    vocabulary, length = 8, 6
    seqgan = SeqGAN(
        text.lstm_generator(vocabulary, 8, 8, length),
        text.text_cnn_discriminator(vocabulary, length, embedding_dim=8, filter_widths=(2,), filter_counts=(4,)),
        seq_len=length,
        rollouts=2,
        discriminator_steps=1,
        seed=3,
    )

    labels_in = np.array([0, 1, 2, 1, 0], "int32")
    results = harness.run_export_tests(
        {
            "conditional_gan": (cgan, {"latent": Z, "labels": labels_in}),
            "pix2pix": (pix2pix, {"source": edges[:4]}),
            "seqgan": (seqgan, {"num_samples": np.int32(64), "temperature": np.float32(0.8), "seed": np.int32(7)}),
        },
        tmp_path,
        quantize=("float32", "float16"),
        allow_untrained=True,
    )
    kinds = {name: r["manifest"]["kind"] for name, r in results.items()}
    assert kinds == {"conditional_gan": "conditional", "pix2pix": "image_to_image", "seqgan": "sequence"}
    np.testing.assert_allclose(
        export.load_exported(tmp_path / "conditional_gan" / "export").run({"latent": Z, "labels": labels_in})["images"],
        cgan.generate(latent=Z, labels=labels_in),
        atol=1e-5,
    )
    assert results["conditional_gan"]["manifest"]["signatures"]["serving_default"]["inputs"]["labels"]["range"] == [
        0,
        2,
    ]
    np.testing.assert_allclose(
        export.load_exported(tmp_path / "pix2pix" / "export").run({"source": edges[:4]})["images"],
        pix2pix.translate(edges[:4]),
        atol=1e-5,
    )
    for name in results:
        assert not any(a["select_tf_ops"] for a in results[name]["manifest"]["artifacts"]["tflite"].values()), name
    served = export.load_exported(tmp_path / "seqgan" / "export" / "model_float32.tflite")
    sampled = served.generate(64, seed=7, temperature=0.8)
    assert sampled.shape == (64, length) and sampled.min() >= 0 and sampled.max() < vocabulary
    np.testing.assert_array_equal(
        sampled, export.load_exported(tmp_path / "seqgan" / "export").generate(64, seed=7, temperature=0.8)
    )


def test_cycle_gan_export_parity_both_directions(tmp_path):
    from keras_gans.models.cycle_gan import CycleGAN
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.resnet import resnet_generator

    if "serving_signatures" not in vars(CycleGAN):
        pytest.skip("CycleGAN does not define serving_signatures() yet (a2b/b2a translation_signatures)")

    def generator(channels_in, channels_out, name):
        return resnet_generator(
            (16, 16, channels_in), 1, base_filters=4, num_downsamplings=1, output_channels=channels_out, name=name
        )

    def discriminator(channels, name):
        return patchgan_discriminator((16, 16, channels), n_layers=1, base_filters=4, conditional=False, name=name)

    model = CycleGAN(
        generator(1, 3, "g_ab"),
        generator(3, 1, "g_ba"),
        discriminator(1, "d_a"),
        discriminator(3, "d_b"),
        identity_weight=0.0,
        pool_size=2,
    )
    rng = np.random.default_rng(0)
    a = {"source": rng.uniform(-1, 1, (2, 16, 16, 1)).astype("float32")}
    b = {"source": rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")}
    inputs = {"serving_default": a, "uint8": a, "a2b": a, "a2b_uint8": a, "b2a": b, "b2a_uint8": b}
    result = harness.run_export_test(model, inputs, tmp_path, quantize=("float32",), allow_untrained=True)
    signatures = result["manifest"]["signatures"]
    assert set(signatures) == {"serving_default", "uint8", "a2b", "a2b_uint8", "b2a", "b2a_uint8"}
    assert signatures["b2a"]["inputs"]["source"]["shape"] == [None, 16, 16, 3]
    assert signatures["b2a"]["outputs"]["images"]["shape"] == [None, 16, 16, 1]
    served = export.load_exported(tmp_path / "CycleGAN" / "export")
    np.testing.assert_allclose(
        served.run(b, signature="b2a")["images"], model.translate(b["source"], "b_to_a"), atol=1e-5
    )


def test_acgan_and_semi_supervised_gan_signatures():
    """ACGAN exports as conditional, SemiSupervisedGAN's generator as latent (same code paths as above)."""
    from keras_gans.models.acgan import ACGAN
    from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN
    from keras_gans.networks import conditional

    acgan = ACGAN(
        conditional.conditional_generator(LATENT, 3, (16, 16, 1), base_filters=8),
        conditional.acgan_discriminator((16, 16, 1), 3, base_filters=8),
        latent_dim=LATENT,
        num_classes=3,
    )
    ssgan = SemiSupervisedGAN(
        networks.dcgan_generator(LATENT, (16, 16, 1), base_filters=8),
        conditional.semi_supervised_discriminator((16, 16, 1), 3, base_filters=8),
        latent_dim=LATENT,
        num_classes=3,
    )
    y = np.array([0, 1, 2, 1, 0], "int32")
    assert acgan.serving_description() == {
        "kind": "conditional",
        "latent_dim": LATENT,
        "latent_distribution": "normal",
        "num_classes": 3,
    }
    fn, specs = acgan.serving_signatures()["serving_default"]
    assert [s.name for s in specs] == ["latent", "labels"]
    np.testing.assert_allclose(
        fn(tf.constant(Z), tf.constant(y))["images"].numpy(), acgan.generate(latent=Z, labels=y), atol=1e-6
    )
    assert ssgan.serving_description()["kind"] == "latent"
    fn, specs = ssgan.serving_signatures()["uint8"]
    assert [s.name for s in specs] == ["latent"] and fn(tf.constant(Z))["images"].dtype == tf.uint8


def test_categorical_sample_is_the_same_in_tflite_builtins(tmp_path):
    """The in-graph sampler of the sequence protocol: builtin ops only, same draws, right distribution."""
    from ai_edge_litert.interpreter import Interpreter

    probabilities = np.array([0.1, 0.2, 0.3, 0.4], "float32")

    @tf.function(input_signature=[tf.TensorSpec((), tf.int32, name="seed")])
    def draw(seed):
        logits = tf.math.log(tf.tile(probabilities[None, :], [4000, 1]))
        return {"ids": tf.stack([signatures_lib.categorical_sample(logits, seed, step) for step in range(2)], 1)}

    module = tf.Module()
    module.draw = draw
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": draw.get_concrete_function()})
    content = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path)).convert()
    runner = Interpreter(model_content=content).get_signature_runner()
    ids = draw(tf.constant(5))["ids"].numpy()
    np.testing.assert_array_equal(runner(seed=np.int32(5))["ids"], ids)
    frequencies = np.bincount(ids.ravel(), minlength=4) / ids.size
    np.testing.assert_allclose(frequencies, probabilities, atol=0.02)
    assert not np.array_equal(ids[:, 0], ids[:, 1])  # steps draw fresh noise
    assert not np.array_equal(draw(tf.constant(6))["ids"].numpy(), ids)  # seeds differ
    u = signatures_lib.hash_uniform(tf.constant(3), tf.range(100000, dtype=tf.int64)).numpy()
    assert 0 < u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01 and abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.02


def test_mixed_precision_generator_exports_float32_builtins(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = dcgan(steps=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    manifest = model.export_generator(tmp_path, quantize=("float32", "float16"), allow_untrained=True)
    assert not any(a["select_tf_ops"] for a in manifest["artifacts"]["tflite"].values())
    reference = model.generate(latent=Z)  # computed in float16
    for quantization in ("float32", "float16"):
        served = export.load_exported(tmp_path, backend="tflite", quantization=quantization)
        np.testing.assert_allclose(served.run({"latent": Z})["images"], reference, atol=2e-2)


# --- the manifest ---------------------------------------------------------------------


def test_manifest_contents(trained_dcgan, tmp_path):
    manifest = export.export_generator(
        trained_dcgan, tmp_path, formats="saved_model", metrics={"fid": np.float32(12.5)}
    )
    with open(tmp_path / "manifest.json") as f:
        on_disk = json.load(f)
    assert on_disk == manifest
    assert manifest["model_class"] == "keras_gans.models.gan.GAN" and manifest["kind"] == "latent"
    assert manifest["metrics"] == {"fid": 12.5}
    assert manifest["versions"]["tensorflow"] == tf.__version__
    assert manifest["versions"]["keras"] == keras.__version__
    assert manifest["config"]["latent_dim"] == LATENT and manifest["config"]["ema_decay"] == 0.5
    assert manifest["config"]["generator"] == {"class_name": "Functional", "name": "dcgan_generator", "layers": 10}
    default = manifest["signatures"]["serving_default"]
    assert default["inputs"]["latent"]["shape"] == [None, LATENT]
    assert default["outputs"]["images"]["range"] == [-1.0, 1.0]
    assert manifest["signatures"]["uint8"]["outputs"]["images"] == {
        **manifest["signatures"]["uint8"]["outputs"]["images"],
        "dtype": "uint8",
        "range": [0, 255],
    }
    assert "tflite" not in manifest["artifacts"]
    assert export.artifact_paths(tmp_path) == {
        "manifest": str(tmp_path / "manifest.json"),
        "saved_model": str(tmp_path / "saved_model" / "1"),
    }
    assert os.path.isfile(tmp_path / "saved_model" / "1" / "saved_model.pb")


# --- load_exported: what `keras-gans sample DIR` uses --------------------------------


def test_load_exported_from_every_path(trained_dcgan, tmp_path):
    trained_dcgan.export_generator(tmp_path, quantize="float32")
    reference = trained_dcgan.generate(latent=Z)
    for path in [tmp_path, tmp_path / "saved_model", tmp_path / "saved_model" / "1", tmp_path / "model_float32.tflite"]:
        assert export.is_export(path)
        served = export.load_exported(path)
        assert served.kind == "latent" and served.manifest is not None
        np.testing.assert_allclose(served.run({"latent": Z})["images"], reference, atol=1e-4)
        images = served.generate(7, seed=0, batch_size=3)
        assert images.shape == (7, 16, 16, 1) and images.dtype == np.float32
        np.testing.assert_array_equal(images, served.generate(7, seed=0, batch_size=3))
        assert served.run({"latent": Z}, signature="uint8")["images"].dtype == np.uint8
    assert export.load_exported(tmp_path, backend="tflite").backend == "tflite"
    assert not export.is_export(tmp_path / "saved_model" / "1" / "variables")


def test_wrong_latent_size_at_serving_time(trained_dcgan, tmp_path):
    trained_dcgan.export_generator(tmp_path, quantize="float32")
    for backend in ("saved_model", "tflite"):
        served = export.load_exported(tmp_path, backend=backend)
        harness.assert_clear_error(
            lambda: served.run({"latent": np.zeros((2, LATENT + 1), "float32")}),
            "'latent'",
            "(batch, 4)",
            "(2, 5)",
            error=ValueError,
        )
        harness.assert_clear_error(lambda: served.run({"z": Z}), "['latent']", "'z'", error=ValueError)
        harness.assert_clear_error(lambda: served.run({"latent": Z.astype(bool)}), "float32", error=ValueError)
        harness.assert_clear_error(lambda: served.run(Z, signature="nope"), "'nope'", "uint8", error=ValueError)


# --- bad input at export time ---------------------------------------------------------


def test_untrained_model_is_refused_unless_allowed(tmp_path):
    model = dcgan(steps=0)
    harness.assert_clear_error(
        lambda: export.export_generator(model, tmp_path), "never trained", "allow_untrained=True", error=ValueError
    )
    uncompiled = keras_gans.GAN(networks.mlp_generator(LATENT, 2), networks.mlp_discriminator(2), LATENT)
    harness.assert_clear_error(
        lambda: export.export_generator(uncompiled, tmp_path), "not even compiled", error=ValueError
    )
    manifest = export.export_generator(model, tmp_path, formats=["saved_model"], allow_untrained=True)
    assert manifest["training"]["steps"] == 0


def test_unbuilt_network_is_refused(tmp_path):
    class Generator(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, z):
            return self.dense(z)

    model = keras_gans.GAN(Generator(), networks.mlp_discriminator(2), LATENT)
    harness.assert_clear_error(
        lambda: export.export_generator(model, tmp_path, allow_untrained=True),
        "['generator']",
        "never built",
        error=ValueError,
    )


def test_bad_formats_quantization_version_and_overwrite(trained_dcgan, tmp_path):
    def bad(**kwargs):
        return lambda: export.export_generator(trained_dcgan, tmp_path, **kwargs)

    harness.assert_clear_error(bad(formats=("onnx",)), "'onnx'", "['saved_model', 'tflite']", error=ValueError)
    harness.assert_clear_error(bad(quantize="int4"), "'int4'", "['float32', 'float16', 'dynamic']", error=ValueError)
    harness.assert_clear_error(bad(formats="saved_model", quantize="float16"), "no 'tflite'", error=ValueError)
    harness.assert_clear_error(bad(version=0), "positive integer", error=ValueError)
    assert not os.listdir(tmp_path)  # nothing written before the checks
    export.export_generator(trained_dcgan, tmp_path, formats="saved_model")
    harness.assert_clear_error(bad(formats="saved_model"), "overwrite=True", "version=", error=FileExistsError)
    export.export_generator(trained_dcgan, tmp_path, formats="saved_model", version=2)
    assert export.load_exported(tmp_path).path.endswith(os.path.join("saved_model", "2"))


# --- static-batch TFLite and the speed figures in the manifest -------------------------


def test_static_batch_tflite_matches_and_is_benchmarked(trained_dcgan, tmp_path):
    manifest = trained_dcgan.export_generator(tmp_path, quantize="float32", static_batch_sizes=(1, 3))
    reference = trained_dcgan.generate(latent=Z)
    static = manifest["artifacts"]["tflite_static"]["float32"]
    assert sorted(static) == ["1", "3"]
    paths = export.artifact_paths(tmp_path)
    for batch in (1, 3):
        entry = static[str(batch)]
        assert entry["batch"] == batch and entry["path"] == f"static/model_float32_batch{batch}.tflite"
        served = export.load_exported(paths[f"tflite_float32_batch{batch}"])
        assert served.kind == "latent" and served.signatures["serving_default"]["inputs"]["latent"][0] == (
            batch,
            LATENT,
        )
        np.testing.assert_allclose(served.run({"latent": Z[:batch]})["images"], reference[:batch], atol=1e-4)
        # generate() feeds the static batch, padding the last one: 7 = 3 + 3 + 1.
        np.testing.assert_allclose(
            served.generate(7, seed=0), export.load_exported(tmp_path).generate(7, seed=0), atol=1e-4
        )
        timing = entry["benchmark"]
        assert timing["threads"] >= 1 and timing["delegate_partitions"] >= 1
        assert [r["batch"] for r in timing["by_batch"]] == [batch]
        assert all(r["latency_ms"] > 0 and r["images_per_second"] > 0 and r["runs"] >= 3 for r in timing["by_batch"])
    harness.assert_clear_error(
        lambda: export.load_exported(paths["tflite_float32_batch3"]).run({"latent": Z}),
        "'latent'",
        "(3, 4)",
        "(5, 4)",
        error=ValueError,
    )
    for name in ("saved_model",):
        assert [r["batch"] for r in manifest["artifacts"][name]["benchmark"]["by_batch"]] == [1, 3]
    assert [r["batch"] for r in manifest["artifacts"]["tflite"]["float32"]["benchmark"]["by_batch"]] == [1, 3]
    with open(tmp_path / "manifest.json") as f:
        assert json.load(f) == manifest


def test_static_batch_sizes_are_checked_and_optional(trained_dcgan, tmp_path):
    for bad in (0, (1, -2), (1.5,), ("1",)):
        harness.assert_clear_error(
            lambda: export.export_generator(trained_dcgan, tmp_path, static_batch_sizes=bad),
            "static_batch_sizes",
            "positive integers",
            error=ValueError,
        )
    manifest = export.export_generator(
        trained_dcgan, tmp_path, quantize="float32", static_batch_sizes=None, benchmark=False
    )
    assert "tflite_static" not in manifest["artifacts"] and not os.path.exists(tmp_path / "static")
    assert "benchmark" not in manifest["artifacts"]["tflite"]["float32"]
