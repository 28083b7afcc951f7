"""Unit 01 · images as tensors: a digit as a grid of numbers, and a colour image's three channels."""
from __future__ import annotations

from common import numbers_grid, plt, save

import tinygrad_edu as torch
from tinygrad_edu.utils.datasets import load_digits
from tinygrad_edu.utils.image import hwc_to_chw

DIGIT = 5   # the handwritten 5 the unit prints


def digit_grid(out, fast=False):
    """Left: the 28 x 28 digit (upsampled) as a picture with a colour bar; right: the 8 x 8 scan it
    came from, every pixel's value written in its cell (0-255, as an 8-bit image file stores it)."""
    images8, labels = load_digits()
    images28, _ = load_digits(image_size=28)
    small = (images8[DIGIT, 0] * 255).numpy().round().astype(int)
    big = images28[DIGIT, 0].numpy()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1, 1.05]})
    im = a1.imshow(big * 255, cmap="gray", vmin=0, vmax=255)
    a1.set_title(f"images[{DIGIT}, 0]: 28 × 28 = 784 numbers")
    a1.set_xlabel("column (0-based)")
    a1.set_ylabel("row (0-based)")
    fig.colorbar(im, ax=a1, fraction=0.046, pad=0.03, label="brightness (0 = black, 255 = white)")
    numbers_grid(a2, small, vmin=0, vmax=255, fontsize=10)
    a2.set_title(f"the 8 × 8 scan it came from (label {int(labels[DIGIT])}):\none number per pixel")
    a2.set_xlabel("column (0-based)")
    a2.set_ylabel("row (0-based)")
    fig.tight_layout()
    return [save(fig, out, "01_digit_grid.png")]


def color_image():
    """The unit's 24 x 32 colour image, built with the same code as docs/01 section 2."""
    h, w = 24, 32
    img_hwc = torch.zeros(h, w, 3)
    img_hwc[:, :, 1] = torch.linspace(0, 1, h).reshape(h, 1)    # green: 0 at the top, 1 at the bottom
    img_hwc[:, :, 2] = torch.linspace(1, 0, w).reshape(1, w)    # blue: 1 at the left, 0 at the right
    img_hwc[6:16, 18:28] = torch.tensor([1.0, 0.0, 0.0])        # a red square
    return img_hwc


def rgb_channels_figure():
    """The figure (not saved) and the three channel arrays (0-255) it shows: the tests read them."""
    img_hwc = color_image()
    chw = hwc_to_chw(img_hwc) * 255                            # C x H x W, as 8-bit values
    channels = [chw[c].numpy().round() for c in range(3)]
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
    axes[0].imshow(img_hwc.numpy())
    axes[0].set_title("the colour image (H × W × 3)")
    images = []
    for ax, name, values in zip(axes[1:], ("R", "G", "B"), channels):
        im = ax.imshow(values, cmap="gray", vmin=0, vmax=255)
        images.append(im)
        ax.set_title(f"channel {name}: tensor[{'RGB'.index(name)}]")
    for ax in axes:
        ax.set_xlabel("column")
    axes[0].set_ylabel("row")
    fig.colorbar(images[-1], ax=list(axes[1:]), fraction=0.02, pad=0.02,
                 label="value (0 = black, 255 = white)")
    fig.suptitle("A colour image is 3 matrices: the red square is bright (255) in R and dark (0) in G and B",
                 y=0.98)
    return fig, channels, images


def rgb_channels(out, fast=False):
    fig, _, _ = rgb_channels_figure()
    return [save(fig, out, "01_rgb_channels.png")]


FIGURES = [digit_grid, rgb_channels]
