"""Running sums and products along a dim (``cumsum``, ``cumprod``) and the product ``prod``.

cumsum:  y_i = x_0 + ... + x_i. Each x_k appears in y_k, y_k+1, ..., so its gradient is the sum of
those dy: the cumulative sum taken from the other end, ``flip(cumsum(flip(dy)))``.

prod:  y = x_0 * x_1 * ... The derivative by x_k is the product of all the *other* elements. The
textbook shortcut y / x_k breaks when x_k is 0, so it is computed without dividing: the product of
the elements before k times the product of those after k, two running products (``cumprod``) taken
from both ends.

cumprod:  y_i = x_0 * ... * x_i, so dx_k = sum over i >= k of dy_i * (y_i without the factor x_k).
Without zeros that is ``flip(cumsum(flip(dy * y))) / x_k``. A zero at position z (the first one in
its row) needs care: before z the formula above still holds (x_k is not 0); at z, the same sum
computed with x_z replaced by 1; after z, every term still holds the factor x_z, so it is x_z times
the gradient of the row with x_z replaced by 1, found the same way (the next zero is then the first).
All of it is Tensor ops, so the second derivative is right even at zeros.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from . import elementwise as E
from .transformations import flip
from .shape import cat, gather


def _input(x, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def _with_dtype(x: Tensor, dtype) -> Tensor:
    """``dtype`` if given; otherwise bools and integers accumulate in int64, as in PyTorch."""
    if dtype is not None:
        return x.to(dtype)
    return x.to(backend.int64) if x.dtype.kind < 2 else x


def _reverse_cumsum(g: Tensor, dim: int) -> Tensor:
    """r_k = g_k + g_k+1 + ... + g_last along ``dim``."""
    return flip(cumsum(flip(g, dim), dim), dim)


# ----------------------------------------------------------------------------- cumsum
class Cumsum(Function):
    """y_i = x_0 + ... + x_i along dim;  dx_k = dy_k + ... + dy_last (cumsum from the other end)."""
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return x.xp.cumsum(x.array, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return _reverse_cumsum(g, ctx.dim), None


def cumsum(input: Tensor, dim: int, dtype=None) -> Tensor:  # noqa: A002
    """Running sum along ``dim``: y_i = x_0 + ... + x_i (bools and integers sum in int64)."""
    x = _with_dtype(_input(input, "cumsum"), dtype)
    d = _wrap_dim(dim, x.ndim, "cumsum")
    if x.ndim == 0:
        return Cumsum.apply(x.reshape(1), 0).reshape(())
    return Cumsum.apply(x, d)


# ----------------------------------------------------------------------------- cumprod
class Cumprod(Function):
    """y_i = x_0 * ... * x_i along dim;  dx_k = sum_{i >= k} dy_i * (x_0 ... x_i without x_k)
    (see the module docstring for how zeros are handled without dividing by them)."""
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = x.xp.cumprod(x.array, axis=dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return _cumprod_backward(x, y, g, ctx.dim), None


def _cumprod_backward(x: Tensor, y: Tensor, g: Tensor, d: int) -> Tensor:
    """The gradient of cumprod(x) along ``d`` for the output gradient ``g`` (y = cumprod(x))."""
    xp, a = x.xp, x.array
    zero = a == 0
    if not zero.any():
        return _reverse_cumsum(g * y, d) / x
    n = a.shape[d]
    pos = xp.arange(n).reshape([n if i == d else 1 for i in range(a.ndim)])
    # the first zero of each row along d (n where a row has none)
    first = xp.where(zero.any(axis=d, keepdims=True), zero.argmax(axis=d, keepdims=True), n)
    before, at = Tensor._make(pos < first), Tensor._make(pos == first)
    # before the first zero: divide by x_k, which is not 0 there
    grad_before = _reverse_cumsum(g * y, d) / E.where(before, x, 1.0)
    # from the first zero on: the row with that zero replaced by 1, times x_z after it
    x1 = E.where(at, 1.0, x)
    rest = _cumprod_backward(x1, cumprod(x1, d), g, d)
    x_z = gather(x, d, Tensor._make(xp.minimum(first, n - 1)))
    return E.where(before, grad_before, E.where(at, 1.0, x_z) * rest)


def cumprod(input: Tensor, dim: int, dtype=None) -> Tensor:  # noqa: A002
    """Running product along ``dim``: y_i = x_0 * ... * x_i (bools and integers in int64)."""
    x = _with_dtype(_input(input, "cumprod"), dtype)
    d = _wrap_dim(dim, x.ndim, "cumprod")
    if x.ndim == 0:
        return Cumprod.apply(x.reshape(1), 0).reshape(())
    return Cumprod.apply(x, d)


# ----------------------------------------------------------------------------- prod
class Prod(Function):
    """y = product of x along dim;  dx_k = dy * (x_0 ... x_k-1) * (x_k+1 ... x_last): the product of
    all the other elements, with no division (so a zero x_k is no problem)."""
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.dim, ctx.keepdim = dim, keepdim
        ctx.save_for_backward(x)
        return x.xp.prod(x.array, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        d = ctx.dim
        if not ctx.keepdim:
            g = g.unsqueeze(d)
        return g * _products_of_others(x, d), None, None


def _products_of_others(x: Tensor, d: int) -> Tensor:
    """o_k = product of all x_j with j != k along ``d``: (x_0 ... x_k-1) * (x_k+1 ... x_last), each a
    running product of x shifted by one with a 1 coming in at the end."""
    n = x.shape[d]
    if n <= 1:
        return Tensor._make(x.xp.ones(x.shape, dtype=x.array.dtype))  # no other elements: the empty product, 1
    one_shape = tuple(1 if i == d else s for i, s in enumerate(x.shape))
    one = Tensor._make(x.xp.ones(one_shape, dtype=x.array.dtype))
    head = (slice(None),) * d + (slice(0, n - 1),)
    tail = (slice(None),) * d + (slice(1, n),)
    before = cumprod(cat([one, x[head]], d), d)                       # x_0 ... x_k-1
    after = flip(cumprod(flip(cat([x[tail], one], d), d), d), d)      # x_k+1 ... x_last
    return before * after


def prod(input: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """The product of all elements, or along ``dim`` (bools and integers multiply in int64)."""
    x = _with_dtype(_input(input, "prod"), dtype)
    if dim is None:
        out = Prod.apply(x.reshape(-1), 0, False)
        return out.reshape((1,) * x.ndim) if keepdim else out
    d = _wrap_dim(dim, x.ndim, "prod")
    if x.ndim == 0:
        return Prod.apply(x.reshape(1), 0, False)
    return Prod.apply(x, d, keepdim)


__all__ = ["cumsum", "cumprod", "prod"]
