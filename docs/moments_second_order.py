"""Second derivatives through tf.nn.moments are wrong: a reproduction with TensorFlow and Keras only.

tf.nn.moments computes the variance as mean(squared_difference(x, stop_gradient(mean))).
The stop_gradient leaves the first derivative exact (the dropped term is a sum of
(x - mean), which is zero), but not the second: the dropped term's derivative is
not zero. Keras' GroupNormalization (and anything else normalizing with
tf.nn.moments or keras.ops.moments on the TensorFlow backend) inherits it, so a
gradient penalty (WGAN-GP, R1, DRAGAN: the gradient of a norm of D's input
gradient) through such a layer gets wrong weight gradients.

The script differentiates P(k) = || d/dx sum(tanh(norm(conv(x, k))) * w) ||^2 with
respect to the kernel k, in float64, four ways, and compares each with central
finite differences of P:

- "tf.nn.moments": norm(h) = (h - mean) / sqrt(var + eps) with tf.nn.moments,
- "keras GroupNormalization(groups=-1)": the same function as a Keras layer,
- "exact moments": mean and variance written out without stop_gradient,
- Keras' LayerNormalization is compared with layer norm written out;
- "fused batch norm": tf.compat.v1.nn.fused_batch_norm on the (image, channel)
  pairs (float32 only, so compared in float32 against the exact formula).

    python docs/moments_second_order.py
"""

import numpy as np
import tensorflow as tf
import keras

EPS = 1e-5


def moments_norm(h):
    mean, variance = tf.nn.moments(h, axes=[1, 2], keepdims=True)
    return (h - mean) * tf.math.rsqrt(variance + EPS)


def exact_norm(h):
    mean = tf.reduce_mean(h, axis=[1, 2], keepdims=True)
    variance = tf.reduce_mean(tf.square(h - mean), axis=[1, 2], keepdims=True)
    return (h - mean) * tf.math.rsqrt(variance + EPS)


def exact_layer_norm(h):
    mean = tf.reduce_mean(h, axis=[1, 2, 3], keepdims=True)
    variance = tf.reduce_mean(tf.square(h - mean), axis=[1, 2, 3], keepdims=True)
    return (h - mean) * tf.math.rsqrt(variance + EPS)


def fused_norm(h):
    shape = tf.shape(h)
    n, height, width, c = shape[0], shape[1], shape[2], shape[3]
    folded = tf.reshape(tf.transpose(h, [1, 2, 0, 3]), [1, height, width, n * c])
    y, _, _ = tf.compat.v1.nn.fused_batch_norm(
        folded, tf.ones([n * c], h.dtype), tf.zeros([n * c], h.dtype), epsilon=EPS, is_training=True
    )
    return tf.transpose(tf.reshape(y, [height, width, n, c]), [2, 0, 1, 3])


def penalty_and_gradient(norm, x, w, kernel):
    kernel = tf.constant(kernel)
    with tf.GradientTape() as outer:
        outer.watch(kernel)
        with tf.GradientTape() as inner:
            inner.watch(x)
            d = tf.reduce_sum(tf.tanh(norm(tf.nn.conv2d(x, kernel, 1, "SAME"))) * w)
        penalty = tf.reduce_sum(tf.square(inner.gradient(d, x)))
    return float(penalty), outer.gradient(penalty, kernel).numpy()


def main():
    rng = np.random.default_rng(0)
    x64 = tf.constant(rng.normal(size=(2, 6, 6, 3)))
    w64 = tf.constant(rng.normal(size=(2, 6, 6, 4)))
    kernel = rng.normal(0.0, 0.3, (3, 3, 3, 4))
    group = keras.layers.GroupNormalization(groups=-1, epsilon=EPS, center=False, scale=False, dtype="float64")

    step, fd = 1e-6, np.zeros(kernel.size)
    for i in range(kernel.size):
        plus, minus = kernel.copy(), kernel.copy()
        plus.flat[i] += step
        minus.flat[i] -= step
        fd[i] = (
            penalty_and_gradient(exact_norm, x64, w64, plus)[0] - penalty_and_gradient(exact_norm, x64, w64, minus)[0]
        ) / (2 * step)
    scale = np.abs(fd).max()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; the gradient's largest entry: {scale:.3f}")
    print("float64, largest |autodiff - finite differences| / largest |gradient|:")
    for name, norm in (
        ("tf.nn.moments", moments_norm),
        ("keras GroupNormalization(groups=-1)", group),
        ("exact moments", exact_norm),
    ):
        _, grad = penalty_and_gradient(norm, x64, w64, kernel)
        print(f"  {name:38s} {np.abs(grad.ravel() - fd).max() / scale:.2e}")
    layer = keras.layers.LayerNormalization(axis=[1, 2, 3], epsilon=EPS, center=False, scale=False, dtype="float64")
    _, want = penalty_and_gradient(exact_layer_norm, x64, w64, kernel)
    _, got = penalty_and_gradient(layer, x64, w64, kernel)
    print(
        f"float64, keras LayerNormalization against exact layer norm: {np.abs(got - want).max() / np.abs(want).max():.2e}"
    )
    x32, w32 = tf.cast(x64, tf.float32), tf.cast(w64, tf.float32)
    _, want = penalty_and_gradient(exact_norm, x32, w32, kernel.astype("float32"))
    _, got = penalty_and_gradient(fused_norm, x32, w32, kernel.astype("float32"))
    print(f"float32, fused batch norm against the exact formula: {np.abs(got - want).max() / np.abs(want).max():.2e}")


if __name__ == "__main__":
    main()
