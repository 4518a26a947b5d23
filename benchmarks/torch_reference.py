"""The PyTorch side of benchmarks/speed.py: the same networks and training step, in PyTorch.

Each model has exactly the trainable parameters of the zoo model speed.py
builds (checked player by player), and its step follows keras_gans' algorithm
where keras_gans differs from the reference, so that the comparison is of the
frameworks. Random data in [-1, 1] (one batch, reused), float32, CPU; every
network in training mode. Output: one JSON line (steps/s, seconds,
parameters, torch version, threads).

    python benchmarks/torch_reference.py --model dcgan64 --steps 10
    python benchmarks/torch_reference.py --model pix2pix256   # also cyclegan128, cyclegan256

dcgan64: DCGAN after the PyTorch DCGAN example (github.com/pytorch/examples,
dcgan/main.py), with the example's layers changed only where keras_gans'
networks differ, so that the parameter counts are equal layer for layer:

- G: the example's first ConvTranspose2d(nz, 512, 4, 1, 0) on a 1x1 input is a
  linear map z -> 4x4x512; keras_gans writes it as Dense(4*4*512, no bias)
  then batch norm over the 8192 units (BatchNorm1d(8192) here; the example
  normalises the 512 channels), then ConvTranspose2d(4, 2, 1, no bias) + BN +
  ReLU up to 32x32, and a last ConvTranspose2d with a bias (the example has
  none), tanh. 3,592,067 parameters (the example: 3,576,704).
- D: Conv2d(4, 2, 1) with biases (the example: none), BN from the second
  layer, LeakyReLU(0.2), then Linear(4*4*512, 1) for the logit (the example:
  Conv2d(512, 1, 4) and a sigmoid; both are one weight per input unit).
  2,766,529 parameters (the example: 2,765,568).

The DCGAN step is the one of keras_gans' GAN: D on a real batch and G(z) (detached),
BCE with logits; then G on fresh latents, non-saturating loss; Adam(2e-4,
betas (0.5, 0.999)).

pix2pix256 and cyclegan128 / cyclegan256: after junyanz/pytorch-CycleGAN-and-
pix2pix (models/networks.py, pix2pix_model.py, cycle_gan_model.py,
util/image_pool.py), written anew. Batch 1, Adam(2e-4, betas (0.5, 0.999)),
the reference's init (conv weights N(0, 0.02), biases 0, batch-norm scales
N(1, 0.02)).

- pix2pix256: unet_256 (ngf 64, batch norm, dropout 0.5) and the "basic"
  NLayerDiscriminator (n_layers 3, ndf 64, batch norm) on the 6-channel pair
  (x, y); 54,413,955 + 2,768,705 parameters, as ours and as the reference's
  (no biases before batch norm, a bias on the first D layer and on both output
  layers). Step (pix2pix_model.py's optimize_parameters, which is ours too):
  fake = G(x) once; D on (x, fake) detached and (x, y), 1/2 (BCE(fake, 0) +
  BCE(real, 1)) with BCEWithLogitsLoss ("vanilla"), D updated; then with D
  frozen, G through the updated D: BCE(D(x, fake), 1) + 100 * L1(fake, y).
  No image pool (the reference trains pix2pix with pool_size 0).
- cyclegan128 / cyclegan256: ResnetGenerator with 6 / 9 blocks (ngf 64,
  reflection padding, InstanceNorm2d(affine=False, track_running_stats=False),
  biases, no dropout, transposed convolutions with output_padding 1) and
  NLayerDiscriminator (n_layers 3) with the same instance norm: 7,837,699 /
  11,378,179 per generator, 2,764,737 per discriminator, as ours. Step
  (cycle_gan_model.py's optimize_parameters): G_A and G_B on one optimizer
  with both D frozen: LSGAN MSE(D(G(x)), 1) per direction + 10 * (cycle L1 A
  + B) + 0.5 * 10 * (identity L1 A + B); then both D on one optimizer, each
  1/2 (MSE(D(real), 1) + MSE(D(pool(fake)), 0)), with an image pool of 50 per
  direction (the reference's rule). Our discriminator_a (D_X, judging domain
  A) is the reference's D_B, our discriminator_b its D_A.

Deviations from junyanz, all following keras_gans (the first changes the
computed function, not its cost; none changes a parameter count):

- U-Net dropout placement: the reference's unet_256 puts Dropout(0.5) in its
  three inner ngf*8 blocks, after the decoder blocks that output 4x4, 8x8 and
  16x16 (the innermost block has none: C512-CD512-CD512-CD512-C256-C128-C64,
  counting from the bottleneck); keras_gans (and this port) follow the paper,
  CD512-CD512-CD512-C512-C256-C128-C64: after the blocks that output 2x2,
  4x4 and 8x8. Three dropout layers either way.
- The reference's backward_D_A and backward_D_B call backward() once each
  before one optimizer step; here one backward() of their sum, as keras_gans
  takes one gradient of d_a_loss + d_b_loss. The same gradients.
- The pools draw from a seeded random.Random each (the reference: Python's
  global random).
- Adam's epsilon is PyTorch's 1e-8 (Keras: 1e-7, applied to the
  bias-corrected step), and the reference's initialisation is used (Keras
  initialises batch-norm scales to 1). Neither changes the cost of a step.

Not a deviation: the reference's encoder LeakyReLU runs in place on each
block's input, so the tensor its torch.cat([x, self.model(x)], 1) reads as
the skip is LeakyReLU(e_i), where keras_gans concatenates e_i; but every
decoder block starts with ReLU, and ReLU(LeakyReLU(e)) = ReLU(e), so the
function is the same. This port keeps the reference's in-place LeakyReLU
(benchmarks/torch_parity.py gives the same outputs as keras_gans either way).
"""

import argparse
import itertools
import json
import random
import time

import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, nz=100, ngf=64, channels=3):
        super().__init__()
        self.project = nn.Sequential(
            nn.Linear(nz, 4 * 4 * ngf * 8, bias=False),
            nn.BatchNorm1d(4 * 4 * ngf * 8, eps=1e-5, momentum=0.1),
            nn.ReLU(True),
        )
        self.ngf = ngf
        layers = []
        filters = ngf * 8
        for _ in range(3):
            layers += [
                nn.ConvTranspose2d(filters, filters // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(filters // 2),
                nn.ReLU(True),
            ]
            filters //= 2
        layers += [nn.ConvTranspose2d(filters, channels, 4, 2, 1, bias=True), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        x = self.project(z).view(-1, 4, 4, self.ngf * 8).permute(0, 3, 1, 2)  # Keras reshapes channels-last
        return self.main(x)


class Discriminator(nn.Module):
    def __init__(self, ndf=64, channels=3):
        super().__init__()
        layers, filters, inputs = [], ndf, channels
        for i in range(4):
            layers.append(nn.Conv2d(inputs, filters, 4, 2, 1, bias=True))
            if i > 0:
                layers.append(nn.BatchNorm2d(filters))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            inputs, filters = filters, filters * 2
        self.main = nn.Sequential(*layers)
        self.logit = nn.Linear(4 * 4 * inputs, 1)

    def forward(self, x):
        return self.logit(torch.flatten(self.main(x), 1))


def dcgan(batch_size=64, nz=100):
    g, d = Generator(nz), Discriminator()
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch_size, 3, 64, 64) * 2 - 1
    ones, zeros = torch.ones(batch_size, 1), torch.zeros(batch_size, 1)

    def step():
        fake = g(torch.randn(batch_size, nz))
        d_opt.zero_grad()
        d_loss = bce(d(real), ones) + bce(d(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        g_opt.zero_grad()
        g_loss = bce(d(g(torch.randn(batch_size, nz))), ones)
        g_loss.backward()
        g_opt.step()
        return d_loss.item()

    params = {
        "generator": sum(p.numel() for p in g.parameters()),
        "discriminator": sum(p.numel() for p in d.parameters()),
    }
    return step, params


# --- pix2pix and CycleGAN: after junyanz/pytorch-CycleGAN-and-pix2pix ---------------


def init_weights(net):
    """The reference's init_weights(net, "normal", 0.02): conv weights N(0, 0.02), biases 0, BN scale N(1, 0.02)."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def set_requires_grad(nets, flag):
    """The reference's BaseModel.set_requires_grad: freeze D while G's gradients are taken."""
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def instance_norm(channels):
    # get_norm_layer("instance"): no affine parameters, no running statistics.
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class UnetGenerator(nn.Module):
    """unet_256 (UnetGenerator, num_downs 8, ngf 64, batch norm, dropout), written flat as
    keras_gans.networks.unet_generator: encoder e_0..e_7, decoder blocks joined with the
    mirror encoder output."""

    def __init__(self, channels=3, output_channels=3, depth=8, ngf=64, dropout_blocks=3, dropout_rate=0.5):
        super().__init__()

        def filters(i):
            return ngf * min(2**i, 8)

        self.depth = depth
        self.down = nn.ModuleList()
        inputs = channels
        for i in range(depth):
            # In place, as the reference: it rewrites the skip e_{i-1} to LeakyReLU(e_{i-1}), which the
            # decoder's ReLU makes no difference to (ReLU(LeakyReLU(e)) = ReLU(e)).
            layers = [nn.LeakyReLU(0.2, True)] if i > 0 else []
            layers.append(nn.Conv2d(inputs, filters(i), 4, 2, 1, bias=False))
            if 0 < i < depth - 1:
                layers.append(nn.BatchNorm2d(filters(i)))
            self.down.append(nn.Sequential(*layers))
            inputs = filters(i)
        self.up = nn.ModuleList()
        for j in range(depth - 1):
            level = depth - 2 - j
            layers = [
                nn.ReLU(True),
                nn.ConvTranspose2d(inputs, filters(level), 4, 2, 1, bias=False),
                nn.BatchNorm2d(filters(level)),
            ]
            if j < dropout_blocks and dropout_rate > 0:
                layers.append(nn.Dropout(dropout_rate))
            self.up.append(nn.Sequential(*layers))
            inputs = 2 * filters(level)
        self.to_image = nn.Sequential(
            nn.ReLU(True), nn.ConvTranspose2d(inputs, output_channels, 4, 2, 1, bias=True), nn.Tanh()
        )

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        for j, block in enumerate(self.up):
            x = torch.cat([block(x), skips[self.depth - 2 - j]], 1)
        return self.to_image(x)


class NLayerDiscriminator(nn.Module):
    """The reference's NLayerDiscriminator ("basic": n_layers 3, 70x70 patches): 4x4
    convolutions with padding 1, LeakyReLU(0.2), no norm on the first layer; biases
    only where there is no batch norm after them."""

    def __init__(self, channels, ndf=64, n_layers=3, norm="batch"):
        super().__init__()
        use_bias = norm != "batch"

        def norm_layer(c):
            return nn.BatchNorm2d(c) if norm == "batch" else instance_norm(c)

        layers = [nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=use_bias), norm_layer(ndf * mult)]
            layers.append(nn.LeakyReLU(0.2, True))
        prev, mult = mult, min(2**n_layers, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=use_bias), norm_layer(ndf * mult)]
        layers += [nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3),
            instance_norm(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3),
            instance_norm(dim),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """The reference's ResnetGenerator (resnet_6blocks / resnet_9blocks, ngf 64, instance
    norm, reflection padding, no dropout): c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-3."""

    def __init__(self, channels=3, output_channels=3, ngf=64, n_blocks=9):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(channels, ngf, 7), instance_norm(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2**i
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1), instance_norm(ngf * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):
            mult = 2 ** (2 - i)
            layers += [
                nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1),
                instance_norm(ngf * mult // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class ImagePool:
    """The reference's util/image_pool.py rule: fill the pool; once full, with probability 1/2
    return a random stored image and store the new one in its place."""

    def __init__(self, size, seed=0):
        self.size, self.images = size, []
        self.random = random.Random(seed)

    def query(self, images):
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif self.random.uniform(0, 1) > 0.5:
                j = self.random.randint(0, self.size - 1)
                out.append(self.images[j].clone())
                self.images[j] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def adam(*nets):
    return torch.optim.Adam(itertools.chain(*(n.parameters() for n in nets)), lr=2e-4, betas=(0.5, 0.999))


def count(net):
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def pix2pix(size=256, batch_size=1, l1_weight=100.0):
    """pix2pix_model.py's optimize_parameters: G(x) once; D on (x, G(x)) detached and (x, y),
    1/2 (BCE + BCE); then G through the updated D (frozen): BCE(D(x, G(x)), 1) + 100 L1."""
    g = init_weights(UnetGenerator(3, 3, depth=8))
    d = init_weights(NLayerDiscriminator(6, n_layers=3, norm="batch"))
    g_opt, d_opt = adam(g), adam(d)
    bce, l1 = nn.BCEWithLogitsLoss(), nn.L1Loss()
    real_a = torch.rand(batch_size, 3, size, size) * 2 - 1
    real_b = torch.rand(batch_size, 3, size, size) * 2 - 1

    def step():
        fake_b = g(real_a)
        set_requires_grad([d], True)
        d_opt.zero_grad()
        pred_fake = d(torch.cat((real_a, fake_b.detach()), 1))
        pred_real = d(torch.cat((real_a, real_b), 1))
        d_loss = 0.5 * (bce(pred_fake, torch.zeros_like(pred_fake)) + bce(pred_real, torch.ones_like(pred_real)))
        d_loss.backward()
        d_opt.step()
        set_requires_grad([d], False)
        g_opt.zero_grad()
        pred_fake = d(torch.cat((real_a, fake_b), 1))
        g_loss = bce(pred_fake, torch.ones_like(pred_fake)) + l1_weight * l1(fake_b, real_b)
        g_loss.backward()
        g_opt.step()
        return d_loss.item()

    return step, {"generator": count(g), "discriminator": count(d)}


def cyclegan(size=256, n_blocks=9, batch_size=1, cycle_weight=10.0, identity_weight=0.5, pool_size=50):
    """cycle_gan_model.py's optimize_parameters: G_A and G_B on one optimizer with D_A, D_B
    frozen (LSGAN MSE, cycle 10, identity 0.5 x 10), then D_A and D_B on one optimizer on
    the real images and pooled fakes, 1/2 (MSE + MSE) each."""
    g_ab, g_ba = (init_weights(ResnetGenerator(n_blocks=n_blocks)) for _ in range(2))  # G_A, G_B
    d_a, d_b = (init_weights(NLayerDiscriminator(3, n_layers=3, norm="instance")) for _ in range(2))  # D_B, D_A
    g_opt, d_opt = adam(g_ab, g_ba), adam(d_a, d_b)
    pool_a, pool_b = ImagePool(pool_size, 0), ImagePool(pool_size, 1)
    mse, l1 = nn.MSELoss(), nn.L1Loss()
    real_a = torch.rand(batch_size, 3, size, size) * 2 - 1
    real_b = torch.rand(batch_size, 3, size, size) * 2 - 1

    def gan(pred, target):
        return mse(pred, torch.full_like(pred, target))

    def step():
        fake_b, fake_a = g_ab(real_a), g_ba(real_b)
        rec_a, rec_b = g_ba(fake_b), g_ab(fake_a)
        set_requires_grad([d_a, d_b], False)
        g_opt.zero_grad()
        g_loss = gan(d_b(fake_b), 1.0) + gan(d_a(fake_a), 1.0)
        g_loss = g_loss + cycle_weight * (l1(rec_a, real_a) + l1(rec_b, real_b))
        if identity_weight:
            g_loss = g_loss + identity_weight * cycle_weight * (l1(g_ab(real_b), real_b) + l1(g_ba(real_a), real_a))
        g_loss.backward()
        g_opt.step()
        set_requires_grad([d_a, d_b], True)
        d_opt.zero_grad()
        pooled_a, pooled_b = pool_a.query(fake_a), pool_b.query(fake_b)
        d_loss = 0.5 * (gan(d_a(real_a), 1.0) + gan(d_a(pooled_a), 0.0))
        d_loss = d_loss + 0.5 * (gan(d_b(real_b), 1.0) + gan(d_b(pooled_b), 0.0))
        d_loss.backward()
        d_opt.step()
        return d_loss.item()

    params = {"generator_ab": count(g_ab), "generator_ba": count(g_ba)}
    params.update(discriminator_a=count(d_a), discriminator_b=count(d_b))
    return step, params


MODELS = {
    "dcgan64": dcgan,
    "pix2pix256": pix2pix,
    "cyclegan128": lambda: cyclegan(128, n_blocks=6),
    "cyclegan256": lambda: cyclegan(256, n_blocks=9),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="dcgan64", choices=list(MODELS))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step, params = MODELS[args.model]()
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "steps_per_second": args.steps / seconds,
                "seconds": seconds,
                "parameters": params,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
