"""Everyday ops that belong to no bigger family: flipping and rolling, masked fills, remainders,
sign, tests and comparisons as functions, one-hot codes, embeddings and interpolation.

Ops that move elements around (flip, roll, the lookups of ``embedding`` and ``interpolate``) are
their own derivative's mirror image: the gradient is moved back the same way (flip again, roll by
``-shifts``, scatter-add to where the values came from). Piecewise constant ops (``sign``, the
integer part of a division) have a zero derivative almost everywhere. Every backward is in Tensor
ops, so all of them can be differentiated twice.
"""
from __future__ import annotations

import contextlib
import math
from typing import Optional, Sequence, Union

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, _wrap_dim
from . import elementwise as E


def _tensor_input(x, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _dims_tuple(dims) -> tuple:
    """An int or a sequence of ints as a tuple."""
    if isinstance(dims, (tuple, list)):
        return tuple(dims)
    return (dims,)


# ----------------------------------------------------------------------------- flip and roll
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
    x = _tensor_input(input, "flip")
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
    x = _tensor_input(input, "roll")
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


# ----------------------------------------------------------------------------- masked fill
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``input`` with ``value`` wherever ``mask`` (a bool tensor broadcastable to it) is true.

    Built on ``where``, so the gradient reaches ``input`` where the mask is false and a 0-dim
    ``value`` tensor gets the sum of the gradient where it is true."""
    x = _tensor_input(input, "masked_fill")
    if not isinstance(mask, Tensor) or mask.dtype is not backend.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if value.device != x.device:
            value = value.to(x.device)
        v = value if value.dtype is x.dtype else value.to(x.dtype)
    elif isinstance(value, (bool, int, float)) or backend.is_numpy_scalar(value):
        v = Tensor._make(x.xp.asarray(value).astype(x.array.dtype))  # 2.7 into an int tensor is 2
    else:
        raise TypeError(f"masked_fill(): value must be a number or a 0-dim Tensor, not {type(value).__name__}")
    E.broadcast_shape(tuple(x.shape), tuple(mask.shape), "masked_fill")
    return E.where(mask, v, x)


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``masked_fill`` in place (the result must keep ``input``'s shape)."""
    return input._inplace("masked_fill_", masked_fill(input, mask, value))


# ----------------------------------------------------------------------------- remainders
def _quiet(xp):
    """Silence NumPy's floating-point warnings (x % 0 is nan, as in PyTorch); CuPy gives none."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate else contextlib.nullcontext()


def _remainder_backward(ctx, g, rounding: str):
    """The gradients of y = a - q * b with q = rounding(a / b) ("floor" or "trunc"):  da = dy,
    db = -dy * q (q is piecewise constant: its own derivative is 0)."""
    a, b = ctx.saved_tensors
    if not ctx.needs_input_grad[1]:
        return g, None
    with _quiet(a.xp):
        q = getattr(a.xp, rounding)(a.array / b.array)
    return g, -g * q


class Remainder(Function):
    """y = a - floor(a / b) * b (the sign of b, as Python's %);  da = dy, db = -dy * floor(a / b)."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with _quiet(a.xp):
            return a.xp.remainder(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        return _remainder_backward(ctx, g, "floor")


class Fmod(Function):
    """y = a - trunc(a / b) * b (the sign of a, as C's fmod);  da = dy, db = -dy * trunc(a / b)."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with _quiet(a.xp):
            return a.xp.fmod(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        return _remainder_backward(ctx, g, "trunc")


def _division_operands(a, b, op: str):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument")
    a, b = E.operands(a, b, op)
    if a.dtype is backend.bool_:
        raise NotImplementedError(f"{op}(): not implemented for bool tensors (convert with .int() first)")
    if not a.dtype.is_floating_point and bool((b.array == 0).any()):
        raise RuntimeError("ZeroDivisionError")  # PyTorch's words for an integer division by zero
    return a, b


def remainder(input, other) -> Tensor:  # noqa: A002
    """Python's modulus, elementwise: the result has the sign of ``other`` (``-3 % 2`` is 1); the
    ``%`` operator."""
    return Remainder.apply(*_division_operands(input, other, "remainder"))


def fmod(input, other) -> Tensor:  # noqa: A002
    """C's modulus, elementwise: the result has the sign of ``input`` (``fmod(-3, 2)`` is -1)."""
    return Fmod.apply(*_division_operands(input, other, "fmod"))


def floor_divide(input, other) -> Tensor:  # noqa: A002
    """floor(input / other), elementwise; the ``//`` operator. Outside the graph: its derivative is 0
    almost everywhere (PyTorch refuses to differentiate it)."""
    a, b = _division_operands(input, other, "floor_divide")
    with _quiet(a.xp):
        return Tensor._make(a.xp.floor_divide(a.array, b.array))


# ----------------------------------------------------------------------------- sign, tests, comparisons
class Sign(Function):
    """y = -1, 0 or 1 by the sign of x;  dx = 0 (the sign is constant on each side of 0)."""
    @staticmethod
    def forward(ctx, x):
        return x.xp.sign(x.array)

    @staticmethod
    def backward(ctx, g):
        return g * 0


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """The sign of each element (-1, 0 or 1); its gradient is zero."""
    x = _tensor_input(input, "sign")
    if x.dtype is backend.bool_:
        return Tensor._make(x.array.copy())  # the sign of True is True
    return Sign.apply(x)


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    x = _tensor_input(input, "isnan")
    return Tensor._make(x.xp.isnan(x.array))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    x = _tensor_input(input, "isinf")
    return Tensor._make(x.xp.isinf(x.array))


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    x = _tensor_input(input, "isfinite")
    return Tensor._make(x.xp.isfinite(x.array))


def _same_dtype(a: Tensor, b: Tensor, op: str) -> None:
    if a.dtype is not b.dtype:  # PyTorch compares only tensors of one dtype
        raise RuntimeError(f"{op}(): {a.dtype.name} did not match {b.dtype.name} (convert one with .to())")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise: a bool tensor."""
    a, b = _tensor_input(input, "isclose"), _tensor_input(other, "isclose", "other")
    _same_dtype(a, b, "isclose")
    E.broadcast_shape(tuple(a.shape), tuple(b.shape), "isclose")
    return Tensor._make(a.xp.isclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """True when ``isclose`` holds for every element (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both tensors have the same shape and the same values (a Python bool)."""
    a, b = _tensor_input(input, "equal"), _tensor_input(other, "equal", "other")
    return tuple(a.shape) == tuple(b.shape) and bool((a.array == b.array).all())


def eq(input, other) -> Tensor:  # noqa: A002
    return E.compare(input, other, "equal")


def ne(input, other) -> Tensor:  # noqa: A002
    return E.compare(input, other, "not_equal")


def lt(input, other) -> Tensor:  # noqa: A002
    return E.compare(input, other, "less")


def le(input, other) -> Tensor:  # noqa: A002
    return E.compare(input, other, "less_equal")


def gt(input, other) -> Tensor:  # noqa: A002
    return E.compare(input, other, "greater")


def ge(input, other) -> Tensor:  # noqa: A002
    return E.compare(input, other, "greater_equal")


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A copy that stays in the graph (its gradient flows back to ``input``)."""
    return _tensor_input(input, "clone").clone()


# ----------------------------------------------------------------------------- one-hot and embedding
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of shape (*) as int64 rows of shape (*, num_classes): 1 at the index, 0 elsewhere
    (``num_classes=-1``: one more than the largest index)."""
    t = _tensor_input(tensor, "one_hot", "tensor")
    if t.dtype is not backend.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = t.array
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes < 0 or (a.size and int(a.max()) >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = a[..., None] == t.xp.arange(num_classes)
    return Tensor._make(out.astype(backend.int64.np))


class _ScaleGrad(Function):
    """y = x;  dx = dy * scale (a constant array): lets a gradient be reweighted without touching values."""
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.array

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None


def embedding(input: Tensor, weight: Tensor, padding_idx: Optional[int] = None,  # noqa: A002
              max_norm: Optional[float] = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim): the output has shape (*input.shape, dim).

    It is ``weight[input]``, so the gradient of each row is the sum of the gradients of the places
    that row was looked up; rows equal to ``padding_idx`` get none. ``max_norm`` first rescales, in
    place, every looked-up row whose ``norm_type``-norm exceeds it; ``scale_grad_by_freq`` divides
    each row's gradient by how often it occurs in ``input``."""
    idx = _tensor_input(input, "embedding")
    w = _tensor_input(weight, "embedding", "weight")
    if idx.dtype not in (backend.int64, backend.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {idx.dtype.name} instead (while checking arguments for embedding)")
    if w.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = w.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    if sparse:
        raise NotImplementedError("embedding(): sparse=True is not supported in tinygrad_edu (no sparse tensors); "
                                  "use sparse=False")
    a = idx.array
    if backend.get_array_module(a) is not w.xp:
        a = backend.to_device(a, w.device)
    if a.size and (int(a.max()) >= n or int(a.min()) < 0):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(w, a, max_norm, norm_type)
    out = w[Tensor._make(a)]  # the index tensor, moved to weight's device if needed
    if padding_idx is not None:  # same values; the padding positions are cut from the graph
        pad = Tensor._make((a == padding_idx)[..., None])
        out = E.where(pad, out.detach(), out)
    if scale_grad_by_freq and out.requires_grad:
        xp = w.xp
        counts = xp.bincount(a.reshape(-1), minlength=n)
        out = _ScaleGrad.apply(out, (1.0 / counts[a])[..., None].astype(w.array.dtype))
    return out


def _renorm_rows(w: Tensor, a, max_norm: float, norm_type: float) -> None:
    """Scale, in place and outside the graph, the rows of ``w`` indexed by ``a`` whose norm exceeds
    ``max_norm`` down to norm ``max_norm`` (PyTorch's ``embedding_renorm_``, with its 1e-7)."""
    xp = w.xp
    rows = xp.unique(a.reshape(-1))
    if rows.size == 0:
        return
    vals = w.array[rows]
    norms = (xp.abs(vals) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(vals.dtype)
    with no_grad():
        w[Tensor._make(rows)] = Tensor._make(vals * scale[:, None])


# ----------------------------------------------------------------------------- interpolation
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
    x = _tensor_input(input, "interpolate")
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
        from . import pooling
        return getattr(pooling, f"adaptive_avg_pool{d}d")(x, out)
    y = x
    for k in range(d):
        if mode in _LINEAR_DIMS:
            y = _linear(y, 2 + k, out[k], scales[k], bool(align_corners))
        else:
            y = _nearest(y, 2 + k, out[k], scales[k], mode == "nearest-exact")
    return y if y is not x else x.clone()  # always a new tensor, as in PyTorch


__all__ = ["flip", "roll", "masked_fill", "remainder", "fmod", "floor_divide", "sign", "isnan", "isinf",
           "isfinite", "isclose", "allclose", "equal", "eq", "ne", "lt", "le", "gt", "ge", "clone", "one_hot",
           "embedding", "interpolate"]
