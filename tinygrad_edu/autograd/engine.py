"""The reverse pass: walk the graph from the outputs in topological order, calling each node's
backward once all the gradients flowing into it have arrived.

Iterative (no recursion, so a 20,000-op chain is fine). It is Kahn's algorithm:

1. count, for every node reachable from the roots, how many edges point at it (its dependencies);
2. a node is *ready* when every one of those edges has delivered its gradient (count is 0);
3. run a ready node's backward, hand each input gradient down its edge: to the next node's
   buffer, or into a leaf's ``.grad``; each delivery lowers the receiver's count.

A node's buffer holds one slot per output of its op, summing the gradients that reach that output.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from .. import backend
from . import anomaly, function, grad_mode
from .function import Node


def _count_dependencies(roots: Sequence[Node]) -> Dict[Node, int]:
    """For every node below the roots: the number of edges pointing at it."""
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
    """Undo broadcasting once for every op: sum a gradient back to the input's shape and dtype."""
    if backend.is_array(g):  # a user's backward may return a raw array
        g = function.Tensor._make(g)
    shape, dt = node._in_meta[i]
    if g.array.shape != shape:
        from ..ops.reduction import sum_to
        try:
            g = sum_to(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
    if g.array.dtype != dt and dt.kind == "f":  # float32 in, float32 gradient out
        g = g.to(backend.as_dtype(dt))
    return g


class _GradStore:
    """Writes gradients into ``.grad`` attributes without ever letting two of them share memory.

    Without create_graph, a later backward adds into ``.grad`` in place (as PyTorch does), so the
    stored array must be private: not a read-only broadcast view, not a view of another array, and
    not an array already stored elsewhere (``Add`` hands the *same* gradient to both inputs)."""

    def __init__(self, create_graph: bool):
        self.create_graph = create_graph
        self.taken: set = set()  # ids of arrays already stored in some .grad (or the caller's)

    def private(self, g):
        arr = g.array
        if not arr.flags.owndata or id(arr) in self.taken:
            arr = arr.copy()
        self.taken.add(id(arr))
        return function.Tensor._make(arr)

    def accumulate(self, t, g) -> None:
        if self.create_graph:
            # Keep the graph of the gradient (for higher-order grads); clone so that no two .grad
            # attributes are the same tensor. The sum is out of place, so it is recorded too.
            t.grad = g.clone() if t.grad is None else t.grad + g
        elif t.grad is None:
            t.grad = self.private(g)
        elif t.grad.requires_grad:  # left by an earlier create_graph=True pass: out of place
            t.grad = t.grad.detach() + g.detach()
        else:
            t.grad.array += g.array  # in place, as PyTorch does: .grad keeps its identity


def run_backward(roots, root_grads, retain_graph: bool = False, create_graph: bool = False,
                 inputs: Optional[Sequence] = None):
    """Backpropagate ``root_grads`` from ``roots``.

    Without ``inputs``: accumulate into the ``.grad`` of every leaf that requires grad (and of
    non-leaves that called ``retain_grad``). With ``inputs`` (``autograd.grad``): touch no ``.grad``;
    return ``{id(input): gradient}`` for the inputs that were reached."""
    Tensor = function.Tensor

    store = _GradStore(create_graph)
    capture = inputs is not None
    captured: Dict[int, object] = {}
    # where the inputs sit in the graph: a leaf by identity, a non-leaf by (its node, output index)
    want_leaf = {id(t) for t in inputs if t.grad_fn is None} if capture else set()
    want_node = {(t.grad_fn, t.output_nr): id(t) for t in inputs if t.grad_fn is not None} if capture else {}

    def deliver_leaf(leaf, g):
        if leaf._hooks:
            g = _call_hooks(leaf._hooks, g)
        if capture:
            if id(leaf) in want_leaf:
                captured[id(leaf)] = _add(captured.get(id(leaf)), g)
            return
        store.accumulate(leaf, g)
        for hook in leaf._post_accumulate_hooks:
            hook(leaf)

    # 1. seed the buffers of the roots' nodes (a root that is itself a leaf gets its gradient now)
    buffers: Dict[Node, list] = {}
    root_nodes: List[Node] = []
    for i, (t, g) in enumerate(zip(roots, root_grads)):
        store.taken.add(id(g.array))  # the caller's gradient: never store it as anyone's .grad
        if t.grad_fn is None:
            if not t.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
            deliver_leaf(t, g)
            continue
        node = t.grad_fn
        if node not in buffers:
            buffers[node] = [None] * len(node._out_meta)
            root_nodes.append(node)
        buffers[node][t.output_nr] = _add(buffers[node][t.output_nr], g)

    # 2. count dependencies; 3. run nodes as they become ready
    deps = _count_dependencies(root_nodes)
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]
    prev_mode, grad_mode._enabled = grad_mode._enabled, create_graph  # record backward only if asked
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:  # no gradient reached this node: skip it, but release its inputs
                if not retain_graph:
                    node.release()
                _deliver(node, (None,) * len(node.next_functions), deps, ready, buffers, deliver_leaf)
                continue
            if node._freed:
                node.saved_tensors  # raises the "backward through the graph a second time" error
            grads = _output_hooks(node, grads, store, capture, captured, want_node)
            if node.materialize_grads:  # outputs no gradient reached count as zero
                grads = [g if g is not None else Tensor._make(xp.zeros(shape, dtype))
                         for g, (shape, dtype, xp) in zip(grads, node._out_meta)]
            meta = node._metadata or {}
            for hook in meta.get("pre_hooks", ()):
                new = hook(tuple(grads))
                if new is not None:
                    grads = list(new)
            out = node.fn.backward(node, *grads)
            out = out if isinstance(out, tuple) else (out,)
            n_in = len(node.next_functions)
            if len(out) != n_in:  # extra Nones are fine (PyTorch allows them); anything else is not
                if len(out) < n_in or any(g is not None for g in out[n_in:]):
                    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                                       f"(expected {n_in}, got {len(out)})")
                out = out[:n_in]
            if anomaly._enabled:
                anomaly.check_grads(node, out)
            for hook in meta.get("post_hooks", ()):
                hook(out, tuple(grads))
            if not retain_graph:
                node.release()
            _deliver(node, out, deps, ready, buffers, deliver_leaf)
    finally:
        grad_mode._enabled = prev_mode
    return captured


def _output_hooks(node: Node, grads: list, store: _GradStore, capture: bool, captured, want_node) -> list:
    """What happens to a node's output gradients before its backward: the hooks registered on the
    output tensors run (and may replace the gradient), then ``retain_grad`` and ``autograd.grad``
    take their copy."""
    for nr, g in enumerate(grads):
        if g is None:
            continue
        hooks = node._pre_hooks.get(nr)
        if hooks:
            grads[nr] = g = _call_hooks(hooks, g)
        ref = node._retained.get(nr)
        t = ref() if ref is not None else None
        if t is not None and not capture:
            store.accumulate(t, g)
        key = (node, nr)
        if key in want_node:
            captured[want_node[key]] = _add(captured.get(want_node[key]), g)
    return grads


def _deliver(node: Node, grads, deps, ready, buffers, deliver_leaf) -> None:
    """Hand a node's input gradients down its edges; an edge's node is ready when its count hits 0."""
    for i, (edge, g) in enumerate(zip(node.next_functions, grads)):
        if edge is None:
            continue
        target, nr = edge
        if isinstance(target, Node):
            if g is not None:
                g = _sum_to_input(node, i, g)
                buf = buffers.get(target)
                if buf is None:
                    buf = buffers[target] = [None] * len(target._out_meta)
                buf[nr] = _add(buf[nr], g)
            deps[target] -= 1
            if deps[target] == 0:
                ready.append(target)
        elif g is not None:
            deliver_leaf(target, _sum_to_input(node, i, g))
