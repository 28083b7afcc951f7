"""``autograd.functional``: derivatives of a whole function, built on ``autograd.grad``.

    vjp(f, x, v)    vᵀ J         one reverse pass
    jvp(f, x, v)    J v          two reverse passes (the "double-vjp" trick: J v is the gradient,
                                 with respect to u, of uᵀ J v ... computed as d/du <vjp(u), v>)
    jacobian(f, x)  J            one reverse pass per output element
    hessian(f, x)   ∇² f         the Jacobian of the gradient
    hvp / vhp       H v, vᵀ H    (equal: H is symmetric)

``inputs`` is a tensor or a tuple of tensors; results have the same structure, as in PyTorch.
"""
from __future__ import annotations

from typing import Callable

from ..ops.shape import stack
from ..tensor import Tensor
from . import grad


def _as_tuple(x, name: str, op: str):
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"The {name} given to {op} must be either a Tensor or a tuple of Tensors but the value "
                            f"at index {i} has type {type(t).__name__}.")
    return is_tuple, xs


def _grad_inputs(inputs, create_graph: bool):
    """Fresh leaves that require grad (detached copies unless we are building a graph through them)."""
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph: bool):
    gs = grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
    return tuple(g if g is not None else Tensor._make(x.xp.zeros_like(x.array)) for g, x in zip(gs, inputs))


def _out(is_tuple, xs):
    return tuple(xs) if is_tuple else xs[0]


def _detach(xs, create_graph):
    return tuple(x if create_graph else x.detach() for x in xs)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), vᵀ J): the vector-Jacobian product at ``inputs``."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _grad_inputs(xs, create_graph)
    out = func(*xs)
    out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "vjp")
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
        vs = (None,)
    else:
        _, vs = _as_tuple(v, "v", "vjp")
    g = _grads(outs, xs, vs, create_graph)
    return _out(out_tuple, _detach(outs, create_graph)), _out(in_tuple, _detach(g, create_graph))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    xs = _grad_inputs(xs, create_graph)
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        vs = (Tensor._make(xs[0].xp.ones_like(xs[0].array)),)
    else:
        _, vs = _as_tuple(v, "v", "jvp")
    out = func(*xs)
    out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jvp")
    us = tuple(Tensor._make(o.xp.zeros_like(o.array)).requires_grad_(True) for o in outs)  # dummy cotangents
    g = _grads(outs, xs, us, create_graph=True)          # uᵀ J, linear in u
    jv = _grads(g, us, vs, create_graph)                 # d/du <uᵀ J, v> = J v
    return _out(out_tuple, _detach(outs, create_graph)), _out(out_tuple, _detach(jv, create_graph))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """J[i][j] = d output_i / d input_j, each block of shape output_i.shape + input_j.shape."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _grad_inputs(xs, create_graph)
    out = func(*xs)
    out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jacobian")
    blocks = []
    for o in outs:
        flat = o.reshape(-1)
        rows = [[] for _ in xs]
        for k in range(flat.shape[0]):       # one reverse pass per output element: row k of J
            for j, g in enumerate(_grads((flat[k],), xs, None, create_graph)):
                rows[j].append(g)
        row_blocks = []
        for j, x in enumerate(xs):
            if rows[j]:
                block = stack(rows[j]).reshape(*o.shape, *x.shape)
            else:
                block = Tensor._make(x.xp.zeros(tuple(o.shape) + tuple(x.shape), dtype=x.array.dtype))
            row_blocks.append(block if create_graph else block.detach())
        blocks.append(_out(in_tuple, row_blocks))
    return _out(out_tuple, blocks)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The matrix of second derivatives of a scalar function: the Jacobian of its gradient."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*ys):
        out = func(*ys)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        g = _grads((out.reshape(()),), ys, None, create_graph=True)
        return _out(in_tuple, g)
    return jacobian(gradient, _out(in_tuple, xs), create_graph=create_graph)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), vᵀ H) for a scalar function."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vhp")
    xs = _grad_inputs(xs, True)
    out = func(*xs)
    if not isinstance(out, Tensor) or out.numel() != 1:
        raise RuntimeError("The function given to vhp should return a single Tensor with a single element")
    _, vs = _as_tuple(v, "v", "vhp")
    g = _grads((out.reshape(()),), xs, None, create_graph=True)
    hv = _grads(g, xs, vs, create_graph)
    return out.detach(), _out(in_tuple, _detach(hv, create_graph))


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v): equal to vᵀ H, since a Hessian is symmetric."""
    return vhp(func, inputs, v, create_graph, strict)


__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]
