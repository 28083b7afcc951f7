"""Helpers shared by the tests that read the documentation and run the examples
(test_docs_names.py, test_examples_units.py, test_examples.py): the python blocks of a page, the
library names a page uses, looking a dotted name up, and running a page's blocks or an example."""
from __future__ import annotations

import ast
import importlib
import re
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
# what the pages' usual names stand for before any import in them
DEFAULT_ALIASES = {"tinygrad_edu": "tinygrad_edu", "torch": "tinygrad_edu", "nn": "tinygrad_edu.nn",
                   "F": "tinygrad_edu.nn.functional"}


# ----------------------------------------------------------------------------------- reading pages
def python_blocks(text: str) -> list:
    """The fenced python blocks of a markdown page; of a doctest-style session only what was typed."""
    blocks = [m.group(1) for m in re.finditer(r"^```python[^\n]*\n(.*?)^```", text, re.S | re.M)]
    out = []
    for b in blocks:
        if re.search(r"^>>> ", b, re.M):   # a doctest-style session: keep only what was typed
            b = "\n".join(line[4:] for line in b.splitlines() if line.startswith((">>> ", "... ")))
        out.append(b)
    return out


def resolve(path: str):
    """Import the longest module prefix of ``path``, then getattr the rest."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)          # AttributeError: the doc names something missing
        return obj
    raise ImportError(path)


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def _update_aliases(tree, aliases: dict) -> None:
    """Record which local names stand for tinygrad_edu modules or objects (None: no longer ours)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                root = a.name.split(".")[0]
                local = a.asname or root
                if root == "tinygrad_edu":
                    aliases[local] = a.name if a.asname else "tinygrad_edu"
                elif local in aliases:          # e.g. a real `import torch`: not ours from here on
                    aliases[local] = None
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                local = a.asname or a.name
                if node.module.split(".")[0] == "tinygrad_edu":
                    aliases[local] = f"{node.module}.{a.name}"
                elif local in aliases:
                    aliases[local] = None


def names_in_code(blocks) -> set:
    """The full tinygrad_edu names (``tinygrad_edu.nn.Conv2d``) the blocks use, read top to bottom
    in one namespace; a name the page itself assigns (``Tensor.logit = logit``) is left out."""
    aliases = dict(DEFAULT_ALIASES)
    names, defined = set(), set()
    for block in blocks:
        tree = ast.parse(block)
        _update_aliases(tree, aliases)
        parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and not isinstance(parents.get(id(node)), ast.Attribute):
                chain = _dotted(node)
                if chain and aliases.get(chain[0]):
                    name = ".".join([aliases[chain[0]]] + chain[1:])
                    if isinstance(node.ctx, ast.Store):     # the page adds it (`Tensor.logit = logit`)
                        defined.add(name)
                    names.add(name)
        names.update(v for v in aliases.values() if v)
    return {n for n in names if not any(n == d or n.startswith(d + ".") for d in defined)}


def names_in_prose(text: str) -> set:
    """The names quoted in the prose as `inline code` (e.g. `F.conv2d`, `torch.models.alexnet(...)`)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    names = set()
    for span in re.findall(r"`([^`\n]+)`", prose):
        for root, rest in re.findall(r"(?<![\w.])(torch|F|nn|tinygrad_edu)((?:\.[A-Za-z_]\w*)+)", span):
            names.add(DEFAULT_ALIASES[root] + rest)
    return names


def missing_names(names, ignore=frozenset()) -> list:
    """``"name (Error: why)"`` for each name that does not resolve, skipping those in ``ignore``
    (given as ``torch.X`` or ``tinygrad_edu.X``)."""
    missing = []
    for name in sorted(names):
        if name.replace("tinygrad_edu", "torch", 1) in ignore or name in ignore:
            continue
        try:
            resolve(name)
        except (ImportError, AttributeError) as e:
            missing.append(f"{name} ({type(e).__name__}: {e})")
    return missing


# ----------------------------------------------------------------------------------- running code
def run_blocks(blocks, label: str) -> dict:
    """Run the blocks top to bottom in one namespace, like a notebook; fail naming the block that
    raised. Returns the namespace."""
    namespace = {"__name__": "__doc_snippets__"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{label}[block {i}]", "exec"), namespace)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{label} block {i} failed: {type(e).__name__}: {e}\n{block}")
    return namespace


def run_example(name: str) -> dict:
    """Run ``examples/<name>.py`` from top to bottom, as ``python`` would, and return the ``results``
    dict its last cell builds."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))        # where `python examples/<name>.py` finds _common.py
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__lesson__")["results"]
