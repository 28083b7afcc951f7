"""Draw the computation graph behind a tensor: as Graphviz DOT text, as a picture, or as a text tree.

The graph is data (see ``autograd/function.py``): a tensor's ``grad_fn`` is the ``Node`` that made
it, and ``node.next_functions`` lists one edge per input of that op:

* ``(other_node, output_nr)`` for an input that an op made,
* ``(leaf_tensor, 0)`` for a leaf that requires grad (a parameter, or ``x`` in ``x.requires_grad_()``),
* ``None`` for an input that needs no gradient (data, a constant, or a non-tensor argument).

Inputs that are tensors wanting no gradient are drawn as grey "no grad" boxes, without a shape:
the node notes only *which* arguments they were (``node._constants``), since keeping a record of
each one's shape would cost every recorded op.

Everything here just walks those edges, iteratively (a stack, no recursion), so a 20,000-op chain
is fine. Nothing here imports Graphviz's Python package: ``draw_graph`` calls the ``dot`` program
when it is installed and otherwise leaves you the ``.dot`` text file.

    >>> import tinygrad_edu as torch
    >>> from tinygrad_edu.viz import print_graph
    >>> a = torch.tensor(2.0, requires_grad=True); a.name = "a"
    >>> b = torch.tensor(-3.0, requires_grad=True); b.name = "b"
    >>> print_graph((a * b).tanh())
    TanhBackward0 -> ()  [output]
    `-- MulBackward0 -> ()
        +-- a: leaf (), requires grad
        `-- b: leaf (), requires grad

Colours in the drawings: light blue boxes are leaves that require grad (the tensors that get a
``.grad``), grey boxes are inputs that do not, white ovals are ops (labelled with the backward
node's name and the op's output shape), the green box is the output, orange boxes (with
``show_saved=True``) are what an op saved for its backward pass. With ``show_data=True`` every
box also shows its value (``data``) and its gradient (``grad``), as micrograd's drawing does.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Dict, List, Optional, Tuple

from ..autograd.function import Node
from ..tensor import Tensor

__all__ = ["to_dot", "draw_graph", "format_graph", "print_graph"]

COLOR_LEAF = "lightblue"        # requires grad: gets a .grad
COLOR_NO_GRAD = "lightgray"     # data and constants: no gradient flows into them
COLOR_OP = "white"
COLOR_OUTPUT = "darkolivegreen1"
COLOR_SAVED = "orange"

# Attributes every Node has; anything else on a ctx was set by the op's forward (ctx.p, ctx.dims...).
_NODE_ATTRS = frozenset(("fn", "next_functions", "needs_input_grad", "_saved", "_out_meta", "_constants",
                         "_non_diff", "_freed", "_pre_hooks", "_retained", "metadata", "materialize_grads"))


# ----------------------------------------------------------------------------- small helpers
def named_tensors(obj) -> List[Tuple[str, Tensor]]:
    """``(name, tensor)`` pairs from a model (anything with ``named_parameters()``), a dict
    ``name -> tensor``, or an iterable of such pairs. ``None`` gives an empty list."""
    if obj is None:
        return []
    if hasattr(obj, "named_parameters") and callable(obj.named_parameters):
        pairs = list(obj.named_parameters())
    elif isinstance(obj, dict):
        pairs = list(obj.items())
    else:
        try:
            pairs = list(obj)
        except TypeError:
            raise TypeError(f"expected a model with named_parameters(), a dict name -> Tensor or a list of "
                            f"(name, Tensor) pairs, but got {type(obj).__name__}") from None
    out = []
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"expected (name, Tensor) pairs, but item {i} is {type(pair).__name__}")
        name, t = pair
        if not isinstance(t, Tensor):
            raise TypeError(f"expected (name, Tensor) pairs, but {name!r} is a {type(t).__name__}")
        out.append((str(name), t))
    return out


def _roots(tensor) -> List[Tensor]:
    if isinstance(tensor, Tensor):
        return [tensor]
    if isinstance(tensor, (list, tuple)) and tensor and all(isinstance(t, Tensor) for t in tensor):
        return list(tensor)
    raise TypeError(f"expected a Tensor (or a list of Tensors) to draw the graph of, but got "
                    f"{type(tensor).__name__}")


def _shape(shape) -> str:
    """(3, 4) for a matrix, (5,) for a vector, () for a scalar: Python's tuple notation."""
    return str(tuple(int(s) for s in shape))


def _out_shapes(node: Node) -> str:
    return ", ".join(_shape(meta[0]) for meta in node._out_meta) or "?"


def _quote(text: str) -> str:
    """A DOT string literal; a newline becomes DOT's line break ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _brief(value, limit: int = 30) -> str:
    """A short description of something a ctx holds: its shape if it has one, else its repr."""
    if isinstance(value, Tensor):
        return f"tensor{_shape(value.shape)}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"array{_shape(value.shape)}"
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return str(tuple(value))  # a shape or a tuple of dims
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _children(node: Node, show_constants: bool):
    """The inputs of ``node`` in argument order, as (kind, obj, output_nr, arg_index) with kind
    'op' (obj a Node), 'leaf' (obj a Tensor) or 'const' (obj None: a tensor that wanted no gradient)."""
    out = []
    for i, edge in enumerate(node.next_functions):
        if edge is None:
            if show_constants and node._constants >> i & 1:  # a tensor that wanted no gradient
                out.append(("const", None, 0, i))
        elif isinstance(edge[0], Node):
            out.append(("op", edge[0], edge[1], i))
        else:
            out.append(("leaf", edge[0], 0, i))
    return out


def _which_input(node: Node, t: Tensor) -> str:
    """'input 1' when ``t`` is the op's second argument (matched through the graph's edges)."""
    for i, edge in enumerate(node.next_functions):
        if edge is None:
            continue
        if edge[0] is t or (t.grad_fn is not None and edge[0] is t.grad_fn and edge[1] == t.output_nr):
            return f"input {i}"
    return "input"


class _Names:
    """Find a tensor's display name: from ``params`` first, then ``tensor.name``."""

    def __init__(self, params):
        self.by_id: Dict[int, str] = {id(t): n for n, t in named_tensors(params)}

    def __call__(self, t: Tensor) -> Optional[str]:
        return self.by_id.get(id(t)) or getattr(t, "name", None)


SMALL_NUMEL = 6   # show_data writes tensors up to this many numbers in full, larger ones as a summary


def _number(v) -> str:
    """4 decimals, as micrograd's drawing writes them; scientific notation outside 0.001..99999."""
    if not isinstance(v, float):
        return str(v)
    return f"{v:.4f}" if v == 0 or 1e-3 <= abs(v) < 1e5 else f"{v:.3e}"


def _data_text(t: Optional[Tensor]) -> str:
    """A tensor's numbers for a label: all of them when there are few, else shape, mean and norm."""
    if t is None:
        return "not kept"
    t = t.detach()
    if t.numel() <= SMALL_NUMEL:
        values = t.tolist()
        if not isinstance(values, list):
            return _number(values)
        flat = t.reshape(-1).tolist()
        return "[" + ", ".join(_number(v) for v in flat) + "]"
    f = t.double()
    return f"mean {_number(f.mean().item())}, norm {_number((f * f).sum().sqrt().item())}"


def _data_lines(t: Optional[Tensor], known: bool) -> str:
    """``data ...`` and ``grad ...`` lines for a box; ``known`` says whether we hold the tensor."""
    if not known:
        return "\n(data, grad: call .retain_grad() to keep)"
    grad = t.grad
    return f"\ndata {_data_text(t)}\ngrad {'None' if grad is None else _data_text(grad)}"


def _node_outputs(node: Node, known: List[Tensor]) -> Dict[int, Tensor]:
    """The output tensors of ``node`` that we can reach: those that called ``retain_grad()`` (the
    node keeps a weak reference to them) and those we were given (the roots, named tensors)."""
    outs = {}
    for nr, ref in node._retained.items():
        t = ref()
        if t is not None:
            outs[nr] = t
    for t in known:
        if t.grad_fn is node:
            outs.setdefault(t.output_nr, t)
    return outs


# ----------------------------------------------------------------------------- DOT
def to_dot(tensor, params=None, show_saved: bool = False, show_constants: bool = True,
           show_data: bool = False) -> str:
    """The computation graph of ``tensor`` (or of a list of tensors) as Graphviz DOT text.

    Arrows point the way data flows in the forward pass: from the leaves, through the ops, to the
    output. The backward pass walks the same arrows in reverse.

    Args:
        tensor: the output, usually the loss.
        params: names for leaf tensors: ``dict(model.named_parameters())``, a model, or a dict
            ``name -> tensor``. Without a name here, a tensor's ``.name`` attribute is used.
        show_saved: also draw what each op saved for backward (orange) and the values its forward
            stored on ``ctx`` (such as ``p=3``), or say that they were freed by a backward pass.
        show_constants: draw inputs that need no gradient (data, constants) as grey boxes.
        show_data: also write each tensor's value (``data``) and, after a backward pass, its
            gradient (``grad``; ``None`` before backward). Tensors of up to six numbers are written
            in full, larger ones as mean and L2 norm. An op's box shows its output's numbers when
            that output is known: a root, a tensor in ``params``, or one that called
            ``retain_grad()`` before backward (otherwise nothing keeps it, and the box says so).
    """
    roots = _roots(tensor)
    names = _Names(params)
    known = roots + [t for _, t in named_tensors(params)] if show_data else []
    ids: Dict[int, str] = {}
    keep: list = []          # keep every object we keyed by id() alive while we work
    counters: Dict[str, int] = {}
    lines: List[str] = []
    edges: List[str] = []

    def new_id(prefix: str, obj=None) -> str:
        k = counters.get(prefix, 0)
        counters[prefix] = k + 1
        name = f"{prefix}{k}"
        if obj is not None:
            ids[id(obj)] = name
            keep.append(obj)
        return name

    def leaf_box(t: Tensor, is_output: bool = False) -> str:
        if id(t) in ids:
            return ids[id(t)]
        nid = new_id("leaf", t)
        label = (names(t) or ("output" if is_output else "")) + "\n" + _shape(t.shape)
        if show_data:
            label += _data_lines(t, True)
        color = COLOR_OUTPUT if is_output else (COLOR_LEAF if t.requires_grad else COLOR_NO_GRAD)
        extra = ", penwidth=2" if is_output else ""
        lines.append(f"  {nid} [label={_quote(label.strip())}, shape=box, fillcolor={color}{extra}];")
        return nid

    stack: List[Node] = []
    for root in roots:
        if root.grad_fn is None:
            leaf_box(root, is_output=True)
            continue
        node = root.grad_fn
        if id(node) not in ids:
            new_id("op", node)
            stack.append(node)
        out_id = new_id("out")
        label = (names(root) or "output") + "\n" + _shape(root.shape)
        if show_data:
            label += _data_lines(root, True)
        lines.append(f"  {out_id} [label={_quote(label)}, shape=box, fillcolor={COLOR_OUTPUT}, penwidth=2];")
        edge_label = f" [label={_quote(f'output {root.output_nr}')}]" if len(node._out_meta) > 1 else ""
        edges.append(f"  {ids[id(node)]} -> {out_id}{edge_label};")

    while stack:
        node = stack.pop()
        nid = ids[id(node)]
        label = node.name() + "\n" + _out_shapes(node)
        if show_data:
            outs = _node_outputs(node, known)
            if len(node._out_meta) == 1:
                if 0 in outs and names(outs[0]):
                    label = node.name() + "\n" + names(outs[0]) + " " + _out_shapes(node)
                label += _data_lines(outs.get(0), 0 in outs)
            else:
                for nr in range(len(node._out_meta)):
                    label += f"\noutput {nr}:" + _data_lines(outs.get(nr), nr in outs)
        if show_saved:
            attrs = [f"{k}={_brief(v)}" for k, v in vars(node).items()
                     if k not in _NODE_ATTRS and not k.startswith("_")]
            label += "".join("\n" + a for a in attrs)
            if getattr(node, "_freed", False):
                label += "\n(saved values freed)"
        lines.append(f"  {nid} [label={_quote(label)}, shape=ellipse, fillcolor={COLOR_OP}];")
        for kind, obj, nr, i in _children(node, show_constants):
            if kind == "op":
                if id(obj) not in ids:
                    new_id("op", obj)
                    stack.append(obj)
                src = ids[id(obj)]
                edge_label = f" [label={_quote(f'output {nr}')}]" if len(obj._out_meta) > 1 else ""
                edges.append(f"  {src} -> {nid}{edge_label};")
            elif kind == "leaf":
                edges.append(f"  {leaf_box(obj)} -> {nid};")
            else:
                cid = new_id("const")
                lines.append(f"  {cid} [label={_quote('no grad')}, shape=box, "
                             f"fillcolor={COLOR_NO_GRAD}, fontcolor=gray30];")
                edges.append(f"  {cid} -> {nid};")
        if show_saved and getattr(node, "_saved", None):
            for kind, item, extra in node._saved:
                sid = new_id("saved")
                if kind == "out":
                    what = f"saved: output {extra}" if len(node._out_meta) > 1 else "saved: output"
                    shape = _shape(item.shape)
                elif kind == "tensor":
                    what = "saved: " + (names(item) or _which_input(node, item))
                    shape = _shape(item.shape)
                elif kind == "array":
                    what, shape = "saved: array", _shape(item.shape)
                else:
                    what, shape = "saved", _brief(item)
                lines.append(f"  {sid} [label={_quote(what + chr(10) + shape)}, shape=box, "
                             f"fillcolor={COLOR_SAVED}];")
                edges.append(f"  {sid} -> {nid} [style=dashed, arrowhead=none];")

    header = [
        "digraph computation_graph {",
        "  // made by tinygrad_edu.viz.to_dot: arrows follow the forward pass; backward walks them in reverse",
        "  // light blue: leaf requiring grad; grey: no grad; white: op (output shape); green: output"
        + ("; orange: saved for backward" if show_saved else "")
        + ("; data/grad: value and gradient" if show_data else ""),
        '  graph [rankdir=TB, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11, style=filled];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    return "\n".join(header + lines + edges + ["}"]) + "\n"


_FORMATS = ("svg", "png", "pdf")


def draw_graph(tensor, path: str = "graph", format: Optional[str] = None, params=None,  # noqa: A002
               show_saved: bool = False, show_constants: bool = True, show_data: bool = False) -> str:
    """Write the graph of ``tensor`` to ``path.dot`` and, when Graphviz is installed, render it.

    ``path`` may end in ``.svg``/``.png``/``.pdf`` (which then chooses the format) or ``.dot``;
    ``format`` is ``'svg'`` (the default), ``'png'`` or ``'pdf'``. Returns the path of the picture,
    or of the ``.dot`` file when Graphviz's ``dot`` program is not on ``PATH`` (a one-line hint is
    printed then; paste the ``.dot`` text into any online Graphviz viewer to see it).
    ``show_data=True`` writes each box's value and gradient (see ``to_dot``).
    """
    base, ext = os.path.splitext(os.fspath(path))
    ext = ext.lower().lstrip(".")
    if ext in _FORMATS:
        format = format or ext  # noqa: A001
    elif ext != "dot":
        base = os.fspath(path)
    format = (format or "svg").lower()  # noqa: A001
    if format not in _FORMATS:
        raise ValueError(f"draw_graph(): format must be one of {', '.join(_FORMATS)}, but got {format!r}")
    text = to_dot(tensor, params=params, show_saved=show_saved, show_constants=show_constants,
                  show_data=show_data)
    folder = os.path.dirname(base)
    if folder:
        os.makedirs(folder, exist_ok=True)
    dot_path, picture = base + ".dot", base + "." + format
    with open(dot_path, "w", encoding="utf-8") as f:
        f.write(text)
    exe = shutil.which("dot")
    if exe is None:
        print(f"Graphviz 'dot' not found: wrote {dot_path}; install graphviz "
              f"(apt install graphviz / brew install graphviz) to get {picture}")
        return dot_path
    done = subprocess.run([exe, f"-T{format}", "-o", picture, dot_path], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz 'dot' failed (exit code {done.returncode}) on {dot_path}: "
                           f"{done.stderr.strip()}")
    return picture


# ----------------------------------------------------------------------------- text tree
def format_graph(tensor, params=None, max_depth: Optional[int] = 50, show_constants: bool = True) -> str:
    """The graph of ``tensor`` as an indented text tree, output at the top, leaves at the bottom:
    the order in which the backward pass visits it. An op reached a second time (its output used
    twice) is not expanded again. Levels below ``max_depth`` are cut (``None``: no limit)."""
    roots = _roots(tensor)
    names = _Names(params)
    lines: List[str] = []
    shown = set()
    keep: list = []

    def leaf_text(t: Tensor) -> str:
        name = names(t)
        grad = "requires grad" if t.requires_grad else "no grad"
        return f"{name + ': ' if name else ''}leaf {_shape(t.shape)}, {grad}"

    # each stack entry: (kind, obj, output_nr, prefix for the children, this line's text prefix, depth)
    stack: list = []
    for root in reversed(roots):
        if root.grad_fn is None:
            stack.append(("leafroot", root, 0, "", "", 0))
        else:
            stack.append(("root", root, root.output_nr, "", "", 0))
    while stack:
        kind, obj, nr, child_prefix, line_prefix, depth = stack.pop()
        if kind == "leafroot":
            lines.append(leaf_text(obj) + "  [output]")
            continue
        if kind == "leaf":
            lines.append(line_prefix + leaf_text(obj))
            continue
        if kind == "const":
            lines.append(line_prefix + "constant, no grad")
            continue
        if kind == "cut":
            lines.append(line_prefix + "... (deeper levels not shown; pass max_depth=None to see them)")
            continue
        if kind == "root":
            node = obj.grad_fn
            name = names(obj)
            tag = f"  [output{' ' + name if name else ''}]"
        else:
            node, tag = obj, ""
        multi = f" (output {nr} of {len(node._out_meta)})" if len(node._out_meta) > 1 else ""
        text = f"{node.name()}{multi} -> {_out_shapes(node)}{tag}"
        if id(node) in shown:
            lines.append(line_prefix + text + "  (already shown above)")
            continue
        shown.add(id(node))
        keep.append(node)
        lines.append(line_prefix + text)
        kids = _children(node, show_constants)
        if kids and max_depth is not None and depth >= max_depth:
            stack.append(("cut", None, 0, "", child_prefix + "`-- ", depth + 1))
            continue
        for j in range(len(kids) - 1, -1, -1):  # pushed in reverse, so they print in argument order
            kkind, kobj, knr, _ = kids[j]
            last = j == len(kids) - 1
            stack.append((kkind, kobj, knr, child_prefix + ("    " if last else "|   "),
                          child_prefix + ("`-- " if last else "+-- "), depth + 1))
    return "\n".join(lines)


def print_graph(tensor, params=None, max_depth: Optional[int] = 50, show_constants: bool = True,
                file=None) -> None:
    """Print the text tree of ``format_graph`` (to ``file``, default standard output)."""
    print(format_graph(tensor, params=params, max_depth=max_depth, show_constants=show_constants), file=file)
