"""The loss scaling of the CycleGAN/pix2pix reference, in one place.

junyanz/pytorch-CycleGAN-and-pix2pix (models/networks.py, `GANLoss`) scores
D's output against a target with the criterion of its `gan_mode`:
BCEWithLogitsLoss ("vanilla"), MSELoss ("lsgan"), or the mean itself
("wgangp"). Its D loss is 1/2 (L(D(real), real) + L(D(fake), fake))
(`backward_D_basic`, `backward_D`) and its G loss L(D(fake), real).

This library's games (keras_gans.losses) are written as the papers write
them. They equal the reference's criteria except least squares, whose
1/2-weighted terms (Mao et al.'s eq. 2: 1/2 E[(D(x) - b)^2] + 1/2 E[...],
G: 1/2 E[(D(G(z)) - c)^2]) are half of MSELoss. `REFERENCE_TERM_SCALE` holds
that factor; Pix2Pix and CycleGAN score their adversarial terms with
`discriminator_loss` and `generator_loss` below, so that they weigh against
the L1 / cycle terms as in the reference.
"""

# game name -> factor turning this library's term into the reference's criterion.
REFERENCE_TERM_SCALE = {"least_squares": 2.0}


def term_scale(game):
    """The factor of a `losses.Game` (or game name) that gives the reference's criterion."""
    return REFERENCE_TERM_SCALE.get(getattr(game, "name", game), 1.0)


def discriminator_loss(game, real_logits, fake_logits):
    """1/2 (L(D(real), real) + L(D(fake), fake)): the reference's halved D loss."""
    return 0.5 * term_scale(game) * game.discriminator_loss(real_logits, fake_logits)


def generator_loss(game, real_logits, fake_logits):
    """L(D(fake), real): the reference's adversarial loss of G."""
    return term_scale(game) * game.generator_loss(real_logits, fake_logits)
