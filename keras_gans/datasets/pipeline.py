"""The end every loader shares: batch, prefetch, and tf.data options.

tf.data autotuning is turned off in the datasets keras_gans returns. With it
on, deleting an iterator, which Keras' `fit` does at every epoch boundary,
stalled for seconds: 1.5-2.6 s in 7 of 18 deletions of a plain tf.data
reproduction, none over 0.12 s with it off; issue #15 measured 2.55 s or
5.11 s in 38 of 108 epoch ends of fit. See docs/tfdata_stall.md. Our
pipelines are in-memory caches or light decoding, where autotuning gained
nothing measurable. With autotuning off, `num_parallel_calls=AUTOTUNE` maps
still run in parallel (TF's default parallelism) and `prefetch(AUTOTUNE)`
keeps its own buffer sizing.

A caller who wants autotuning back: `ds.with_options(opts)` with
`opts.autotune.enabled = True` (the later options win).
"""

import tensorflow as tf


def options():
    """The tf.data.Options of every keras_gans dataset."""
    opts = tf.data.Options()
    opts.autotune.enabled = False
    return opts


def finish(ds):
    """prefetch(AUTOTUNE) and `options()`: the last step of every loader."""
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options())


def batched(ds, batch_size):
    """Full batches of `batch_size` (the remainder dropped), then `finish`."""
    return finish(ds.batch(int(batch_size), drop_remainder=True))
