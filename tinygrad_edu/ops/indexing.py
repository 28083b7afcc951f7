"""Picking and placing elements by index: scatter (the mirror of ``gather``), index_select,
index_add, index_fill, masked_fill, masked_select, nonzero, take and narrow (``getitem``, ``setitem``
and ``gather`` live in shape.py).

The gradients reuse three Functions: ``Gather`` and ``ScatterAdd`` (ops/shape.py), which are each
other's derivative, and ``Scatter`` below, which overwrites instead of adding.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from . import elementwise as E
from .checks import tensor_arg
from .elementwise import broadcast_shape, where
from .reduction import broadcast_to
from .shape import Gather, ScatterAdd, _along, gather, getitem, reshape


def _long_index(index, op: str) -> Tensor:
    if not isinstance(index, Tensor) or index.dtype.kind != 1:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, but got {got}")
    return index


def _check_scatter(x: Tensor, dim: int, index: Tensor, src, op: str) -> int:
    """PyTorch's scatter rules: index has x's number of dims, is no larger than src anywhere and no
    larger than x outside ``dim``, and its values are in range along ``dim``."""
    d = _wrap_dim(dim, x.ndim, op)
    _long_index(index, op)
    if index.ndim != max(x.ndim, 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self tensor")
    for k in range(index.ndim):
        if k != d and index.shape[k] > x.shape[k]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {d}")
        if isinstance(src, Tensor) and index.shape[k] > src.shape[k]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than src {list(src.shape)}")
    if index.numel():
        hi, lo = int(index.array.max()), int(index.array.min())
        if hi >= x.shape[d] or lo < 0:
            raise RuntimeError(f"{op}(): index {hi if hi >= x.shape[d] else lo} is out of bounds for dimension "
                               f"{d} with size {x.shape[d]}")
    return d


def _src_like(src, x: Tensor, index: Tensor, op: str) -> Tensor:
    """``src`` as a tensor of x's dtype cut down to index's shape (only that part is used)."""
    if isinstance(src, Tensor):
        if src.dtype is not x.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
        if tuple(src.shape) != tuple(index.shape):
            src = getitem(src, tuple(slice(0, n) for n in index.shape))
        return src
    return Tensor._make(x.xp.full(index.shape, src, dtype=x.array.dtype))


# ----------------------------------------------------------------------------- scatter
class Scatter(Function):
    """y = x with y[..index..] = src along dim;  dx = dy with zeros where written, dsrc = gather(dy)."""
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index = dim, index
        out = x.array.copy()
        out[_along(x.xp, index.array, dim)] = src.array
        return out

    @staticmethod
    def backward(ctx, g):
        keep = g.xp.ones(g.shape, dtype=bool)
        keep[_along(g.xp, ctx.index.array, ctx.dim)] = False  # overwritten: no longer depends on x
        gx = g * keep if ctx.needs_input_grad[0] else None
        gsrc = Gather.apply(g, ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None
        return gx, None, None, gsrc


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, reduce=None) -> Tensor:  # noqa: A002
    """out = input with ``out[index[i][j]][j] = src[i][j]`` (for dim 0); ``src`` may be a number.
    ``reduce='add'``/``'multiply'`` combine instead of overwrite (PyTorch's older API)."""
    x = tensor_arg(input, "scatter")
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' or 'value'")
    d = _check_scatter(x, dim, index, src, "scatter")
    s = _src_like(src, x, index, "scatter")
    if reduce is None:
        return Scatter.apply(x, d, index, s)
    if reduce == "add":
        return x + ScatterAdd.apply(s, d, index.array, tuple(x.shape))
    if reduce == "multiply":  # product of x and every src that lands on it: through logs would lose signs
        factor = Tensor._make(x.xp.ones(x.shape, dtype=x.array.dtype))
        x.xp.multiply.at(factor.array, _along(x.xp, index.array, d), s.array)
        if s.requires_grad:
            raise RuntimeError("scatter(): reduce='multiply' does not support gradients for src")
        return x * factor
    raise RuntimeError(f"reduce argument must be either add or multiply, but got {reduce!r}")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """out = input with ``src[i][j]`` added at ``out[index[i][j]][j]`` (for dim 0); repeats add up."""
    x = tensor_arg(input, "scatter_add")
    d = _check_scatter(x, dim, index, tensor_arg(src, "scatter_add", "src", 4), "scatter_add")
    s = _src_like(src, x, index, "scatter_add")
    return x + ScatterAdd.apply(s, d, index.array, tuple(x.shape))


def scatter_(input: Tensor, dim: int, index: Tensor, src=None, value=None, reduce=None) -> Tensor:  # noqa: A002
    return input._inplace("scatter_", scatter(input, dim, index, src, value=value, reduce=reduce))


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    return input._inplace("scatter_add_", scatter_add(input, dim, index, src))


# ----------------------------------------------------------------------------- index_*
def _vector_index(x: Tensor, d: int, index, op: str) -> Tensor:
    index = _long_index(index, op)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    index = reshape(index, -1)
    if index.numel():
        hi, lo = int(index.array.max()), int(index.array.min())
        if hi >= x.shape[d] or lo < -x.shape[d]:
            raise IndexError(f"{op}(): index {hi if hi >= x.shape[d] else lo} is out of bounds for dimension "
                             f"{d} with size {x.shape[d]}")
    return index


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The slices of ``input`` at positions ``index`` (a 1-D long tensor) along ``dim``."""
    x = tensor_arg(input, "index_select")
    d = _wrap_dim(dim, x.ndim, "index_select")
    idx = _vector_index(x, d, index, "index_select")
    if x.ndim == 0:
        return getitem(reshape(x, 1), idx).reshape(())
    return getitem(x, (slice(None),) * d + (idx,))


def _spread(index: Tensor, d: int, shape: tuple):
    """index (length shape[d]) broadcast along every other dim of ``shape``: the full index that
    ``ScatterAdd`` needs to place source slice i at position index[i]."""
    view = [1] * len(shape)
    view[d] = index.shape[0]
    return index.xp.broadcast_to(index.array.reshape(view), shape)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, alpha=1) -> Tensor:  # noqa: A002
    """out = input with ``alpha * source[..., i, ...]`` added at position ``index[i]`` along ``dim``."""
    x = tensor_arg(input, "index_add")
    d = _wrap_dim(dim, x.ndim, "index_add")
    idx = _vector_index(x, d, index, "index_add")
    src = tensor_arg(source, "index_add", "source", 4)
    want = tuple(x.shape[:d]) + (idx.shape[0],) + tuple(x.shape[d + 1:])
    if tuple(src.shape) != want:
        raise RuntimeError(f"index_add_(): Expected source to have shape {list(want)}, but got {list(src.shape)}")
    if src.dtype is not x.dtype:
        raise RuntimeError(f"index_add_(): self ({x.dtype.name}) and source ({src.dtype.name}) must have the "
                           f"same scalar type")
    wrapped = Tensor._make(idx.array % x.shape[d])
    full = x.xp.ascontiguousarray(_spread(wrapped, d, want))
    return x + ScatterAdd.apply(src * alpha if alpha != 1 else src, d, full, tuple(x.shape))


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:  # noqa: A002
    """out = input with every slice at ``index`` along ``dim`` set to ``value``."""
    x = tensor_arg(input, "index_fill")
    d = _wrap_dim(dim, x.ndim, "index_fill")
    idx = _vector_index(x, d, index, "index_fill")
    hit = x.xp.zeros(x.shape[d] if x.ndim else 1, dtype=bool)
    hit[idx.array] = True
    mask = Tensor._make(hit.reshape([-1 if k == d else 1 for k in range(x.ndim)]))
    return masked_fill(x, mask, value)


def index_add_(input, dim, index, source, alpha=1):  # noqa: A002
    return input._inplace("index_add_", index_add(input, dim, index, source, alpha=alpha))


def index_fill_(input, dim, index, value):  # noqa: A002
    return input._inplace("index_fill_", index_fill(input, dim, index, value))


# ----------------------------------------------------------------------------- selecting by value
def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """The elements of ``input`` where ``mask`` is true, as a 1-D tensor (both broadcast first)."""
    x = tensor_arg(input, "masked_select")
    if not isinstance(mask, Tensor) or mask.dtype is not backend.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, but got {got}")
    shape = E.broadcast_shape(tuple(x.shape), tuple(mask.shape), "masked_select")
    xb = x if tuple(x.shape) == shape else broadcast_to(x, shape)
    m = mask.array if tuple(mask.shape) == shape else x.xp.broadcast_to(mask.array, shape)
    return getitem(xb, Tensor._make(x.xp.ascontiguousarray(m)))


def nonzero(input: Tensor, *, as_tuple: bool = False):  # noqa: A002
    """The positions of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    x = tensor_arg(input, "nonzero")
    a = x.array if x.ndim else x.array.reshape(1)
    where = x.xp.nonzero(a)
    if as_tuple:
        return tuple(Tensor._make(w.astype(backend.int64.np)) for w in where)
    out = x.xp.stack(where, axis=1) if where else x.xp.zeros((0, 0))
    if x.ndim == 0:
        out = out[:, :0]
    return Tensor._make(out.astype(backend.int64.np))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    return nonzero(input)


def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    """``input`` read as 1-D at ``index`` (any shape; the result has index's shape)."""
    x = tensor_arg(input, "take")
    idx = _long_index(index, "take")
    n = x.numel()
    if idx.numel() and (int(idx.array.max()) >= n or int(idx.array.min()) < -n):
        bad = int(idx.array.max()) if int(idx.array.max()) >= n else int(idx.array.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return getitem(reshape(x, -1), idx)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """The slice ``start:start+length`` of ``input`` along ``dim``."""
    x = tensor_arg(input, "narrow")
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim, "narrow")
    size = x.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start %= size if size else 1
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


__all__ = ["gather", "scatter", "scatter_add", "scatter_", "scatter_add_", "index_select", "index_add",
           "index_add_", "index_fill", "index_fill_", "masked_select", "nonzero", "argwhere", "take", "narrow"]


# ----------------------------------------------------------------------------- masked fills
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``input`` with ``value`` wherever ``mask`` (a bool tensor broadcastable to it) is true.

    Built on ``where``, so the gradient reaches ``input`` where the mask is false and a 0-dim
    ``value`` tensor gets the sum of the gradient where it is true."""
    x = tensor_arg(input, "masked_fill")
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
    broadcast_shape(tuple(x.shape), tuple(mask.shape), "masked_fill")
    return where(mask, v, x)


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``masked_fill`` in place (the result must keep ``input``'s shape)."""
    return input._inplace("masked_fill_", masked_fill(input, mask, value))


__all__ = ["masked_fill", "masked_fill_"]
