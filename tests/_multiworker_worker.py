"""One worker of the multi-worker test: `python -m tests._multiworker_worker INDEX PORTS OUT`.

Trains `build()` on `data()` with fit under MultiWorkerMirroredStrategy
(TF_CONFIG: workers on 127.0.0.1 at PORTS, comma-separated; this is worker
INDEX), then writes the weights and the history to OUT (.npz).
tests/test_distribute.py runs two of these and compares them with a
single-process MirroredStrategy run of the same `build()` and `data()`.
"""

import json
import os
import sys
import threading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

LATENT = 4
EPOCHS = 2
STEPS = 2


def build():
    import keras

    from keras_gans import networks
    from keras_gans.models.gan import GAN

    keras.utils.set_random_seed(0)
    model = GAN(
        networks.mlp_generator(LATENT, 2, hidden_units=(16,)),
        networks.mlp_discriminator(2, hidden_units=(16,), spectral_norm=True),
        latent_dim=LATENT,
        ema_decay=0.5,
        seed=3,
    )
    # Spectral norm (u advances once per update, in cross-replica context) and
    # clipping of the aggregated gradient, across workers.
    model.compile(keras.optimizers.Adam(1e-2, global_clipnorm=0.5), keras.optimizers.Adam(1e-2, global_clipnorm=0.5))
    return model


def data():
    """In-memory data, shuffled with a seed: the workers must shard it by DATA."""
    from keras_gans import datasets

    return datasets.load("ring8", batch_size=16, num_samples=64, shuffle=True, seed=1)


def train(strategy):
    with strategy.scope():
        model = build()
    history = model.fit(data(), epochs=EPOCHS, steps_per_epoch=STEPS, verbose=0)
    return model, history.history


def main(index, ports, out):
    # A worker whose peer died waits for it forever: never outlive the test.
    watchdog = threading.Timer(600, os._exit, args=(3,))
    watchdog.daemon = True
    watchdog.start()
    workers = [f"127.0.0.1:{port}" for port in ports.split(",")]
    os.environ["TF_CONFIG"] = json.dumps(
        {"cluster": {"worker": workers}, "task": {"type": "worker", "index": int(index)}}
    )
    from keras_gans import distribute

    strategy = distribute.get_strategy("multi_worker")
    assert distribute.is_multi_worker(strategy) and strategy.num_replicas_in_sync == len(workers)
    model, history = train(strategy)
    evaluation = model.evaluate(data(), steps=2, verbose=0, return_dict=True)  # test_step too
    weights = {f"w{i}": w.numpy() for i, w in enumerate(model.weights)}
    import numpy as np

    np.savez(out, history=json.dumps(history), evaluation=json.dumps(evaluation), **weights)


if __name__ == "__main__":
    main(*sys.argv[1:])
