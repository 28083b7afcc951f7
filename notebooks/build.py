"""Make ``notebooks/*.ipynb`` from the lesson scripts ``examples/NN_*.py`` and run them.

    python notebooks/build.py            # every lesson, full mode (what `make notebooks` runs)
    python notebooks/build.py 02 07      # only these lessons

jupytext turns each ``# %%`` cell into a notebook cell (``# %% [markdown]`` into a text cell);
nbclient runs the notebook in a fresh Jupyter kernel, cell by cell, and keeps every output (text
and pictures) in the file, so a code host shows the lesson with its results. The kernel runs in a
temporary folder, so the pictures the lessons also write as files do not land in ``notebooks/``.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
EXAMPLES = ROOT / "examples"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


# 09 trains on several processes at once (mpiexec starts them): a notebook is one process, so that
# lesson stays a script (docs/08_data_parallel.md shows its output).
NOT_NOTEBOOKS = ("09_data_parallel.py",)


def lesson_scripts() -> list:
    """``examples/NN_*.py``, one notebook each (all but the multi-process lesson)."""
    return sorted(p for p in EXAMPLES.glob("[0-9][0-9]_*.py") if p.name not in NOT_NOTEBOOKS)


def notebook_path(script: Path) -> Path:
    return NOTEBOOKS / (script.stem + ".ipynb")


def script_to_notebook(script: Path):
    """The notebook jupytext makes from a ``# %%`` script (no outputs yet)."""
    nb = jupytext.read(script)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.pop("jupytext", None)      # the notebook is generated; no pairing to keep in sync
    for i, cell in enumerate(nb.cells):   # fixed ids: rebuilding a notebook changes only its outputs
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(nb, fast: bool, timeout: int = 600):
    """Run every cell in a fresh kernel inside a temporary folder; raises on the first error.
    ``fast`` sets ``TINYGRAD_EDU_FAST=1`` for the kernel (the tests)."""
    saved = {k: os.environ.get(k) for k in ("TINYGRAD_EDU_FAST", "TINYGRAD_EDU_OUT", "PYTHONPATH")}
    os.environ["TINYGRAD_EDU_FAST"] = "1" if fast else "0"
    os.environ.pop("TINYGRAD_EDU_OUT", None)
    # the kernel imports this checkout's tinygrad_edu and finds examples/_common.py
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(EXAMPLES)] + [saved["PYTHONPATH"] or ""]).rstrip(os.pathsep)
    try:
        with tempfile.TemporaryDirectory() as cwd:
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": cwd}})
            client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def build(script: Path, fast: bool = False) -> Path:
    nb = execute(script_to_notebook(script), fast=fast)
    for cell in nb.cells:                   # drop timing metadata: rebuilding changes only outputs
        cell.get("metadata", {}).pop("execution", None)
    path = notebook_path(script)
    nbformat.write(nb, path)
    return path


def main(argv) -> None:
    scripts = [s for s in lesson_scripts() if not argv or any(s.name.startswith(a) for a in argv)]
    for script in scripts:
        path = build(script, fast=False)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1:])
