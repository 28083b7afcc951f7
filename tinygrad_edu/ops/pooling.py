"""Max, average and adaptive pooling in 1-D, 2-D and 3-D, built from ops we already have.

Pooling works on each channel of each image alone: (N, C, *S) -> (N, C, *O), sizes from the
same formula as a conv's. Each kind reduces to something simpler:

* **Max pooling** = find each window's winner (no gradient is needed to *find* it), then
  ``gather`` the winners. So the gradient flows only to the winner: the backward of a gather
  is a scatter-add (where windows overlap, a pixel that wins several gets the sum), and the
  backward of that scatter is a gather again, so max pooling is differentiable twice.
  Tie rule: the first maximal element in window order (row-major over the kernel taps) wins,
  as on PyTorch's CPU (a NaN always wins, so NaN propagates); the winner's flat index within
  its input plane is what ``return_indices`` gives.
* **Average pooling** = a convolution of each channel with a kernel of ones, divided by the
  window size; its gradient is therefore a transposed convolution (col2im).
* **Adaptive pooling** picks the windows from the output size you want: output i of an axis
  covers inputs ``[floor(i*W/O), ceil((i+1)*W/O))``. Average over such boxes is separable: one
  small averaging matrix per axis, applied with ``matmul``. Max gathers the (ragged) windows
  through an index table, then proceeds as max pooling does.
"""
from __future__ import annotations

import math

from .. import backend
from ..autograd.function import Function
from ..kernels.im2col import Window
from ..kernels.pooling import max_pool_scatter, max_pool_winners, winner_index
from ..tensor import Tensor
from .checks import tensor_arg
from .conv import Conv, batched
from .elementwise import where
from .output_size import adaptive_window, check_padding, check_positive, conv_output_size, ntuple
from .shape import Gather


# ----------------------------------------------------------------------------- arguments
def _pool_setup(op: str, d: int, input, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    """Check a pool's arguments (before any array work) and work out its windows."""
    x, unbatched = batched(input, d, op)
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{op}(): expected a floating point input, but got {x.dtype.name}")
    kernel = ntuple(kernel_size, d, "kernel_size", op)
    stride = kernel if stride is None or stride in ((), []) else ntuple(stride, d, "stride", op)
    pads = ntuple(padding, d, "padding", op)
    dilation = ntuple(dilation, d, "dilation", op)
    check_positive(kernel, "kernel size")
    check_positive(stride, "stride")
    check_positive(dilation, "dilation")
    check_padding(pads)
    for p, k, dl in zip(pads, kernel, dilation):
        if p > (dl * (k - 1) + 1) // 2:  # a window may start at most half its span inside the padding
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={dl}")
    sizes = x.shape[2:]
    out = tuple(conv_output_size(s, k, st, p, dl, ceil_mode)
                for s, k, st, p, dl in zip(sizes, kernel, stride, pads, dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x.shape[1:]))}). Calculated output size: "
                           f"({'x'.join(map(str, (x.shape[1],) + out))}). Output size is too small")
    # with ceil_mode the last window may run past the padding: pad the far side enough to hold it
    far = tuple(max(p, (o - 1) * st + dl * (k - 1) + 1 - s - p)
                for s, k, st, p, dl, o in zip(sizes, kernel, stride, pads, dilation, out))
    return x, unbatched, kernel, Window(stride, tuple(zip(pads, far)), dilation), out


def _unbatch(y: Tensor, unbatched: bool) -> Tensor:
    return y.squeeze(0) if unbatched else y


# ----------------------------------------------------------------------------- max pooling
def _gather_winners(x: Tensor, index) -> Tensor:
    """y[n, c, o] = x[n, c, index[n, c, o]], index flat within each (n, c) plane: differentiable,
    its backward is a scatter-add. An index of -1 (a window with no winner) gives -inf."""
    n, c = x.shape[:2]
    real = index >= 0
    flat_index = x.xp.where(real, index, 0).reshape(n, c, -1)
    y = Gather.apply(x.reshape(n, c, -1), 2, Tensor._make(flat_index)).reshape(index.shape)
    if not bool(real.all()):  # only for dilated windows that fall entirely in the padding
        y = where(Tensor._make(real), y, float("-inf"))
    return y


class _MaxPoolGather(Function):
    """y = x at each window's winner;  dx = dy added onto the winners (``_MaxPoolScatter``).

    ``winners`` says which kernel position won each window (``tap``); the backward adds onto those
    positions, a few strided slabs rather than a scatter per element. The first call already has the
    maxima (``best``, found with the winners); a gather again (the double backward) reads ``x`` at
    the winners' flat indices, and gives 0 for a window with no winner (nothing reaches it).
    """
    @staticmethod
    def forward(ctx, x, winners, best=None):
        ctx.winners, ctx.size = winners, x.shape[2:]
        if best is not None:
            return best
        n, c = x.shape[:2]
        index = winners.index()
        real = index >= 0
        flat = x.xp.where(real, index, 0).reshape(n, c, -1)
        y = x.xp.take_along_axis(x.array.reshape(n, c, -1), flat, axis=2).reshape(index.shape)
        return y if real.all() else x.xp.where(real, y, 0)

    @staticmethod
    def backward(ctx, g):
        return _MaxPoolScatter.apply(g, ctx.winners, ctx.size), None, None


class _MaxPoolScatter(Function):
    """dx = each window's gradient added onto its winner (where windows overlap, a pixel that wins
    several gets the sum);  d(dy) = gather at the winners again."""
    @staticmethod
    def forward(ctx, g, winners, size):
        ctx.winners = winners
        return max_pool_scatter(g.array, winners.tap, winners.kernel, winners.win, size)

    @staticmethod
    def backward(ctx, gg):
        return _MaxPoolGather.apply(gg, ctx.winners), None, None


class _Winners:
    """Which kernel position won each window (``tap``, -1 for none); ``index()`` turns that into
    each winner's flat index within its input plane, once, when first asked (``return_indices``, or
    a double backward)."""

    def __init__(self, tap, shape, kernel, win):
        self.tap, self.shape, self.kernel, self.win, self._index = tap, shape, kernel, win, None

    def index(self):
        if self._index is None:
            self._index = winner_index(self.tap, self.shape, self.kernel, self.win)
        return self._index


def _max_pool(op, d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):  # noqa: A002
    x, unbatched, kernel, win, out = _pool_setup(op, d, input, kernel_size, stride, padding, dilation,
                                                 ceil_mode)
    best, tap = max_pool_winners(x.array, kernel, win, out)
    winners = _Winners(tap, x.shape, kernel, win)
    y = _MaxPoolGather.apply(x, winners, best)
    y = _unbatch(y, unbatched)
    if return_indices:
        return y, _unbatch(Tensor._make(winners.index()), unbatched)
    return y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """Max over each window of ``input`` (N, C, L) or (C, L); padding counts as -inf."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """Max over each ``kernel_size`` window of ``input`` (N, C, H, W) or (C, H, W); ``stride``
    defaults to ``kernel_size`` (windows side by side). With ``return_indices`` also the flat
    index ``h*W + w`` of each winner in its input plane (the first maximal one on ties)."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """Max over each window of ``input`` (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# ----------------------------------------------------------------------------- average pooling
def _avg_divisor(sizes, kernel, win: Window, out, count_include_pad: bool, xp, dtype):
    """1 / (number of elements averaged) for every output position, as PyTorch counts them: the
    window clipped to the padded input, or to the real input when ``count_include_pad`` is False.
    Windows are boxes, so the count is a product of one count per axis."""
    inv = xp.ones((), dtype=dtype)
    for i, (s, k, st, o) in enumerate(zip(sizes, kernel, win.stride, out)):
        p = win.padding[i][0]
        start = xp.arange(o) * st - p
        end = xp.minimum(start + k, s + p)
        count = end - start if count_include_pad else xp.minimum(end, s) - xp.maximum(start, 0)
        inv = inv[..., None] / xp.maximum(count, 1).astype(dtype)
    return inv


def _avg_pool(op, d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,  # noqa: A002
              divisor_override=None):
    x, unbatched, kernel, win, out = _pool_setup(op, d, input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    n, c = x.shape[:2]
    # every channel alone is a one-channel image, convolved with a kernel of ones: window sums
    planes = x.reshape((n * c, 1) + tuple(x.shape[2:]))
    ones = Tensor._make(x.xp.ones((1, 1) + kernel, dtype=x.array.dtype))
    sums = Conv.apply(planes, ones, None, win, 1, out).reshape((n, c) + out)
    if divisor_override is not None:
        y = sums * (1.0 / divisor_override)  # a Python float keeps float32 float32
    else:
        y = sums * Tensor._make(_avg_divisor(x.shape[2:], kernel, win, out, count_include_pad, x.xp,
                                             x.array.dtype))
    return _unbatch(y, unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    """Mean over each window of ``input`` (N, C, L) or (C, L)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):  # noqa: A002
    """Mean over each window of ``input`` (N, C, H, W) or (C, H, W). ``count_include_pad``: whether
    padded zeros count in the divisor; ``divisor_override``: divide by this number instead."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):  # noqa: A002
    """Mean over each window of ``input`` (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# ----------------------------------------------------------------------------- adaptive pooling
def _adaptive_setup(op: str, d: int, input, output_size):  # noqa: A002
    tensor_arg(input, op)
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{op}(): Expected {d + 1}D or {d + 2}D tensor, but got {list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}(): expected a floating point input, but got {input.dtype.name}")
    for i in range(input.ndim - d, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {i} being empty")
    x, unbatched = batched(input, d, op)
    sizes = tuple(x.shape[2:])
    if output_size is None or isinstance(output_size, int):
        output_size = (output_size,) * d
    if not isinstance(output_size, (tuple, list)) or len(output_size) != d or not all(
            o is None or (isinstance(o, int) and not isinstance(o, bool)) for o in output_size):
        raise RuntimeError(f"{op}: output_size must be {d}")
    out = tuple(s if o is None else o for s, o in zip(sizes, output_size))  # None keeps that side
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{list(out)}")
    return x, unbatched, sizes, out


def _adaptive_table(xp, in_size: int, out_size: int):
    """(O, L) input positions of each adaptive window, L the longest window; shorter windows are
    padded by repeating their last position (a repeat never wins: the first maximum does)."""
    spans = [adaptive_window(i, in_size, out_size) for i in range(out_size)]
    longest = max((e - s for s, e in spans), default=1)
    return xp.asarray([[min(s + j, e - 1) for j in range(longest)] for s, e in spans], dtype=backend.int64.np)


def _adaptive_max(op, d, input, output_size, return_indices):  # noqa: A002
    x, unbatched, sizes, out = _adaptive_setup(op, d, input, output_size)
    xp, a = x.xp, x.array
    tables = [_adaptive_table(xp, s, o) for s, o in zip(sizes, out)]
    # table i indexes axis i: its O axis goes to position i, its L axis to position d + i
    grids = tuple(t.reshape((1,) * i + (t.shape[0],) + (1,) * (d - 1) + (t.shape[1],) + (1,) * (d - 1 - i))
                  for i, t in enumerate(tables))
    vals = a[(slice(None), slice(None)) + grids]                            # (N, C, *O, *L)
    lengths = tuple(t.shape[1] for t in tables)
    tap = xp.unravel_index(vals.reshape(a.shape[:2] + out + (math.prod(lengths),)).argmax(axis=-1), lengths)
    index = 0
    for i, t in enumerate(tables):
        o = xp.arange(out[i]).reshape((-1,) + (1,) * (d - 1 - i))
        index = index * sizes[i] + t[o, tap[i]]
    y = _unbatch(_gather_winners(x, index), unbatched)
    if return_indices:
        return y, _unbatch(Tensor._make(index.astype(backend.int64.np, copy=False)), unbatched)
    return y


def _adaptive_avg(op, d, input, output_size):  # noqa: A002
    x, unbatched, sizes, out = _adaptive_setup(op, d, input, output_size)
    y = x
    for i, (s, o) in enumerate(zip(sizes, out)):
        if s == o:
            continue  # every window is one element: nothing to average
        # A[o, j] = 1/len(window o) for j in window o: averaging along axis i is y @ A^T
        a = x.xp.zeros((o, s), dtype=x.array.dtype)
        for k in range(o):
            start, end = adaptive_window(k, s, o)
            a[k, start:end] = 1.0 / (end - start)
        y = (y.transpose(2 + i, -1) @ Tensor._make(a.T)).transpose(2 + i, -1)
    return _unbatch(y, unbatched)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Average pooling to a chosen length: ``input`` (N, C, L) or (C, L) -> (..., output_size)."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a chosen (OH, OW) whatever the input size (AlexNet's (6, 6) before its
    classifier); an entry None keeps that side's size."""
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Average pooling to a chosen (OD, OH, OW)."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling to a chosen length; indices as ``max_pool1d`` gives them."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling to a chosen (OH, OW); indices flat within each input plane, ties to the first."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)
