"""Manual check (needs PyTorch, not run by pytest): the Keras FID Inception
network against a PyTorch one with the same random weights.

The published FID weights cannot be downloaded on the development machine,
so this checks everything but them: the architecture (pytorch-fid's
FID-patched torchvision InceptionV3, written out here in plain PyTorch, and
pytorch-fid's own `InceptionV3` when the pytorch-fid and torchvision
packages are installed), the reading of a `.pth` file without PyTorch, the
weight transposition and the resize. Run in an environment with torch and
numpy (and optionally pytorch-fid, torchvision):

    python tests/metrics/torch_reference_fid_inception.py save /tmp/fid_random.pth /tmp/fid_io.npz
    # then, in the keras_gans environment:
    python tests/metrics/torch_reference_fid_inception.py compare /tmp/fid_random.pth /tmp/fid_io.npz
"""

import sys

import numpy as np


def torch_fid_inception():
    import torch
    from torch import nn
    import torch.nn.functional as F

    class Basic(nn.Module):
        def __init__(self, cin, cout, kernel, stride=1, padding=0):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
            self.bn = nn.BatchNorm2d(cout, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    def avg(x):
        return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)

    class A(nn.Module):
        def __init__(self, cin, pool):
            super().__init__()
            self.branch1x1 = Basic(cin, 64, 1)
            self.branch5x5_1 = Basic(cin, 48, 1)
            self.branch5x5_2 = Basic(48, 64, 5, padding=2)
            self.branch3x3dbl_1 = Basic(cin, 64, 1)
            self.branch3x3dbl_2 = Basic(64, 96, 3, padding=1)
            self.branch3x3dbl_3 = Basic(96, 96, 3, padding=1)
            self.branch_pool = Basic(cin, pool, 1)

        def forward(self, x):
            return torch.cat(
                [
                    self.branch1x1(x),
                    self.branch5x5_2(self.branch5x5_1(x)),
                    self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                    self.branch_pool(avg(x)),
                ],
                1,
            )

    class B(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.branch3x3 = Basic(cin, 384, 3, stride=2)
            self.branch3x3dbl_1 = Basic(cin, 64, 1)
            self.branch3x3dbl_2 = Basic(64, 96, 3, padding=1)
            self.branch3x3dbl_3 = Basic(96, 96, 3, stride=2)

        def forward(self, x):
            return torch.cat(
                [
                    self.branch3x3(x),
                    self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                    F.max_pool2d(x, 3, 2),
                ],
                1,
            )

    class C(nn.Module):
        def __init__(self, cin, c7):
            super().__init__()
            self.branch1x1 = Basic(cin, 192, 1)
            self.branch7x7_1 = Basic(cin, c7, 1)
            self.branch7x7_2 = Basic(c7, c7, (1, 7), padding=(0, 3))
            self.branch7x7_3 = Basic(c7, 192, (7, 1), padding=(3, 0))
            self.branch7x7dbl_1 = Basic(cin, c7, 1)
            self.branch7x7dbl_2 = Basic(c7, c7, (7, 1), padding=(3, 0))
            self.branch7x7dbl_3 = Basic(c7, c7, (1, 7), padding=(0, 3))
            self.branch7x7dbl_4 = Basic(c7, c7, (7, 1), padding=(3, 0))
            self.branch7x7dbl_5 = Basic(c7, 192, (1, 7), padding=(0, 3))
            self.branch_pool = Basic(cin, 192, 1)

        def forward(self, x):
            b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
            bd = x
            for i in range(1, 6):
                bd = getattr(self, f"branch7x7dbl_{i}")(bd)
            return torch.cat([self.branch1x1(x), b7, bd, self.branch_pool(avg(x))], 1)

    class D(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.branch3x3_1 = Basic(cin, 192, 1)
            self.branch3x3_2 = Basic(192, 320, 3, stride=2)
            self.branch7x7x3_1 = Basic(cin, 192, 1)
            self.branch7x7x3_2 = Basic(192, 192, (1, 7), padding=(0, 3))
            self.branch7x7x3_3 = Basic(192, 192, (7, 1), padding=(3, 0))
            self.branch7x7x3_4 = Basic(192, 192, 3, stride=2)

        def forward(self, x):
            b7 = x
            for i in range(1, 5):
                b7 = getattr(self, f"branch7x7x3_{i}")(b7)
            return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, 3, 2)], 1)

    class E(nn.Module):
        def __init__(self, cin, max_pool):
            super().__init__()
            self.max_pool = max_pool
            self.branch1x1 = Basic(cin, 320, 1)
            self.branch3x3_1 = Basic(cin, 384, 1)
            self.branch3x3_2a = Basic(384, 384, (1, 3), padding=(0, 1))
            self.branch3x3_2b = Basic(384, 384, (3, 1), padding=(1, 0))
            self.branch3x3dbl_1 = Basic(cin, 448, 1)
            self.branch3x3dbl_2 = Basic(448, 384, 3, padding=1)
            self.branch3x3dbl_3a = Basic(384, 384, (1, 3), padding=(0, 1))
            self.branch3x3dbl_3b = Basic(384, 384, (3, 1), padding=(1, 0))
            self.branch_pool = Basic(cin, 192, 1)

        def forward(self, x):
            b3 = self.branch3x3_1(x)
            b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
            bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
            bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
            pooled = F.max_pool2d(x, 3, 1, 1) if self.max_pool else avg(x)
            return torch.cat([self.branch1x1(x), b3, bd, self.branch_pool(pooled)], 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.Conv2d_1a_3x3 = Basic(3, 32, 3, stride=2)
            self.Conv2d_2a_3x3 = Basic(32, 32, 3)
            self.Conv2d_2b_3x3 = Basic(32, 64, 3, padding=1)
            self.Conv2d_3b_1x1 = Basic(64, 80, 1)
            self.Conv2d_4a_3x3 = Basic(80, 192, 3)
            self.Mixed_5b, self.Mixed_5c, self.Mixed_5d = A(192, 32), A(256, 64), A(288, 64)
            self.Mixed_6a = B(288)
            self.Mixed_6b, self.Mixed_6c = C(768, 128), C(768, 160)
            self.Mixed_6d, self.Mixed_6e = C(768, 160), C(768, 192)
            self.Mixed_7a = D(768)
            self.Mixed_7b, self.Mixed_7c = E(1280, False), E(2048, True)
            self.fc = nn.Linear(2048, 1008)

        def forward(self, images01):
            # pytorch-fid: resize, then [0, 1] -> [-1, 1].
            x = F.interpolate(images01, size=(299, 299), mode="bilinear", align_corners=False)
            x = 2 * x - 1
            x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
            x = F.max_pool2d(x, 3, 2)
            x = F.max_pool2d(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)), 3, 2)
            for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
                x = getattr(self, f"Mixed_{name}")(x)
            pool3 = x.mean(dim=(2, 3))
            return pool3, self.fc(pool3)

    return Net()


def save(weights_path, io_path):
    import torch

    torch.manual_seed(0)
    net = torch_fid_inception()
    with torch.no_grad():  # Random BN statistics, so the check covers them.
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.1, 0.1)
    net.eval()
    torch.save(net.state_dict(), weights_path)
    images = np.random.default_rng(0).uniform(0, 1, (4, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        pool3, logits = net(torch.from_numpy(images))
    reference = _pytorch_fid_outputs(net.state_dict(), images)
    if reference is not None:
        for name, mine, theirs in zip(("pool3", "logits"), (pool3, logits), reference):
            err = float((mine - theirs).abs().max())
            print(f"this transcription vs pytorch-fid's own InceptionV3, {name}: max abs diff {err:.3g}")
        pool3, logits = reference
    np.savez(io_path, images01=images, pool3=pool3.numpy(), logits=logits.numpy())
    print(
        f"wrote {weights_path} and {io_path} (outputs of "
        f"{'pytorch-fid' if reference is not None else 'this transcription'})"
    )


def _pytorch_fid_outputs(state_dict, images):
    """pytorch-fid's own network (if installed) with `state_dict` loaded."""
    try:
        import sys
        import types

        # torchvision's compiled ops may not match a CPU torch build; the
        # models do not need them.
        sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("stub"))
        import torch
        from pytorch_fid import inception as pf
    except ImportError as e:
        print(f"pytorch-fid not importable ({e}); using this file's transcription only")
        return None
    pf.load_state_dict_from_url = lambda *args, **kwargs: state_dict  # strict load follows
    model = pf.InceptionV3([pf.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    fc = pf.fid_inception_v3().fc
    with torch.no_grad():
        pool3 = model(torch.from_numpy(images))[0][:, :, 0, 0]
        return pool3, fc(pool3)


def compare(weights_path, io_path):
    from keras_gans.metrics import fid_inception_extractor

    ref = np.load(io_path)
    extractor = fid_inception_extractor(weights_path, with_probabilities=True)
    images = ref["images01"].transpose(0, 2, 3, 1) * 2.0 - 1.0  # NHWC in [-1, 1]
    out = extractor.model(extractor.preprocess(images), training=False)
    for name, got, want in (("pool3", out[0], ref["pool3"]), ("logits", out[1], ref["logits"])):
        got = np.asarray(got)
        err = np.max(np.abs(got - want))
        print(
            f"{name}: max abs diff {err:.3g}, max abs value {np.max(np.abs(want)):.3g}, "
            f"relative {err / np.max(np.abs(want)):.3g}"
        )


if __name__ == "__main__":
    {"save": save, "compare": compare}[sys.argv[1]](*sys.argv[2:])
