"""The notebooks in ``notebooks/``: one per lesson script, made from it by jupytext and run by nbclient
(``make notebooks``). Here: each committed notebook has the script's cells (so it is not stale),
stores its outputs (text and pictures, so a code host shows them), stays small, and every notebook
runs from top to bottom in a fresh Jupyter kernel without an error (in fast mode)."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebooks_build", ROOT / "notebooks" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SCRIPTS = build.lesson_scripts()
IDS = [s.stem for s in SCRIPTS]
EVERY_CELL_SHOWS = ("02_convolution_by_hand", "07_vanishing_gradients")   # the two examples
MAX_BYTES = 1_000_000


def _cells(nb, kind: str) -> list:
    return [c.source for c in nb.cells if c.cell_type == kind]


def _committed(script: Path):
    path = build.notebook_path(script)
    assert path.is_file(), f"{path.name} is missing: run `make notebooks`"
    return nbformat.read(path, as_version=4)


def _silent_cells(nb) -> list:
    """The code cells that show nothing (no printed text, no picture)."""
    return [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code" and not c.outputs]


def test_one_notebook_per_lesson():
    assert len(SCRIPTS) == 9, [s.name for s in SCRIPTS]   # 01-08 and 10 (09 runs under mpiexec)
    made = sorted(p.stem for p in build.NOTEBOOKS.glob("*.ipynb"))
    assert made == IDS


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_committed_notebook_matches_script(script):
    """Same code and text cells as jupytext makes from the script today: rerun `make notebooks`
    after editing a lesson."""
    nb, fresh = _committed(script), build.script_to_notebook(script)
    assert _cells(nb, "code") == _cells(fresh, "code"), f"{script.name} changed: run `make notebooks`"
    assert _cells(nb, "markdown") == _cells(fresh, "markdown"), f"{script.name} changed: run `make notebooks`"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_committed_notebook_has_its_outputs(script):
    path = build.notebook_path(script)
    nb = _committed(script)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{path.name} stores an error"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), f"{path.name} was not run"
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size:,} bytes"
    texts = "".join(o.get("text", "") for o in outputs)
    assert "fast mode" not in texts, f"{path.name} was run in fast mode: run `make notebooks`"
    if script.stem in EVERY_CELL_SHOWS:
        assert not _silent_cells(nb), f"{path.name}: cells without output: {_silent_cells(nb)}"
    # every figure the lesson draws with _common.show(...) is stored in the notebook as a PNG
    pngs = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    drawn = sum(len(re.findall(r"\bshow\(", code)) for code in _cells(nb, "code"))
    assert len(pngs) == drawn, f"{path.name}: {len(pngs)} pictures stored, {drawn} drawn"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_notebook_runs(script):
    """The notebook made from the script, run in a fresh kernel in fast mode: any error fails."""
    nb = build.execute(build.script_to_notebook(script), fast=True, timeout=300)
    if script.stem in EVERY_CELL_SHOWS:
        assert not _silent_cells(nb), _silent_cells(nb)
