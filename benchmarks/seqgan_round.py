"""SeqGAN: where the time of one adversarial round goes.

The paper's synthetic-data setting (Yu et al. 2017): vocabulary 5000,
length 20, LSTM generator (embedding 32, hidden 32), CNN discriminator
(the paper's filter widths and counts), batch 64, 16 Monte Carlo rollouts,
1 G step and 5 D steps per round (the model's defaults). Each part is a
tf.function timed on its own after a warm-up call: sampling a batch, the
rewards (the Monte Carlo rollouts: (T-1) x batch x N completions and D on
each), the policy-gradient update of G given samples and rewards, one D
update, and the whole round (`train_step` in a tf.function, what fit runs).
The rewards are also timed with XLA (`jit_compile=True`). `--rounds` rounds,
every part in turn; medians (min-max) in ms.

    python benchmarks/seqgan_round.py --rounds 3
"""

import argparse
import os
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vocab", type=int, default=5000)
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rollouts", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from keras_gans.losses import policy_gradient_loss
    from keras_gans.models.seqgan import SeqGAN
    from keras_gans.networks.text import lstm_generator, text_cnn_discriminator

    keras.utils.set_random_seed(0)
    model = SeqGAN(
        lstm_generator(args.vocab, 32, 32, args.length),
        text_cnn_discriminator(args.vocab, args.length),
        seq_len=args.length,
        rollouts=args.rollouts,
        seed=0,
    )
    model.compile()
    real = tf.constant(np.random.default_rng(0).integers(1, args.vocab, (args.batch_size, args.length)), tf.int32)
    model.fit(tf.data.Dataset.from_tensors(real), epochs=1, verbose=0)  # builds everything, one round
    seed = tf.constant([1, 2], tf.int32)
    n = args.batch_size
    sequences = model.generator.sample(n, seed)
    rewards = model.rewards(sequences, seed)

    def g_update(sequences, rewards):
        with tf.GradientTape() as tape:
            loss = policy_gradient_loss(model.generator(sequences, training=True), sequences, rewards)
        model.apply_update(model.g_optimizer, tape, loss, model.generator.trainable_variables)
        return loss

    parts = {
        "sample a batch": (tf.function(lambda: model.generator.sample(n, seed)), ()),
        "rewards (rollouts), XLA off": (tf.function(lambda s: model.rewards(s, seed)), (sequences,)),
        "rewards (rollouts), XLA on": (tf.function(lambda s: model.rewards(s, seed), jit_compile=True), (sequences,)),
        "G policy-gradient update": (tf.function(g_update), (sequences, rewards)),
        "one D update": (tf.function(lambda r: model.discriminator_update(r)), (real,)),
        "whole round (train_step)": (tf.function(lambda r: model.train_step(r)), (real,)),
    }
    results = {}
    for name, (fn, inputs) in parts.items():
        try:
            tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, fn(*inputs))
            results[name] = []
        except Exception as error:  # e.g. an op XLA cannot compile
            results[name] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    for _ in range(args.rounds):
        for name, (fn, inputs) in parts.items():
            if isinstance(results[name], str):
                continue
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, fn(*inputs))
            results[name].append(1e3 * (time.perf_counter() - start))
    print(
        f"# SeqGAN round parts: vocab {args.vocab}, length {args.length}, batch {n}, rollouts {args.rollouts}, "
        f"{args.rounds} rounds, {args.threads} threads, load {os.getloadavg()[0]:.1f}"
    )
    print("| part | ms median (min-max) |\n|---|---|")
    for name, t in results.items():
        print(f"| {name} | " + (t if isinstance(t, str) else f"{np.median(t):.1f} ({min(t):.1f}-{max(t):.1f})") + " |")


if __name__ == "__main__":
    main()
