"""backprop.md · the computation graph of f = tanh(a * b + c) with every value and gradient, drawn
by ``tinygrad_edu.viz.draw_graph(..., show_data=True)`` (Graphviz's ``dot`` makes the PNG)."""
from __future__ import annotations

import shutil
from pathlib import Path

import tinygrad_edu as torch
from tinygrad_edu.viz import draw_graph


def worked_example():
    """The page's example, with the intermediate results named and kept (retain_grad)."""
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(-3.0, requires_grad=True)
    c = torch.tensor(6.5, requires_grad=True)
    e = a * b
    d = e + c
    f = d.tanh()
    for t, name in ((e, "e"), (d, "d"), (f, "f")):
        t.retain_grad()
        t.name = name
    f.backward()
    return {"a": a, "b": b, "c": c, "e": e, "d": d, "f": f}


def computation_graph(out, fast=False):
    """backprop_graph.png (needs Graphviz's dot); without dot, only the .dot text and a message."""
    t = worked_example()
    base = Path(out) / "backprop_graph"
    if shutil.which("dot") is None:
        draw_graph(t["f"], str(base) + ".dot", params={k: t[k] for k in "abcedf"}, show_data=True)
        print(f"  skipped {base}.png: Graphviz's dot is not installed (wrote {base}.dot)")
        return [Path(str(base) + ".dot")]
    path = draw_graph(t["f"], str(base) + ".png", params={k: t[k] for k in "abcedf"}, show_data=True)
    Path(str(base) + ".dot").unlink()   # the picture is what the docs embed
    return [Path(path)]


FIGURES = [computation_graph]
