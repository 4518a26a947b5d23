"""Class-conditional DCGAN networks for square images of 16 to 128 pixels.

- `conditional_generator`: G(z, y), a learned label embedding concatenated
  to z (Mirza & Osindero 2014), then the DCGAN generator.
- `conditional_discriminator`: D(x, y), either the label embedded as an extra
  input channel ("concat", Mirza & Osindero) or the projection discriminator
  ("projection", Miyato & Koyama 2018): D(x, y) = psi(phi(x)) + <embed(y), phi(x)>,
  phi(x) the global sum of the last feature map as in the authors' code.
- `projection_logits`: that projection head, shared with the BigGAN-style
  discriminator (networks.biggan).
- `acgan_discriminator`: D(x) -> (source logit, class logits), AC-GAN's
  discriminator with an auxiliary classifier head (Odena et al. 2017).
- `semi_supervised_discriminator`: D(x) -> (class logits, features), a
  K-class classifier whose implicit fake class is the (K+1)-th (Salimans et
  al. 2016); `features` is the layer the generator's feature matching uses.

Labels are integer class ids of shape (batch,), in an input named "labels"
(the name the export signatures use).
"""

import keras
from keras import layers

from keras_gans.layers import GlobalSumPooling2D, maybe_spectral_norm

from keras_gans.networks.dcgan import _SUFFIX, _check_image_shape, _num_upsamplings, _start_size, dcgan_decoder
from keras_gans.networks.normalization import check_kind, normalization as make_normalization

CONDITIONINGS = ("concat", "projection")


def _check_classes(num_classes):
    if int(num_classes) < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}.")
    return int(num_classes)


def _label_input():
    return keras.Input((), dtype="int32", name="labels")


def conditional_generator(
    latent_dim,
    num_classes,
    image_shape=(64, 64, 3),
    base_filters=64,
    embedding_dim=None,
    synchronized_batch_norm=False,
    name="conditional_generator",
):
    """The DCGAN generator conditioned on a class: G([z, y]).

    The label y goes through a learned embedding that is concatenated to z
    (Mirza & Osindero 2014, section 4.1), then the DCGAN generator: project
    to 4x4, strided transposed convolutions with batch norm and ReLU, tanh
    output in [-1, 1].

    Args:
        latent_dim: size of z.
        num_classes: number of classes K; labels are ints in [0, K).
        image_shape: (size, size, channels), size in {16, 32, 64, 128},
            channels 1 or 3.
        base_filters: filters of the last hidden layer, doubled per step
            towards the input.
        embedding_dim: size of the label embedding (default: latent_dim).
        synchronized_batch_norm: cross-replica batch norm.
        name: model name.

    Returns:
        A functional keras.Model [latent (latent_dim,), labels ()] -> image_shape.

    Example:

    >>> g = conditional_generator(64, 10, (16, 16, 1))
    >>> g([np.zeros((2, 64)), np.array([3, 7])]).shape
    TensorShape([2, 16, 16, 1])
    """
    size, _, channels = _check_image_shape(image_shape)
    num_classes = _check_classes(num_classes)
    n = _num_upsamplings(size)
    filters = base_filters * 2 ** (n - 1)
    z = keras.Input((latent_dim,), name="latent")
    y = _label_input()
    embedded = layers.Embedding(num_classes, embedding_dim or latent_dim, name="label_embedding")(y)
    x = layers.Concatenate(name="latent_and_label")([z, embedded])
    images = dcgan_decoder(x, channels, n, filters, synchronized_batch_norm, start_size=_start_size(size))
    return keras.Model([z, y], images, name=name)


def _features(x, n, base_filters, normalization, spectral_norm, synchronized_batch_norm, dropout=0.0, flatten=True):
    """The DCGAN discriminator trunk: n strided convolutions, LeakyReLU(0.2); flattened or the map."""
    check_kind(normalization)
    filters = base_filters
    for i in range(n):
        conv = layers.Conv2D(filters, 4, strides=2, padding="same", name=f"down{i}")
        x = maybe_spectral_norm(conv, spectral_norm)(x)
        if i > 0 and normalization is not None:
            x = make_normalization(normalization, f"down{i}_{_SUFFIX[normalization]}", synchronized_batch_norm)(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
        filters *= 2
    return layers.Flatten(name="flatten")(x) if flatten else x


def _dense(units, spectral_norm, name):
    dense = layers.Dense(units, name=name)
    return maybe_spectral_norm(dense, spectral_norm)


def projection_logits(
    feature_map, labels, num_classes, spectral_norm=False, embeddings_initializer="uniform", pooling="sum"
):
    """The projection discriminator's head (Miyato & Koyama 2018, eq. 3), on logits.

    phi = the global sum of `feature_map` over its spatial positions (or the
    flattened map, `pooling="flatten"`), then D(x, y) = psi(phi) +
    <embed(y), phi>, psi a linear map to one logit and embed a learned
    (num_classes, features) embedding, as in the authors' code
    (`output = l_out(h) + sum(embed(y) * h, axis=1)`).

    Args:
        feature_map: the trunk's last (batch, h, w, channels) activations.
        labels: the int class ids input (batch,).
        num_classes: K.
        spectral_norm: spectral normalization of psi (not of the embedding).
        embeddings_initializer: of embed (Keras' default "uniform"; BigGAN's
            D uses "orthogonal").
        pooling: "sum" (the authors' ResNet discriminators) or "flatten"
            (one embedding weight per position and channel).

    Returns:
        The (batch, 1) float32 logits, the layer named "logits".
    """
    if pooling not in PROJECTION_POOLINGS:
        raise ValueError(f"pooling must be one of {PROJECTION_POOLINGS}, got {pooling!r}.")
    if pooling == "sum":
        phi = GlobalSumPooling2D(name="sum_pool")(feature_map)
    else:
        phi = layers.Flatten(name="flatten")(feature_map)
    logits = _dense(1, spectral_norm, "logit")(phi)
    embedded = layers.Embedding(
        num_classes, phi.shape[-1], embeddings_initializer=embeddings_initializer, name="label_embedding"
    )(labels)
    projection = layers.Dot(axes=1, name="projection")([embedded, phi])
    logits = layers.Add(name="logit_plus_projection")([logits, projection])
    return layers.Activation("linear", dtype="float32", name="logits")(logits)


PROJECTION_POOLINGS = ("sum", "flatten")


def conditional_discriminator(
    image_shape,
    num_classes,
    conditioning="projection",
    base_filters=64,
    normalization="batch",
    spectral_norm=False,
    synchronized_batch_norm=False,
    projection_pooling="flatten",
    name="conditional_discriminator",
):
    """The DCGAN discriminator conditioned on a class: D([x, y]) -> one logit.

    Args:
        image_shape: (size, size, channels), size in {16, 32, 64, 128}.
        num_classes: number of classes K.
        conditioning: "concat": the label's learned embedding, reshaped to
            one (size, size) plane, is concatenated to the image as an extra
            channel (Mirza & Osindero 2014). "projection": the projection
            discriminator (Miyato & Koyama 2018, eq. 3),
            D(x, y) = psi(phi(x)) + embed(y) . phi(x) (`projection_logits`),
            phi(x) the last convolutional features, pooled as
            `projection_pooling` says.
        base_filters: filters of the first layer; doubled per step.
        normalization: "batch", "layer", "instance" or None.
        spectral_norm: spectral normalization of the convolutions and of
            psi (not of the label embedding, which Keras' wrapper does not
            support).
        synchronized_batch_norm: cross-replica batch norm.
        projection_pooling: phi(x) of the projection: "flatten" (the
            default for this DCGAN trunk: one embedding weight per position
            and channel) or "sum" (global sum pooling, as the authors' ResNet
            discriminators and `networks.biggan`). Measured on mnist5k at
            28x28 (`examples/cgan_mnist.py --dataset mnist5k --seed 0`, 30
            epochs): label fidelity 0.953 with "flatten", 0.316 with "sum".
        name: model name.

    Returns:
        A functional keras.Model [image image_shape, labels ()] -> (1,) logits.
    """
    size, _, _ = _check_image_shape(image_shape)
    num_classes = _check_classes(num_classes)
    n = _num_upsamplings(size)
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}.")
    images = keras.Input(image_shape, name="image")
    y = _label_input()
    x = images
    if conditioning == "concat":
        plane = layers.Embedding(num_classes, size * size, name="label_embedding")(y)
        plane = layers.Reshape((size, size, 1), name="label_plane")(plane)
        x = layers.Concatenate(name="image_and_label")([images, plane])
    if conditioning == "projection":
        features = _features(x, n, base_filters, normalization, spectral_norm, synchronized_batch_norm, flatten=False)
        logits = projection_logits(features, y, num_classes, spectral_norm, pooling=projection_pooling)
        return keras.Model([images, y], logits, name=name)
    phi = _features(x, n, base_filters, normalization, spectral_norm, synchronized_batch_norm)
    logits = _dense(1, spectral_norm, "logit")(phi)
    logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
    return keras.Model([images, y], logits, name=name)


def acgan_discriminator(
    image_shape,
    num_classes,
    base_filters=64,
    normalization="batch",
    dropout=0.5,
    spectral_norm=False,
    synchronized_batch_norm=False,
    name="acgan_discriminator",
):
    """AC-GAN's discriminator: D(x) -> [source logit, class logits].

    One DCGAN trunk and two heads (Odena et al. 2017, section 3): the source
    S (real or generated, a logit) and the class C (K logits).

    Args:
        image_shape: (size, size, channels), size in {16, 32, 64, 128}.
        num_classes: number of classes K.
        base_filters, normalization, spectral_norm, synchronized_batch_norm:
            as in `dcgan_discriminator`.
        dropout: dropout rate after every convolution (0.5, the paper's).
        name: model name.

    Returns:
        A functional keras.Model image_shape -> [(1,) source logits,
        (num_classes,) class logits].
    """
    size, _, _ = _check_image_shape(image_shape)
    num_classes = _check_classes(num_classes)
    n = _num_upsamplings(size)
    images = keras.Input(image_shape, name="image")
    phi = _features(images, n, base_filters, normalization, spectral_norm, synchronized_batch_norm, dropout)
    source = _dense(1, spectral_norm, "source")(phi)
    classes = _dense(num_classes, spectral_norm, "classes")(phi)
    source = layers.Activation("linear", dtype="float32", name="source_logits")(source)
    classes = layers.Activation("linear", dtype="float32", name="class_logits")(classes)
    return keras.Model(images, [source, classes], name=name)


def semi_supervised_discriminator(
    image_shape,
    num_classes,
    base_filters=32,
    dropout=0.5,
    input_dropout=0.2,
    input_noise=0.0,
    normalization=None,
    spectral_norm=False,
    name="semi_supervised_discriminator",
):
    """A K-class classifier discriminator for the semi-supervised GAN.

    D(x) -> [class logits l_1..l_K, features]. The fake class is implicit
    (Salimans et al. 2016, section 5): D's real-vs-fake logit is
    logsumexp(l). Each resolution has a 3x3 convolution and a strided 4x4
    one (LeakyReLU 0.2), then dropout; the features are the global average
    of the last map (the layer named "features"), which the generator's
    feature matching compares on real and generated batches.

    No normalization by default: batch norm would mix the statistics of the
    labelled, unlabelled and generated batches that D sees separately.

    Args:
        image_shape: (size, size, channels), size in {16, 32, 64, 128}.
        num_classes: number of classes K.
        base_filters: filters at full resolution, doubled per step.
        dropout: dropout after every resolution, as in the paper's
            classifiers (0.5).
        input_dropout: dropout on the input (the paper's 0.2).
        input_noise: std of Gaussian noise added to the input in training.
        normalization: None (default), "layer" or "instance".
        spectral_norm: spectral normalization of every convolution and of
            the class layer.
        name: model name.

    Returns:
        A functional keras.Model image_shape -> [(num_classes,) logits,
        (features,) features].
    """
    size, _, _ = _check_image_shape(image_shape)
    num_classes = _check_classes(num_classes)
    n = _num_upsamplings(size)
    if normalization not in ("layer", "instance", None):
        raise ValueError(f"normalization must be 'layer', 'instance' or None, got {normalization!r}.")

    def sn(layer):
        return maybe_spectral_norm(layer, spectral_norm)

    images = keras.Input(image_shape, name="image")
    x = images
    if input_noise:
        x = layers.GaussianNoise(input_noise)(x)
    if input_dropout:
        x = layers.Dropout(input_dropout)(x)
    filters = base_filters
    for i in range(n):
        for j, (kernel, stride) in enumerate(((3, 1), (4, 2))):
            x = sn(layers.Conv2D(filters, kernel, strides=stride, padding="same", name=f"conv{i}_{j}"))(x)
            if normalization is not None:
                x = make_normalization(normalization, f"conv{i}_{j}_{_SUFFIX[normalization]}")(x)
            x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
        filters *= 2
    features = layers.GlobalAveragePooling2D(name="features")(x)
    logits = sn(layers.Dense(num_classes, name="classes"))(features)
    logits = layers.Activation("linear", dtype="float32", name="class_logits")(logits)
    features = layers.Activation("linear", dtype="float32", name="matched_features")(features)
    return keras.Model(images, [logits, features], name=name)
