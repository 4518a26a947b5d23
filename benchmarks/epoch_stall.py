"""The epoch-end stall: DCGAN on `load("digits")`, tf.data autotuning on or off.

Keras' fit deletes the epoch's iterator and makes a new one when the next
epoch starts. Times each epoch's end (from `on_epoch_end` of one epoch to
`on_train_batch_begin` of the next one's first batch: the iterator's deletion
and creation)
and the whole fit; prints one JSON line.

    python benchmarks/epoch_stall.py --autotune off --epochs 8
"""

import argparse
import json
import os
import time

import keras
import tensorflow as tf

import keras_gans
from keras_gans import zoo


class EpochGaps(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.gaps, self._end = [], None

    def on_epoch_end(self, epoch, logs=None):
        self._end = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        # Keras makes the next epoch's iterator (and drops the last one) after
        # on_epoch_begin, just before the first batch: the gap covers both.
        if batch == 0 and self._end is not None:
            self.gaps.append(time.perf_counter() - self._end)
            self._end = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--autotune", choices=("on", "off"), default="off")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    data = keras_gans.datasets.load(args.dataset, batch_size=args.batch_size, seed=0)
    options = tf.data.Options()
    options.autotune.enabled = args.autotune == "on"
    data = data.with_options(options)  # the later options win
    model = zoo.build("dcgan", data.element_spec, seed=0, jit_compile=False)
    gaps = EpochGaps()
    start = time.perf_counter()
    model.fit(data, epochs=args.epochs, verbose=0, callbacks=[gaps])
    total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "autotune": args.autotune,
                "dataset": args.dataset,
                "epochs": args.epochs,
                "steps_per_epoch": int(data.cardinality()),
                "fit_seconds": round(total, 2),
                "epoch_end_gaps_s": [round(g, 3) for g in gaps.gaps],
                "stalls_over_1s": sum(g > 1.0 for g in gaps.gaps),
                "load_1min": round(os.getloadavg()[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
