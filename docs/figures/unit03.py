"""Unit 03 · CNNs: the conv -> activation -> pool -> FC pipeline with shapes, sigmoid/ReLU and their
derivatives (from autograd), and max pooling on a digit."""
from __future__ import annotations

from common import plt, save

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.utils.datasets import load_digits


def unit03_model():
    """The small CNN of docs/03 section 1 (same layers, same seed)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    )


STAGE_COLORS = {"Conv2d": "#9ecae1", "ReLU": "#c7e9c0", "MaxPool2d": "#fdd0a2", "Flatten": "#e0e0e0",
                "Linear": "#dadaeb"}


def pipeline(out, fast=False):
    """One box per layer with the shape it outputs (one image of the batch), measured by running it."""
    model = unit03_model()
    x = torch.randn(1, 3, 16, 16)
    stages = [("input", tuple(x.shape[1:]), 0)]
    for layer in model:
        x = layer(x)
        stages.append((type(layer).__name__, tuple(x.shape[1:]), sum(p.numel() for p in layer.parameters())))
    fig, ax = plt.subplots(figsize=(15, 3.3))
    width, gap = 1.55, 0.32
    for k, (name, shape, params) in enumerate(stages):
        x0 = k * (width + gap)
        color = STAGE_COLORS.get(name, "white")
        ax.add_patch(plt.Rectangle((x0, 0), width, 1.6, fc=color, ec="black", lw=1.2))
        ax.text(x0 + width / 2, 1.22, name, ha="center", va="center", fontsize=11.5, weight="bold")
        ax.text(x0 + width / 2, 0.72, " × ".join(map(str, shape)), ha="center", va="center", fontsize=11)
        ax.text(x0 + width / 2, 0.28, f"{params:,} params" if params else "no params", ha="center",
                va="center", fontsize=9.5, color="dimgray")
        if k:
            ax.annotate("", xy=(x0, 0.8), xytext=(x0 - gap, 0.8), arrowprops=dict(arrowstyle="-|>", lw=1.5))
    n = len(stages)
    for lo, hi, label in ((1, 3, "block 1: conv → ReLU → pool"), (4, 6, "block 2: conv → ReLU → pool"),
                          (7, 8, "classifier: flatten → FC")):
        a, b = lo * (width + gap), hi * (width + gap) + width
        ax.plot([a, b], [-0.25, -0.25], color="black", lw=1.2)
        ax.text((a + b) / 2, -0.45, label, ha="center", va="top", fontsize=11)
    ax.set_xlim(-0.1, n * (width + gap))
    ax.set_ylim(-0.9, 2.2)
    ax.set_aspect("equal")
    ax.axis("off")
    total = sum(p.numel() for p in model.parameters())
    ax.set_title(f"A CNN on a 3 × 16 × 16 image: the shape (C × H × W) after each layer; {total:,} parameters",
                 fontsize=13)
    return [save(fig, out, "03_cnn_pipeline.png")]


def activations(out, fast=False):
    """sigmoid, ReLU and their derivatives, the derivatives computed by backward()."""
    x = torch.linspace(-6, 6, 481, requires_grad=True)
    curves = {}
    for name, fn in (("sigmoid", torch.sigmoid), ("ReLU", torch.relu)):
        x.grad = None
        y = fn(x)
        y.sum().backward()
        curves[name] = (y.detach().numpy(), x.grad.numpy().copy())
    xs = x.detach().numpy()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
    for ax, name, color in zip(axes, ("sigmoid", "ReLU"), ("#1f77b4", "#d62728")):
        y, dy = curves[name]
        ax.plot(xs, y, color=color, lw=2.5, label=f"{name}(x)")
        ax.plot(xs, dy, color=color, lw=2, ls="--", label=f"{name}'(x)  (from backward())")
        ax.axhline(0, color="gray", lw=0.6)
        ax.axvline(0, color="gray", lw=0.6)
        ax.set_xlabel("x")
        ax.set_ylabel("value")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=11)
    axes[0].set_title("sigmoid: σ(x) = 1 / (1 + e^(−x)),  σ' = σ(1 − σ)")
    axes[0].set_ylim(-0.1, 1.1)
    axes[0].plot([0], [0.25], "o", color="black")
    axes[0].annotate("max σ'(x) = σ'(0) = 0.25", xy=(0, 0.25), xytext=(1.4, 0.36), fontsize=11,
                     arrowprops=dict(arrowstyle="->"))
    axes[1].set_title("ReLU: max(0, x),  ReLU' = 1 for x > 0, 0 for x < 0")
    axes[1].set_ylim(-0.3, 6.2)
    fig.tight_layout()
    return [save(fig, out, "03_activations.png")]


def max_pooling(out, fast=False):
    """The handwritten 5 at 28 x 28, after one 2 x 2 max pool (14 x 14) and after two (7 x 7)."""
    images, _ = load_digits(image_size=28)
    x = images[5:6]
    maps = [x, F.max_pool2d(x, 2), F.max_pool2d(F.max_pool2d(x, 2), 2)]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    for ax, m, title in zip(axes, maps, ("input", "max_pool2d(x, 2)", "max_pool2d twice")):
        h, w = m.shape[-2:]
        im = ax.imshow(m[0, 0].numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{title}: {h} × {w}")
        ax.set_xlabel("column")
    axes[0].set_ylabel("row")
    fig.colorbar(im, ax=list(axes), fraction=0.025, pad=0.02, label="pixel value (0 = black, 1 = white)")
    fig.suptitle("Max pooling keeps each 2 × 2 window's brightest pixel: a mosaic of the digit", y=1.0)
    return [save(fig, out, "03_max_pool.png")]


FIGURES = [pipeline, activations, max_pooling]
