"""The model zoo: ready-made models by name, as the CLI builds them.

Each entry builds a compiled model for a sample shape with the paper's
defaults; `keras-gans list` prints them. A builder takes the sample shape of
the data and keyword options (`latent_dim`, `loss`, `learning_rate`, `seed`,
...) and returns a compiled model.
"""

import collections

import keras
import tensorflow as tf

from keras_gans import networks
from keras_gans.models import GAN, WGAN, WGANGP, RelativisticGAN


def _unconditional_networks(shape, latent_dim, critic=False, spectral_norm=False):
    """MLPs for vectors (the 2-D mixtures), DCGAN convnets for images."""
    if len(shape) == 1:
        generator = networks.mlp_generator(latent_dim, shape[0])
        discriminator = networks.mlp_discriminator(shape[0], spectral_norm=spectral_norm)
    else:
        generator = networks.dcgan_generator(latent_dim, shape, base_filters=32 if shape[0] <= 32 else 64)
        discriminator = networks.dcgan_discriminator(
            shape,
            base_filters=32 if shape[0] <= 32 else 64,
            # A gradient-penalty critic must not use batch norm.
            normalization="layer" if critic else "batch",
            spectral_norm=spectral_norm,
        )
    return generator, discriminator


def build_gan(
    shape,
    latent_dim=None,
    loss="non_saturating",
    learning_rate=2e-4,
    seed=None,
    ema_decay=None,
    jit_compile="auto",
    model_class=GAN,
    **options,
):
    """A GAN (DCGAN networks for images, MLPs for vectors), Adam(lr, 0.5).

    `model_class`: GAN or a subclass with its constructor (RelativisticGAN).
    """
    latent_dim = latent_dim or (2 if len(shape) == 1 else 64)
    generator, discriminator = _unconditional_networks(shape, latent_dim)
    model = model_class(generator, discriminator, latent_dim, loss=loss, seed=seed, ema_decay=ema_decay, **options)
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
        jit_compile=jit_compile,
    )
    return model


def build_relativistic_gan(shape, **options):
    """RaSGAN / RaLSGAN (`loss="non_saturating"` / `"least_squares"`), as `build_gan`."""
    return build_gan(shape, model_class=RelativisticGAN, **options)


def build_wgan(shape, latent_dim=None, learning_rate=5e-5, seed=None, ema_decay=None, jit_compile="auto", **options):
    """WGAN with weight clipping, RMSprop(5e-5), 5 critic steps."""
    latent_dim = latent_dim or (2 if len(shape) == 1 else 64)
    generator, critic = _unconditional_networks(shape, latent_dim)
    options.pop("loss", None)
    model = WGAN(generator, critic, latent_dim, seed=seed, ema_decay=ema_decay, **options)
    model.compile(
        keras.optimizers.RMSprop(learning_rate), keras.optimizers.RMSprop(learning_rate), jit_compile=jit_compile
    )
    return model


def build_wgan_gp(shape, latent_dim=None, learning_rate=1e-4, seed=None, ema_decay=None, jit_compile="auto", **options):
    """WGAN-GP: lambda 10, 5 critic steps, Adam(1e-4, 0, 0.9), no batch norm in the critic."""
    latent_dim = latent_dim or (2 if len(shape) == 1 else 64)
    generator, critic = _unconditional_networks(shape, latent_dim, critic=True)
    options.pop("loss", None)
    model = WGANGP(generator, critic, latent_dim, seed=seed, ema_decay=ema_decay, **options)
    model.compile(
        keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.9),
        keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.9),
        jit_compile=jit_compile,
    )
    return model


def _sngan_networks(shape, latent_dim, architecture, channels, attention_resolution, generator_spectral_norm):
    """The SNGAN/SAGAN networks: SN MLPs for vectors, the paper's ResNets (or DCGAN-style nets) for images."""
    if len(shape) == 1:
        return networks.mlp_generator(latent_dim, shape[0]), networks.mlp_discriminator(shape[0], spectral_norm=True)
    if architecture == "dcgan":
        filters = channels or (32 if shape[0] <= 32 else 64)
        generator = networks.dcgan_generator(latent_dim, shape, base_filters=filters)
        discriminator = networks.dcgan_discriminator(
            shape, base_filters=filters, normalization=None, spectral_norm=True
        )
        return generator, discriminator
    if architecture != "resnet":
        raise ValueError(f"architecture must be 'resnet' or 'dcgan', got {architecture!r}.")
    channels = channels or (32 if shape[0] <= 32 else 64)
    generator = networks.resnet_gan_generator(
        latent_dim,
        shape,
        channels=channels,
        attention_resolution=attention_resolution,
        spectral_norm=generator_spectral_norm,
    )
    discriminator = networks.resnet_gan_discriminator(
        shape, channels=channels, attention_resolution=attention_resolution
    )
    return generator, discriminator


def build_sngan(
    shape,
    latent_dim=None,
    loss="hinge",
    learning_rate=2e-4,
    seed=None,
    ema_decay=None,
    jit_compile="auto",
    architecture="resnet",
    channels=None,
    **options,
):
    """SNGAN (Miyato et al. 2018): hinge, n_dis 5, Adam(2e-4, 0, 0.9).

    Images: the paper's ResNet networks (`architecture="resnet"`; 28, 32, 64
    or 128 px) or the DCGAN networks with a spectrally normalized D
    (`"dcgan"`); `channels` is their width (default 32 up to 32 px, else 64:
    narrower than the paper's 256/128 at 32 px, for CPUs). Vectors: MLPs,
    the discriminator spectrally normalized.
    """
    from keras_gans.models.sngan import SNGAN

    latent_dim = latent_dim or (2 if len(shape) == 1 else 128)
    generator, discriminator = _sngan_networks(shape, latent_dim, architecture, channels, None, False)
    model = SNGAN(generator, discriminator, latent_dim, loss=loss, seed=seed, ema_decay=ema_decay, **options)
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.9),
        jit_compile=jit_compile,
    )
    return model


def build_sagan(
    shape,
    latent_dim=None,
    loss="hinge",
    learning_rate=None,
    d_learning_rate=4e-4,
    g_learning_rate=1e-4,
    seed=None,
    ema_decay=None,
    jit_compile="auto",
    channels=None,
    attention_resolution=None,
    **options,
):
    """SAGAN (Zhang et al. 2019): the ResNet networks with self-attention and
    spectral norm in G and D, hinge, one D step, TTUR Adam(4e-4 D, 1e-4 G, 0, 0.9).

    `attention_resolution`: the feature-map side of the attention layers
    (default: half the image side up to 32 px, else 32, the paper's choice
    at 128 px). `learning_rate`, when given, replaces both TTUR rates.
    """
    from keras_gans.models.sagan import SAGAN

    if len(shape) != 3:
        raise ValueError(f"SAGAN's self-attention needs images (size, size, channels), got samples of shape {shape}.")
    latent_dim = latent_dim or 128
    if attention_resolution is None:
        attention_resolution = shape[0] // 2 if shape[0] <= 32 else 32
    generator, discriminator = _sngan_networks(shape, latent_dim, "resnet", channels, attention_resolution, True)
    model = SAGAN(generator, discriminator, latent_dim, loss=loss, seed=seed, ema_decay=ema_decay, **options)
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate or d_learning_rate, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(learning_rate or g_learning_rate, beta_1=0.0, beta_2=0.9),
        jit_compile=jit_compile,
    )
    return model


def build_conditional(
    shape,
    num_classes,
    kind="cgan",
    latent_dim=None,
    loss=None,
    learning_rate=2e-4,
    seed=None,
    ema_decay=None,
    jit_compile="auto",
    **options,
):
    """ConditionalGAN, ACGAN or SemiSupervisedGAN on images.

    The conditional GAN is the configuration measured in the README: a
    projection discriminator with spectral norm and the hinge loss (with a
    batch-norm discriminator and the non-saturating loss the generator learned
    to ignore z on the digits).
    """
    from keras_gans.models.acgan import ACGAN
    from keras_gans.models.conditional_gan import ConditionalGAN
    from keras_gans.models.semi_supervised_gan import SemiSupervisedGAN
    from keras_gans.networks import conditional

    latent_dim = latent_dim or 64
    filters = 32 if shape[0] <= 32 else 64
    generator = conditional.conditional_generator(latent_dim, num_classes, shape, base_filters=filters)
    if kind == "cgan":
        discriminator = conditional.conditional_discriminator(
            shape, num_classes, base_filters=filters, spectral_norm=True, normalization=None
        )
        model = ConditionalGAN(
            generator,
            discriminator,
            latent_dim,
            num_classes,
            loss=loss or "hinge",
            seed=seed,
            ema_decay=ema_decay,
            **options,
        )
    elif kind == "acgan":
        discriminator = conditional.acgan_discriminator(shape, num_classes, base_filters=filters)
        model = ACGAN(
            generator,
            discriminator,
            latent_dim,
            num_classes,
            loss=loss or "non_saturating",
            seed=seed,
            ema_decay=ema_decay,
            **options,
        )
    else:
        generator = networks.dcgan_generator(latent_dim, shape, base_filters=filters)
        discriminator = conditional.semi_supervised_discriminator(shape, num_classes)
        model = SemiSupervisedGAN(
            generator, discriminator, latent_dim, num_classes, seed=seed, ema_decay=ema_decay, **options
        )
    model.compile(
        keras.optimizers.Adam(learning_rate, beta_1=0.5),
        keras.optimizers.Adam(learning_rate, beta_1=0.5),
        jit_compile=jit_compile,
    )
    return model


def build_biggan(
    shape,
    num_classes,
    channels=None,
    latent_dim=None,
    learning_rate=None,
    seed=None,
    ema_decay=None,
    jit_compile="auto",
    **options,
):
    """BigGAN-style networks (28 px: a 7x7 start), hinge, SN in G and D, BigGAN's Adam(1e-4 G, 4e-4 D, 0, 0.999).

    `channels`: the paper's ch (default 16 up to 32 px, else 32, small
    enough for a CPU); `latent_dim`: a multiple of the number of z chunks
    (default 16 per chunk); `learning_rate`: G's, D's is 4x.
    """
    from keras_gans.models.biggan import BigGAN
    from keras_gans.networks import biggan

    channels = channels or (16 if shape[0] <= 32 else 32)
    latent_dim = latent_dim or 16 * biggan.latent_chunks(shape)
    model = BigGAN(
        biggan.biggan_generator(latent_dim, num_classes, shape, channels=channels),
        biggan.biggan_discriminator(shape, num_classes, channels=channels),
        latent_dim,
        num_classes,
        seed=seed,
        ema_decay=ema_decay,
        **options,
    )
    g_rate = learning_rate or 1e-4
    model.compile(
        keras.optimizers.Adam(4 * g_rate, beta_1=0.0, beta_2=0.999),
        keras.optimizers.Adam(g_rate, beta_1=0.0, beta_2=0.999),
        jit_compile=jit_compile,
    )
    return model


def _biggan(spec, dataset=None, **options):
    from keras_gans import datasets

    num_classes = datasets.num_classes(dataset) if dataset else 10
    return build_biggan(tuple(_first_spec(spec).shape[1:]), num_classes, **options)


def _loader(with_labels=False):
    def load(dataset, split, batch_size, image_size, seed):
        from keras_gans import datasets

        return datasets.load(
            dataset, split=split, batch_size=batch_size, image_size=image_size, with_labels=with_labels, seed=seed
        )

    return load


def _load_semi_supervised(dataset, split, batch_size, image_size, seed, labels_per_class=10):
    from keras_gans import datasets
    from keras_gans.datasets.semi_supervised import semi_supervised_dataset

    if dataset not in ("digits", "mnist5k"):
        raise ValueError(
            f"The CLI's ssgan trains on the embedded digits or mnist5k; got --dataset {dataset!r} "
            "(use keras_gans.datasets.semi_supervised_dataset in Python for other data)."
        )
    images, labels = datasets.digits(split) if dataset == "digits" else datasets.mnist5k(split)
    default_size = 16 if dataset == "digits" else None  # digits 8 -> 16; mnist5k stays 28
    dataset, _ = semi_supervised_dataset(
        images, labels, labels_per_class, batch_size=batch_size, image_size=image_size or default_size, seed=seed
    )
    return dataset


def _load_paired(dataset, split, batch_size, image_size, seed):
    from keras_gans.datasets.paired import load_paired

    return load_paired(dataset, split=split, batch_size=batch_size, image_size=image_size, seed=seed)


def _load_unpaired(dataset, split, batch_size, image_size, seed):
    from keras_gans.datasets.unpaired import load_unpaired

    return load_unpaired(dataset, split=split, batch_size=batch_size, image_size=image_size, seed=seed)


def _first_spec(spec):
    while isinstance(spec, (tuple, list)):
        spec = spec[0]
    return spec


def _unconditional(builder):
    def build(spec, dataset=None, **options):
        return builder(tuple(_first_spec(spec).shape[1:]), **options)

    return build


def _conditional(kind):
    def build(spec, dataset=None, **options):
        from keras_gans import datasets

        return build_conditional(
            tuple(_first_spec(spec).shape[1:]), datasets.num_classes(dataset), kind=kind, **options
        )

    return build


def _pix2pix(spec, dataset=None, latent_dim=None, ema_decay=None, learning_rate=None, **options):
    from keras_gans.models.pix2pix import build_pix2pix

    source, target = spec
    small = source.shape[1] <= 64
    return build_pix2pix(
        tuple(source.shape[1:]),
        output_channels=target.shape[-1],
        generator_filters=16 if small else 64,
        discriminator_filters=16 if small else 64,
        n_layers=1 if small else 3,
        learning_rate=learning_rate or 2e-4,
        **options,
    )


def _cycle_gan(spec, dataset=None, latent_dim=None, ema_decay=None, learning_rate=None, **options):
    from keras_gans.models.cycle_gan import build_cycle_gan

    a, b = spec
    small = a.shape[1] <= 64
    if b.shape[-1] != a.shape[-1]:
        options.setdefault("identity_weight", 0.0)  # identity loss needs equal channels
    return build_cycle_gan(
        tuple(a.shape[1:]),
        image_shape_b=tuple(b.shape[1:]) if b.shape[-1] != a.shape[-1] else None,
        num_residual_blocks=3 if small else None,
        generator_filters=16 if small else 64,
        discriminator_filters=16 if small else 64,
        learning_rate=learning_rate or 2e-4,
        **options,
    )


Runner = collections.namedtuple("Runner", ["command", "add_parser", "main", "train", "sample", "evaluate"])
Runner.__doc__ = """The CLI of a model that does not train through `keras-gans train`'s fit loop.

Attributes:
    command: the name of its own subcommand (`keras-gans COMMAND ...`), or None.
    add_parser: add_parser(subparsers) adds that subcommand.
    main: main(args) runs it.
    train: train(args) runs `keras-gans train NAME ...` (the shared options).
    sample, evaluate: sample(args), evaluate(args) run `keras-gans sample|evaluate
        RUN_DIR` on a run directory whose run.json names this model.
"""


def _seqgan_runner():
    from keras_gans import seqgan_cli

    return Runner(
        seqgan_cli.COMMAND,
        seqgan_cli.add_parser,
        seqgan_cli.main,
        seqgan_cli.train_from_cli,
        seqgan_cli.sample_from_cli,
        seqgan_cli.evaluate_from_cli,
    )


def _runner_only(name):
    def refuse(*args, **kwargs):
        raise ValueError(
            f"{name} trains on token sequences through its runner (`keras-gans train {name}` or "
            f"`keras-gans {name} train`), not through zoo.build / zoo.load_data."
        )

    return refuse


def _stargan(spec, dataset=None, latent_dim=None, ema_decay=None, learning_rate=None, **options):
    from keras_gans.datasets.attributes import attribute_names
    from keras_gans.models.stargan import build_stargan

    images, domains = spec
    shape = tuple(images.shape[1:])
    small = shape[0] <= 64
    if dataset in ("mnist5k", "celeb_a"):
        options.setdefault("domain_names", attribute_names(dataset))
    return build_stargan(
        shape,
        num_domains=int(domains.shape[-1]),
        generator_filters=16 if small else 64,
        discriminator_filters=16 if small else 64,
        num_residual_blocks=3 if small else 6,
        discriminator_layers=3 if small else 6,
        learning_rate=learning_rate or 1e-4,
        **options,
    )


def _load_attributes(dataset, split, batch_size, image_size, seed):
    from keras_gans.datasets.attributes import load_attributes

    return load_attributes(dataset, split=split, batch_size=batch_size, image_size=image_size, seed=seed)


def _srgan(spec, dataset=None, latent_dim=None, ema_decay=None, learning_rate=None, content_loss="pixel", **options):
    """SRGAN for (low_res, high_res) pairs; small networks for images up to 64 px.

    The content loss is the pixel MSE unless `content_loss="vgg"` (which
    needs the VGG19 ImageNet weights, i.e. network access once).
    """
    from keras_gans.models.srgan import build_srgan

    low, high = spec
    small = high.shape[1] <= 64
    return build_srgan(
        channels=high.shape[-1],
        scale=high.shape[1] // low.shape[1],
        hr_shape=tuple(high.shape[1:]),
        blocks=4 if small else 16,
        filters=32 if small else 64,
        discriminator_filters=16 if small else 64,
        dense_units=128 if small else 1024,
        content_loss=content_loss,
        learning_rate=learning_rate or 1e-4,
        **options,
    )


def _load_super_resolution(dataset, split, batch_size, image_size, seed):
    from keras_gans.datasets.super_resolution import load_super_resolution

    return load_super_resolution(dataset, split=split, batch_size=batch_size, scale=4, image_size=image_size, seed=seed)


Entry = collections.namedtuple(
    "Entry",
    ["build", "load", "description", "default_dataset", "grid", "evaluation", "runner"],
    defaults=("samples", "samples", None),
)
Entry.__doc__ = """What the CLI, the examples and the docs need to know of a zoo model.

Attributes:
    build: build(element_spec, dataset=..., **options) -> a compiled model.
    load: load(dataset, split, batch_size, image_size, seed) -> its training data.
    description: one line for `keras-gans list`.
    default_dataset: the data it trains on when none is named.
    grid: what its sample grids show: "samples" (draws from the prior),
        "classes" (one row per class, one column per latent) or
        "translations" (sources, then their translations), "domains"
        (sources, then one row of translations per target domain: the
        model's `domain_grid`) or "super_resolution" (low-res inputs
        enlarged, their upscalings, the high-res targets); a runner's model
        writes its own samples ("text": decoded sequences).
    evaluation: how `keras-gans evaluate` scores it: "samples" (distances
        between generated and real samples), a kind of
        `keras_gans.metrics.EVALUATIONS`, e.g. "pairs" (L1/PSNR/SSIM of
        translations against their held-out targets; "super_resolution":
        PSNR/SSIM of the upscalings and of bicubic upscaling against the
        held-out high-res images), or "none" (no measure
        in the CLI yet; `keras-gans evaluate` says so); a runner's model
        evaluates itself ("text": NLL-oracle or BLEU).
    runner: None (the CLI trains, samples and evaluates it with `fit`), or a
        `Runner` that does all three itself (SeqGAN's three phases on text).
"""

# name -> Entry(build(element_spec, dataset=..., **options), load(dataset, split, batch_size, image_size, seed), ...)
MODELS = {
    "dcgan": Entry(
        _unconditional(build_gan),
        _loader(),
        "GAN with DCGAN networks (MLPs on 2-D data); any game via --loss",
        "mnist5k",
    ),
    "gan": Entry(_unconditional(build_gan), _loader(), "alias of dcgan", "ring8"),
    "ragan": Entry(
        _unconditional(build_relativistic_gan),
        _loader(),
        "relativistic average GAN, RaSGAN or RaLSGAN via --loss (Jolicoeur-Martineau 2019)",
        "mnist5k",
    ),
    "wgan": Entry(
        _unconditional(build_wgan), _loader(), "Wasserstein GAN, weight clipping (Arjovsky et al. 2017)", "digits"
    ),
    "wgan_gp": Entry(
        _unconditional(build_wgan_gp),
        _loader(),
        "Wasserstein GAN with gradient penalty (Gulrajani et al. 2017)",
        "digits",
    ),
    "sngan": Entry(
        _unconditional(build_sngan),
        _loader(),
        "spectrally normalized GAN, ResNet networks, hinge, 5 D steps (Miyato et al. 2018)",
        "mnist5k",
    ),
    "sagan": Entry(
        _unconditional(build_sagan),
        _loader(),
        "self-attention GAN, spectral norm in G and D, hinge, TTUR (Zhang et al. 2019)",
        "mnist5k",
    ),
    "cgan": Entry(
        _conditional("cgan"),
        _loader(with_labels=True),
        "conditional GAN, projection discriminator (Mirza & Osindero 2014; Miyato & Koyama 2018)",
        "digits",
        grid="classes",
    ),
    "acgan": Entry(
        _conditional("acgan"),
        _loader(with_labels=True),
        "auxiliary-classifier GAN (Odena et al. 2017)",
        "digits",
        grid="classes",
    ),
    "ssgan": Entry(
        _conditional("ssgan"),
        _load_semi_supervised,
        "semi-supervised GAN, 10 labels per class, feature matching (Salimans et al. 2016)",
        "digits",
    ),
    "pix2pix": Entry(
        _pix2pix,
        _load_paired,
        "paired image-to-image translation (Isola et al. 2017)",
        "digits",
        grid="translations",
        evaluation="pairs",
    ),
    "cyclegan": Entry(
        _cycle_gan,
        _load_unpaired,
        "unpaired image-to-image translation (Zhu et al. 2017)",
        "digits",
        grid="translations",
    ),
    "seqgan": Entry(
        _runner_only("seqgan"),
        _runner_only("seqgan"),
        "SeqGAN on a text file or the oracle, policy gradient with Monte Carlo rollouts (Yu et al. 2017)",
        "oracle",
        grid="text",
        evaluation="text",
        runner=_seqgan_runner(),
    ),
    "biggan": Entry(
        _biggan,
        _loader(with_labels=True),
        "BigGAN-style: CBN from a shared embedding and hierarchical z, projection D, truncation (Brock et al. 2019)",
        "mnist5k",
        grid="classes",
    ),
    "stargan": Entry(
        _stargan,
        _load_attributes,
        "multi-domain image-to-image translation, WGAN-GP + domain classifier (Choi et al. 2018)",
        "mnist5k",
        grid="domains",
        evaluation="none",
    ),
    "srgan": Entry(
        _srgan,
        _load_super_resolution,
        "super-resolution x4, SRResNet generator, pixel or VGG19 content loss (Ledig et al. 2017)",
        "mnist5k",
        grid="super_resolution",
        evaluation="super_resolution",
    ),
}


def build(name, spec, dataset=None, **options):
    """Build the zoo model `name` for data of `spec` (a batch's element_spec, or a sample shape)."""
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}. Expected one of: {', '.join(MODELS)}.")
    if isinstance(spec, (tuple, list)) and all(isinstance(d, (int, type(None))) for d in spec):
        spec = tf.TensorSpec((None,) + tuple(spec))
    return MODELS[name].build(spec, dataset=dataset, **options)


def load_data(name, dataset, split="train", batch_size=64, image_size=None, seed=0):
    """The training data of zoo model `name` (its default dataset when None)."""
    entry = MODELS[name]
    return entry.load(dataset or entry.default_dataset, split, batch_size, image_size, seed)


def grid_sampler(name, data):
    """(sample_fn(model, n, seed) or None, columns) of zoo model `name`'s sample grids.

    None draws `model.generate(n)`; "classes" lays out one row per class;
    "translations" shows 8 sources of `data` and, below them, their
    translations by the model's sampling generator (pix2pix's G, CycleGAN's
    G: A -> B).
    """
    kind = MODELS[name].grid
    if kind == "classes":
        from keras_gans.callbacks import class_grid

        return (lambda model, n, seed: class_grid(model, seed=seed)), 8
    if kind == "translations":
        import numpy as np

        sources = next(iter(data))[0][:8]

        def translations(model, n, seed):
            outputs = model.sampling_generator(sources, training=False).numpy()
            if outputs.shape[-1] != sources.shape[-1] and sources.shape[-1] == 1:
                outputs = outputs.mean(-1, keepdims=True)
            return np.concatenate([sources.numpy(), outputs], axis=0)

        return translations, 8
    if kind == "domains":
        sources = next(iter(data))[0][:8].numpy()
        return (lambda model, n, seed: model.domain_grid(sources)), len(sources)
    if kind == "super_resolution":
        import numpy as np

        low, high = (t[:8].numpy() for t in next(iter(data)))

        def upscalings(model, n, seed):
            outputs = model.sampling_generator(low, training=False).numpy()
            factor = outputs.shape[1] // low.shape[1]
            nearest = np.repeat(np.repeat(low, factor, axis=1), factor, axis=2)
            return np.concatenate([nearest, outputs, high], axis=0)

        return upscalings, 8
    return None, None
