"""Export generators as SavedModel and TFLite that serve without keras_gans or Keras.

    manifest = keras_gans.export.export_generator(model, "exported/dcgan",
                                                  formats=("saved_model", "tflite"),
                                                  quantize=("float32", "float16"))
    served = keras_gans.export.load_exported("exported/dcgan")   # or a .tflite
    images = served.generate(16, seed=0)                          # in [-1, 1]

Layout of an export directory (TensorFlow Serving's `--model_base_path` is
`DIR/saved_model`; it serves the highest version folder):

    DIR/manifest.json              what is inside (see below)
    DIR/saved_model/1/             SavedModel: saved_model.pb, variables/, ...
    DIR/model_float32.tflite       one TFLite model per quantization:
    DIR/model_float16.tflite         float32, float16, dynamic (dynamic range)
    DIR/model_dynamic.tflite
    DIR/static/model_float32_batch1.tflite   the same with a fixed batch
    DIR/static/model_float32_batch64.tflite    (`static_batch_sizes`, default
                                               1 and 64): the ones XNNPACK
                                               runs whole; see export.speed

Serving protocol (what every model implements)
----------------------------------------------
`model.serving_signatures()` returns `{signature_name: (fn, [tf.TensorSpec])}`:
`fn` takes the inputs positionally in the order of the specs, each spec has a
`name` (the signature's input name), and `fn` returns a dict
`{output_name: tensor}`. There must be a `serving_default`. Use the sampling
weights (the EMA copy when the model keeps one: `model.sampling_generator`)
and call the networks with `training=False`. The helpers in
`keras_gans.export.signatures` build the usual cases in one line.

`model.serving_description()` returns a JSON-able dict for the manifest:
`{"kind": ..., **details}`; optional `"signatures": {name: {"inputs": {input:
{...}}, "outputs": {...}}}` refines the standard descriptions of
`signatures.STANDARD_NAMES`.

The kinds, with their stable names (dtype, shape, range):

- "latent" (GAN, WGAN, WGAN-GP): `latent_signatures(generator, latent_dim)`.
  `serving_default`: "latent" float32 (batch, latent_dim) -> "images" float32
  in [-1, 1]; `uint8`: "latent" -> "images" uint8 in [0, 255]. A generator of
  vectors (2-D outputs) has only `serving_default` -> "samples" float32.
  Description: {"kind": "latent", "latent_dim": d, "latent_distribution":
  "normal"} ("uniform" with "latent_range": [lo, hi] for a uniform prior).
- "conditional" (ConditionalGAN, ACGAN): `conditional_signatures(generator,
  latent_dim)`: "latent" float32 (batch, latent_dim), "labels" int32 (batch,)
  -> "images", same two signatures. Description adds "num_classes" (and
  "class_names" if known). `GAN`'s default hook does this by itself when the
  generator takes [latent, labels] and the model has `num_classes`. BigGAN:
  `conditional_signatures(generator, latent_dim, truncation=True)` adds a
  third input "truncation", a float32 scalar psi (entries of the latent
  beyond |psi| resampled in the graph by `signatures.truncate_latent`; inf =
  no truncation, the default of `ExportedGenerator.generate`).
- "image_to_image" (Pix2Pix, CycleGAN): `translation_signatures(generator)`:
  "source" float32 (batch, height, width, channels) in [-1, 1] -> "images"
  (float32 [-1, 1] / uint8). `AdversarialModel`'s default hook does this for
  a model whose `sampling_generator` takes one image (Pix2Pix). CycleGAN:
  signatures "a2b", "a2b_uint8", "b2a", "b2a_uint8"
  (`translation_signatures(generator_ab, "a2b")`, ...), and
  `serving_default`/`uint8` = a2b. Description adds "directions" if known.
- "sequence" (SeqGAN): `serving_default`: "num_samples" int32 scalar,
  "temperature" float32 scalar, "seed" int32 scalar -> "tokens" int32
  (num_samples, sequence_length), the sampling loop inside the graph
  (tf.while_loop over a fixed-size token tensor, or a Python loop over the
  static length). Draw with `signatures.categorical_sample(logits, seed,
  step, temperature)`: its noise is a hash of (seed, step, row) built from
  TFLite builtin ops, so SavedModel and TFLite give the same tokens.
  `tf.random.stateless_*` and TensorArray would need Select TF ops, which the
  ai-edge-litert interpreter cannot run. Description adds "vocabulary_size",
  "sequence_length", "start_token".

Mixed precision: the helpers serve a float32 copy of a mixed_float16 network
(`signatures.serving_network`), because TFLite has no builtin float16
kernels for most ops; call it in a custom hook too.

Select TF ops: the converter tries builtin operations first and falls back
to SELECT_TF_OPS only when the graph needs them; the manifest records
`select_tf_ops` per .tflite. With the helpers above no model of keras_gans
needs them.

The manifest (`manifest.json`): "model_class", "kind", "description",
"signatures" ({name: {"inputs"/"outputs": {name: {"dtype", "shape",
"range"/"distribution", "description"}}}}, shapes with null for the batch),
"artifacts" (paths relative to DIR, sizes in bytes; "tflite_static":
{quantization: {batch: entry}}; each entry's "benchmark": median latency
and images/s per batch, threads, XNNPACK partitions, machine and load), "training" (optimizer
steps, whether EMA weights were exported), "config" (the model's get_config,
nested networks summarised), "compile_config", "metrics", "versions".
"""

from keras_gans.export.loading import ExportedGenerator, is_export, load_exported
from keras_gans.export.signatures import (
    STANDARD_NAMES,
    categorical_sample,
    conditional_signatures,
    hash_uniform,
    image_signatures,
    latent_signatures,
    serving_network,
    to_uint8,
    translation_signatures,
    truncate_latent,
)
from keras_gans.export.writer import (
    FORMATS,
    MANIFEST,
    QUANTIZATIONS,
    artifact_paths,
    check_exportable,
    convert_to_tflite,
    export_generator,
    trained_steps,
)
