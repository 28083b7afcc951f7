"""MaxUnpool (the partial inverse of max pooling) and LPPool (the power-average pool).

max_unpool: each pooled value goes back to the place in the input plane its max came from (the
``indices`` that ``max_pool(..., return_indices=True)`` returns); every other position is 0. It is a
scatter (ops/indexing.py's ``Scatter``), so its gradient is the matching gather.

lp_pool: (sum over the window of x^p)^(1/p): p = 1 is sum pooling, p -> inf tends to max pooling.
Built on ``avg_pool`` (times the window size), so its gradient comes from its parts.
"""
from __future__ import annotations

import math

from ..tensor import Tensor
from .checks import tensor_arg
from .output_size import ntuple
from .pooling import avg_pool1d, avg_pool2d, avg_pool3d
from .indexing import Scatter
from .shape import reshape


def _max_unpool(op: str, d: int, input, indices, kernel_size, stride, padding, output_size):  # noqa: A002
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{op}(): input and indices must be Tensors")
    if indices.dtype.kind != 1:
        raise RuntimeError(f"{op}(): elements in indices should be type int64 but got: {indices.dtype.name}")
    if input.shape != indices.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{op}(): Expected {d + 1}D or {d + 2}D tensor, but got {input.ndim}D")
    kernel = ntuple(kernel_size, d, "kernel_size", op)
    st = kernel if stride is None else ntuple(stride, d, "stride", op)
    pad = ntuple(padding, d, "padding", op)
    spatial = tuple(input.shape[-d:])
    if output_size is None:
        size = tuple((s - 1) * t - 2 * p + k for s, t, p, k in zip(spatial, st, pad, kernel))
    else:
        size = tuple(output_size)[-d:]
    lead = tuple(input.shape[:-d])
    plane = math.prod(size)
    idx = indices.array.reshape(lead + (-1,))
    if idx.size and (int(idx.max()) >= plane or int(idx.min()) < 0):
        raise RuntimeError(f"Found an invalid max index: {int(idx.max())} (output volumes are of size "
                           f"{'x'.join(map(str, size))}")
    flat = reshape(input, *lead, -1)
    zeros = Tensor._make(input.xp.zeros(lead + (plane,), dtype=input.array.dtype))
    # overwrite, not add: overlapping pool windows can name the same winner twice (with the same value)
    out = Scatter.apply(zeros, len(lead), Tensor._make(idx), flat)
    return reshape(out, *lead, *size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Put each value of ``input`` at its ``indices`` position in a zero (N, C, H, W) plane."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(pool, d, input, norm_type, kernel_size, stride, ceil_mode):  # noqa: A002
    tensor_arg(input, f"lp_pool{d}d")
    if norm_type <= 0:
        raise ValueError(f"lp_pool{d}d(): norm_type must be positive, but got {norm_type}")
    kernel = ntuple(kernel_size, d, "kernel_size", f"lp_pool{d}d")
    s = pool(input ** norm_type, kernel, stride, 0, ceil_mode) * float(math.prod(kernel))
    return s ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    return _lp_pool(avg_pool1d, 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """(sum of x^p over each window)^(1/p)."""
    return _lp_pool(avg_pool2d, 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    return _lp_pool(avg_pool3d, 3, input, norm_type, kernel_size, stride, ceil_mode)
