"""The PyTorch side of benchmarks/speed.py: the same networks and training step, in PyTorch.

DCGAN after the PyTorch DCGAN example (github.com/pytorch/examples, dcgan/main.py),
with the example's layers changed only where keras_gans' networks differ, so
that the parameter counts are equal layer for layer:

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

The step is the one of keras_gans' GAN: D on a real batch and G(z) (detached),
BCE with logits; then G on fresh latents, non-saturating loss; Adam(2e-4,
betas (0.5, 0.999)). Random data in [-1, 1], float32, CPU.

    python benchmarks/torch_reference.py --model dcgan64 --steps 10
"""

import argparse
import json
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="dcgan64", choices=["dcgan64"])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step, params = dcgan()
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
