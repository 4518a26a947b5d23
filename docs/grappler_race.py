"""A variable read runs after its update in a tf.function (Grappler), ~1 run in 75.

Reproduction for an upstream report (see docs/grappler_race.md). A critic
D(x) = Dense(1)(leaky_relu(Dense(16)(x))) takes one SGD step on a GAN loss
plus the R1 penalty 0.5 * E||dD/dx||^2 (an inner GradientTape). Every read of
D's weights must happen before the update (tf.function orders a read before a
later write of the same variable), so the returned penalty is always the same.
In about 1 run in 75 it is not: the inner forward pass read the updated bias.

    python docs/grappler_race.py 150         # a few runs give a second value
    python docs/grappler_race.py 150 --fix   # the update waits for the loss: one value
"""

import sys
import numpy as np
import tensorflow as tf
import keras

x = tf.constant(np.random.default_rng(0).normal(size=(16, 2)), tf.float32)
z = tf.constant(np.random.default_rng(2).normal(size=(16, 2)), tf.float32)


def run(fix=False):
    keras.utils.set_random_seed(0)
    inp = keras.Input((2,))
    h = keras.layers.Activation("leaky_relu")(keras.layers.Dense(16)(inp))
    D = keras.Model(inp, keras.layers.Dense(1)(h))
    opt = keras.optimizers.SGD(0.1, momentum=0.5)
    opt.build(D.trainable_variables)

    @tf.function
    def step(real, fake):
        with tf.GradientTape() as outer:
            r = D(real, training=True)
            f = D(fake, training=True)
            loss = tf.reduce_mean(tf.nn.softplus(-r)) + tf.reduce_mean(tf.nn.softplus(f))
            with tf.GradientTape() as inner:
                inner.watch(real)
                out = tf.reduce_sum(D(real, training=True))
            g = inner.gradient(out, real)
            penalty = 0.5 * tf.reduce_mean(tf.reduce_sum(tf.square(g), axis=1))
            total = loss + penalty
        grads = outer.gradient(total, D.trainable_variables)
        with tf.control_dependencies([total] if fix else []):
            opt.apply_gradients(zip(grads, D.trainable_variables))
        return penalty

    return float(step(x, z))


if __name__ == "__main__":
    fix = "--fix" in sys.argv
    n = int(sys.argv[1])
    values = [run(fix) for _ in range(n)]
    unique, counts = np.unique(np.round(values, 6), return_counts=True)
    print(f"tf {tf.__version__}, fix={fix}: penalty values {dict(zip(unique.tolist(), counts.tolist()))} over {n} runs")
