"""Helpers that act on a model's parameters: gradient clipping and flattening to one vector."""
from __future__ import annotations

import math
from typing import Iterable, Union

from ...autograd.grad_mode import no_grad
from ...ops.reduction import norm
from ...ops.shape import cat, stack
from ...tensor import Tensor

_Params = Union[Tensor, Iterable[Tensor]]


def _as_list(parameters: _Params) -> list:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


@no_grad()
def clip_grad_norm_(parameters: _Params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``; returns the norm
    before clipping (worth logging: a spike means an exploding gradient).

    The joint norm is the norm of the per-parameter norms, i.e. the norm of every gradient
    concatenated into one vector. Clipping keeps the gradient's direction and only shortens it."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    total = norm(stack([norm(g, norm_type) for g in grads]), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    coef = min(float(max_norm) / (total.item() + 1e-6), 1.0)  # the 1e-6 guards a zero norm
    for g in grads:
        g.mul_(coef)
    return total


@no_grad()
def clip_grad_value_(parameters: _Params, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters: _Params) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (in ``parameters()`` order)."""
    return cat([p.reshape(-1) for p in _as_list(parameters)])


@no_grad()
def vector_to_parameters(vec: Tensor, parameters: _Params) -> None:
    """The reverse: copy consecutive slices of ``vec`` into the parameters, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = _as_list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector of {total} elements, but got shape "
                           f"{list(vec.shape)}")
    offset = 0
    for p in params:
        n = p.numel()
        p.copy_(vec[offset:offset + n].reshape(p.shape))
        offset += n
