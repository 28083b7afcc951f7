"""Building tensors out of others: triangles and diagonals, grids, broadcasting several at once,
tiling, repeating each element, stacking along fixed axes, unbinding, and ``logspace``.

All are compositions of differentiable ops (where, getitem, reshape, expand, cat), so their
gradients come with them; nothing here needs its own backward.
"""
from __future__ import annotations

import warnings
from typing import List, Sequence

from .. import backend
from ..creation import linspace
from ..tensor import Size, Tensor, _wrap_dim
from . import elementwise as E
from .reduction import broadcast_to
from .shape import ScatterAdd, cat, getitem, permute, reshape, repeat, unsqueeze
from .checks import tensor_arg


def _tensors(tensors, op: str) -> List[Tensor]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


# ----------------------------------------------------------------------------- triangles and diagonals
def _triangle(x: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:
    x = tensor_arg(x, op)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    n, m = x.shape[-2], x.shape[-1]
    rows = x.xp.arange(n).reshape(n, 1)
    cols = x.xp.arange(m).reshape(1, m)
    keep = (cols - rows <= diagonal) if lower else (cols - rows >= diagonal)
    zero = Tensor._make(x.xp.zeros((), dtype=x.array.dtype))
    return E.Where.apply(Tensor._make(keep), x, zero)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle: elements on and below the ``diagonal``-th diagonal, zeros above."""
    return _triangle(input, diagonal, True, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle: elements on and above the ``diagonal``-th diagonal, zeros below."""
    return _triangle(input, diagonal, False, "triu")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The elements ``input[..., i, i + offset]`` of the planes spanned by dim1 and dim2, as a last dim."""
    x = tensor_arg(input, "diagonal")
    d1, d2 = _wrap_dim(dim1, x.ndim, "diagonal"), _wrap_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [k for k in range(x.ndim) if k not in (d1, d2)]
    moved = permute(x, *rest, d1, d2)
    n, m = x.shape[d1], x.shape[d2]
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    i = x.xp.arange(length)
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    return getitem(moved, (Ellipsis, Tensor._make(rows), Tensor._make(cols)))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-D input becomes a square matrix with it on the ``diagonal``-th diagonal; a 2-D input gives
    that diagonal back as 1-D."""
    x = tensor_arg(input, "diag")
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    if x.ndim != 1:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{x.ndim}D")
    k, length = diagonal, x.shape[0]
    n = length + abs(k)
    i = x.xp.arange(length)
    flat = (i * n + i + k) if k >= 0 else ((i - k) * n + i)  # row-major position of (i, i+k) / (i-k, i)
    return reshape(ScatterAdd.apply(x, 0, flat, (n * n,)), n, n)


def diag_embed(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """Each last-dim vector of ``input`` placed on the ``offset`` diagonal of a matrix (dims -2, -1)."""
    x = tensor_arg(input, "diag_embed")
    lead, length = tuple(x.shape[:-1]), x.shape[-1]
    n = length + abs(offset)
    i = x.xp.arange(length)
    flat = (i * n + i + offset) if offset >= 0 else ((i - offset) * n + i)
    rows = reshape(x, -1, length)
    full = x.xp.broadcast_to(flat, rows.shape)
    return reshape(ScatterAdd.apply(rows, 1, x.xp.ascontiguousarray(full), (rows.shape[0], n * n)), *lead, n, n)


# ----------------------------------------------------------------------------- grids and broadcasting
def broadcast_shapes(*shapes) -> tuple:
    out: tuple = ()
    for s in shapes:
        s = (s,) if isinstance(s, int) else tuple(s)
        out = E.broadcast_shape(out, s, "broadcast_shapes")
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    """Every tensor expanded to their common broadcast shape."""
    ts = _tensors(tensors, "broadcast_tensors")
    shape = broadcast_shapes(*[t.shape for t in ts])
    return tuple(t if tuple(t.shape) == tuple(shape) else broadcast_to(t, tuple(shape)) for t in ts)


def meshgrid(*tensors, indexing=None) -> tuple:
    """Coordinate grids from 1-D tensors: with ``indexing='ij'`` (the default) output k varies along
    dim k; with ``'xy'`` the first two dims are swapped, as in NumPy and MATLAB."""
    ts = _tensors(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
    ts = [reshape(t, -1) for t in ts]
    swap = indexing == "xy" and len(ts) >= 2
    order = [1, 0] + list(range(2, len(ts))) if swap else list(range(len(ts)))
    sizes = [ts[k].shape[0] for k in order]
    out = []
    for k, t in enumerate(ts):
        pos = order.index(k)
        view = [1] * len(ts)
        view[pos] = t.shape[0]
        out.append(broadcast_to(reshape(t, *view), tuple(sizes)))
    return tuple(out)


# ----------------------------------------------------------------------------- tiling and repeating
def tile(input: Tensor, dims) -> Tensor:  # noqa: A002
    """``repeat`` with ``dims`` padded by leading 1s when shorter than input's dims."""
    x = tensor_arg(input, "tile")
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, *dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:  # noqa: A002
    """Each element (or each slice along ``dim``) repeated ``repeats`` times in place:
    ``[1, 2] -> [1, 1, 2, 2]``. With a tensor alone, the indices ``i`` repeated ``input[i]`` times."""
    if repeats is None:  # repeat_interleave(counts): 0 repeated counts[0] times, 1 counts[1] times, ...
        counts = tensor_arg(input, "repeat_interleave")
        return Tensor._make(counts.xp.repeat(counts.xp.arange(counts.shape[0]), counts.array).astype(
            backend.int64.np))
    x = tensor_arg(input, "repeat_interleave")
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        d = _wrap_dim(dim, x.ndim, "repeat_interleave")
    n = x.shape[d] if x.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1 or repeats.numel() not in (1, n):
            raise RuntimeError("repeat_interleave: repeats must have the same size as input along dim, but "
                               f"got repeats.size(0) = {repeats.numel()} and input.size({d}) = {n}")
        reps = repeats.array.reshape(-1)
    else:
        reps = int(repeats)
    if (reps < 0).any() if not isinstance(reps, int) else reps < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = x.xp.repeat(x.xp.arange(n), reps)
    if x.ndim == 0:
        x = reshape(x, 1)
    return getitem(x, (slice(None),) * d + (Tensor._make(idx),))


# ----------------------------------------------------------------------------- stacking along fixed axes
def atleast_1d(*tensors):
    ts = _tensors(tensors, "atleast_1d")
    out = [reshape(t, 1) if t.ndim == 0 else t for t in ts]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_2d(*tensors):
    ts = _tensors(tensors, "atleast_2d")
    out = [reshape(t, 1, -1) if t.ndim < 2 else t for t in ts]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_3d(*tensors):
    ts = _tensors(tensors, "atleast_3d")
    out = []
    for t in ts:
        if t.ndim == 0:
            t = reshape(t, 1, 1, 1)
        elif t.ndim == 1:
            t = reshape(t, 1, -1, 1)
        elif t.ndim == 2:
            t = unsqueeze(t, -1)
        out.append(t)
    return out[0] if len(out) == 1 else tuple(out)


def _as_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    return _tensors(tensors, op)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, or dim 0 for 1-D tensors (columns side by side)."""
    ts = [atleast_1d(t) for t in _as_list(tensors, "hstack")]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, 1-D tensors becoming rows."""
    return cat([atleast_2d(t) for t in _as_list(tensors, "vstack")], 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 (depth), smaller tensors lifted to 3-D first."""
    return cat([atleast_3d(t) for t in _as_list(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """1-D tensors as columns (and 2-D ones as they are), joined along dim 1."""
    ts = [reshape(t, -1, 1) if t.ndim <= 1 else t for t in _as_list(tensors, "column_stack")]
    return cat(ts, 1)


row_stack = vstack


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """The slices along ``dim``, with that dim removed."""
    x = tensor_arg(input, "unbind")
    d = _wrap_dim(dim, x.ndim, "unbind")
    return tuple(getitem(x, (slice(None),) * d + (i,)) for i in range(x.shape[d]))


def movedim(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Dims ``source`` moved to positions ``destination``, the others keeping their order."""
    x = tensor_arg(input, "movedim")
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src = [_wrap_dim(s, x.ndim, "movedim") for s in src]
    dst = [_wrap_dim(s, x.ndim, "movedim") for s in dst]
    order = [None] * x.ndim
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(k for k in range(x.ndim) if k not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(x, *order)


moveaxis = movedim


def logspace(start, end, steps: int, base: float = 10.0, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from base^start to base^end, evenly spaced in the exponent."""
    exps = linspace(start, end, steps, dtype=backend.float64, device=device)
    dt = dtype or backend.default_float
    out = Tensor._make((float(base) ** exps.array).astype(dt.np))
    out.requires_grad = requires_grad
    return out


__all__ = ["tril", "triu", "diagonal", "diag", "diag_embed", "broadcast_shapes", "broadcast_tensors", "meshgrid",
           "tile", "repeat_interleave", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack",
           "column_stack", "row_stack", "unbind", "movedim", "moveaxis", "logspace"]
