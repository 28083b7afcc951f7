"""The reverse pass: walk the graph from the outputs in topological order, calling each node's
backward once all the gradients flowing into it have arrived.

Iterative (no recursion, so a 20,000-op chain is fine). It is Kahn's algorithm:

1. count, for every node and every leaf reachable from the roots, how many edges point at it
   (its dependencies);
2. a node is *ready* when every one of those edges has delivered its gradient (count is 0);
3. run a ready node's backward, hand each input gradient down its edge into the receiver's
   buffer; each delivery lowers the receiver's count.

``run_backward`` is that loop; ``call_backward`` is one node's step of the chain rule, and the
``_Pass`` keeps the buffers and counts of one backward pass. Hooks, anomaly mode and ``.grad``
bookkeeping are separate small steps beside them, each skipped when not in use.

A node's buffer holds one slot per output of its op, summing the gradients that reach that output.
A leaf's buffer has one slot: when its count hits 0 it holds the leaf's total gradient, which is
delivered once (hooks, then ``.grad``, then post-accumulate hooks), as in PyTorch.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

from .. import backend
from ..ops.reduction import sum_to
from ..tensor import Tensor, memory_owner
from . import anomaly, grad_mode
from .function import Node


def check_roots(roots) -> None:
    """Every root must lead into the graph; checked (by the callers in autograd/__init__.py) before
    any gradient is made for it."""
    for i, t in enumerate(roots):
        if t.grad_fn is None and not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def run_backward(roots, root_grads, retain_graph: bool = False, create_graph: bool = False,
                 inputs: Optional[Sequence] = None):
    """Backpropagate ``root_grads`` from ``roots``.

    Without ``inputs``: accumulate into the ``.grad`` of every leaf that requires grad (and of
    non-leaves that called ``retain_grad``). With ``inputs`` (``autograd.grad``): touch no ``.grad``;
    return ``{id(input): gradient}`` for the inputs that were reached."""
    graph = _Pass(roots, root_grads, create_graph, inputs)
    ready = graph.ready
    prev_mode = grad_mode._swap(create_graph)  # record backward only if asked
    try:
        # one errstate for the whole pass (ops in backward get theirs from Function.apply; this one
        # covers the raw-array steps between them): an inf or nan gradient comes out silently, as in
        # PyTorch (sqrt's at 0 is 1 / 0); anomaly mode is the tool that reports it
        with backend.quiet():
            while ready:
                node = ready.pop()
                grads = graph.output_grads(node)      # the summed gradients of the node's outputs
                input_grads = call_backward(node, grads)  # the chain rule for this one op
                if not retain_graph:
                    node.release()
                graph.deliver(node, input_grads, ready)   # down the edges, towards the leaves
    finally:
        grad_mode._swap(prev_mode)
    return graph.captured


def call_backward(node: Node, grads):
    """One node's backward: the gradients of its outputs in, one gradient per input out
    (all None when no gradient reached the node)."""
    n_in = len(node.next_functions)
    if grads is None:
        return (None,) * n_in
    if node._freed:
        node.saved_tensors  # raises the "backward through the graph a second time" error
    meta = node._metadata  # None unless hooks or anomaly mode put something there
    if meta:
        grads = _node_pre_hooks(meta, grads)
    # (one output, as most ops have: a plain call, without unpacking the list)
    out = node.fn.backward(node, grads[0]) if len(grads) == 1 else node.fn.backward(node, *grads)
    out = out if isinstance(out, tuple) else (out,)
    if len(out) != n_in:
        out = _trim_extra(node, out, n_in)
    if anomaly._enabled:
        anomaly.check_grads(node, out)
    if meta:
        for hook in meta.get("post_hooks", ()):
            hook(out, tuple(grads))
    return out


def _node_pre_hooks(meta: dict, grads: list) -> list:
    for hook in meta.get("pre_hooks", ()):
        new = hook(tuple(grads))
        if new is not None:
            grads = list(new)
    return grads


def _trim_extra(node: Node, out: tuple, n_in: int) -> tuple:
    """Extra Nones after the last input's gradient are fine (PyTorch allows them); anything else is not."""
    if len(out) < n_in or any(g is not None for g in out[n_in:]):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {n_in}, got {len(out)})")
    return out[:n_in]


def _call_hooks(hooks, grad):
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


def _add(a, b):
    return b if a is None else a + b


def _count_dependencies(roots: Sequence[Node]) -> Dict[object, int]:
    """For every node and leaf below the roots: the number of edges pointing at it.

    Nodes and leaf tensors share the dict (both hash by identity); only nodes have edges to follow,
    each node once: when it first enters the dict. The roots start in it with 0."""
    deps: Dict[object, int] = dict.fromkeys(roots, 0)
    stack = list(deps)
    while stack:
        for edge in stack.pop().next_functions:
            if edge is None:
                continue
            nxt = edge[0]  # a Node, or a leaf tensor
            count = deps.get(nxt)
            if count is not None:
                deps[nxt] = count + 1
            else:
                deps[nxt] = 1
                if type(nxt) is Node:
                    stack.append(nxt)
    return deps


def _fit_to_input(node: Node, i: int, g, shape: tuple, dt):
    """Undo broadcasting once for every op: sum a gradient back to input ``i``'s ``shape``, in its
    dtype ``dt``. Called when they may differ (a dtype equal to the input's but not the same object
    passes unchanged), or when a user's backward returned a plain array."""
    if type(g) is not Tensor and backend.is_array(g):  # a user's backward may return an array
        g = Tensor._make(g)
    if g.array.shape != shape:
        try:
            g = sum_to(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
    if g.array.dtype != dt and dt.kind == "f":  # float32 in, float32 gradient out
        g = g.to(backend.as_dtype(dt))
    return g


class _Pass:
    """The state of one backward pass: the gradient buffers and dependency counts, where finished
    gradients go (``.grad``, or the ``captured`` dict of ``autograd.grad``)."""

    def __init__(self, roots, root_grads, create_graph: bool, inputs: Optional[Sequence]):
        self.store = _GradStore(create_graph)
        self.capture = inputs is not None
        self.captured: Dict[int, object] = {}
        # where the inputs sit in the graph: a leaf by identity, a non-leaf by (its node, output index)
        self.want_leaf = {id(t) for t in inputs if t.grad_fn is None} if self.capture else set()
        self.want_node = {(t.grad_fn, t.output_nr): id(t) for t in inputs if t.grad_fn is not None} \
            if self.capture else {}
        # seed the roots' buffers, count the dependencies, find the nodes ready to run
        self.buffers = buffers = {}  # node or leaf -> its gradient slots, one per output
        root_nodes, root_leaves = [], []
        for t, g in zip(roots, root_grads):
            self.store.take(g.array)  # the caller's gradient: never store it as anyone's .grad
            target, nr = (t, 0) if t.grad_fn is None else (t.grad_fn, t.output_nr)
            if target not in buffers:
                buffers[target] = [None] * (1 if t.grad_fn is None else len(target._out_meta))
                (root_leaves if t.grad_fn is None else root_nodes).append(target)
            buf = buffers[target]
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        self.deps = deps = _count_dependencies(root_nodes)
        for leaf in root_leaves:
            if deps.get(leaf, 0) == 0:  # no other path leads to this leaf: its gradient is complete
                self.deliver_leaf(leaf, buffers.pop(leaf)[0])
        self.ready = [n for n in root_nodes if deps.get(n, 0) == 0]

    def output_grads(self, node: Node):
        """The summed gradients of ``node``'s outputs (None if none reached it), after the hooks on
        the output tensors; missing ones become zeros unless the node said otherwise."""
        grads = self.buffers.pop(node, None)
        if grads is None:
            return None
        if node._pre_hooks or node._retained or self.want_node:  # (most nodes have none of these)
            grads = self._output_hooks(node, grads)
        # (`is None`, not `None in grads`: that would call Tensor.__eq__ on every gradient; one
        # output's slot is always filled, since a buffer is made when a gradient arrives)
        if len(grads) > 1 and node.materialize_grads and any(g is None for g in grads):
            grads = _zeros_for_missing(node, grads)
        return grads

    def _output_hooks(self, node: Node, grads: list) -> list:
        """The hooks registered on the output tensors run (and may replace the gradient), then
        ``retain_grad`` and ``autograd.grad`` take their copy."""
        for nr, g in enumerate(grads):
            if g is None:
                continue
            hooks = node._pre_hooks.get(nr)
            if hooks:
                grads[nr] = g = _call_hooks(hooks, g)
            ref = node._retained.get(nr)
            t = ref() if ref is not None else None
            if t is not None and not self.capture:
                self.store.accumulate(t, g)
            key = (node, nr)
            if key in self.want_node:
                self.captured[self.want_node[key]] = _add(self.captured.get(self.want_node[key]), g)
        return grads

    def deliver(self, node: Node, grads, ready: list) -> None:
        """Hand a node's input gradients down its edges into the receivers' buffers. When a
        receiver's count hits 0 its buffer is complete: a node becomes ready; a leaf gets its total."""
        buffers, deps = self.buffers, self.deps
        i = -1
        for edge in node.next_functions:
            i += 1  # (a counter, not enumerate: this loop runs for every edge of the graph)
            if edge is None:
                continue
            target, nr = edge  # a Node and its output number, or a leaf tensor and 0
            g = grads[i]
            if g is not None:
                # what the gradient must fit: the receiving node's output, or the leaf itself
                if type(target) is Node:
                    shape, dt = target._out_meta[nr]
                else:
                    shape, dt = target.array.shape, target.array.dtype
                if type(g) is not Tensor or g.array.shape != shape or g.array.dtype is not dt:
                    g = _fit_to_input(node, i, g, shape, dt)
                buf = buffers.get(target)
                if buf is None:
                    buf = buffers[target] = [None] * (len(target._out_meta) if type(target) is Node else 1)
                buf[nr] = g if buf[nr] is None else buf[nr] + g
            left = deps[target] - 1
            deps[target] = left
            if left == 0:
                if type(target) is Node:
                    ready.append(target)
                elif target in buffers:  # (no gradient at all reached a leaf: nothing to deliver)
                    self.deliver_leaf(target, buffers.pop(target)[0])

    def deliver_leaf(self, leaf, g) -> None:
        """A leaf's total gradient, once: its hooks, then ``.grad`` (or the captured dict), then the
        post-accumulate hooks."""
        if leaf._hooks:
            g = _call_hooks(leaf._hooks, g)
        if self.capture:
            if id(leaf) in self.want_leaf:
                self.captured[id(leaf)] = _add(self.captured.get(id(leaf)), g)
            return
        self.store.accumulate(leaf, g)
        for hook in leaf._post_accumulate_hooks:
            hook(leaf)


def _zeros_for_missing(node: Node, grads: list) -> list:
    """Zeros for the outputs no gradient reached, on the device of the others."""
    xp = next((g.xp for g in grads if g is not None), backend.np)
    return [g if g is not None else Tensor._make(xp.zeros(shape, dtype))
            for g, (shape, dtype) in zip(grads, node._out_meta)]


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
        return Tensor._make(arr)

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
