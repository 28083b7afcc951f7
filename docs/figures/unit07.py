"""Unit 07 · vanishing gradients: the L2 norm of each layer's weight gradient after one backward
pass, in a 16-layer sigmoid network and a 16-layer ReLU network (docs/07 section 3's setup)."""
from __future__ import annotations

from collections import OrderedDict

from common import plt, save

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.utils.datasets import load_digits
from tinygrad_edu.viz import GradientFlow


def deep_mlp(act, depth=15, width=64):
    layers = OrderedDict()
    for i in range(1, depth + 1):
        layers[f"fc{i}"] = nn.Linear(64 if i == 1 else width, width)
        layers[f"act{i}"] = act()
    layers[f"fc{depth + 1}"] = nn.Linear(width, 10)
    return nn.Sequential(layers)


def layer_grad_norms(act, init, x, y):
    """One backward pass on 256 digits; the gradient norm of fc1 (input side) ... fc16 (loss side)."""
    torch.manual_seed(0)
    model = deep_mlp(act)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            init(m.weight)
            nn.init.zeros_(m.bias)
    flow = GradientFlow(model, include_bias=False)
    F.cross_entropy(model(x[:256]), y[:256]).backward()
    norms = [flow.records[-1]["params"][name]["norm"] for name in flow.names]
    flow.remove()
    return norms


def gradient_flow(out, fast=False):
    x, y = load_digits("train", flatten=True)
    x = (x - x.mean(0)) / (x.std(0) + 0.1)
    he = lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")  # noqa: E731
    runs = [("sigmoid + Xavier init", nn.Sigmoid, nn.init.xavier_normal_, "#1f77b4", "o"),
            ("ReLU + He init", nn.ReLU, he, "#d62728", "s")]
    fig, ax = plt.subplots(figsize=(10, 5))
    layers = list(range(1, 17))
    for label, act, init, color, marker in runs:
        norms = layer_grad_norms(act, init, x, y)
        ax.plot(layers, norms, marker=marker, color=color, lw=2, ms=6,
                label=f"{label}: fc1 {norms[0]:.1e}, fc16 {norms[-1]:.2g}")
        if act is nn.Sigmoid:
            last = norms[-1]
            ax.plot(layers, [last * 0.25 ** (16 - k) for k in layers], ls=":", color="gray", lw=2,
                    label="× 0.25 per layer (the bound σ' ≤ 1/4)")
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xticklabels([f"fc{k}" for k in layers], rotation=45)
    ax.set_xlabel("layer (fc1 is next to the input, fc16 next to the loss)")
    ax.set_ylabel("L2 norm of the weight gradient (log scale)")
    ax.set_title("One backward pass through 16 layers: the sigmoid network's gradient vanishes")
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="lower right", fontsize=11, framealpha=0.95)
    fig.tight_layout()
    return [save(fig, out, "07_gradient_flow.png")]


FIGURES = [gradient_flow]
