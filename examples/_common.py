"""Small helpers shared by the lesson scripts in ``examples/``.

* ``ensure_importable()`` lets ``python examples/01_images_as_tensors.py`` run from a plain checkout
  (without ``pip install -e .``) by putting the repository root on ``sys.path``.
* ``out_dir()`` is where pictures go: ``$TINYGRAD_EDU_OUT`` if set, else the current directory.
* ``save_figure(fig, name)`` writes a matplotlib figure there, closes it and prints the path.
* ``FAST`` is True when ``$TINYGRAD_EDU_FAST`` is set to 1 (tests and CI may shrink the work).
* ``banner(title)`` prints a section heading, so the console output reads like the lesson.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FAST = os.environ.get("TINYGRAD_EDU_FAST", "0") not in ("", "0", "false", "False")


def ensure_importable() -> None:
    """Make ``import tinygrad_edu`` work when the package is not installed."""
    try:
        import tinygrad_edu  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT))


def out_dir() -> Path:
    """The folder pictures are written to (created if needed)."""
    path = Path(os.environ.get("TINYGRAD_EDU_OUT") or ".").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def pyplot():
    """matplotlib.pyplot with the file-only Agg backend, imported only when a picture is drawn."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, name: str) -> Path:
    """Save ``fig`` as ``out_dir()/name``, close it, print and return the path."""
    path = out_dir() / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    pyplot().close(fig)
    print(f"  picture written to {path}")
    return path


def banner(title: str) -> None:
    print()
    print("=" * 72)
    print(title)
    print("=" * 72)
