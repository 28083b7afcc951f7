"""Shared by the figure scripts: matplotlib on the file-only Agg backend, one style, one save().

Every figure function takes ``(out, fast)``: the folder to write to and whether to shrink the
work (the tests use ``fast=True``), writes its file(s) and returns their paths.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:          # run from a plain checkout: import this copy of the package
    sys.path.insert(0, str(REPO))

import matplotlib  # noqa: E402

matplotlib.use("Agg", force=True)
import matplotlib.pyplot as plt  # noqa: E402

DPI = 100
IMAGES = REPO / "docs" / "images"

plt.rcParams.update({
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10.5,
    "figure.titlesize": 13, "axes.grid": False, "savefig.facecolor": "white",
    "svg.hashsalt": "tinygrad_edu",
})
# PNG files without a creation date or software version, so that a rerun gives the same bytes.
PNG_META = {"Software": None}


def save(fig, out, name: str) -> Path:
    """Write ``fig`` to ``out/name`` at 100 dpi, close it, return the path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata=PNG_META if name.endswith(".png") else None)
    plt.close(fig)
    return path


def numbers_grid(ax, values, cmap="gray", vmin=None, vmax=None, fmt="{:d}", fontsize=9, highlight=None):
    """Draw a 2-D array as coloured cells with each number written in its cell. The text is black
    on light cells and white on dark ones. ``highlight``: (row, col, height, width) to outline."""
    import numpy as np

    values = np.asarray(values)
    vmin = values.min() if vmin is None else vmin
    vmax = values.max() if vmax is None else vmax
    im = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    mid = (vmin + vmax) / 2
    for (r, c), v in np.ndenumerate(values):
        text = fmt.format(int(v) if fmt == "{:d}" else v)
        ax.text(c, r, text, ha="center", va="center", fontsize=fontsize,
                color="black" if v > mid else "white")
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.tick_params(length=0, labelsize=8)
    if highlight is not None:
        r, c, h, w = highlight
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), w, h, fill=False, ec="red", lw=3))
    return im

