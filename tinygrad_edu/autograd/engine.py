"""The reverse pass: walk the graph from the outputs in topological order, calling each node's
backward once all the gradients flowing into it have arrived.

Iterative (no recursion, so a 20,000-op chain is fine). It is Kahn's algorithm:

1. count, for every node and every leaf reachable from the roots, how many edges point at it
   (its dependencies);
2. a node is *ready* when every one of those edges has delivered its gradient (count is 0);
3. run a ready node's backward, hand each input gradient down its edge into the receiver's
   buffer; each delivery lowers the receiver's count.

A node's buffer holds one slot per output of its op, summing the gradients that reach that output.
A leaf's buffer has one slot: when its count hits 0 it holds the leaf's total gradient, which is
delivered once (hooks, then ``.grad``, then post-accumulate hooks), as in PyTorch.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from .. import backend
from . import anomaly, function, grad_mode
from .function import Node


def _count_dependencies(roots: Sequence[Node]) -> Dict[object, int]:
    """For every node and leaf below the roots: the number of edges pointing at it.

    Nodes and leaf tensors share the dict (both hash by identity); only nodes have edges to follow."""
    deps: Dict[object, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            if edge is None:
                continue
            nxt = edge[0]  # a Node, or a leaf tensor
            deps[nxt] = deps.get(nxt, 0) + 1
            if isinstance(nxt, Node) and nxt not in seen:
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
    if type(g) is not function.Tensor and backend.is_array(g):  # a user's backward may return an array
        g = function.Tensor._make(g)
    shape, dt = node._in_meta[i]
    arr = g.array
    if arr.shape == shape and arr.dtype == dt:  # the common case: nothing to undo
        return g
    if arr.shape != shape:
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


def memory_owner(arr):
    """The array whose memory ``arr`` uses (itself unless it is a view)."""
    while getattr(arr, "base", None) is not None:
        arr = arr.base
    return arr


def _whole_c_view(arr, owner) -> bool:
    """``arr`` is a writeable, C-contiguous view of all of ``owner``'s memory, and ``owner`` an array
    that owns it: the same memory in the same order, only with another shape."""
    flags = arr.flags
    return (backend.is_array(owner) and owner.flags.owndata and getattr(flags, "writeable", True)
            and flags.c_contiguous and arr.nbytes == owner.nbytes)


class _GradStore:
    """Writes gradients into ``.grad`` attributes without ever letting two of them share memory.

    Without create_graph, a later backward adds into ``.grad`` in place (as PyTorch does), so the
    stored array must be private: not a read-only broadcast view, not a view into part of another
    array, and not memory already stored elsewhere (``Add`` hands the *same* gradient to both
    inputs, ``Cat`` hands out slices of one gradient, and the caller keeps its own). A C-contiguous
    view of the whole of a fresh array (a reshape of a matmul's result, say) is stored as it is:
    copying it would only cost a pass over the memory. A view in another layout (a transpose) is
    copied into C order, so that optimizer steps read ``.grad`` in the order of the parameter."""

    def __init__(self, create_graph: bool):
        self.create_graph = create_graph
        self.taken: set = set()  # ids of the memory owners already stored in some .grad (or the caller's)

    def take(self, arr) -> None:
        """Mark ``arr``'s memory as used: no .grad may share it."""
        self.taken.add(id(memory_owner(arr)))

    def private(self, g):
        arr = g.array
        owner = memory_owner(arr)
        if id(owner) in self.taken or not (arr is owner or _whole_c_view(arr, owner)):
            arr = owner = arr.copy()
        self.taken.add(id(owner))
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


def check_roots(roots) -> None:
    """Every root must lead into the graph; checked before any gradient is made for it."""
    for i, t in enumerate(roots):
        if t.grad_fn is None and not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


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

    def deliver_leaf(leaf, g):  # called once per leaf, with the sum of the gradients reaching it
        if leaf._hooks:
            g = _call_hooks(leaf._hooks, g)
        if capture:
            if id(leaf) in want_leaf:
                captured[id(leaf)] = _add(captured.get(id(leaf)), g)
            return
        store.accumulate(leaf, g)
        for hook in leaf._post_accumulate_hooks:
            hook(leaf)

    # 1. seed the buffers of the roots' nodes (and of roots that are leaves themselves)
    check_roots(roots)
    buffers: Dict[object, list] = {}  # node or leaf -> its gradient slots
    root_nodes: List[Node] = []
    root_leaves: list = []
    for t, g in zip(roots, root_grads):
        store.take(g.array)  # the caller's gradient: never store it as anyone's .grad
        if t.grad_fn is None:
            if t not in buffers:
                buffers[t] = [None]
                root_leaves.append(t)
            buffers[t][0] = _add(buffers[t][0], g)
            continue
        node = t.grad_fn
        if node not in buffers:
            buffers[node] = [None] * len(node._out_meta)
            root_nodes.append(node)
        buffers[node][t.output_nr] = _add(buffers[node][t.output_nr], g)

    # 2. count dependencies; 3. run nodes as they become ready
    deps = _count_dependencies(root_nodes)
    for leaf in root_leaves:
        if deps.get(leaf, 0) == 0:  # no other path leads to this leaf: its gradient is complete
            deliver_leaf(leaf, buffers.pop(leaf)[0])
    ready = [n for n in root_nodes if deps.get(n, 0) == 0]
    prev_mode = grad_mode._swap(create_graph)  # record backward only if asked
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
            if node._pre_hooks or node._retained or want_node:  # (most nodes have none of these)
                grads = _output_hooks(node, grads, store, capture, captured, want_node)
            # (`is None`, not `None in grads`: that would call Tensor.__eq__ on every gradient)
            if node.materialize_grads and any(g is None for g in grads):  # no gradient reached: zeros
                xp = next((g.xp for g in grads if g is not None), backend.np)  # the others' device
                grads = [g if g is not None else Tensor._make(xp.zeros(shape, dtype))
                         for g, (shape, dtype) in zip(grads, node._out_meta)]
            meta = node._metadata  # None unless hooks or anomaly mode put something there
            for hook in meta.get("pre_hooks", ()) if meta else ():
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
            for hook in meta.get("post_hooks", ()) if meta else ():
                hook(out, tuple(grads))
            if not retain_graph:
                node.release()
            _deliver(node, out, deps, ready, buffers, deliver_leaf)
    finally:
        grad_mode._swap(prev_mode)
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
    """Hand a node's input gradients down its edges into the receivers' buffers. When a receiver's
    count hits 0 its buffer is complete: a node becomes ready; a leaf gets its total gradient."""
    for i, (edge, g) in enumerate(zip(node.next_functions, grads)):
        if edge is None:
            continue
        target, nr = edge  # a Node and its output number, or a leaf tensor and 0
        is_node = isinstance(target, Node)
        if g is not None:
            g = _sum_to_input(node, i, g)
            buf = buffers.get(target)
            if buf is None:
                buf = buffers[target] = [None] * (len(target._out_meta) if is_node else 1)
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        left = deps[target] - 1
        deps[target] = left
        if left == 0:
            if is_node:
                ready.append(target)
            elif target in buffers:  # (no gradient at all reached a leaf: nothing to deliver)
                deliver_leaf(target, buffers.pop(target)[0])
