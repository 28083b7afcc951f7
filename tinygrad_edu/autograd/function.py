"""``Function``: the one mechanism behind every op, built-in or user-defined (as in PyTorch).

A Function computes ``forward`` on raw arrays (``x.array``) with grad mode off, and states its
derivative in ``backward`` with Tensor ops, so the backward pass is itself differentiable and
``create_graph=True`` gives higher-order gradients for free.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):               # x is a Tensor; x.array is its NumPy/CuPy array
            y = x.xp.exp(x.array)
            ctx.save_for_backward(y)       # saving the output: backward gets it as a Tensor
            return y                       # an array (or a Tensor)
        @staticmethod
        def backward(ctx, grad):           # d/dx e^x = e^x
            y, = ctx.saved_tensors
            return grad * y

``Function.apply`` runs forward and, when any input requires grad, records a ``Node`` (the
``ctx`` above, which is also the output's ``grad_fn``) holding the edges to the inputs' nodes.
"""
from __future__ import annotations

import traceback
from typing import Any, List, Optional, Tuple

from .. import backend
from . import grad_mode
from . import anomaly


class Node:
    """A recorded op: the ``ctx`` of forward/backward and the ``grad_fn`` of its outputs.

    ``next_functions`` has one edge per positional forward argument: ``(node, output_nr)`` for an
    input made by an op, ``(leaf_tensor, 0)`` for a leaf that requires grad, ``None`` otherwise.
    """

    def __init__(self, fn: type):
        self.fn = fn
        self.next_functions: Tuple = ()
        self.needs_input_grad: Tuple[bool, ...] = ()
        self._saved: Optional[list] = None
        self._out_meta: list = []       # (shape, numpy dtype, xp) of each output, to make zero grads
        self._in_meta: list = []        # (shape, dtype) of each positional arg (None for non-tensors)
        self._non_diff: set = set()
        self._freed = False
        self._pre_hooks: dict = {}      # output_nr -> hooks registered on that output tensor
        self._retained: dict = {}       # output_nr -> weakref to a tensor that called retain_grad()
        self.metadata: dict = {}
        self.materialize_grads = True

    # -- what users call inside forward/backward ------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep inputs, outputs or other arrays/tensors for backward (checked against in-place edits)."""
        self._saved = list(tensors)

    def mark_non_differentiable(self, *outputs) -> None:
        """Outputs (such as argmax indices) that never get a gradient."""
        self._non_diff.update(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> Tuple:
        from ..tensor import Tensor
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        out = []
        for kind, item, extra in self._saved or ():
            if kind == "out":       # an output: rebuilt on demand, so the node holds no cycle
                t = Tensor._make(item, requires_grad=True)
                t.grad_fn, t.output_nr = self, extra
            elif kind == "tensor":  # an input tensor, checked for in-place changes since forward
                if item._version[0] != extra:
                    raise RuntimeError(
                        "one of the variables needed for gradient computation has been modified by an "
                        f"inplace operation: [{item.dtype.name} tensor of shape {list(item.shape)}], which "
                        f"is output 0 of {self.name()}, is at version {item._version[0]}; expected version "
                        f"{extra} instead. Hint: clone() the tensor before changing it in place.")
                t = item
            elif kind == "array":
                t = Tensor._make(item)
            else:
                t = item
            out.append(t)
        return tuple(out)

    # -- what the engine and tools use -----------------------------------------------------------
    def name(self) -> str:
        return f"{self.fn.__name__}Backward0"

    def register_hook(self, hook):
        """Hook called as ``hook(grad_inputs, grad_outputs)`` after this node's backward."""
        self.metadata.setdefault("post_hooks", []).append(hook)
        return _RemovableHandle(self.metadata["post_hooks"], hook)

    def release(self) -> None:
        """Free what forward saved: called by the engine unless ``retain_graph=True``."""
        self._saved = None
        self._freed = True

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class _RemovableHandle:
    def __init__(self, container: list, item):
        self.container, self.item = container, item

    def remove(self):
        if self.item in self.container:
            self.container.remove(self.item)


def _edge(t):
    if t.grad_fn is not None:
        return (t.grad_fn, t.output_nr)
    return (t, 0) if t.requires_grad else None


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call ``.apply``."""

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses must implement forward")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError("Function subclasses must implement backward to be differentiated")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        from ..tensor import Tensor
        tensors = [a for a in args if isinstance(a, Tensor)]
        if len(tensors) > 1:
            _check_same_device(cls, tensors)
        record = grad_mode._enabled and any(t.requires_grad for t in tensors)
        ctx = Node(cls)
        if record:
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev, grad_mode._enabled = grad_mode._enabled, False
        try:
            raw = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode._enabled = prev
        multi = isinstance(raw, tuple)
        raws = raw if multi else (raw,)
        outs = []
        for i, r in enumerate(raws):
            arr = r.array if isinstance(r, Tensor) else r
            if not backend.is_array(arr):
                arr = (tensors[0].xp if tensors else backend.np).asarray(arr)
            diff = record and id(r) not in ctx._non_diff and backend.dtype_of(arr).is_floating_point
            t = Tensor._make(arr, requires_grad=diff)
            if diff:
                t.grad_fn, t.output_nr = ctx, i
            outs.append(t)
        if record:
            ctx.next_functions = tuple(_edge(a) if isinstance(a, Tensor) else None for a in args)
            ctx._in_meta = [(a.shape, a.dtype) if isinstance(a, Tensor) else None for a in args]
            ctx._out_meta = [(o.shape, o.array.dtype, o.xp) for o in outs]
            ctx._saved = _resolve_saved(ctx._saved, raws, outs)
            if anomaly._enabled:
                ctx.metadata["traceback_"] = traceback.format_stack()[:-2]
        else:
            ctx._saved = None
        return tuple(outs) if multi else outs[0]


def _resolve_saved(saved, raws, outs):
    """Tag each saved object: an output (rebuilt lazily), an input tensor (version-checked) or data."""
    from ..tensor import Tensor
    if not saved:
        return []
    out_ids = {id(r): i for i, r in enumerate(raws)}
    resolved = []
    for s in saved:
        if id(s) in out_ids:
            i = out_ids[id(s)]
            resolved.append(("out", outs[i].array, i))
        elif isinstance(s, Tensor):
            resolved.append(("tensor", s, s._version[0]))
        elif backend.is_array(s):
            resolved.append(("array", s, None))
        else:
            resolved.append(("other", s, None))
    return resolved


def _check_same_device(cls, tensors):
    d0 = tensors[0].device
    for t in tensors[1:]:
        if t.device != d0:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{d0} and {t.device}! (in {cls.__name__})")


def once_differentiable(fn):
    """Marks a backward that is not itself differentiable (kept for PyTorch compatibility)."""
    return fn
