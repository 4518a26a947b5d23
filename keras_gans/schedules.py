"""Learning-rate schedules of the image-to-image papers, as Keras schedules (in steps)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_gans")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate, then a linear decay to zero.

    CycleGAN (Zhu et al. 2017, section 4) trains "with the same learning
    rate for the first 100 epochs and linearly decay the rate to zero over
    the next 100 epochs" (the reference's `--lr_policy linear`). The PyTorch
    port (junyanz/pytorch-CycleGAN-and-pix2pix) uses the same 100 + 100 for
    pix2pix, whose paper gives a constant Adam rate: `build_pix2pix` keeps
    the rate constant by default and takes this schedule with
    `build_pix2pix(steps_per_epoch=...)`; `build_cycle_gan(steps_per_epoch=...)`
    uses it for CycleGAN. Here the decay is per optimizer step (the
    reference steps once per epoch, and its last epoch runs at lr / 101
    rather than at 0).

    Args:
        initial_learning_rate: the constant rate (2e-4 in the paper).
        constant_steps: optimizer steps at the constant rate.
        decay_steps: steps of the linear decay; the rate is 0 from step
            constant_steps + decay_steps on.

    Example:

    >>> schedule = linear_decay_schedule(2e-4, 100, 100, steps_per_epoch=1000)
    >>> optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)
        if self.constant_steps < 0 or self.decay_steps < 0:
            raise ValueError(f"constant_steps and decay_steps must be >= 0, got {constant_steps} and {decay_steps}.")

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        past = tf.maximum(0.0, step - float(self.constant_steps))
        fraction = tf.minimum(1.0, past / float(max(self.decay_steps, 1)))
        if self.decay_steps == 0:
            fraction = tf.cast(past > 0, tf.float32)
        return self.initial_learning_rate * (1.0 - fraction)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_steps": self.constant_steps,
            "decay_steps": self.decay_steps,
        }


def linear_decay_schedule(initial_learning_rate=2e-4, constant_epochs=100, decay_epochs=100, steps_per_epoch=1):
    """`ConstantThenLinearDecay` given in epochs.

    Args:
        initial_learning_rate: the constant rate.
        constant_epochs: epochs at the constant rate (the reference's n_epochs).
        decay_epochs: epochs of the linear decay to zero (n_epochs_decay).
        steps_per_epoch: optimizer steps per epoch (one per batch).

    Returns:
        A `ConstantThenLinearDecay`; give the same schedule to every optimizer.
    """
    steps_per_epoch = int(steps_per_epoch)
    if steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be >= 1, got {steps_per_epoch}.")
    return ConstantThenLinearDecay(
        initial_learning_rate, int(constant_epochs) * steps_per_epoch, int(decay_epochs) * steps_per_epoch
    )
