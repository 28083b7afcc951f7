"""Flip and roll: ops that move elements around (PyTorch's TensorTransformations).

Each is its own derivative's mirror image: the gradient is moved back the same way (flip again,
roll by ``-shifts``).
"""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .checks import tensor_arg


def _dims_tuple(dims) -> tuple:
    """An int or a sequence of ints as a tuple."""
    if isinstance(dims, (tuple, list)):
        return tuple(dims)
    return (dims,)


class Flip(Function):
    """y = x reversed along ``dims``;  dx = dy reversed along the same dims."""
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.xp.flip(x.array, axis=dims).copy()  # a copy, as PyTorch's flip: never a view of x

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def flip(input: Tensor, *dims) -> Tensor:  # noqa: A002
    """Reverse the order of elements along ``dims`` (``flip(x, (0, 1))``; the method also takes
    ``x.flip(0, 1)``)."""
    x = tensor_arg(input, "flip")
    dims = _dims_tuple(dims[0]) if len(dims) == 1 else tuple(dims)
    wrapped = tuple(_wrap_dim(d, x.ndim, "flip") for d in dims)
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if x.ndim == 0 or not wrapped:
        return Flip.apply(x, ())
    return Flip.apply(x, wrapped)


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (elements leaving one end come back at
    the other);  dx = dy rolled back by ``-shifts``."""
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return x.xp.roll(x.array, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(g, back, ctx.dims), None, None


def roll(input: Tensor, shifts, dims=None) -> Tensor:  # noqa: A002
    """Shift elements cyclically; without ``dims`` the tensor is flattened, rolled and reshaped back."""
    x = tensor_arg(input, "roll")
    shift_t = _dims_tuple(shifts)
    if dims is None:
        if len(shift_t) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_t)}, dims:0")
        return Roll.apply(x, int(shift_t[0]), None)
    dim_t = _dims_tuple(dims)
    if len(shift_t) != len(dim_t):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_t)}, dims:{len(dim_t)}")
    dim_t = tuple(_wrap_dim(d, x.ndim, "roll") for d in dim_t)
    if x.ndim == 0:
        return Roll.apply(x, 0, None)
    return Roll.apply(x, tuple(int(s) for s in shift_t), dim_t)


__all__ = ["flip", "roll"]
