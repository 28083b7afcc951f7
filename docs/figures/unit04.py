"""Units 04 and 05 · AlexNet as layer boxes: output shape and parameter count of each layer, read
from ``tinygrad_edu.summary`` (a real forward pass) and checked against ``count_parameters``."""
from __future__ import annotations

from common import plt, save

import tinygrad_edu as torch
from tinygrad_edu.models import alexnet

COLORS = {"Conv2d": "#9ecae1", "MaxPool2d": "#fdd0a2", "AdaptiveAvgPool2d": "#fdd0a2", "Linear": "#dadaeb",
          "input": "white"}


def _describe(row):
    """(name line, settings line) for a layer box."""
    m = row.module
    if row.class_name == "Conv2d":
        return (f"Conv2d {m.kernel_size[0]}×{m.kernel_size[1]}, {m.out_channels} filters",
                f"stride {m.stride[0]}, padding {m.padding[0]}")
    if row.class_name == "MaxPool2d":
        return f"MaxPool2d {m.kernel_size}×{m.kernel_size}", f"stride {m.stride}"
    if row.class_name == "AdaptiveAvgPool2d":
        return "AdaptiveAvgPool2d", "to 6×6 (here: no change)"
    return "Linear", f"{m.in_features:,} → {m.out_features:,}"


def alexnet_diagram(out, fast=False):
    torch.manual_seed(0)
    model = alexnet()
    stats = torch.summary(model, input_size=(1, 3, 224, 224), verbose=0, depth=3)
    counts = {r.name: r.count for r in torch.count_parameters(model, verbose=False).rows}
    boxes = [(("input image", "RGB"), (3, 224, 224), 0, "input", "")]
    for row in stats.rows:
        if not row.is_leaf or row.class_name in ("ReLU", "Dropout", "Flatten"):
            continue
        assert row.num_params == counts.get(row.name, 0)
        boxes.append((_describe(row), tuple(row.output_shape[1:]), row.num_params, row.class_name, row.name))
    # which activation follows each box: ReLU after every conv and the first two Linear layers
    leaves = [r for r in stats.rows if r.is_leaf]
    follow = {}
    for a, b in zip(leaves, leaves[1:]):
        if b.class_name == "ReLU":
            follow[a.name] = "+ ReLU"
    drops = {b.name for a, b in zip(leaves, leaves[1:]) if a.class_name == "Dropout"}

    per_row = 5
    nrows = (len(boxes) + per_row - 1) // per_row
    fig, ax = plt.subplots(figsize=(15, 2.35 * nrows + 1.2))
    bw, bh, gx, gy = 2.75, 1.9, 0.45, 0.8
    for k, (desc, shape, params, cls, name) in enumerate(boxes):
        r, c = divmod(k, per_row)
        x0, y0 = c * (bw + gx), r * (bh + gy)
        ax.add_patch(plt.Rectangle((x0, y0), bw, bh, fc=COLORS.get(cls, "white"), ec="black", lw=1.2))
        ax.text(x0 + bw / 2, y0 + 0.28, desc[0], ha="center", va="center", fontsize=9.8, weight="bold")
        ax.text(x0 + bw / 2, y0 + 0.6, desc[1], ha="center", va="center", fontsize=9.5)
        ax.text(x0 + bw / 2, y0 + 1.0, "output " + " × ".join(map(str, shape)), ha="center", va="center",
                fontsize=11)
        ax.text(x0 + bw / 2, y0 + 1.4, f"{params:,} params" if params else "no params", ha="center",
                va="center", fontsize=10, color="black" if params else "dimgray")
        if name in follow:
            ax.text(x0 + bw - 0.05, y0 + bh - 0.08, follow[name], ha="right", va="bottom", fontsize=8.5,
                    color="darkgreen")
        if name in drops:
            ax.text(x0 + 0.05, y0 + bh - 0.08, "Dropout before", ha="left", va="bottom", fontsize=8.5,
                    color="purple")
        if c:
            ax.annotate("", xy=(x0, y0 + bh / 2), xytext=(x0 - gx, y0 + bh / 2),
                        arrowprops=dict(arrowstyle="-|>", lw=1.4))
        elif r:
            px = (per_row - 1) * (bw + gx) + bw / 2
            ax.annotate("", xy=(bw / 2, y0), xytext=(px, y0 - gy + 0.02),
                        arrowprops=dict(arrowstyle="-|>", lw=1.2, color="gray", connectionstyle="arc3,rad=0.05"))
    ax.set_xlim(-0.1, per_row * (bw + gx))
    ax.set_ylim(nrows * (bh + gy) - gy + 0.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"AlexNet (torchvision layout), 3 × 224 × 224 input: {stats.total_params:,} parameters; "
                 f"shapes are C × H × W per image", fontsize=13)
    return [save(fig, out, "04_alexnet.png")]


FIGURES = [alexnet_diagram]
