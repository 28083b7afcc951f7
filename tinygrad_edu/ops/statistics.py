"""Order statistics and counting: kthvalue, median, nanmedian, mode, quantile, unique,
unique_consecutive, bincount, histc, count_nonzero, nansum, nanmean.

The order statistics pick elements, so their values are a ``gather`` of the input at the chosen
indices and the gradient flows back to exactly those elements (to the first of equal values for
kthvalue and median, the last for mode). Counting gives integers and has no gradient.
"""
from __future__ import annotations

from typing import Optional

from .. import backend
from ..tensor import Tensor, _wrap_dim
from . import elementwise as E
from .reduction import _ValuesIndices
from .shape import gather, reshape, stack
from .sorting import sort
from .checks import tensor_arg


def _pick(x: Tensor, d: int, index, keepdim: bool):
    """(values, indices) at ``index`` (an array with x's shape but 1 along d)."""
    idx = Tensor._make(index.astype(backend.int64.np))
    values = gather(x, d, idx)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return _ValuesIndices((values, idx))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """The k-th smallest element (k from 1) along ``dim``, and its index."""
    x = tensor_arg(input, "kthvalue")
    if x.ndim == 0:
        x = reshape(x, 1)
        if k != 1:
            raise IndexError("kthvalue(): selected number k out of range for dimension 0")
        return _ValuesIndices((input.clone(), Tensor._make(x.xp.asarray(0, dtype=backend.int64.np))))
    d = _wrap_dim(dim, x.ndim, "kthvalue")
    if not 1 <= k <= x.shape[d]:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {d}")
    order = x.xp.argsort(x.array, axis=d, kind="stable")
    index = x.xp.take(order, [k - 1], axis=d)
    return _pick(x, d, index, keepdim)


def median(input: Tensor, dim: Optional[int] = None, keepdim: bool = False):  # noqa: A002
    """The lower median (the ((n - 1) // 2)-th smallest, as PyTorch takes it): of all elements, or
    (values, indices) along ``dim``."""
    x = tensor_arg(input, "median")
    if dim is None:
        flat = reshape(x, -1)
        if flat.shape[0] == 0:
            return Tensor._make(x.xp.asarray(float("nan"), dtype=x.array.dtype))
        return kthvalue(flat, (flat.shape[0] + 1) // 2).values
    d = _wrap_dim(dim, x.ndim, "median")
    n = x.shape[d] if x.ndim else 1
    return kthvalue(x, (n + 1) // 2, d, keepdim)


def nanmedian(input: Tensor, dim: Optional[int] = None, keepdim: bool = False):  # noqa: A002
    """The median ignoring nans (nans sort last, so the k-th of the non-nan count)."""
    x = tensor_arg(input, "nanmedian")
    if dim is None:
        flat = reshape(x, -1)
        count = int((~x.xp.isnan(flat.array)).sum())
        if count == 0:
            return Tensor._make(x.xp.asarray(float("nan"), dtype=x.array.dtype))
        return kthvalue(flat, (count + 1) // 2).values
    d = _wrap_dim(dim, x.ndim, "nanmedian")
    xp = x.xp
    order = xp.argsort(x.array, axis=d, kind="stable")                 # nans last
    count = (~xp.isnan(x.array)).sum(axis=d, keepdims=True)
    k = xp.maximum((count + 1) // 2 - 1, 0)
    index = xp.take_along_axis(order, k, axis=d)
    return _pick(x, d, index, keepdim)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """The most frequent value along ``dim`` (the smallest on a tie) and the index of its last occurrence."""
    x = tensor_arg(input, "mode")
    xs = x if x.ndim else reshape(x, 1)
    d = _wrap_dim(dim, xs.ndim, "mode")
    xp = xs.xp
    a = xp.moveaxis(xs.array, d, -1)
    n = a.shape[-1]
    rows = a.reshape(-1, n)
    best = xp.empty(rows.shape[0], dtype=backend.int64.np)
    for r, row in enumerate(rows):
        values, counts = xp.unique(row, return_counts=True)             # sorted: ties go to the smallest
        winner = values[int(xp.argmax(counts))]
        best[r] = n - 1 - int(xp.argmax((row == winner)[::-1]))         # its last occurrence
    index = xp.moveaxis(best.reshape(a.shape[:-1] + (1,)), -1, d)
    out = _pick(xs, d, index, keepdim)
    if x.ndim == 0:
        return _ValuesIndices((out.values.reshape(()), out.indices.reshape(())))
    return out


def quantile(input: Tensor, q, dim: Optional[int] = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """The q-quantile(s) along ``dim`` (all elements by default): linear interpolation between the
    two nearest order statistics (or 'lower', 'higher', 'nearest', 'midpoint')."""
    x = tensor_arg(input, "quantile")
    if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise ValueError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    qs = x.xp.atleast_1d(x.xp.asarray(q.array if isinstance(q, Tensor) else q, dtype=backend.float64.np))
    if bool((qs < 0).any()) or bool((qs > 1).any()):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        d = _wrap_dim(dim, x.ndim, "quantile")
    n = x.shape[d]
    s = sort(x, d).values
    outs = []
    for qv in qs.tolist():
        pos = qv * (n - 1)
        lo, hi = int(pos // 1), min(int(pos // 1) + 1, n - 1)
        frac = pos - lo
        if interpolation == "lower" or interpolation == "nearest" and (frac < 0.5 or frac == 0.5 and lo % 2 == 0):
            frac = 0.0
        elif interpolation == "higher" and frac > 0 or interpolation == "nearest":
            frac = 1.0
        elif interpolation == "midpoint" and frac > 0:
            frac = 0.5
        a = s.narrow(d, lo, 1)
        b = s.narrow(d, hi, 1)
        val = a + (b - a) * frac if frac else a
        outs.append(val if keepdim or dim is None and keepdim else val.squeeze(d))
    if dim is None and keepdim:
        outs = [o.reshape(*([1] * input.ndim)) for o in outs]
    elif dim is None:
        outs = [o.reshape(()) for o in outs]
    if scalar_q:
        return outs[0]
    return stack(outs, 0)


# ----------------------------------------------------------------------------- counting
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: Optional[int] = None):
    """The distinct values (or distinct slices along ``dim``), sorted; with ``return_inverse`` the index
    of each input element in them, with ``return_counts`` how often each occurs."""
    x = tensor_arg(input, "unique")
    axis = None if dim is None else _wrap_dim(dim, x.ndim, "unique")
    out = x.xp.unique(x.array, return_inverse=True, return_counts=True, axis=axis)
    values, inverse, counts = out
    if axis is None:
        inverse = inverse.reshape(x.shape)
    result = [Tensor._make(values)]
    if return_inverse:
        result.append(Tensor._make(inverse.reshape(-1).astype(backend.int64.np) if axis is not None else
                                   inverse.astype(backend.int64.np)))
    if return_counts:
        result.append(Tensor._make(counts.astype(backend.int64.np)))
    return result[0] if len(result) == 1 else tuple(result)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
                       dim: Optional[int] = None):
    """Collapse runs of equal consecutive values (of the flattened input) to one: [1, 1, 2, 1] -> [1, 2, 1]."""
    x = tensor_arg(input, "unique_consecutive")
    if dim is not None:
        raise NotImplementedError("unique_consecutive(dim=...) is not implemented in tinygrad_edu")
    xp, a = x.xp, x.array.reshape(-1)
    starts = xp.concatenate([xp.asarray([True]), a[1:] != a[:-1]]) if a.size else xp.zeros(0, dtype=bool)
    result = [Tensor._make(a[starts])]
    if return_inverse:
        result.append(Tensor._make((xp.cumsum(starts) - 1).reshape(x.shape).astype(backend.int64.np)))
    if return_counts:
        edges = xp.concatenate([xp.nonzero(starts)[0], xp.asarray([a.size])])
        result.append(Tensor._make(xp.diff(edges).astype(backend.int64.np)))
    return result[0] if len(result) == 1 else tuple(result)


def bincount(input: Tensor, weights: Optional[Tensor] = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value 0, 1, ..., max occurs in a 1-D non-negative int tensor (or the sum of
    ``weights`` at each value)."""
    x = tensor_arg(input, "bincount")
    if x.ndim != 1 or x.dtype.kind != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if x.numel() and int(x.array.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    w = None if weights is None else weights.array
    if w is not None and w.shape != x.array.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = x.xp.bincount(x.array, weights=w, minlength=minlength)
    dt = backend.int64.np if w is None else (w.dtype if w.dtype.kind == "f" else backend.float64.np)
    return Tensor._make(out.astype(dt))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """A histogram of ``bins`` equal-width bins over [min, max] (the data's range if both are 0);
    values outside are ignored, and ``max`` itself goes in the last bin."""
    x = tensor_arg(input, "histc")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f'"histogram_cpu" not implemented for \'{x.dtype.name.capitalize()}\'')
    if bins <= 0:
        raise RuntimeError("bins must be > 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.numel():
        lo, hi = float(x.array.min()), float(x.array.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("max must be larger than min")
    counts, _ = x.xp.histogram(x.array, bins=bins, range=(lo, hi))
    return Tensor._make(counts.astype(x.array.dtype))


def count_nonzero(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    x = tensor_arg(input, "count_nonzero")
    axis = None if dim is None else tuple(_wrap_dim(d, x.ndim, "count_nonzero")
                                          for d in ((dim,) if isinstance(dim, int) else dim))
    return Tensor._make(x.xp.asarray(x.xp.count_nonzero(x.array, axis=axis)).astype(backend.int64.np))


def nansum(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The sum with nans counted as 0 (their gradient is 0)."""
    x = tensor_arg(input, "nansum")
    return E.where(Tensor._make(x.xp.isnan(x.array)), 0.0, x).sum(dim, keepdim=keepdim)


def nanmean(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The mean of the non-nan elements."""
    x = tensor_arg(input, "nanmean")
    count = Tensor._make((~x.xp.isnan(x.array)).astype(x.array.dtype)).sum(dim, keepdim=keepdim)
    return nansum(x, dim, keepdim) / count


__all__ = ["kthvalue", "median", "nanmedian", "mode", "quantile", "unique", "unique_consecutive", "bincount", "histc",
           "count_nonzero", "nansum", "nanmean"]
