"""The reverse pass: walk the graph from the outputs in topological order, calling each node's
backward once all the gradients flowing into it have arrived.

Iterative (no recursion, so a 20,000-op chain is fine). Gradients for a node's outputs collect in
a buffer; a node runs when every edge pointing at it has delivered (Kahn's algorithm).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from . import anomaly, grad_mode
from .function import Node


def _count_dependencies(roots: Sequence[Node]) -> Dict[Node, int]:
    deps: Dict[Node, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge is None or not isinstance(edge[0], Node):
                continue
            nxt = edge[0]
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _add(a, b):
    return b if a is None else a + b


def _call_hooks(hooks, grad):
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


def _sum_to_input(node: Node, i: int, g):
    """Undo broadcasting once for every op: sum a gradient back to the input's shape."""
    shape, dt = node._in_meta[i]
    if g.shape != shape:
        from ..ops.reduction import sum_to
        try:
            g = sum_to(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
    if g.dtype is not dt and dt.is_floating_point:
        g = g.to(dt)
    return g


def run_backward(roots, root_grads, retain_graph: bool = False, create_graph: bool = False,
                 inputs: Optional[Sequence] = None, accumulate: bool = True):
    """Backpropagate ``root_grads`` from ``roots``. With ``inputs`` (for ``autograd.grad``), return
    the gradients reaching those tensors instead of accumulating into leaves' ``.grad``."""
    from ..tensor import Tensor

    captured: Dict[int, object] = {}
    want_leaf = {id(t) for t in inputs if t.grad_fn is None} if inputs is not None else set()
    want_node = {(t.grad_fn, t.output_nr): id(t) for t in inputs if t.grad_fn is not None} if inputs else {}
    handed_out = set()  # ids of gradient tensors already stored in some .grad: never share them

    def deliver_leaf(leaf, g):
        g = _call_hooks(leaf._hooks, g) if leaf._hooks else g
        if inputs is not None:
            if id(leaf) in want_leaf:
                captured[id(leaf)] = _add(captured.get(id(leaf)), g)
            return
        if not accumulate:
            return
        if not create_graph:
            g = g.detach()
        if leaf.grad is None:
            if id(g) in handed_out:
                g = g.clone()
            handed_out.add(id(g))
            leaf.grad = g
        elif create_graph or leaf.grad.requires_grad:
            leaf.grad = leaf.grad + g
        else:
            leaf.grad.array += g.array  # accumulate in place, as PyTorch does
        for hook in leaf._post_accumulate_hooks:
            hook(leaf)

    buffers: Dict[Node, list] = {}
    root_nodes: List[Node] = []
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:
            if not t.requires_grad:
                raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
            handed_out.add(id(g))
            deliver_leaf(t, g)
            continue
        node = t.grad_fn
        if node not in buffers:
            buffers[node] = [None] * len(node._out_meta)
            root_nodes.append(node)
        buffers[node][t.output_nr] = _add(buffers[node][t.output_nr], g)
        handed_out.add(id(g))

    deps = _count_dependencies(root_nodes)
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]
    prev_mode, grad_mode._enabled = grad_mode._enabled, create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:  # nothing flowed into this node: just settle its inputs' counts
                if not retain_graph:
                    node.release()
                _settle(node, deps, ready)
                continue
            if node._freed:
                node.saved_tensors  # raises the "backward through the graph a second time" error
            for nr, g in enumerate(grads):
                if g is None:
                    continue
                if nr in node._pre_hooks:
                    grads[nr] = g = _call_hooks(node._pre_hooks[nr], g)
                ref = node._retained.get(nr)
                if ref is not None and ref() is not None:
                    t = ref()
                    t.grad = g.detach() if t.grad is None else t.grad + g.detach()
                key = (node, nr)
                if key in want_node:
                    captured[want_node[key]] = _add(captured.get(want_node[key]), g)
            if node.materialize_grads:
                grads = [g if g is not None else Tensor._make(xp.zeros(shape, dtype))
                         for g, (shape, dtype, xp) in zip(grads, node._out_meta)]
            out = node.fn.backward(node, *grads)
            out = out if isinstance(out, tuple) else (out,)
            n_in = len(node.next_functions)
            if len(out) < n_in or any(g is not None for g in out[n_in:]):
                raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(out)})")
            if anomaly._enabled:
                anomaly.check_grads(node, out[:n_in])
            for hook in node.metadata.get("post_hooks", ()):
                hook(out[:n_in], grads)
            if not retain_graph:
                node.release()
            for i, (edge, g) in enumerate(zip(node.next_functions, out)):
                if edge is None:
                    continue
                target, nr = edge
                if isinstance(target, Node):
                    if g is not None:
                        g = _sum_to_input(node, i, g)
                        buf = buffers.setdefault(target, [None] * len(target._out_meta))
                        buf[nr] = _add(buf[nr], g)
                    deps[target] -= 1
                    if deps[target] == 0:
                        ready.append(target)
                elif g is not None:
                    deliver_leaf(target, _sum_to_input(node, i, g))
    finally:
        grad_mode._enabled = prev_mode
    return captured


def _settle(node: Node, deps, ready):
    for edge in node.next_functions:
        if edge is not None and isinstance(edge[0], Node):
            deps[edge[0]] -= 1
            if deps[edge[0]] == 0:
                ready.append(edge[0])
