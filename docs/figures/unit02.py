"""Unit 02 · convolution: the deck's worked example window by window (GIF and still), the three
padding/stride configurations, and multi-channel convolution as a block diagram with shapes."""
from __future__ import annotations

from pathlib import Path

from common import plt, save

import tinygrad_edu as torch
import tinygrad_edu.nn.functional as F

IMAGE = [[2, 4, 9, 1, 4], [2, 1, 4, 4, 6], [1, 1, 2, 9, 2], [7, 3, 5, 1, 3], [2, 3, 4, 8, 5]]
KERNEL = [[1, 2, 3], [-4, 7, 4], [2, -5, 1]]

PAD_FILL = "#d9d9d9"      # zero padding
WINDOW = "#d62728"        # the filter's current window
NEXT = "#1f77b4"          # the next window (one stride on)


def cells(ax, values, fills=None, fontsize=12, origin=(0, 0)):
    """Draw a 2-D list of numbers as a grid of boxed cells, row 0 at the top; ``fills`` gives
    each cell's background colour (white by default)."""
    r0, c0 = origin
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            face = fills[r][c] if fills else "white"
            ax.add_patch(plt.Rectangle((c0 + c, r0 + r), 1, 1, fc=face, ec="black", lw=0.8))
            if v is not None:
                ax.text(c0 + c + 0.5, r0 + r + 0.5, str(v), ha="center", va="center", fontsize=fontsize)


def frame_box(ax, r, c, h, w, color, lw=3.5, ls="-"):
    ax.add_patch(plt.Rectangle((c, r), w, h, fill=False, ec=color, lw=lw, ls=ls, zorder=5))


def grid_axes(ax, rows, cols, title):
    ax.set_xlim(-0.1, cols + 0.1)
    ax.set_ylim(rows + 0.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)


def worked_example():
    """Padded input, kernel and output (the output from F.conv2d), as nested lists of ints."""
    x = torch.tensor(IMAGE, dtype=torch.float32).reshape(1, 1, 5, 5)
    k = torch.tensor(KERNEL, dtype=torch.float32).reshape(1, 1, 3, 3)
    padded = F.pad(x, (1, 1, 1, 1))[0, 0]
    y = F.conv2d(x, k, padding=1, stride=1)[0, 0]
    as_int = lambda t: [[int(v) for v in row] for row in t.tolist()]  # noqa: E731
    return as_int(padded), KERNEL, as_int(y)


def _products(padded, i, j):
    return [(padded[i + a][j + b], KERNEL[a][b]) for a in range(3) for b in range(3)]


def _draw_step(fig, padded, out, i, j, show_all):
    """One frame: the window at output position (i, j)."""
    fig.clear()
    gs = fig.add_gridspec(1, 3, width_ratios=[7, 3.6, 5], wspace=0.25, left=0.02, right=0.98, top=0.86,
                          bottom=0.2)
    a_in, a_k, a_out = (fig.add_subplot(gs[0, n]) for n in range(3))
    fills = [[PAD_FILL if r in (0, 6) or c in (0, 6) else "white" for c in range(7)] for r in range(7)]
    for a in range(3):
        for b in range(3):
            fills[i + a][j + b] = "#fde0dd" if fills[i + a][j + b] == "white" else "#f4b6b0"
    cells(a_in, padded, fills)
    frame_box(a_in, i, j, 3, 3, WINDOW)
    grid_axes(a_in, 7, 7, "input 5 × 5, zero padding P = 1 (grey)")
    cells(a_k, KERNEL, [["#fde0dd"] * 3] * 3)
    grid_axes(a_k, 3, 3, "filter 3 × 3")
    a_k.set_ylim(5.1, -2.0)
    shown = [[v if show_all or (r, c) <= (i, j) else None for c, v in enumerate(row)] for r, row in enumerate(out)]
    ofill = [["#fde0dd" if (r, c) == (i, j) else "white" for c in range(5)] for r in range(5)]
    cells(a_out, shown, ofill)
    frame_box(a_out, i, j, 1, 1, WINDOW)
    grid_axes(a_out, 5, 5, "output 5 × 5 (stride S = 1)")
    terms = " + ".join(f"{p}·{k}" if k >= 0 else f"{p}·({k})" for p, k in _products(padded, i, j))
    fig.text(0.5, 0.07, f"output[{i}, {j}] = {terms} = {out[i][j]}", ha="center", fontsize=12,
             color=WINDOW)
    fig.suptitle("Convolution: slide the filter, multiply cell by cell, add up (positions 0-based)",
                 fontsize=13)


def conv_worked_gif(out, fast=False):
    """The still (first window, whole output shown) and the animation, window by window."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    padded, _, result = worked_example()
    for i in range(5):
        for j in range(5):   # the sums on the frames are the library's output: check they agree
            assert sum(p * k for p, k in _products(padded, i, j)) == result[i][j]
    fig = plt.figure(figsize=(12, 4.4))
    _draw_step(fig, padded, result, 0, 0, show_all=True)
    still = save(fig, out, "02_conv_worked.png")
    positions = [(i, j) for i in range(5) for j in range(5)]
    if fast:
        positions = positions[:2]
    fig = plt.figure(figsize=(12, 4.4))
    anim = FuncAnimation(fig, lambda n: _draw_step(fig, padded, result, *positions[n], show_all=False),
                         frames=len(positions), interval=900)
    path = Path(out) / "02_conv_worked.gif"
    anim.save(path, writer=PillowWriter(fps=1.2), dpi=70)
    plt.close(fig)
    return [still, path]


CONFIGS = [(4, 3, 0, 1), (5, 4, 2, 1), (5, 3, 1, 2)]   # the deck's three: input W, filter FW, padding P, stride S


def padding_stride(out, fast=False):
    """Each configuration: the padded input with the first window (red) and the next one (blue,
    dashed) one stride on, and the output grid whose size the formula gives."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 10), gridspec_kw={"height_ratios": [9, 6]})
    for col, (w, fw, p, s) in enumerate(CONFIGS):
        y = F.conv2d(torch.ones(1, 1, w, w), torch.ones(1, 1, fw, fw), padding=p, stride=s)
        ow = y.shape[-1]
        assert ow == (w + 2 * p - fw) // s + 1
        n = w + 2 * p
        fills = [[PAD_FILL if min(r, c) < p or max(r, c) >= p + w else "white" for c in range(n)] for r in range(n)]
        ax = axes[0, col]
        cells(ax, [[None] * n] * n, fills)
        frame_box(ax, 0, 0, fw, fw, WINDOW)
        frame_box(ax, 0.08, s + 0.08, fw - 0.16, fw - 0.16, NEXT, lw=2.5, ls="--")
        grid_axes(ax, 9, 9, f"input W = {w}, filter FW = {fw}\npadding P = {p}, stride S = {s}")
        ax2 = axes[1, col]
        cells(ax2, [[None] * ow] * ow, [[("#fde0dd" if (r, c) == (0, 0) else ("#dbe9f6" if (r, c) == (0, 1)
                                                                            else "white"))
                                          for c in range(ow)] for r in range(ow)])
        grid_axes(ax2, 6, 9, f"output {ow} × {ow}\nOW = ({w} + 2·{p} − {fw}) / {s} + 1 = {ow}")
    fig.suptitle("Output size: OW = (W + 2P − FW) / S + 1", fontsize=14)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.07, wspace=0.15, hspace=0.28)
    fig.text(0.5, 0.02, "red: the filter's first window    blue dashed: the next window, S cells on    "
             "grey: zero padding", ha="center", fontsize=11.5)
    return [save(fig, out, "02_padding_stride.png")]


def _sheet_stack(ax, x, y, n, h, w, colors, label, depth=0.45):
    """n sheets of h x w cells, drawn back to front with an offset, so they read as a 3-D block."""
    for k in reversed(range(n)):
        ox, oy = x + k * depth, y + k * depth
        for r in range(h):
            for c in range(w):
                ax.add_patch(plt.Rectangle((ox + c, oy + r), 1, 1, fc=colors[k % len(colors)], ec="black",
                                           lw=0.6))
    ax.text(x + (w + (n - 1) * depth) / 2, y + h + (n - 1) * depth + 0.6, label, ha="center", va="top",
            fontsize=11)


def multichannel(out, fast=False):
    """C x H x W input, FN filters of C x FH x FW, FN x OH x OW output; the shapes from F.conv2d."""
    torch.manual_seed(0)
    x = torch.randint(0, 5, (1, 3, 5, 5)).float()
    w = torch.randint(-2, 3, (2, 3, 3, 3)).float()
    b = torch.zeros(2)
    y = F.conv2d(x, w, b, padding=1)
    _, c, h, wd = x.shape
    fn, _, fh, fw = w.shape
    _, _, oh, ow = y.shape
    fig, ax = plt.subplots(figsize=(14, 4.6))
    chan = ["#f4a6a6", "#a6dba0", "#a6c8f4"]
    _sheet_stack(ax, 0, 0, c, h, wd, chan, f"input\nC × H × W\n= {c} × {h} × {wd}")
    ax.text(7.6, 3.2, "⊛", fontsize=30, ha="center", va="center")
    _sheet_stack(ax, 9, 1, c, fh, fw, chan, f"filter 1\nC × FH × FW\n= {c} × {fh} × {fw}")
    _sheet_stack(ax, 14, 1, c, fh, fw, chan, f"filter {fn}\n(FN = {fn} filters)")
    ax.text(20.2, 3.2, "+ bias\nFN × 1 × 1\n= {} × 1 × 1".format(fn), fontsize=11, ha="center", va="center")
    ax.annotate("", xy=(24.6, 3.2), xytext=(22.4, 3.2), arrowprops=dict(arrowstyle="-|>", lw=2.5, color="black"))
    _sheet_stack(ax, 25.5, 0, fn, oh, ow, ["#fff2a8", "#ffd28a"], f"output\nFN × OH × OW\n= {fn} × {oh} × {ow}",
                 depth=0.7)
    ax.text(15.5, 8.6, "each filter spans all C channels: one filter → one output map; FN filters → FN maps",
            ha="center", fontsize=11.5, style="italic")
    ax.set_xlim(-0.5, 32)
    ax.set_ylim(9.6, -1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"Multi-channel convolution (padding 1, stride 1): x {tuple(x.shape)} → y {tuple(y.shape)}",
                 fontsize=13)
    return [save(fig, out, "02_multichannel.png")]


FIGURES = [conv_worked_gif, padding_stride, multichannel]
