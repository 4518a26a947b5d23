"""Strided and transposed convolutions land where the PyTorch reference puts them.

The expected outputs are written from the definitions of PyTorch's Conv2d and
ConvTranspose2d (junyanz/pytorch-CycleGAN-and-pix2pix builds its networks
from them), in numpy, and compared with the Keras layers of this library's
generators on an impulse and on random inputs.
"""

import keras
import numpy as np

from keras_gans.networks.resnet import resnet_generator
from keras_gans.networks.unet import unet_generator

RNG = np.random.default_rng(0)


def conv_transpose_reference(x, kernel, stride, padding, output_padding=0):
    """PyTorch ConvTranspose2d on one image: x (h, w, c_in), kernel in Keras
    layout (k, k, c_out, c_in). The full output is
    full[i * s + a, j * s + b] += x[i, j] @ kernel[a, b]; PyTorch keeps
    rows and columns padding .. padding + (n - 1) * s - 2 * padding + k + output_padding - 1."""
    h, w, _ = x.shape
    k, _, c_out, _ = kernel.shape
    full = np.zeros(((h - 1) * stride + k + output_padding, (w - 1) * stride + k + output_padding, c_out))
    for i in range(h):
        for j in range(w):
            full[i * stride : i * stride + k, j * stride : j * stride + k] += kernel @ x[i, j]
    out_h = (h - 1) * stride - 2 * padding + k + output_padding
    out_w = (w - 1) * stride - 2 * padding + k + output_padding
    return full[padding : padding + out_h, padding : padding + out_w]


def conv_reference(x, kernel, stride, padding):
    """PyTorch Conv2d (zero padding on every side) on one image, kernel (k, k, c_in, c_out)."""
    x = np.pad(x, [(padding, padding), (padding, padding), (0, 0)])
    k = kernel.shape[0]
    out_h, out_w = (x.shape[0] - k) // stride + 1, (x.shape[1] - k) // stride + 1
    out = np.zeros((out_h, out_w, kernel.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[i * stride : i * stride + k, j * stride : j * stride + k]
            out[i, j] = np.tensordot(patch, kernel, axes=([0, 1, 2], [0, 1, 2]))
    return out


def sub_model(model, first, last_output):
    return keras.Model(model.get_layer(first).input, last_output)


def randomize(layer):
    kernel = RNG.standard_normal(layer.kernel.shape).astype("float32")
    layer.kernel.assign(kernel)
    if layer.bias is not None:
        layer.bias.assign(np.zeros(layer.bias.shape, "float32"))
    return kernel


def test_resnet_generator_upsampling_is_the_references():
    """uk = ConvTranspose2d(3, 2, padding=1, output_padding=1): an impulse at
    (2, 2) through the kernel's centre tap lands at (2 * 2 + 1 - 1) = (4, 4),
    not at (5, 5) as with Keras' padding="same"; random maps agree everywhere."""
    generator = resnet_generator((16, 16, 1), num_residual_blocks=0, base_filters=2)
    for name in ("u0", "u1"):
        block = sub_model(generator, name, generator.get_layer(f"{name}_norm").input)
        layer = generator.get_layer(name)
        c_in = layer.kernel.shape[3]
        centre = np.zeros(layer.kernel.shape, "float32")
        centre[1, 1, 0, 0] = 1.0
        layer.kernel.assign(centre)
        layer.bias.assign(np.zeros(layer.bias.shape, "float32"))
        n = block.input_shape[1]
        impulse = np.zeros((1, n, n, c_in), "float32")
        impulse[0, 2, 2, 0] = 1.0
        out = block(impulse).numpy()[0, :, :, 0]
        assert out.shape == (2 * n, 2 * n)
        assert list(zip(*np.nonzero(out))) == [(4, 4)], f"{name}: impulse landed at {list(zip(*np.nonzero(out)))}"

        kernel = randomize(layer)
        x = RNG.standard_normal((n, n, c_in)).astype("float32")
        expected = conv_transpose_reference(x, kernel, stride=2, padding=1, output_padding=1)
        np.testing.assert_allclose(block(x[None]).numpy()[0], expected, rtol=1e-4, atol=1e-4)


def test_resnet_generator_downsampling_is_the_references():
    """dk = Conv2d(3, stride 2, padding 1)."""
    generator = resnet_generator((16, 16, 1), num_residual_blocks=0, base_filters=2)
    for name in ("d0", "d1"):
        block = sub_model(generator, f"{name}_pad", generator.get_layer(name).output)
        kernel = randomize(generator.get_layer(name))
        x = RNG.standard_normal(block.input_shape[1:]).astype("float32")
        np.testing.assert_allclose(block(x[None]).numpy()[0], conv_reference(x, kernel, 2, 1), rtol=1e-4, atol=1e-4)


def test_unet_convolutions_are_the_references():
    """pix2pix's U-Net: Conv2d(4, 2, padding=1) down, ConvTranspose2d(4, 2,
    padding=1) up. Keras' padding="same" pads (1, 1) for an even side and a
    4x4 stride-2 kernel, and its transposed convolution keeps full[1:2n + 1]:
    the same as the reference (this test guards it)."""
    generator = unet_generator((32, 32, 1), base_filters=2, normalization="instance")
    for name in ("down0", "down1"):
        layer = generator.get_layer(name)
        block = keras.Model(layer.input, layer.output)
        kernel = randomize(layer)
        x = RNG.standard_normal(block.input_shape[1:]).astype("float32")
        np.testing.assert_allclose(block(x[None]).numpy()[0], conv_reference(x, kernel, 2, 1), rtol=1e-4, atol=1e-4)
    for name in ("up0", "up1", "to_image"):
        layer = generator.get_layer(name)
        block = keras.Model(layer.input, layer.output)
        kernel = randomize(layer)
        x = RNG.standard_normal(block.input_shape[1:]).astype("float32")
        expected = conv_transpose_reference(x, kernel, stride=2, padding=1)
        np.testing.assert_allclose(block(x[None]).numpy()[0], expected, rtol=1e-4, atol=1e-4)
