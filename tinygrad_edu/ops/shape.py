"""Ops that move elements without changing them: reshape, permute, indexing, cat, gather, ...

Their derivatives move the gradient back: reshape's is a reshape, permute's the inverse permute,
indexing's a scatter-add (so an element picked twice gets both gradients).
"""
from __future__ import annotations

import builtins
from typing import List, Sequence

from .. import backend
from ..autograd import grad_mode
from ..autograd.function import Function
from ..autograd import views
from ..tensor import Tensor, _wrap_dim, memory_owner
from .checks import tensor_arg
from .elementwise import as_operand, broadcast_shape


def _sizes(args, op):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}(): argument 'shape' must be a tuple of ints, but found element of type "
                            f"{type(s).__name__}")
    return tuple(args)


def infer_shape(shape: tuple, numel: int, op: str = "view") -> tuple:
    """Resolve one -1 and check the element count, with PyTorch's message."""
    if builtins.sum(1 for s in shape if s == -1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}(): invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    """y = x with a new shape;  dx = dy reshaped back."""
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.array.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.shape), None


def reshape(x: Tensor, *shape) -> Tensor:
    """A new tensor (even when the shape does not change, as in PyTorch); a view of ``x``'s memory
    when NumPy can make one, else a copy."""
    shape = infer_shape(_sizes(shape, "reshape"), x.numel(), "reshape")
    return _view_of(x, Reshape.apply(x, shape))


def _view_of(x: Tensor, out: Tensor) -> Tensor:
    """``out`` shares ``x``'s version counter when it shares its memory: an in-place change made
    through either one is a change to both (the pattern of ``detach()``)."""
    if memory_owner(out.array) is memory_owner(x.array):
        out._version = x._version
        if grad_mode.is_grad_enabled():  # (nothing is recorded otherwise, e.g. inside a backward pass)
            views.register(x, out)  # so an in-place op on out is recorded into x's graph (autograd/views.py)
    return out


class Permute(Function):
    """y = x with its axes reordered;  dx = dy with the inverse order."""
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.array.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return Permute.apply(g, tuple(inv)), None


def permute(x: Tensor, *dims) -> Tensor:
    dims = _sizes(dims, "permute")
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(): number of dimensions in the tensor input does not match the length of "
                           f"the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, x.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute(): duplicate dims are not allowed (got {list(dims)})")
    return _view_of(x, Permute.apply(x, dims))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    d0, d1 = _wrap_dim(dim0, x.ndim, "transpose"), _wrap_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    if x.ndim >= 2:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    return _view_of(x, Permute.apply(x, tuple(dims)))  # a new view even when nothing moves


def t(x: Tensor) -> Tensor:
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else transpose(x, 0, 0)


def squeeze(x: Tensor, dim=None) -> Tensor:
    if dim is None:
        dims = [i for i, s in enumerate(x.shape) if s == 1]
    else:
        dims = [_wrap_dim(d, x.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)]
    shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    dim = _wrap_dim(dim, x.ndim + 1, "unsqueeze")  # the new dim may also go after the last one
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    tensor_arg(x, "flatten")
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = _wrap_dim(start_dim, x.ndim, "flatten"), _wrap_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x  # nothing to flatten: PyTorch returns the tensor itself here (not a view)
    n = 1
    for d in x.shape[s:e + 1]:
        n *= d
    return reshape(x, x.shape[:s] + (n,) + x.shape[e + 1:])


def repeat(x: Tensor, *sizes) -> Tensor:
    """Tile ``x``: each dimension repeated ``sizes[i]`` times (built from reshape and expand)."""
    sizes = _sizes(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           f"of tensor (got {len(sizes)} repeat dims for a {x.ndim}-D tensor)")
    shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    inter = [v for s in shape for v in (1, s)]
    expanded = [v for r, s in zip(sizes, shape) for v in (r, s)]
    y = reshape(x, inter).expand(expanded)
    return reshape(y, tuple(r * s for r, s in zip(sizes, shape)))


# ----------------------------------------------------------------------------- indexing
def normalize_index(x: Tensor, index):
    """Turn an index (ints, slices, None, Ellipsis, tensors, bool masks, lists) into one NumPy
    understands, checking bounds here so errors name the dimension and its size."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    consumed = builtins.sum(1 if not (it is None or it is Ellipsis) else 0 for it in items)
    consumed += builtins.sum(_as_index_array(it, x).ndim - 1 for it in items
                             if _is_bool_index(it))
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    dim = 0
    for it in items:
        if it is None:
            out.append(None)
        elif it is Ellipsis:
            out.append(Ellipsis)
            dim += x.ndim - consumed
        elif isinstance(it, slice):
            out.append(it)
            dim += 1
        elif isinstance(it, (int, backend.np.integer)) and not isinstance(it, bool):
            it = int(it)
            size = x.shape[dim]
            if not -size <= it < size:
                raise IndexError(f"index {it} is out of bounds for dimension {dim} with size {size}")
            out.append(it)
            dim += 1
        else:
            arr = _as_index_array(it, x)
            if arr.dtype == bool:
                want = x.shape[dim:dim + arr.ndim]
                if tuple(arr.shape) != tuple(want):
                    raise IndexError(f"The shape of the mask {list(arr.shape)} at index {dim} does not match "
                                     f"the shape of the indexed tensor {list(want)} at index {dim}")
                dim += arr.ndim
            else:
                size = x.shape[dim]
                if arr.size and (int(arr.max()) >= size or int(arr.min()) < -size):
                    bad = int(arr.max()) if int(arr.max()) >= size else int(arr.min())
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
                dim += 1
            out.append(arr)
    return tuple(out)


def _is_bool_index(it) -> bool:
    if isinstance(it, Tensor):
        return it.dtype is backend.bool_
    if backend.is_array(it):
        return it.dtype == bool
    return isinstance(it, list) and len(it) > 0 and builtins.all(isinstance(v, bool) for v in it)


def _as_index_array(it, x: Tensor):
    if isinstance(it, Tensor):
        arr = it.array
    elif backend.is_array(it):
        arr = it
    elif isinstance(it, (list, tuple)):
        arr = x.xp.asarray(it)
    else:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte tensors are "
                         f"valid indices (got {type(it).__name__})")
    if arr.dtype != bool and arr.dtype.kind not in "iu":
        raise IndexError(f"tensors used as indices must be long, int or bool tensors (got {arr.dtype})")
    if backend.get_array_module(arr) is not x.xp:
        arr = backend.to_device(arr, x.device)
    return arr


def _is_basic(idx) -> bool:
    return builtins.all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in idx)


class GetItem(Function):
    """y = x[index];  dx = zeros with dy added at index (repeated indices add up)."""
    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape, ctx.idx = x.shape, idx
        return x.array[idx]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, ctx.idx, ctx.shape), None


class IndexAdd(Function):
    """y = zeros(shape) with g added at index (GetItem's derivative);  dg = dy[index]."""
    @staticmethod
    def forward(ctx, g, idx, shape):
        ctx.idx = idx
        out = g.xp.zeros(shape, dtype=g.array.dtype)
        if _is_basic(idx):
            out[idx] = g.array
        else:
            g.xp.add.at(out, idx, g.array)
        return out

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.idx), None, None


def getitem(x: Tensor, index) -> Tensor:
    return _view_of(x, GetItem.apply(x, normalize_index(x, index)))  # basic indexing makes views


class IndexPut(Function):
    """y = x with y[index] = v;  dx = dy with zeros at index, dv = dy[index] (summed to v's shape)."""
    @staticmethod
    def forward(ctx, x, v, idx):
        ctx.idx = idx
        out = x.array.copy()
        out[idx] = v.array
        return out

    @staticmethod
    def backward(ctx, g):
        keep = g.xp.ones(g.shape, dtype=bool)
        keep[ctx.idx] = False  # the overwritten elements no longer depend on x
        gx = g * keep if ctx.needs_input_grad[0] else None
        gv = GetItem.apply(g, ctx.idx) if ctx.needs_input_grad[1] else None
        return gx, gv, None


def setitem(x: Tensor, index, value) -> None:
    """``x[index] = value`` in place. Recorded in the graph (as ``IndexPut``) when grad mode is on and
    ``x`` or ``value`` requires grad; otherwise the values are written straight into x's array."""
    x._inplace_check("__setitem__")
    idx = normalize_index(x, index)
    v = value if isinstance(value, Tensor) else as_operand(value, x, "__setitem__")
    region = x.array[idx].shape
    if v.shape != region:
        try:
            broadcast_shape(tuple(v.shape), region)
            if v.ndim > len(region) and builtins.any(s != 1 for s in v.shape[:v.ndim - len(region)]):
                raise RuntimeError
        except RuntimeError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to "
                               f"indexing result of shape {list(region)}") from None
        if v.ndim > len(region):
            v = reshape(v, v.shape[v.ndim - len(region):])
    if v.dtype is not x.dtype:
        v = v.to(x.dtype)
    if grad_mode.is_grad_enabled() and (x.requires_grad or v.requires_grad):
        x._inplace("__setitem__", IndexPut.apply(x, v, idx))
    else:
        x.array[idx] = v.array
        x._version[0] += 1


class Gather(Function):
    """y[i][j] = x[i][index[i][j]] along ``dim``;  dx = dy scattered back, adding on repeats."""
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index.array
        return x.array[_along(x.xp, index.array, dim)]

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.apply(g, ctx.dim, ctx.index, ctx.shape), None, None


class ScatterAdd(Function):
    """y = zeros(shape) with g added at ``index`` along ``dim``;  dg = gather(dy)."""
    @staticmethod
    def forward(ctx, g, dim, index, shape):
        ctx.dim, ctx.index = dim, index
        out = g.xp.zeros(shape, dtype=g.array.dtype)
        g.xp.add.at(out, _along(g.xp, index, dim), g.array)  # add.at: repeated indices add up
        return out

    @staticmethod
    def backward(ctx, gg):
        return Gather.apply(gg, ctx.dim, Tensor._make(ctx.index)), None, None, None


def _along(xp, index, dim: int) -> tuple:
    """The advanced index that picks ``x[i][index[i][j]]`` (for dim 1): every position of
    ``index`` addresses itself in the other dims, and ``index``'s value in ``dim``."""
    nd = len(index.shape)  # an open grid (arange per dim, broadcastable); CuPy's indices() has no sparse=
    grid = [xp.arange(n).reshape([n if i == d else 1 for i in range(nd)]) for d, n in enumerate(index.shape)]
    grid[dim] = index
    return tuple(grid)


def gather(x: Tensor, dim: int, index: Tensor) -> Tensor:
    d = _wrap_dim(dim, x.ndim, "gather")
    if not isinstance(index, Tensor) or index.dtype.kind != 1:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"gather(): Expected dtype int64 for index, but got {got}")
    if index.ndim != max(x.ndim, 1) and not (x.ndim == 0 and index.ndim == 0):
        raise RuntimeError(f"gather(): Index tensor must have the same number of dimensions as input tensor "
                           f"(got {index.ndim} and {x.ndim})")
    for k in range(index.ndim):
        if k != d and index.shape[k] > x.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                               f"no larger than self {list(x.shape)} apart from dimension {d}")
    if index.numel():
        size = x.shape[d] if x.ndim else 1
        hi, lo = int(index.array.max()), int(index.array.min())
        if hi >= size or lo < 0:
            raise RuntimeError(f"gather(): index {hi if hi >= size else lo} is out of bounds for dimension {d} "
                               f"with size {size}")
    if x.ndim == 0:
        return Gather.apply(x.reshape(1), 0, index.reshape(-1)).reshape(index.shape)
    return Gather.apply(x, d, index)


# ----------------------------------------------------------------------------- joining and splitting
class Cat(Function):
    """y = the inputs joined along ``dim``;  each dx = its slice of dy."""
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim, ctx.sizes = dim, [x.shape[dim] for x in xs]
        return xs[0].xp.concatenate([x.array for x in xs], axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(split(g, ctx.sizes, ctx.dim))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, but element {i} is {type(t).__name__}")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = tensors[0]
    d = _wrap_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
    dt = ref.dtype
    for t in tensors[1:]:
        dt = backend.promote(dt, t.dtype)
    tensors = [t if t.dtype is dt else t.to(dt) for t in tensors]
    return Cat.apply(d, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"stack(): expected a sequence of Tensors, but element {i} is {type(t).__name__}")
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")
    d = _wrap_dim(dim, tensors[0].ndim + 1, "stack")  # the new dim may also go after the last one
    return cat([unsqueeze(t, d) for t in tensors], d)


def _is_int(v) -> bool:
    return isinstance(v, (int, backend.np.integer)) and not isinstance(v, bool)


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> List[Tensor]:
    d = _wrap_dim(dim, x.ndim, "split")
    n = x.shape[d]
    arg = split_size_or_sections
    if _is_int(arg):
        step = int(arg)
        if step <= 0:
            raise RuntimeError(f"split(): split_size must be a positive integer, but got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    elif isinstance(arg, (list, tuple)) and builtins.all(_is_int(s) for s in arg):
        sizes = [int(s) for s in arg]
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                               f"size at dimension {d}), but got split_sizes={sizes}")
    else:
        got = type(arg).__name__
        if isinstance(arg, (list, tuple)):
            got += " containing " + ", ".join(sorted({type(s).__name__ for s in arg if not _is_int(s)}))
        raise TypeError(f"split(): split_size_or_sections must be an int or a list of ints, but got {got}")
    out, start = [], 0
    pre = (slice(None),) * d
    for s in sizes:
        out.append(_view_of(x, GetItem.apply(x, pre + (slice(start, start + s),))))
        start += s
    return out


def chunk(x: Tensor, chunks: int, dim: int = 0) -> List[Tensor]:
    if not _is_int(chunks):
        raise TypeError(f"chunk(): chunks must be an int, but got {type(chunks).__name__}")
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = x.shape[_wrap_dim(dim, x.ndim, "chunk")]
    return split(x, builtins.max(1, -(-n // chunks)), dim)
