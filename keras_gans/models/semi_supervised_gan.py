"""`SemiSupervisedGAN`: a K-class classifier trained as the discriminator of a GAN."""

import keras
import tensorflow as tf

from keras_gans.models import _base
from keras_gans import labels as labels_lib
from keras_gans.models.gan import GAN
from keras_gans import distribute


@keras.saving.register_keras_serializable(package="keras_gans")
class SemiSupervisedGAN(GAN):
    """Semi-supervised GAN with feature matching (Salimans et al., 2016), sections 3.1 and 5.

    https://arxiv.org/abs/1606.03498

    Paper names: the `discriminator` is the classifier with logits l_1..l_K;
    generated samples are the implicit class K+1 with logit fixed at 0, so
    Z(x) = sum_k exp(l_k(x)) and D(x) = Z(x) / (Z(x) + 1): D's real/fake
    logit is log Z(x) = logsumexp(l(x)). D minimises

        L = L_supervised + unsupervised_weight * L_unsupervised
        L_supervised = -E_{x,y ~ labelled} log p(y | x, y < K+1)   (softmax CE)
        L_unsupervised = -E_x log D(x) - E_z log(1 - D(G(z)))       (the game on log Z)

    and G minimises feature matching, ||E_x f(x) - E_z f(G(z))||^2 with f
    the discriminator's intermediate `features` (averaged over features
    here, so the scale does not depend on their number); with
    `feature_matching=False` G plays the configured game on log Z instead.

    Relation to the authors' code (openai/improved-gan,
    mnist_svhn_cifar10/train_mnist_feature_matching.py): with l the
    logsumexp of the class logits, their `loss_unl = -0.5 mean(l_unl) +
    0.5 mean(softplus(l_unl)) + 0.5 mean(softplus(l_gen))` equals
    1/2 [mean softplus(-l_unl) + mean softplus(l_gen)], half of
    L_unsupervised here with the default non-saturating game; their
    `loss_lab` is L_supervised. Their D minimises `loss_lab + unlabeled_weight
    * loss_unl` with unlabeled_weight = 1, so `unsupervised_weight=0.5`
    reproduces their objective (the default 1 weighs the unsupervised term
    twice as much as their runs). Their MNIST run also uses Adam(3e-3,
    beta_1=0.5) for both players, batch 100, 10 labels per class, feature
    matching (mean squared difference) on the last hidden layer (250 units),
    and tests with a weight average a <- a + 1e-4 (p - a), i.e.
    `classifier_ema_decay=0.9999`.

    The classifier stands on its own: `model.classifier` is a Keras model
    images -> class probabilities (K) sharing D's weights (or their moving
    average, with `classifier_ema_decay`), to call, save or export;
    `model.evaluate((images, labels))` reports its accuracy.

    Data: batches `((labelled_images, labels), unlabelled_images)`, from
    `keras_gans.datasets.semi_supervised.semi_supervised_dataset`.

    Args:
        generator: a Keras model z -> images (e.g. `networks.dcgan_generator`).
        discriminator: a Keras model images -> [class logits (K,), features]
            (e.g. `networks.semi_supervised_discriminator`).
        latent_dim: size of z.
        num_classes: K.
        unsupervised_weight: weight of L_unsupervised (the paper: 1).
        feature_matching: the generator's loss is feature matching (True, the
            paper's choice for semi-supervised learning) or the game.
        classifier_ema_decay: if set (e.g. 0.99), keep an exponential moving
            average of D's weights in `ema_discriminator` (the authors' code
            tests such an average); `classifier` and `evaluate` use it.
        **kwargs: the `GAN` options (loss: the game of L_unsupervised,
            non-saturating cross-entropy by default as in the paper).

    Example:

    >>> data, _ = semi_supervised_dataset(images, labels, labels_per_class=10, batch_size=64)
    >>> ssgan = keras_gans.SemiSupervisedGAN(
    ...     networks.dcgan_generator(64, (16, 16, 1)),
    ...     networks.semi_supervised_discriminator((16, 16, 1), 10),
    ...     latent_dim=64, num_classes=10)
    >>> ssgan.compile()
    >>> ssgan.fit(data, epochs=50)
    >>> probabilities = ssgan.classifier.predict(test_images)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        num_classes,
        unsupervised_weight=1.0,
        feature_matching=True,
        classifier_ema_decay=None,
        **kwargs,
    ):
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.num_classes = int(num_classes)
        self.unsupervised_weight = float(unsupervised_weight)
        self.feature_matching = bool(feature_matching)
        self.classifier_ema_decay = classifier_ema_decay
        self._check_discriminator()
        self.ema_discriminator = _base.make_ema_copy(discriminator, classifier_ema_decay)
        images = keras.Input(tuple(discriminator.inputs[0].shape[1:]), name="image")
        logits = self.classifying_discriminator(images)[0]
        probabilities = keras.layers.Softmax(name="probabilities", dtype="float32")(logits)
        self.classifier = keras.Model(images, probabilities, name="classifier")
        # supervised_loss: L_supervised; unsupervised_loss: L_unsupervised;
        # accuracy: D's class accuracy on the labelled batch (on the data in evaluate).
        self.create_trackers(
            ["d_loss", "g_loss", "d_real", "d_fake", "penalty", "supervised_loss", "unsupervised_loss", "accuracy"]
        )

    # --- hooks of the GAN step (GAN.discriminator_update / generator_update) -------
    #
    # The real samples are ((labelled images, labels), unlabelled images); the
    # game is played between the unlabelled and the generated images.

    def real_samples(self, data):
        (labelled, labels), unlabelled = self.unpack_real(data)
        return (labelled, self.checked_labels(labels)), unlabelled

    def batch_size(self, samples):
        if _is_semi_supervised_batch(samples):
            samples = samples[1]
        return super().batch_size(samples)

    def discriminator_inputs(self, real, fake, seeds):
        """Label flips and instance noise between the unlabelled and the generated images."""
        labelled, unlabelled = real
        unlabelled, fake = super().discriminator_inputs(unlabelled, fake, seeds)
        return (labelled, unlabelled), fake

    def discriminate(self, samples, training=True):
        """D's class logits and features (and the labelled batch's class logits)."""
        if _is_semi_supervised_batch(samples):
            (labelled, _), unlabelled = samples
            outputs = self.discriminate(unlabelled, training=training)
            outputs["labelled_logits"] = self.discriminator(labelled, training=training)[0]
            return outputs
        logits, features = self.discriminator(samples, training=training)
        return {"logits": logits, "features": features}

    def critic_logits(self, outputs):
        """log Z(x): the real/fake logit of the K-class discriminator."""
        return log_z(outputs["logits"])

    def discriminator_loss(self, real, fake, real_out, fake_out):
        """L_supervised + unsupervised_weight * L_unsupervised."""
        (_, labels), _ = real
        supervised = labels_lib.class_cross_entropy(labels, real_out["labelled_logits"])
        unsupervised = self.game.discriminator_loss(self.critic_logits(real_out), self.critic_logits(fake_out))
        return supervised + self.unsupervised_weight * unsupervised, {
            "supervised_loss": supervised,
            "unsupervised_loss": unsupervised,
            "accuracy": labels_lib.class_accuracy(labels, real_out["labelled_logits"]),
        }

    def generator_loss(self, real, fake, real_logits, fake_out):
        """Feature matching ||E f(x) - E f(G(z))||^2 on the unlabelled batch (or the game)."""
        if not self.feature_matching:
            return self.game.generator_loss(real_logits, self.critic_logits(fake_out)), {}
        _, unlabelled = real
        _, real_features = self.discriminator(unlabelled, training=True)
        # Means over the global batch (all replicas, any shares): the loss is
        # not a mean of per-example terms, so the replicas' own means would change it.
        real_mean = tf.stop_gradient(distribute.global_mean(real_features))
        fake_mean = distribute.global_mean(fake_out["features"])
        # ||E f(x) - E f(G(z))||^2, averaged over the features.
        return tf.reduce_mean(tf.square(real_mean - fake_mean)), {}

    def discriminator_penalty(self, real, fake, seed):
        """R1 / DRAGAN on log Z of the clean unlabelled batch."""
        return super().discriminator_penalty(real[1], fake, seed)

    def after_discriminator_update(self):
        super().after_discriminator_update()
        self.update_ema(self.discriminator, self.ema_discriminator, self.classifier_ema_decay)

    def test_step(self, data):
        """Classification loss and accuracy on `(images, labels)` batches."""
        if _is_semi_supervised_batch(data):
            (images, labels), _ = data
        else:
            images, labels = labels_lib.unpack_labelled(data, "SemiSupervisedGAN.evaluate")
        labels = self.checked_labels(tf.reshape(labels, [-1]))
        logits, _ = self.classifying_discriminator(images, training=False)
        return self.record(
            {
                "supervised_loss": labels_lib.class_cross_entropy(labels, logits),
                "accuracy": labels_lib.class_accuracy(labels, logits),
            }
        )

    # --- hooks ---------------------------------------------------------------

    @property
    def classifying_discriminator(self):
        """The D whose class logits `classifier` and `evaluate` use (EMA if kept)."""
        return self.ema_discriminator if self.ema_discriminator is not None else self.discriminator

    def real_fake_logit(self, images, training=True):
        """D's real-vs-fake logit, log Z(x) = logsumexp of the class logits."""
        return log_z(self.discriminator(images, training=training)[0])

    def checked_labels(self, labels):
        return labels_lib.checked_labels(labels, self.num_classes, type(self).__name__)

    # --- data checks ---------------------------------------------------------

    def unpack_real(self, data):
        """((labelled_images, labels), unlabelled_images) of a batch or of its spec."""
        if not _is_semi_supervised_batch(data):
            raise ValueError(
                "SemiSupervisedGAN needs batches ((labelled_images, labels), unlabelled_images), "
                f"but the dataset yields {labels_lib.describe_batch(data)}. Build them with "
                "keras_gans.datasets.semi_supervised.semi_supervised_dataset(images, labels, "
                "labels_per_class, batch_size)."
            )
        (labelled, labels), unlabelled = data
        if not isinstance(labels, tf.TensorSpec) and len(labels.shape) == 2 and labels.shape[-1] == 1:
            labels = tf.reshape(labels, [-1])
        return (labelled, labels), unlabelled

    def check_data(self, element_spec):
        (labelled, labels), unlabelled = self.unpack_real(element_spec)
        output = self.generator.output_shape
        self.check_sample_shape(labelled.shape, output, "generator output (labelled images)")
        self.check_sample_shape(unlabelled.shape, output, "generator output (unlabelled images)")
        labels_lib.check_label_spec(labels, self.num_classes, "SemiSupervisedGAN")

    def _check_discriminator(self):
        outputs = getattr(self.discriminator, "outputs", None)
        if outputs is None or len(outputs) != 2 or outputs[0].shape[-1] != self.num_classes:
            shapes = None if outputs is None else [tuple(o.shape[1:]) for o in outputs]
            raise ValueError(
                "SemiSupervisedGAN's discriminator must output [class logits "
                f"({self.num_classes},), features], got outputs of shapes {shapes}; use "
                "networks.semi_supervised_discriminator."
            )

    # --- config --------------------------------------------------------------

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "unsupervised_weight": self.unsupervised_weight,
            "feature_matching": self.feature_matching,
            "classifier_ema_decay": self.classifier_ema_decay,
        }


def log_z(class_logits):
    """log Z(x) = log sum_k exp(l_k): the real/fake logit of a K-class discriminator."""
    return tf.reduce_logsumexp(tf.cast(class_logits, tf.float32), axis=-1)


def _is_semi_supervised_batch(data):
    return (
        isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], (tuple, list)) and len(data[0]) == 2
    )
