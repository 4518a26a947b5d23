"""Hand-written `tf.function` training steps: what `model.fit` must not be slower than.

Each loop runs exactly the algorithm of the zoo model's `train_step`, on the
model's own networks, with fresh Keras optimizers built from the model's own
(same class, learning rate, betas, epsilon), and nothing else: no hooks, no
metrics, no distribution code, no loss scaling, no seeding of the training
noise from the step count. benchmarks/speed.py times them beside `fit`.

- `dcgan_loop`: D on a real batch and G(z) (z ~ N(0, 1)), BCE with logits;
  then G on fresh latents, non-saturating loss. (Adam(2e-4, 0.5), fixed here
  as it was in speed.py.)
- `pix2pix_loop` (`Pix2Pix.train_step`): fake = G(x) once, recorded on G's
  tape; D on (x, fake) then (x, y), loss 1/2 (BCE(D(x, y), 1) + BCE(D(x,
  fake), 0)), updated; then G through the updated D: gan_weight *
  BCE(D(x, fake), 1) + l1_weight * mean|y - fake| (1 and 100 in the zoo).
- `cyclegan_loop` (`CycleGAN.train_step`, the reference's optimize_parameters):
  first G and F together (one optimizer): LSGAN MSE(D_Y(G(x)), 1) +
  MSE(D_X(F(y)), 1) + cycle_weight * (|F(G(x)) - x| + |G(F(y)) - y|) +
  identity_weight * cycle_weight * (|G(y) - y| + |F(x) - x|) (10 and 0.5);
  then D_X and D_Y together (one optimizer) on the real images and the
  step's fakes passed through an image pool each (50 images, the 50% swap
  rule of the reference's util/image_pool.py, written here by hand),
  1/2 (MSE(D(real), 1) + MSE(D(fake), 0)) each.

The loops check that the model is configured as they assume (the game, no
loss options) and fail with a ValueError otherwise. Each returns
`run(steps)`, which runs `steps` steps on batches of `data` and waits for the
last one. tests/test_reference_loops.py checks that a step of each loop and a
step of the model give the same losses and weights.
"""

import keras
import tensorflow as tf


def _fresh(optimizer):
    """A new optimizer of the same class and configuration (no state, no iterations)."""
    return type(optimizer).from_config(optimizer.get_config())


def _runner(step, data):
    iterator = iter(data)

    def run(steps):
        out = None
        for _ in range(steps):
            out = step(next(iterator))
        if out is not None:
            float(out[0])  # wait for the last step

    return run


def _bce(logits, target):
    """Mean binary cross-entropy of logits against a constant target (BCEWithLogitsLoss)."""
    logits = tf.cast(logits, tf.float32)
    return tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), target), logits=logits)
    )


def _mse(logits, target):
    """Mean squared error of logits against a constant target (MSELoss)."""
    return tf.reduce_mean(tf.square(tf.cast(logits, tf.float32) - target))


def _l1(a, b):
    return tf.reduce_mean(tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)))


def _check_game(model, expected):
    if model.loss != expected or model.loss_options:
        raise ValueError(
            f"The hand-written {type(model).__name__} loop implements loss={expected!r} without options; "
            f"the model has loss={model.loss!r}, loss_options={model.loss_options}."
        )


def dcgan_loop(model, data, xla):
    """The DCGAN step written by hand (model: the zoo's "dcgan", a `GAN`)."""
    g, d = model.generator, model.discriminator
    g_opt, d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_opt.build(g.trainable_variables)
    d_opt.build(d.trainable_variables)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function(jit_compile=xla)
    def step(real):
        n = tf.shape(real)[0]
        fake = g(tf.random.normal([n, model.latent_dim]), training=True)
        with tf.GradientTape() as tape:
            real_logits, fake_logits = d(real, training=True), d(fake, training=True)
            d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
        d_opt.apply_gradients(zip(tape.gradient(d_loss, d.trainable_variables), d.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logits = d(g(tf.random.normal([n, model.latent_dim]), training=True), training=True)
            g_loss = bce(tf.ones_like(fake_logits), fake_logits)
        g_opt.apply_gradients(zip(tape.gradient(g_loss, g.trainable_variables), g.trainable_variables))
        return d_loss, g_loss

    return _runner(step, data)


def pix2pix_step(model, xla=False):
    """The pix2pix step as a tf.function of an (x, y) batch, returning (d_loss, g_loss, g_gan, g_l1)."""
    _check_game(model, "non_saturating")
    g, d = model.generator, model.discriminator
    g_opt, d_opt = _fresh(model.g_optimizer), _fresh(model.d_optimizer)
    g_opt.build(g.trainable_variables)
    d_opt.build(d.trainable_variables)
    gan_weight, l1_weight = model.gan_weight, model.l1_weight

    @tf.function(jit_compile=xla)
    def step(batch):
        source, target = batch
        with tf.GradientTape() as g_tape:
            fake = g(source, training=True)
        with tf.GradientTape() as tape:
            fake_logits = d([source, tf.stop_gradient(fake)], training=True)
            real_logits = d([source, target], training=True)
            d_loss = 0.5 * (_bce(real_logits, 1.0) + _bce(fake_logits, 0.0))
        d_opt.apply_gradients(zip(tape.gradient(d_loss, d.trainable_variables), d.trainable_variables))
        with g_tape:
            g_gan = _bce(d([source, fake], training=True), 1.0)
            g_l1 = _l1(target, fake)
            g_loss = gan_weight * g_gan + l1_weight * g_l1
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, g.trainable_variables), g.trainable_variables))
        return d_loss, g_loss, g_gan, g_l1

    return step


def pix2pix_loop(model, data, xla):
    """The pix2pix step written by hand (model: the zoo's "pix2pix", a `Pix2Pix`)."""
    return _runner(pix2pix_step(model, xla), data)


class _ImagePool:
    """The reference's image pool (util/image_pool.py), minimal, for a batch of known size.

    Image by image: while the pool is not full, store the image and return it;
    once full, with probability 1/2 return a uniformly chosen stored image and
    store the new one in its place, else return the new image. The pool's
    state is two variables updated once per query; the images of a batch are
    unrolled in Python (the batch size must be static).
    """

    def __init__(self, size, image_shape, seed):
        self.size = int(size)
        self.seed = int(seed)
        if self.size:
            self.images = tf.Variable(tf.zeros((self.size, *image_shape)), trainable=False)
            self.count = tf.Variable(0, dtype=tf.int32, trainable=False)
            self.queries = tf.Variable(0, dtype=tf.int64, trainable=False)

    def query(self, fakes):
        if not self.size:
            return fakes
        n = fakes.shape[0]
        if n is None:
            raise ValueError("The hand-written image pool needs a static batch size (batch with drop_remainder=True).")
        fakes = tf.stop_gradient(tf.cast(fakes, tf.float32))
        query = 2 * self.queries.assign_add(1)  # two streams per query: swap, slot
        swap = tf.random.stateless_uniform([n], tf.stack([tf.constant(self.seed, tf.int64), query])) < 0.5
        slot_seed = tf.stack([tf.constant(self.seed, tf.int64), query + 1])
        slots = tf.random.stateless_uniform([n], slot_seed, maxval=self.size, dtype=tf.int32)
        pool, count, out = tf.convert_to_tensor(self.images), tf.convert_to_tensor(self.count), []
        for i in range(n):
            image, slot = fakes[i], slots[i]

            def store(image=image, pool=pool, count=count):
                return tf.tensor_scatter_nd_update(pool, [[count]], image[None]), count + 1, image

            def exchange(image=image, slot=slot, pool=pool, count=count):
                return tf.tensor_scatter_nd_update(pool, [[slot]], image[None]), count, tf.gather(pool, slot)

            def keep(image=image, pool=pool, count=count):
                return pool, count, image

            pool, count, image = tf.cond(
                count < self.size, store, lambda swap_i=swap[i], e=exchange, k=keep: tf.cond(swap_i, e, k)
            )
            out.append(image)
        self.images.assign(pool)
        self.count.assign(count)
        return tf.stack(out)


def cyclegan_step(model, xla=False):
    """The CycleGAN step as a tf.function of an (a, b) batch, returning its eight losses."""
    _check_game(model, "least_squares")
    g_ab, g_ba = model.generator_ab, model.generator_ba  # G, F
    d_a, d_b = model.discriminator_a, model.discriminator_b  # D_X, D_Y
    g_vars = g_ab.trainable_variables + g_ba.trainable_variables
    d_vars = d_a.trainable_variables + d_b.trainable_variables
    g_opt, d_opt = _fresh(model.g_optimizer), _fresh(model.d_optimizer)
    g_opt.build(g_vars)
    d_opt.build(d_vars)
    cycle, identity = model.cycle_weight, model.identity_weight
    seed = getattr(model, "_seed_value", 0)
    pool_a = _ImagePool(model.pool_size, model.image_shape_a, seed)
    pool_b = _ImagePool(model.pool_size, model.image_shape_b, seed + 1)

    @tf.function(jit_compile=xla)
    def step(batch):
        real_a, real_b = batch
        with tf.GradientTape() as tape:
            fake_b = g_ab(real_a, training=True)
            fake_a = g_ba(real_b, training=True)
            g_ab_loss = _mse(d_b(fake_b, training=True), 1.0)
            g_ba_loss = _mse(d_a(fake_a, training=True), 1.0)
            cycle_a = _l1(g_ba(fake_b, training=True), real_a)
            cycle_b = _l1(g_ab(fake_a, training=True), real_b)
            g_loss = g_ab_loss + g_ba_loss + cycle * (cycle_a + cycle_b)
            identity_a = identity_b = tf.constant(0.0)
            if identity:
                identity_b = _l1(g_ab(real_b, training=True), real_b)
                identity_a = _l1(g_ba(real_a, training=True), real_a)
                g_loss += identity * cycle * (identity_a + identity_b)
        g_opt.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        pooled_a, pooled_b = pool_a.query(fake_a), pool_b.query(fake_b)
        with tf.GradientTape() as tape:
            d_a_loss = 0.5 * (_mse(d_a(real_a, training=True), 1.0) + _mse(d_a(pooled_a, training=True), 0.0))
            d_b_loss = 0.5 * (_mse(d_b(real_b, training=True), 1.0) + _mse(d_b(pooled_b, training=True), 0.0))
            d_loss = d_a_loss + d_b_loss
        d_opt.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        return d_a_loss, d_b_loss, g_ab_loss, g_ba_loss, cycle_a, cycle_b, identity_a, identity_b

    return step


def cyclegan_loop(model, data, xla):
    """The CycleGAN step written by hand (model: the zoo's "cyclegan", a `CycleGAN`)."""
    return _runner(cyclegan_step(model, xla), data)


LOOPS = {"dcgan": dcgan_loop, "pix2pix": pix2pix_loop, "cyclegan": cyclegan_loop}
