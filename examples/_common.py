"""Small helpers shared by the lesson scripts in ``examples/`` (and the notebooks made from them).

* Importing this module makes ``import tinygrad_edu`` work from a plain checkout (without
  ``pip install -e .``) by putting the repository root on ``sys.path``.
* ``fast_mode()`` is True when ``$TINYGRAD_EDU_FAST`` is set to 1 (tests and CI shrink the work).
* ``in_notebook()`` is True inside a Jupyter kernel: pictures are then also shown in the notebook.
* ``out_dir()`` is where pictures go: ``$TINYGRAD_EDU_OUT`` if set, else the current directory.
* ``show(fig, name)`` writes a matplotlib figure there, shows it in a notebook, and closes it.
* ``banner(title)`` prints a section heading when run as a script (a notebook has its own headings).
* ``run_lesson(name)`` runs another lesson top to bottom and returns its ``results`` dict.
"""
from __future__ import annotations

import io
import os
import runpy
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
REPO_ROOT = EXAMPLES.parent
NOTEBOOK_DPI = 90          # pictures stored inside notebooks stay small (tens of kB each)

try:
    import tinygrad_edu  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO_ROOT))


def fast_mode() -> bool:
    """``TINYGRAD_EDU_FAST=1``: smaller networks, fewer epochs (read each time: tests switch it)."""
    return os.environ.get("TINYGRAD_EDU_FAST", "0") not in ("", "0", "false", "False")


def in_notebook() -> bool:
    return "ipykernel" in sys.modules


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


def shown_path(path: Path) -> str:
    """A path as printed: relative to the current directory when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def display_file(path) -> None:
    """Show a picture file (PNG or SVG) in a notebook; nothing when run as a script (or for a
    ``.dot`` text file, which is what ``draw_graph`` leaves when Graphviz is missing)."""
    suffix = Path(path).suffix.lower()
    if in_notebook() and suffix in (".svg", ".png"):
        from IPython.display import SVG, Image, display

        display(SVG(filename=str(path)) if suffix == ".svg" else Image(filename=str(path)))


def show(fig, name: str) -> Path:
    """Save ``fig`` as ``out_dir()/name``, show it in a notebook, close it, return the path."""
    path = out_dir() / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    if in_notebook():
        from IPython.display import Image, display

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=NOTEBOOK_DPI, bbox_inches="tight")
        display(Image(data=buffer.getvalue()))
    pyplot().close(fig)
    print(f"picture written to {shown_path(path)}")
    return path


def banner(title: str) -> None:
    if not in_notebook():
        print()
        print("=" * 72)
        print(title)
        print("=" * 72)


def run_lesson(name: str) -> dict:
    """Run ``examples/<name>.py`` from top to bottom (as ``python`` would) and return its ``results``."""
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__lesson__")["results"]
