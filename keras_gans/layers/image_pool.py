"""`ImagePool`: the history of generated images CycleGAN's discriminators learn from.

Shrivastava et al. (2017), section 2.3, as used by CycleGAN (Zhu et al.
2017, section 4): the discriminators are updated with a history of generated
images rather than only the latest ones, which reduces model oscillation.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_gans")
class ImagePool(keras.layers.Layer):
    """A buffer of `pool_size` past generated images, with the 50% swap rule.

    The rule of the reference's `util/image_pool.py`, image by image, in order:
    while the pool is not full, the image is stored and returned; once full,
    with probability 1/2 the image is returned as it is, otherwise a uniformly
    chosen stored image is returned and the new image takes its place. Once
    full, about half of the returned images are therefore past ones.

    Everything runs in the graph: the images and the fill count are variables
    (tracked, so they are saved in `.keras` files and a resumed run continues
    with the same history), the loop over the batch is a `tf.while_loop`, and
    the random draws are stateless from a seed given by the caller. `query`
    works inside a compiled (also XLA) train_step.

    Distribution: the pool is one pool over the global batch, the same on
    every replica, so that training under any strategy equals training on one
    device. Each replica all-gathers the fakes of the global batch, applies the
    rule to them with the same (replica-independent) random draws, and keeps
    the rows of its own share; its copy of the pool therefore receives the
    same images as every other copy. The variables are per-replica
    (`synchronization="on_read"`), so each replica assigns its own copy in
    replica context without merge_call or cross-replica writes; reading
    them (saving) takes replica 0's copy (`aggregation="only_first_replica"`),
    and loading copies it to every replica. The cost is one all-gather of the
    generated images per direction and step (small next to the gradients'
    all-reduce) and a pool of `pool_size` images in every replica's memory.

    Args:
        pool_size: number of stored images (50 in the paper); 0 disables the
            pool (`query` returns its input).
        image_shape: (height, width, channels) of the images.

    Example:

    >>> pool = ImagePool(50, (256, 256, 3))
    >>> fake_for_d = pool.query(fake, seed=tf.constant([1, 2], tf.int64))
    """

    def __init__(self, pool_size=50, image_shape=(256, 256, 3), **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.image_shape = tuple(int(d) for d in image_shape)
        if self.pool_size < 0:
            raise ValueError(f"pool_size must be >= 0, got {pool_size}.")
        if self.pool_size:
            per_replica = dict(trainable=False, synchronization="on_read", aggregation="only_first_replica")
            with keras.name_scope(self.name):  # paths "<pool>/images", "<pool>/count"
                self.images = keras.Variable(
                    "zeros",
                    shape=(self.pool_size,) + self.image_shape,
                    dtype="float32",
                    name="images",
                    **per_replica,
                )
                self.count = keras.Variable(0, dtype="int32", name="count", **per_replica)
        self.built = True

    def query(self, images, seed):
        """Return images for the discriminator and update the pool.

        Args:
            images: a batch of generated images, shape (batch,) + image_shape
                (under a strategy: the replica's share of the global batch).
            seed: a stateless seed (int tensor of shape (2,)), the same on
                every replica.

        Returns:
            A batch of the same shape: each image either the input image or a
            stored one, by the rule above.
        """
        if not self.pool_size:
            return images
        images = tf.stop_gradient(tf.convert_to_tensor(images))
        dtype = images.dtype
        local = tf.cast(images, tf.float32)
        # The global batch, in replica order, on every replica.
        replica = tf.distribute.get_replica_context()
        replicas = replica.num_replicas_in_sync if replica is not None else 1
        images = replica.all_gather(local, axis=0) if replicas > 1 else local
        n = tf.shape(images)[0]
        seed = tf.convert_to_tensor(seed)
        swap = _global_uniform([n], _fold(seed, 0)) < 0.5
        slot = _global_uniform([n], _fold(seed, 1), maxval=self.pool_size)

        def step(i, pool, count, returned):
            # tf.gather rather than [] indexing: XLA compiles dynamic gathers,
            # whereas strided slices would need the seed as a constant.
            image = tf.gather(images, i)
            j = tf.gather(slot, i)

            def store():  # not full: keep the image, return it
                return tf.tensor_scatter_nd_update(pool, [[count]], image[None]), count + 1, image

            def exchange():  # full, heads: return a past image, store the new one in its slot
                return tf.tensor_scatter_nd_update(pool, [[j]], image[None]), count, tf.gather(pool, j)

            def keep():  # full, tails: return the image, the pool is unchanged
                return pool, count, image

            pool, count, image = tf.cond(
                count < self.pool_size, store, lambda: tf.cond(tf.gather(swap, i), exchange, keep)
            )
            return i + 1, pool, count, returned.write(i, image)

        _, pool, count, returned = tf.while_loop(
            lambda i, *_: i < n,
            step,
            (
                tf.constant(0),
                tf.convert_to_tensor(self.images),
                tf.convert_to_tensor(self.count),
                tf.TensorArray(tf.float32, size=n, element_shape=self.image_shape),
            ),
        )
        # Each replica assigns its own copy (on-read variables): no merge_call.
        self.images.assign(pool)
        self.count.assign(count)
        out = returned.stack()
        if replicas > 1:
            size = tf.shape(local)[0]
            start = tf.cast(replica.replica_id_in_sync_group, tf.int32) * size
            out = tf.gather(out, start + tf.range(size))
        out.set_shape(local.shape)
        return tf.cast(out, dtype)

    def call(self, images, seed):
        return self.query(images, seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "image_shape": self.image_shape}


def _global_uniform(shape, seed, maxval=None):
    """tf.random.stateless_uniform(shape, seed) (float in [0, 1), or int in [0, maxval)), the same numbers,
    drawn with the raw stateless ops.

    The pool's draws are over the global batch and the same on every replica
    by design; drawn through the raw ops, they stay so whatever wraps
    tf.random's functions (a wrapper that gives each replica its rows of a
    global draw, as the distribution tests' noise does, would split them).
    """
    alg = tf.random.Algorithm.AUTO_SELECT.value
    key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
    if maxval is None:
        return tf.raw_ops.StatelessRandomUniformV2(shape=shape, key=key, counter=counter, alg=alg, dtype=tf.float32)
    return tf.raw_ops.StatelessRandomUniformIntV2(
        shape=shape, key=key, counter=counter, alg=alg, minval=tf.constant(0), maxval=tf.constant(maxval)
    )


def _fold(seed, value):
    return tf.random.experimental.stateless_fold_in(seed, value)
