"""Automatic differentiation: ``Function`` for ops, ``backward``/``grad`` to run the reverse pass,
grad-mode switches, ``gradcheck`` and anomaly detection."""
from __future__ import annotations

from typing import Optional, Sequence, Union

from ..tensor import Tensor
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import _GradStore, check_roots, run_backward
from .function import Function, Node, once_differentiable
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


def _as_list(x):
    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def _root_grads(outputs, grad_outputs, op: str):
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs or [None] * len(outputs))):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs (got output {i} "
                                   f"of shape {list(out.shape)}); pass gradient= to {op} with that shape")
            g = Tensor._make(out.xp.ones(out.shape, dtype=out.array.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._make(out.xp.asarray(g, dtype=out.array.dtype))
        if g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and "
                               f"output[{i}] has a shape of {list(out.shape)}.")
        if g.dtype is not out.dtype and out.dtype.is_floating_point:
            g = g.to(out.dtype)  # as PyTorch does: a float64 gradient must not turn float32 work into float64
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph: Optional[bool] = None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of every leaf that requires grad."""
    tensors = _as_list(tensors)
    check_roots(tensors)  # before any gradient is made for them
    grads = _root_grads(tensors, _as_list(grad_tensors), "backward")
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        inputs = _as_list(inputs)
        captured = run_backward(tensors, grads, retain, create_graph, inputs=inputs)
        store = _GradStore(create_graph)
        for g in grads:
            store.take(g.array)  # the caller's gradients: never stored as anyone's .grad
        for t in inputs:
            g = captured.get(id(t))
            if g is not None:
                store.accumulate(t, g)
        return
    run_backward(tensors, grads, retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: Optional[bool] = None, create_graph: bool = False,
         allow_unused: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``)."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    check_roots(outputs)
    grads = _root_grads(outputs, _as_list(grad_outputs), "grad")
    retain = create_graph if retain_graph is None else retain_graph
    captured = run_backward(outputs, grads, retain, create_graph, inputs=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                               "the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


__all__ = ["Function", "Node", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "gradcheck", "gradgradcheck", "GradcheckError", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "once_differentiable"]
