"""Sorting: ``sort``, ``argsort`` and ``topk``.

The order is found on the raw array (an argsort: a permutation, which has no derivative), and the
values are then picked out of the input with ``gather`` along ``dim``. So no new backward is
needed: gather's derivative scatters each gradient back to the position its value came from,

    values[j] = x[indices[j]]   ->   dx[indices[j]] += dvalues[j],

and that scatter is itself differentiable, so second derivatives work too. Equal values keep
their original order (the sort is stable), and the gradient goes to the element whose index is
returned.
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor, _wrap_dim
from .checks import tensor_arg
from .reduction import _ValuesIndices
from .shape import Gather


def _order(x: Tensor, dim: int, descending: bool):
    """The stable argsort of ``x`` along ``dim``, as an int64 array (NaN counts as the largest value,
    as in PyTorch). Descending: sort the reversed array ascending and reverse the result, which
    keeps equal elements in their original order."""
    xp, a = x.xp, x.array
    if not descending:
        idx = xp.argsort(a, axis=dim, kind="stable")
    else:
        idx = a.shape[dim] - 1 - xp.flip(xp.argsort(xp.flip(a, axis=dim), axis=dim, kind="stable"), axis=dim)
    return idx.astype(backend.int64.np, copy=False)


def _pick(x: Tensor, dim: int, idx) -> _ValuesIndices:
    """(x gathered at ``idx`` along ``dim``, the indices as an int64 tensor)."""
    return _ValuesIndices((Gather.apply(x, dim, Tensor._make(idx)), Tensor._make(idx)))


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> _ValuesIndices:  # noqa: A002
    """(values, indices): ``input`` sorted along ``dim``, and where each value came from, so that
    ``values == input.gather(dim, indices)``. The sort is always stable (``stable`` is accepted)."""
    x = tensor_arg(input, "sort")
    d = _wrap_dim(dim, x.ndim, "sort")
    if x.ndim == 0:  # one element: itself, at index 0
        values, indices = sort(x.reshape(1), 0, descending)
        return _ValuesIndices((values.reshape(()), indices.reshape(())))
    return _pick(x, d, _order(x, d, descending))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    """The indices that sort ``input`` along ``dim`` (int64; no gradient)."""
    x = tensor_arg(input, "argsort")
    d = _wrap_dim(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return Tensor._make(x.xp.zeros((), dtype=backend.int64.np))
    return Tensor._make(_order(x, d, descending))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True) -> _ValuesIndices:  # noqa: A002
    """(values, indices) of the ``k`` largest (``largest=False``: smallest) elements along ``dim``,
    largest first. The gradient reaches only those k elements."""
    x = tensor_arg(input, "topk")
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    d = _wrap_dim(dim, x.ndim, "topk")
    size = x.shape[d] if x.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        values, indices = topk(x.reshape(1), k, 0, largest)
        return _ValuesIndices((values.reshape(()), indices.reshape(()))) if k else _ValuesIndices((values, indices))
    order = _order(x, d, descending=largest)
    first_k = (slice(None),) * d + (slice(0, k),)
    return _pick(x, d, order[first_k])


__all__ = ["sort", "argsort", "topk"]
