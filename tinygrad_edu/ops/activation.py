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


def relu(input, inplace=False):  # noqa: A002
    from .elementwise import relu as _relu
    return _relu(input)


def sigmoid(input):  # noqa: A002
    from .elementwise import sigmoid as _s
    return _s(input)


def tanh(input):  # noqa: A002
    from .elementwise import tanh as _t
    return _t(input)


def relu6(input, inplace=False):  # noqa: A002
    raise NotImplementedError('relu6 is not implemented yet')


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    raise NotImplementedError('leaky_relu is not implemented yet')


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    raise NotImplementedError('elu is not implemented yet')


def gelu(input, approximate='none'):  # noqa: A002
    raise NotImplementedError('gelu is not implemented yet')


def silu(input, inplace=False):  # noqa: A002
    raise NotImplementedError('silu is not implemented yet')


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    raise NotImplementedError('softplus is not implemented yet')


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    raise NotImplementedError('hardtanh is not implemented yet')


__all__ = ["relu", "relu6", "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "sigmoid", "tanh",
           "softmax", "log_softmax"]
