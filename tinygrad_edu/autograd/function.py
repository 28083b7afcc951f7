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

import weakref
from typing import Any, Optional, Tuple

from .. import backend
from ..tensor import Tensor
from . import anomaly, grad_mode


class Node:
    """A recorded op: the ``ctx`` of forward/backward and the ``grad_fn`` of its outputs.

    ``next_functions`` has one edge per positional forward argument: ``(node, output_nr)`` for an
    input made by an op, ``(leaf_tensor, 0)`` for a leaf that requires grad, ``None`` otherwise.
    """

    # Slots for what every node holds; "__dict__" lets forward still set anything (ctx.p = p).
    # (Why slots, and class defaults for the rarely used attributes: docs/design.md, choice 4.)
    __slots__ = ("fn", "next_functions", "_constants", "_out_meta", "_saved", "_freed",
                 "__dict__", "__weakref__")

    _out_versions: list = []    # version counters of the outputs, when forward saved an output
    _pre_hooks: dict = {}       # output_nr -> hooks registered on that output tensor
    _retained: dict = {}        # output_nr -> weakref to a tensor that called retain_grad()
    _metadata: Optional[dict] = None
    _non_diff: frozenset = frozenset()
    materialize_grads = True

    def __init__(self, fn: type):
        self.fn = fn  # the Function subclass whose forward/backward this node runs
        # Function.apply fills these in for a recorded node:
        self.next_functions: Tuple = ()          # one edge per positional forward argument
        self._constants = 0  # bit i set: positional arg i is a tensor that wants no gradient (for viz)
        self._out_meta: Tuple = ()  # (shape, numpy dtype) of each output: what its gradient must fit
        self._saved: Optional[list] = None
        self._freed = False  # set by release() once backward has dropped what forward saved

    @property
    def needs_input_grad(self) -> Tuple[bool, ...]:
        """Per positional forward argument: does it want a gradient? (A backward can skip the rest.)"""
        wants = []  # (a loop, not a list comprehension: in Python 3.11 that is a function call)
        for edge in self.next_functions:
            wants.append(edge is not None)
        return tuple(wants)

    @property
    def metadata(self) -> dict:
        """Free-form per-node data (hooks, anomaly-mode traceback), as in PyTorch."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    # -- what users call inside forward/backward ------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep inputs, outputs or other arrays/tensors for backward (checked against in-place edits)."""
        self._saved = list(tensors)

    def mark_non_differentiable(self, *outputs) -> None:
        """Outputs (such as argmax indices) that never get a gradient."""
        self._non_diff = self._non_diff | {id(o) for o in outputs}

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> Tuple:
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        out = []
        for kind, item, extra in self._saved or ():
            if kind == "tensor":  # an input tensor, checked for in-place changes since forward
                if item._version[0] != extra:
                    self._version_error(item._version, extra, item.array.dtype, item.shape,
                                        f"an input of {self.name()}")
                t = item
            elif kind == "out":     # an output: rebuilt on demand, so the node holds no cycle
                version = self._out_versions[extra]  # outputs start at version 0
                if version[0] != 0:
                    self._version_error(version, 0, item.dtype, item.shape, f"output {extra} of {self.name()}")
                t = Tensor._make(item, requires_grad=True)
                t.grad_fn, t.output_nr, t._version = self, extra, version
            elif kind == "array":
                t = Tensor._make(item)
            else:
                t = item
            out.append(t)
        return tuple(out)

    @staticmethod
    def _version_error(version: list, expected: int, dtype, shape, what: str) -> None:
        # Every in-place op bumps its tensor's version counter; a saved value whose counter moved
        # since forward no longer holds what backward needs, so its gradient would be silently wrong.
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{dtype} tensor of shape {list(shape)}], which is {what}, is at version "
            f"{version[0]}; expected version {expected} instead. Hint: clone() the tensor before "
            "changing it in place, or do the in-place change before using the tensor.")

    # -- what the engine and tools use -----------------------------------------------------------
    def name(self) -> str:
        return f"{self.fn.__name__}Backward0"

    def register_hook(self, hook):
        """Hook called as ``hook(grad_inputs, grad_outputs)`` after this node's backward."""
        self.metadata.setdefault("post_hooks", []).append(hook)
        return _RemovableHandle(self.metadata["post_hooks"], hook)

    def register_prehook(self, hook):
        """Hook called as ``hook(grad_outputs)`` before this node's backward (may return new grads)."""
        self.metadata.setdefault("pre_hooks", []).append(hook)
        return _RemovableHandle(self.metadata["pre_hooks"], hook)

    def _tensor_pre_hooks(self, output_nr: int) -> list:
        """The hook list of one output tensor (``Tensor.register_hook`` on a non-leaf)."""
        if "_pre_hooks" not in self.__dict__:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(output_nr, [])

    def _retain(self, output_nr: int, tensor) -> None:
        if "_retained" not in self.__dict__:
            self._retained = {}
        self._retained[output_nr] = weakref.ref(tensor)

    def release(self) -> None:
        """Free what forward saved: called by the engine unless ``retain_graph=True``.

        As in PyTorch, only a node that saved something refuses a second backward; one that saved
        nothing (an add, a reshape) can run again, since it has lost nothing."""
        if self._saved:
            self._freed = True
        self._saved = None

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class _RemovableHandle:
    def __init__(self, container: list, item):
        self.container, self.item = container, item

    def remove(self):
        if self.item in self.container:
            self.container.remove(self.item)


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
        """Run ``forward`` on the arguments and, if any input requires grad, record the node."""
        if backend.gpu_loaded:  # (until CuPy is in use, every tensor is on the CPU)
            _check_devices(cls, args)
        ctx = Node(cls)
        mode = grad_mode._local.mode  # this thread's grad mode
        grad_on = mode.enabled
        record = grad_on and _prepare(ctx, args)
        # forward runs with grad mode off (it is never recorded, even when it calls Tensor ops) and
        # NumPy quiet (inf and nan results, log 0 or 0 * inf, come silently, as in PyTorch)
        mode.enabled = False
        quiet = backend.quiet_on()
        try:
            raw = cls.forward(ctx, *args, **kwargs) if kwargs else cls.forward(ctx, *args)
        finally:
            backend.quiet_off(quiet)
            mode.enabled = grad_on
        if isinstance(raw, tuple):  # several outputs: one Tensor each, numbered in order
            outs = tuple([_output(ctx, r, i, record, args) for i, r in enumerate(raw)])
            if record:
                _keep(ctx, raw, outs)
            return outs
        out = _output(ctx, raw, 0, record, args)
        if record:
            _keep(ctx, (raw,), (out,))
        return out


_NDARRAY = backend.np.ndarray


def _output(ctx: Node, r, i: int, record: bool, args):
    """Output ``i`` of forward (an array, a Tensor or a scalar) as a Tensor made by ``ctx``."""
    arr = r if type(r) is _NDARRAY else _as_array(r, args)
    if record and arr.dtype.kind == "f" and id(r) not in ctx._non_diff:  # only floats get grads
        return Tensor._make(arr, True, ctx, i)
    return Tensor._make(arr)


def _keep(ctx: Node, raws: tuple, outs: tuple) -> None:
    """What a recorded node keeps about its outputs: their shapes and dtypes (to check and make
    their gradients), what forward saved (tagged), and in anomaly mode where the op was called."""
    ctx._out_meta = ((outs[0].array.shape, outs[0].array.dtype),) if len(outs) == 1 else \
        tuple([(o.array.shape, o.array.dtype) for o in outs])
    if ctx._saved:
        _resolve_saved(ctx, raws, outs)
    if anomaly._enabled:
        ctx.metadata["traceback_"] = anomaly.user_stack()


def _as_array(r, args):
    """A forward's output that is not a plain NumPy array: a Tensor, a CuPy array or a scalar."""
    arr = r.array if isinstance(r, Tensor) else r
    if not backend.is_array(arr):  # a Python or NumPy scalar: make it an array on the inputs' device
        xp = next((a.xp for a in args if isinstance(a, Tensor)), backend.np)
        arr = xp.asarray(arr)
    return arr


def _prepare(ctx: Node, args) -> bool:
    """Note, per positional argument, its edge: where its gradient goes (None if it wants none).
    The op is recorded when some edge exists; then the node keeps them."""
    edges, constants = [], 0
    for a in args:
        if isinstance(a, Tensor):
            if a.grad_fn is not None:  # made by an op: the edge leads to that node's output
                edges.append((a.grad_fn, a.output_nr))
                continue
            if a._requires_grad:  # a leaf that wants a gradient: the edge leads to the tensor itself
                edges.append((a, 0))
                continue
            constants |= 1 << len(edges)  # a tensor that wants none (data, a constant)
        edges.append(None)
    if edges.count(None) == len(edges):
        return False
    ctx.next_functions, ctx._constants = tuple(edges), constants
    return True


def _check_devices(cls, args) -> None:
    """The tensors among ``args`` must share a device."""
    first = None
    for a in args:
        if isinstance(a, Tensor):
            if first is None:
                first = a
            elif type(a.array) is not type(first.array) and a.device != first.device:
                raise RuntimeError(
                    "Expected all tensors to be on the same device, but found at least two devices, "
                    f"{first.device} and {a.device}! (in {cls.__name__}; move one with .to(device))")


def _resolve_saved(ctx: Node, raws: tuple, outs: tuple) -> None:
    """Tag each saved object, in place: an output (rebuilt lazily), an input tensor (version-checked)
    or data. When an output was among them, the node also watches the outputs' version counters."""
    saved = ctx._saved
    k = 0
    for s in saved:
        # is it one of the outputs? (itself, not an equal value; most ops have one output)
        if s is raws[0]:
            nr = 0
        else:
            nr = -1 if len(raws) == 1 else next((i for i, r in enumerate(raws) if r is s), -1)
        if nr >= 0:  # keep the array, not the output Tensor (which holds this node: a cycle)
            saved[k] = ("out", outs[nr].array, nr)
            ctx._out_versions = [o._version for o in outs]
        elif isinstance(s, Tensor):
            saved[k] = ("tensor", s, s._version[0])
        elif backend.is_array(s):
            saved[k] = ("array", s, None)
        else:
            saved[k] = ("other", s, None)
        k += 1


def once_differentiable(fn):
    """Marks a backward that is not itself differentiable (kept for PyTorch compatibility)."""
    return fn
