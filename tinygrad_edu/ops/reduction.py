"""Reductions (sum, mean, max, var, ...) and their partner, broadcasting (expand / sum_to).

Sum and BroadcastTo are each other's derivative; so are SumTo and BroadcastTo. That pair is all
the engine needs to undo broadcasting for every op.
"""
from __future__ import annotations

import builtins
from typing import Optional, Sequence, Union

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .elementwise import float_operand, maximum, minimum, where
from .shape import gather

Dims = Union[None, int, Sequence[int]]


def normalize_dims(dim: Dims, ndim: int, op: str) -> Optional[tuple]:
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)  # _wrap_dim refuses non-ints
    out = tuple(sorted(_wrap_dim(d, ndim, op) for d in dims))
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}(): dim {list(dims)} appears multiple times in the list of dims")
    return out if ndim else ()  # a 0-d tensor accepts dim 0 or -1, as in PyTorch: nothing to reduce


def _keepdim_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Function):
    """y = sum of x over dims;  dx = dy broadcast back to x's shape."""
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.array.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        dims = ctx.dims if ctx.dims is not None else tuple(range(len(ctx.shape)))
        if not ctx.keepdim:
            g = g.reshape(_keepdim_shape(ctx.shape, dims))
        return broadcast_to(g, ctx.shape), None, None


class BroadcastTo(Function):
    """y = x repeated along broadcast dims (no copy);  dx = dy summed back to x's shape."""
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.xp.broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape), None


class SumTo(Function):
    """y = x summed down to ``shape`` (the reverse of broadcasting);  dx = dy broadcast back."""
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        a = x.array
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
        y = a.sum(axis=axes, keepdims=True) if axes else a
        return y.reshape(shape) if lead else y

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(g, ctx.shape), None


def broadcast_to(x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return BroadcastTo.apply(x, shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """Sum ``x`` down to ``shape`` (``shape`` must broadcast to ``x.shape``)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if len(shape) > x.ndim or builtins.any(s != 1 and s != t for s, t in zip(shape[::-1], x.shape[::-1])):
        raise RuntimeError(f"sum_to: shape {list(shape)} does not broadcast to {list(x.shape)}")
    return SumTo.apply(x, shape)


def expand(x: Tensor, *sizes) -> Tensor:
    """PyTorch's expand: -1 keeps a dimension; new dimensions go in front."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({x.ndim})")
    shape = []
    for i, s in enumerate(sizes):
        old = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if old is None:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension {i}")
            s = old
        elif old is not None and old != 1 and old != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({old}) "
                               f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(x.shape)}")
        shape.append(s)
    return broadcast_to(x, shape)


def sum(x: Tensor, dim: Dims = None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A001
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind < 2:
        x = x.to(backend.int64)  # sums of bools and ints are int64, as in PyTorch
    return Sum.apply(x, normalize_dims(dim, x.ndim, "sum"), keepdim)


def _count(x: Tensor, dims) -> int:
    n = 1
    for d in (dims if dims is not None else range(x.ndim)):
        n *= x.shape[d]
    return n


def mean(x: Tensor, dim: Dims = None, keepdim: bool = False, dtype=None) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, "
                           f"but got {x.dtype.name}; use .float() first")
    dims = normalize_dims(dim, x.ndim, "mean")
    return Sum.apply(x, dims, keepdim) / float(_count(x, dims))  # Python float keeps float32


def var(x: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        correction: Optional[int] = None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``), as in PyTorch."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    x = float_operand(x)
    dims = normalize_dims(dim, x.ndim, "var")
    d = x - mean(x, dims, keepdim=True)
    n = _count(x, dims)
    return Sum.apply(d * d, dims, keepdim) / float(builtins.max(n - correction, 0) or float("nan"))


def std(x: Tensor, dim: Dims = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        correction: Optional[int] = None) -> Tensor:
    """The square root of ``var``. Where the variance is 0 the gradient is 0, as in PyTorch (the
    root's slope is infinite there, but every (x - mean) is 0 too: without care, inf * 0 = nan)."""
    v = var(x, dim, unbiased, keepdim, correction)
    zero = v == 0
    return where(zero, 0.0, where(zero, 1.0, v).sqrt())  # NaN (too few elements) stays NaN


def norm(x: Tensor, p=2, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """The p-norm (``p`` a number, ``'fro'`` or ``inf``) over ``dim`` (all elements by default)."""
    normalize_dims(dim, x.ndim, "norm")  # arguments first, before any array work
    if p == "fro":
        p = 2
    inf = p in (float("inf"), "inf")
    if not inf and (not isinstance(p, (int, float)) or p <= 0):
        raise ValueError(f"norm(): p must be a positive number, 'fro' or inf, but got {p!r}")
    x = float_operand(x)
    if inf:
        return amax(x.abs(), dim, keepdim)
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    if p == 2:
        return _root(sum(x * x, dim, keepdim), 2)
    return _root(sum(x.abs() ** p, dim, keepdim), p)


def _root(s: Tensor, p) -> Tensor:
    """s ** (1/p) for s >= 0, with gradient 0 where s == 0 (PyTorch's choice at the zero vector,
    where the norm has a kink). The inner where keeps the root away from 0, so no inf * 0 = nan
    reaches the gradient; the outer one puts the true value, 0, back."""
    positive = s > 0
    return where(positive, where(positive, s, 1.0) ** (1.0 / p), 0.0)


def logsumexp(x: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) computed stably: the max is taken out before exponentiating."""
    x = float_operand(x)
    dims = normalize_dims(dim, x.ndim, "logsumexp")
    m = Tensor._make(x.array.max(axis=dims, keepdims=True))
    m.array[~x.xp.isfinite(m.array)] = 0  # all -inf (or inf) rows: leave them as they are
    out = (x - m).exp().sum(dims, keepdim=True).log() + m
    return out if keepdim else out.squeeze(dims)


class MaxAll(Function):
    """y = max(x) over all elements;  dx = dy shared evenly by the elements equal to the max."""
    @staticmethod
    def forward(ctx, x, dims, keepdim, is_min):
        a = x.array
        y = a.min(axis=dims, keepdims=True) if is_min else a.max(axis=dims, keepdims=True)
        mask = a == y
        ctx.weight = mask / mask.sum(axis=dims, keepdims=True)
        ctx.keep_shape = y.shape
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(a.shape) if i not in (dims or range(a.ndim))))

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.keep_shape) * ctx.weight.astype(g.array.dtype), None, None, None


def amax(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    dims = normalize_dims(dim, x.ndim, "amax") if dim is not None else tuple(range(x.ndim))
    _nonempty(x, dims, "amax")
    return MaxAll.apply(x, dims, keepdim, False)


def amin(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    dims = normalize_dims(dim, x.ndim, "amin") if dim is not None else tuple(range(x.ndim))
    _nonempty(x, dims, "amin")
    return MaxAll.apply(x, dims, keepdim, True)


def _nonempty(x, dims, op):
    if x.numel() == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                           f"Specify the reduction dim with the 'dim' argument (got shape {list(x.shape)})")


class _ValuesIndices(tuple):
    """What ``max(dim=...)`` returns: a (values, indices) pair with names, like PyTorch's."""

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _max_min(x: Tensor, dim, keepdim, is_min: bool, op: str):
    if dim is None:
        _nonempty(x, None, op)
        return MaxAll.apply(x, tuple(range(x.ndim)), False, is_min)
    d = _wrap_dim(dim, x.ndim, op)
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    arr = x.array if x.ndim else x.array.reshape(1)
    idx = (arr.argmin if is_min else arr.argmax)(axis=d if x.ndim else 0)
    idx_k = x.xp.expand_dims(idx, d if x.ndim else 0)
    values = gather(x if x.ndim else x.reshape(1), d if x.ndim else 0, Tensor._make(idx_k))
    if not keepdim or x.ndim == 0:
        values = values.squeeze(d if x.ndim else 0)
    else:
        idx = idx_k
    return _ValuesIndices((values, Tensor._make(idx.astype(backend.int64.np, copy=False))))


def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The largest element; with ``dim``, (values, indices) along it. The gradient goes to the
    element whose index is returned: the first maximal one along ``dim``."""
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return _max_min(x, dim, keepdim, False, "max")


def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _max_min(x, dim, keepdim, True, "min")


def argmax(x: Tensor, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return Tensor._make(x.xp.asarray(x.array.argmax(), dtype=backend.int64.np))
    return _max_min(x.detach(), dim, keepdim, False, "argmax")[1]


def argmin(x: Tensor, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return Tensor._make(x.xp.asarray(x.array.argmin(), dtype=backend.int64.np))
    return _max_min(x.detach(), dim, keepdim, True, "argmin")[1]


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    dims = normalize_dims(dim, x.ndim, "all")
    return Tensor._make(x.xp.asarray(x.array.astype(bool).all(axis=dims, keepdims=keepdim)))


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    dims = normalize_dims(dim, x.ndim, "any")
    return Tensor._make(x.xp.asarray(x.array.astype(bool).any(axis=dims, keepdims=keepdim)))
