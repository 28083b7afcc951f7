"""The documentation names only what exists, and its training script runs.

* Every library name the docs mention exists: ``tinygrad_edu.X``, ``torch.X`` (where ``torch`` is
  tinygrad_edu imported under PyTorch's name), ``nn.X`` and ``F.X``, in the fenced python blocks and in
  the prose's `inline code`. The unit tutorials (docs/0[1-4]_*.md and their Korean versions) are checked
  by ``tests/test_examples_units.py``; this file checks every other page, including pages added later.
* ``docs/api.md`` both ways: every name in its tables exists in the module its heading names, and every
  public name of those modules is listed.
* The code blocks of the pages this file's owner wrote, and of their Korean twins, run
  (``docs/06_training.md`` is a complete training script), in a temporary folder with
  ``TINYGRAD_EDU_FAST=1``; and the training script also runs under real PyTorch after changing only
  its imports, when PyTorch is installed. (Links: ``tests/test_docs_links.py``.)
"""
from __future__ import annotations

import importlib.util
import inspect
import re

import pytest
from doc_tools import DOCS, ROOT, missing_names, names_in_code, names_in_prose, python_blocks, resolve, run_blocks

UNIT_DOCS = {"01_images_as_tensors.md", "02_convolution.md", "03_cnns.md", "04_counting_parameters.md"}
# pages whose python blocks are run here, top to bottom in one namespace, like a notebook
RUNNABLE_DOCS = ["05_alexnet.md", "06_training.md", "07_vanishing_gradients.md", "api.md", "index.md",
                 "ko/05_alexnet.md", "ko/06_training.md", "ko/07_vanishing_gradients.md", "ko/index.md"]
# PyTorch names the docs mention on purpose as things tinygrad_edu does not have
NOT_OURS = {"torch.compile", "torch.jit", "torch.fx", "torch.func", "torch.vmap", "torch.autocast",
            "torch.distributed", "torch.nn.functional.flatten"}


def _checked_docs():
    pages = sorted(p for p in DOCS.glob("*.md") if p.name not in UNIT_DOCS)
    pages += sorted(p for p in (DOCS / "ko").glob("*.md") if p.name not in UNIT_DOCS)
    return pages


@pytest.mark.parametrize("path", _checked_docs(), ids=lambda p: str(p.relative_to(DOCS)))
def test_doc_names_exist(path):
    text = path.read_text(encoding="utf-8")
    names = names_in_code(python_blocks(text)) | names_in_prose(text)
    missing = missing_names(names, ignore=NOT_OURS)
    assert not missing, f"{path.relative_to(ROOT)} names things that do not exist: {missing}"


def test_expected_pages_exist():
    for name in ["05_alexnet.md", "06_training.md", "07_vanishing_gradients.md", "api.md", "index.md",
                 "backprop.md", "design.md"]:
        assert (DOCS / name).is_file(), f"docs/{name} is missing"


# ----------------------------------------------------------------------------------- api.md both ways
def _api_tables():
    """``{namespace: {names}}`` from docs/api.md: a table row's first cell names entries of the module
    that the nearest heading above it names (its last `tinygrad_edu...` code span)."""
    documented: dict = {}
    namespace = None
    for line in (DOCS / "api.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            spans = [s for s in re.findall(r"`([^`]+)`", line) if re.fullmatch(r"tinygrad_edu(\.\w+)*", s)]
            namespace = spans[-1] if spans else None
            continue
        if not line.startswith("|") or namespace is None or re.match(r"^\|\s*(-+|name)\s*\|", line):
            continue
        first_cell = line.split("|")[1]
        for span in re.findall(r"`([^`]+)`", first_cell):
            m = re.match(r"([A-Za-z_]\w*)(\(|$)", span)
            if m:
                documented.setdefault(namespace, set()).add(m.group(1))
    return documented


def _public(namespace: str) -> set:
    obj = resolve(namespace)
    if inspect.isclass(obj):
        return {n for n in dir(obj) if not n.startswith("_")}
    if hasattr(obj, "__all__"):
        return set(obj.__all__)
    names = set()
    for n in dir(obj):
        value = getattr(obj, n)
        if n.startswith("_") or n == "annotations" or inspect.ismodule(value):
            continue
        if namespace in ("tinygrad_edu", "tinygrad_edu.nn.functional"):
            names.add(n)        # re-exports from the ops are the public API here
        elif getattr(value, "__module__", None) == namespace:
            names.add(n)        # defined here, not imported for internal use
    return names


API_NAMESPACES = ["tinygrad_edu", "tinygrad_edu.Tensor", "tinygrad_edu.autograd", "tinygrad_edu.autograd.Node",
                  "tinygrad_edu.nn", "tinygrad_edu.nn.Module", "tinygrad_edu.nn.functional",
                  "tinygrad_edu.nn.init", "tinygrad_edu.nn.utils", "tinygrad_edu.optim",
                  "tinygrad_edu.optim.Optimizer", "tinygrad_edu.optim.lr_scheduler", "tinygrad_edu.utils.data",
                  "tinygrad_edu.utils.datasets", "tinygrad_edu.utils.image", "tinygrad_edu.models",
                  "tinygrad_edu.viz"]


def test_api_reference_names_exist():
    documented = _api_tables()
    assert set(API_NAMESPACES) <= set(documented), f"api.md lacks sections: {set(API_NAMESPACES) - set(documented)}"
    missing = [f"{ns}.{n}" for ns, names in documented.items() for n in sorted(names)
               if not _exists(ns, n)]
    assert not missing, f"docs/api.md lists names that do not exist: {missing}"


def _exists(namespace: str, name: str) -> bool:
    try:
        resolve(f"{namespace}.{name}")
        return True
    except (ImportError, AttributeError):
        return False


@pytest.mark.parametrize("namespace", API_NAMESPACES)
def test_api_reference_is_complete(namespace):
    documented = _api_tables().get(namespace, set())
    undocumented = sorted(_public(namespace) - documented)
    assert not undocumented, (f"public names of {namespace} missing from docs/api.md (add one line each, in "
                              f"the table under a heading naming `{namespace}`): {undocumented}")


# ----------------------------------------------------------------------------------- the code runs
@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYGRAD_EDU_FAST", "1")
    monkeypatch.setenv("TINYGRAD_EDU_OUT", str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT))
    return tmp_path


@pytest.mark.parametrize("name", RUNNABLE_DOCS)
def test_doc_code_runs(name, in_tmp, capsys):
    blocks = python_blocks((DOCS / name).read_text(encoding="utf-8"))
    run_blocks(blocks, f"docs/{name}")
    if name.endswith("06_training.md"):      # the training script trained, saved and restored a good model
        assert (in_tmp / "digits_cnn.pt").is_file()
        assert _accuracy(capsys.readouterr().out) >= 0.9


def _training_script() -> str:
    blocks = python_blocks((DOCS / "06_training.md").read_text(encoding="utf-8"))
    scripts = [b for b in blocks if "import tinygrad_edu as torch" in b and "optimizer.step()" in b]
    assert len(scripts) == 1, "docs/06_training.md should hold one complete training script"
    return scripts[0]


def _accuracy(output: str) -> float:
    found = re.findall(r"restored from epoch \d+: test accuracy ([0-9.]+)", output)
    assert found, output[-2000:]
    return float(found[-1])


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")
def test_training_script_runs_under_pytorch(in_tmp, capsys):
    """The promise of the page: change the imports, and the same script is a PyTorch program."""
    script = re.sub(r"^(import|from) tinygrad_edu", r"\1 torch", _training_script(), flags=re.M)
    script = script.replace("import torch as torch", "import torch")
    assert not re.search(r"^(import|from) tinygrad_edu", script, re.M)
    exec(compile(script, "docs/06_training.md[script, PyTorch]", "exec"), {"__name__": "__main__"})
    assert _accuracy(capsys.readouterr().out) >= 0.9


def test_backprop_walkthrough_runs(in_tmp, capsys):
    """Every python block of docs/backprop.md runs as written, top to bottom, and prints the worked
    example's numbers (hand-computed there: tanh' = 1 - 0.4621^2)."""
    from tinygrad_edu import Tensor
    blocks = python_blocks((DOCS / "backprop.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    had_atan = hasattr(Tensor, "atan")
    try:
        ns = run_blocks(blocks, "docs/backprop.md")
    finally:
        if not had_atan and hasattr(Tensor, "atan"):
            del Tensor.atan  # section 9 attaches its example op: keep it out of the other tests
    out = capsys.readouterr().out
    assert "tensor(-2.3593) tensor(1.5729) tensor(0.7864)" in out
    assert "DivBackward0 -> SumBackward0 -> MulBackward0 -> ReshapeBackward0 -> GatherBackward0 -> " \
        "LogSoftmaxBackward0 -> LinearBackward0" in out
    assert "\nTrue\n" in out                               # the weight gradient, checked by hand
    assert abs(float(ns["d2y_dx2"]) - 9.0) < 1e-5          # d2/dx2 x^3 at 1.5 = 6 x
    assert ns["b"].grad is not None
