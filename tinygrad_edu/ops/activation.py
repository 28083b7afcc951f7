"""Activation functions. Each is stable at extreme inputs (no overflow in exp)."""
from __future__ import annotations

from typing import Optional

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .elementwise import float_operand


class Softmax(Function):
    """y = e^(x - max) / sum e^(x - max) along dim;  dx = y * (dy - sum(dy * y))."""
    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """y = x - logsumexp(x) along dim;  dx = dy - softmax(x) * sum(dy)."""
    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        m = a.max(axis=dim, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        y = a - (xp.log(xp.exp(a - m).sum(axis=dim, keepdims=True)) + m)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def _softmax_dim(x: Tensor, dim: Optional[int], op: str) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return _wrap_dim(dim, x.ndim, op)


def softmax(input: Tensor, dim: Optional[int] = None, dtype=None) -> Tensor:  # noqa: A002
    x = float_operand(input if dtype is None else input.to(dtype))
    return Softmax.apply(x, _softmax_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: Optional[int] = None, dtype=None) -> Tensor:  # noqa: A002
    x = float_operand(input if dtype is None else input.to(dtype))
    return LogSoftmax.apply(x, _softmax_dim(x, dim, "log_softmax"))
