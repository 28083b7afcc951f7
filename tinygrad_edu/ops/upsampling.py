"""``interpolate``: resizing images and volumes (PyTorch's UpSample ops).

Every mode is an index lookup times constant weights, so the gradient flows back through the same
lookups (scatter-added) and second derivatives work too; 'area' is adaptive average pooling.
"""
from __future__ import annotations

import math
from typing import Optional

from .. import backend
from ..tensor import Tensor
from .checks import tensor_arg
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d


_ALL_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}
_AXIS_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or backend.is_numpy_scalar(v) and \
        backend.np.issubdtype(type(v), backend.np.integer)


def _output_size(x: Tensor, d: int, size, scale_factor, recompute_scale_factor, allow_empty: bool):
    """(output sizes, the scales the kernels use or None per dim), checked as ``F.interpolate`` does."""
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor is not None and recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * d
        if not all(_is_int(s) for s in sizes):
            raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                            f"Tuple[int, int, int], but got size with types {[type(s) for s in sizes]}")
        if len(sizes) != d:
            raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {spatial} and output size of {tuple(size)}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             "...,oK) format.")
        out, scales = tuple(int(s) for s in sizes), (None,) * d
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * d
        if len(factors) != d:
            raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {spatial} and scale_factor of shape "
                             f"{tuple(scale_factor)}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                             "format and scale_factor in (s1, s2, ...,sK) format.")
        factors = tuple(float(f) for f in factors)
        out = tuple(math.floor(s * f) for s, f in zip(spatial, factors))
        scales = (None,) * d if recompute_scale_factor else factors
    if not allow_empty and (any(s <= 0 for s in spatial) or any(o <= 0 for o in out)):
        names = _AXIS_NAMES[d]
        raise RuntimeError("Input and output sizes should be greater than 0, but got input ("
                           + ", ".join(f"{k}: {s}" for k, s in zip(names, spatial)) + ") output ("
                           + ", ".join(f"{k}: {o}" for k, o in zip(names, out)) + ")")
    return out, scales


def _along(x: Tensor, dim: int, index) -> Tensor:
    """x indexed along one dim by an integer array (differentiable: the gradient is scatter-added)."""
    return x[(slice(None),) * dim + (Tensor._make(index),)]


def _scale(xp, dt, in_size: int, out_size: int, scale) -> object:
    """PyTorch's source step per output element, in the input's precision: 1/scale_factor when one
    was given, else in_size/out_size."""
    if scale is not None and scale > 0:
        return xp.asarray(1.0 / scale, dtype=dt)
    return xp.asarray(in_size, dtype=dt) / xp.asarray(out_size, dtype=dt)


def _nearest(x: Tensor, dim: int, out_size: int, scale, exact: bool) -> Tensor:
    """Each output element copies input[floor(dst * step)] ('nearest', PyTorch's legacy rule) or
    input[floor((dst + 0.5) * step)] ('nearest-exact'), clamped to the last element."""
    xp, in_size = x.xp, x.shape[dim]
    if not exact and x.ndim == 4 and out_size in (in_size, 2 * in_size):
        # PyTorch's 2-D nearest kernel special-cases these two sizes, whatever scale_factor was given
        return x if out_size == in_size else _along(x, dim, xp.arange(out_size) // 2)
    dt = x.array.dtype if x.dtype.is_floating_point else backend.float32.np
    step = _scale(xp, dt, in_size, out_size, scale)
    dst = xp.arange(out_size, dtype=dt)
    src = xp.floor((dst + 0.5) * step if exact else dst * step).astype(backend.int64.np)
    return _along(x, dim, xp.minimum(src, in_size - 1))


def _linear(x: Tensor, dim: int, out_size: int, scale, align_corners: bool) -> Tensor:
    """Linear interpolation along one dim: y[j] = (1 - t) * x[i] + t * x[i + 1], where src = i + t is
    the output's position measured on the input (align_corners: the end pixels' centres line up;
    otherwise the pixel edges do, src = (dst + 0.5) * step - 0.5, clamped at 0)."""
    xp, in_size = x.xp, x.shape[dim]
    if out_size == in_size:
        return x  # PyTorch leaves a dim of unchanged size alone, whatever scale_factor was given
    dt = x.array.dtype
    dst = xp.arange(out_size, dtype=dt)
    if align_corners:
        step = (xp.asarray(in_size - 1, dtype=dt) / xp.asarray(out_size - 1, dtype=dt)) if out_size > 1 \
            else xp.asarray(0, dtype=dt)
        src = dst * step
    else:
        src = xp.maximum((dst + 0.5) * _scale(xp, dt, in_size, out_size, scale) - 0.5, 0)
    i0 = xp.minimum(xp.floor(src).astype(backend.int64.np), in_size - 1)
    i1 = xp.minimum(i0 + 1, in_size - 1)
    t = (src - i0).astype(dt)
    shape = [out_size if k == dim else 1 for k in range(x.ndim)]
    w1 = Tensor._make(t.reshape(shape))
    w0 = Tensor._make((1 - t).reshape(shape))
    return _along(x, dim, i0) * w0 + _along(x, dim, i1) * w1


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: Optional[bool] = None, recompute_scale_factor: Optional[bool] = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *spatial) input to ``size`` or by ``scale_factor``.

    Modes: 'nearest' and 'nearest-exact' (copy the nearest input element), 'linear' (3-D input),
    'bilinear' (4-D) and 'trilinear' (5-D), and 'area' (adaptive average pooling). The linear modes
    are one 1-D linear interpolation per spatial dim in turn: bilinear is linear along H, then W.
    Each step is an index lookup times constant weights, so the gradient flows back through the
    same lookups (scatter-added), and second derivatives work too."""
    x = tensor_arg(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    known = mode in ("nearest", "nearest-exact", "area") or mode in _LINEAR_DIMS
    if x.ndim not in (3, 4, 5) or not known and mode not in ("bicubic", "lanczos"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for "
                                  f"the modes: {_ALL_MODES} (got {mode})")
    if mode in _LINEAR_DIMS and x.ndim != _LINEAR_DIMS[mode] + 2:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {_LINEAR_DIMS[mode] + 2}D input")
    if not known:
        raise NotImplementedError(f"interpolate(): mode '{mode}' is not implemented in tinygrad_edu; use "
                                  "'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'area'")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not implemented in tinygrad_edu")
    if mode in _LINEAR_DIMS and not x.dtype.is_floating_point:
        raise NotImplementedError(f"interpolate(): mode '{mode}' needs a floating point input, but got "
                                  f"{x.dtype.name} (convert it with .float())")
    d = x.ndim - 2
    out, scales = _output_size(x, d, size, scale_factor, recompute_scale_factor, mode == "area")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[d - 1](x, out)
    y = x
    for k in range(d):
        if mode in _LINEAR_DIMS:
            y = _linear(y, 2 + k, out[k], scales[k], bool(align_corners))
        else:
            y = _nearest(y, 2 + k, out[k], scales[k], mode == "nearest-exact")
    return y if y is not x else x.clone()  # always a new tensor, as in PyTorch


__all__ = ["interpolate"]
