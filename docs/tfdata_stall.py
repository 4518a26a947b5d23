"""Minimal reproduction: deleting a tf.data iterator stalls for seconds when autotuning is on.

Plain TensorFlow, no Keras: a cached in-memory dataset with a parallel map and
prefetch(AUTOTUNE), iterated one epoch at a time with a sleep per batch
standing in for a training step (Keras' fit makes a new iterator per epoch
and deletes the old one at the epoch's end). Prints how long `del iterator`
takes, with `options.autotune.enabled` True and False.

    python docs/tfdata_stall.py [--epoch-seconds 3] [--epochs 4]
"""

import argparse
import time

import numpy as np
import tensorflow as tf


def pipeline(autotune):
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((2048, 28, 28, 1), "float32"))
    ds = ds.map(lambda x: x * 2.0 - 1.0, num_parallel_calls=tf.data.AUTOTUNE).cache()
    ds = ds.shuffle(2048, seed=0).batch(64, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.autotune.enabled = autotune
    return ds.with_options(options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epoch-seconds", type=float, default=3.0, help="time spent in one epoch's 'steps'")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}")
    for autotune in (True, False):
        ds = pipeline(autotune)
        step = args.epoch_seconds / 32  # 2048 / 64 = 32 batches per epoch
        deletions = []
        for _ in range(args.epochs):
            iterator = iter(ds)
            for _ in iterator:
                time.sleep(step)
            start = time.perf_counter()
            del iterator  # the last reference: the C++ iterator is destroyed here
            deletions.append(time.perf_counter() - start)
        print(
            f"autotune={autotune}: seconds to delete the iterator after each epoch: "
            + ", ".join(f"{d:.3f}" for d in deletions)
        )


if __name__ == "__main__":
    main()
