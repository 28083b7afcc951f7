"""im2col and col2im: convolution as ONE matrix product, in 1-D, 2-D and 3-D alike.

A convolution slides a kernel over the input and takes a dot product at every stop (the
lecture's Frobenius inner product of the kernel with each window). Doing that stop by stop in
Python is hopelessly slow. im2col ("image to columns") instead copies every window the kernel
visits into one column of a matrix; all the dot products then become a single matrix product
(a GEMM), which BLAS runs close to the machine's peak:

    input  (N, C, H, W)      --im2col-->   cols   (C*KH*KW, N*OH*OW)   one column per window
    weight (F, C, KH, KW)    --reshape-->  W      (F, C*KH*KW)         one row per filter
    W @ cols                            -> (F, N*OH*OW)  --reshape-->  output (N, F, OH, OW)

Nothing here knows how many spatial dimensions there are: a 1-D, 2-D or 3-D input is
``(N, C, *S)`` and every function works on the trailing ``len(S)`` axes.

Three steps, each a small function below:

1. ``windows``: a strided *view* of the padded input with shape ``(N, C, *K, *O)``: element
   ``[n, c, k..., o...]`` is the input pixel that kernel tap ``k`` sees at output position ``o``,
   namely ``x_padded[n, c, o*stride + k*dilation]``. No data is copied: the view just steps through
   memory with new strides (windows overlap, so many view elements share one input element).
2. ``to_columns``: one copy into the GEMM layout ``(groups, C/groups * prod(K), N * prod(O))``.
   Rows are ordered (channel, kernel tap), exactly like ``weight.reshape(F, -1)``; we call this the
   channel-major layout (rows by channel, columns by image and position). Unlike the patch-major
   ``(N*O, C*K)`` layout it lets the weight gradient be one GEMM too.
   Groups are a leading batch axis, so a grouped conv is still one (batched) ``matmul`` call.
3. ``fold`` (col2im): the adjoint of ``windows``. Every column entry is *added* back onto the
   input pixel it was copied from; where windows overlap, contributions add up. It loops over
   the kernel offsets only (9 iterations for a 3x3 kernel), each adding a whole strided slab at
   once, rather than scattering every element on its own.

On the CPU, large copies (2) and sums (3) are split by images (or by channels for one image) over
our threads (``threads.run_split``): the pieces write apart, so the result is the same bit for bit.

``col2im`` gives the input gradient of a conv and the forward pass of a transposed conv; avg
pooling and max pooling reuse ``windows`` too. ``im2col_reference`` and ``col2im_reference`` do the
same one window at a time, as you would by hand; ``KeptColumns`` carries a conv's im2col matrix from
forward to its weight gradient.
"""
from __future__ import annotations

import itertools
import math
from typing import NamedTuple, Optional, Tuple

from .. import backend
from .threads import run_split, threads_for


class Window(NamedTuple):
    """How a kernel moves over the spatial axes: per axis a step, a tap spacing, and the padding
    added (before, after). Padding is a pair because ``padding='same'`` with an even kernel, and
    ``ceil_mode`` pooling, pad the far side more than the near one."""
    stride: Tuple[int, ...]
    padding: Tuple[Tuple[int, int], ...]
    dilation: Tuple[int, ...]


def pad(x, padding, value=0.0):
    """``x`` (N, C, *S) with ``padding[i] = (before, after)`` elements of ``value`` around axis i."""
    if not any(lo or hi for lo, hi in padding):
        return x
    xp = backend.get_array_module(x)
    shape = x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], padding))] = x
    return out


def crop(x, padding, size):
    """Cut ``padding`` off a padded array, leaving the spatial ``size`` (the inverse of ``pad``)."""
    return x[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, padding))]


def windows(x, kernel, win: Window, out_size, fill=0.0):
    """Every window of ``x`` (N, C, *S) as a read-only view of shape ``(N, C, *K, *O)``.

    Stepping one kernel tap along axis i moves ``dilation[i]`` elements in the padded input; stepping
    one output position moves ``stride[i]`` elements. Those two rules are the view's strides.
    ``fill`` is the padding value (0 for conv and avg pool, -inf for max pool).
    """
    padded = pad(x, win.padding, fill)
    step = padded.strides[2:]          # bytes from one element to the next along each spatial axis
    tap_strides = tuple(s * d for s, d in zip(step, win.dilation))
    pos_strides = tuple(s * k for s, k in zip(step, win.stride))
    shape = padded.shape[:2] + tuple(kernel) + tuple(out_size)
    return backend.as_strided(padded, shape, padded.strides[:2] + tap_strides + pos_strides)


def fold(cols, win: Window, size):
    """The adjoint of ``windows`` (col2im): add each entry of ``cols`` (N, C, *K, *O) onto the
    input pixel it came from and return ``(N, C, *size)``.

    For one kernel offset k, the pixels seen at all output positions form a strided slab of the
    padded input, ``o*stride + k*dilation`` for every o; one vectorised ``+=`` per offset does it.
    """
    xp = backend.get_array_module(cols)
    d = len(size)
    kernel, out_size = cols.shape[2:2 + d], cols.shape[2 + d:]
    padded = cols.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(size, win.padding))
    out = xp.zeros(padded, dtype=cols.dtype)
    axis = split_axis(cols.shape)

    def add_taps(lo, hi):                     # images (or channels) lo..hi-1: they write apart
        part = split_index(axis, lo, hi)
        for k in itertools.product(*(range(n) for n in kernel)):
            slab = tuple(slice(ki * di, ki * di + si * (oi - 1) + 1, si)
                         for ki, di, si, oi in zip(k, win.dilation, win.stride, out_size))
            out[part + slab] += cols[part + k]
    run_split(add_taps, cols.shape[axis], cols.size, cols)
    return crop(out, win.padding, size)


def contiguous(a):
    """``a`` in C order: itself when it already is, else one copy (a conv's output leaves its GEMM
    as (F, N, *O) and becomes (N, F, *O) here), split by images or channels over our threads."""
    if a.flags.c_contiguous:
        return a
    xp = backend.get_array_module(a)
    if threads_for(a.size, a) < 2:
        return xp.ascontiguousarray(a)
    out = xp.empty(a.shape, dtype=a.dtype)
    axis = split_axis(a.shape)

    def copy(lo, hi):
        part = split_index(axis, lo, hi)
        out[part] = a[part]
    run_split(copy, a.shape[axis], a.size, a)
    return out


def split_axis(shape) -> int:
    """Where to cut (N, C, ...) work for threads: by images (axis 0), or by channels for one image."""
    return 0 if shape[0] > 1 else 1


def split_index(axis: int, lo: int, hi: int) -> tuple:
    """The index that selects images (axis 0) or channels (axis 1) lo..hi-1."""
    return (slice(None),) * axis + (slice(lo, hi),) + (slice(None),) * (1 - axis)


# ----------------------------------------------------------------------------- the GEMM layout
def to_columns(a, groups: int, n_spatial: int):
    """(N, C, *T, *S) -> (groups, C/groups * prod(T), N * prod(S)): channel-major, one copy.

    ``T`` are axes that belong with the channel in a row (the kernel taps in im2col; none for a
    gradient); the last ``n_spatial`` axes are positions, which go with the image in a column.
    """
    n, c = a.shape[:2]
    lead = a.ndim - n_spatial           # axes 0..lead-1 are N, C, *T
    order = tuple(range(1, lead)) + (0,) + tuple(range(lead, a.ndim))   # (C, *T, N, *S)
    rows = c * math.prod(a.shape[2:lead])
    layout = a.transpose(order)
    shape = (groups, rows // groups, n * math.prod(a.shape[lead:]))
    if layout.flags.c_contiguous or threads_for(layout.size, a) < 2:
        return layout.reshape(shape)    # one copy (none when the layout is already in order)
    out = backend.np.empty(layout.shape, dtype=a.dtype)
    axis = lead - 1 if n > 1 else 0     # by images, or by channels for one image

    def copy(lo, hi):
        part = (slice(None),) * axis + (slice(lo, hi),)
        out[part] = layout[part]
    run_split(copy, layout.shape[axis], layout.size, a)
    return out.reshape(shape)


def from_columns(m, rows, cols):
    """The inverse of ``to_columns``: a (groups, R, N * prod(S)) matrix as a view of shape
    ``(N, *rows, *S)``, where ``rows = (C, *T)`` name the row axes and ``cols = (N, *S)`` the
    column axes."""
    a = m.reshape(tuple(rows) + tuple(cols))
    r = len(rows)
    return a.transpose((r,) + tuple(range(r)) + tuple(range(r + 1, a.ndim)))


def im2col(x, kernel, win: Window, out_size, groups: int = 1):
    """(N, C, *S) -> cols (groups, C/groups * prod(K), N * prod(O)): every window as a column."""
    return to_columns(windows(x, kernel, win, out_size), groups, len(kernel))


def col2im(cols, kernel, win: Window, out_size, shape):
    """The adjoint of ``im2col``: cols (groups, C/groups * prod(K), N * prod(O)) summed back into
    an array of ``shape = (N, C, *S)``."""
    n, c, size = shape[0], shape[1], tuple(shape[2:])
    return fold(from_columns(cols, (c,) + tuple(kernel), (n,) + tuple(out_size)), win, size)


# ----------------------------------------------------------------------------- the columns a conv keeps
KEEP_COLUMNS = 256 << 20    # bytes: the largest im2col matrix kept from forward; a bigger one is made again


class KeptColumns:
    """A conv's im2col matrix, kept from forward for its weight gradient (dw = dy @ cols^T), so that
    backward need not copy the windows again (PyTorch's slow_conv2d keeps its "finput" alike). Not
    kept when no weight gradient is wanted or when larger than ``KEEP_COLUMNS``."""

    def __init__(self, cols, wanted: bool):
        self.cols = cols if wanted and cols.nbytes <= KEEP_COLUMNS else None

    def take(self) -> Optional[object]:
        """The kept matrix, handed out once and forgotten here (so it is freed once its GEMM is
        done), or None: nothing was kept, or an earlier backward (``retain_graph``) took it."""
        cols, self.cols = self.cols, None
        return cols


# ----------------------------------------------------------------------------- by hand, one window at a time
def _taps(kernel):
    return itertools.product(*(range(k) for k in kernel))


def im2col_reference(x, kernel, win: Window, out_size, groups: int = 1):
    """``im2col`` one output position and one kernel tap at a time: column (n, o) row (c, k) is the
    pixel ``x_padded[n, c, o*stride + k*dilation]``."""
    xp = backend.get_array_module(x)
    n, c = x.shape[:2]
    padded = xp.pad(x, ((0, 0), (0, 0)) + tuple(win.padding))
    cols = xp.zeros((c,) + tuple(kernel) + (n,) + tuple(out_size), dtype=x.dtype)
    for o in _taps(out_size):
        for k in _taps(kernel):
            at = tuple(oi * s + ki * d for oi, ki, s, d in zip(o, k, win.stride, win.dilation))
            cols[(slice(None),) + k + (slice(None),) + o] = padded[(slice(None), slice(None)) + at].T
    return cols.reshape(groups, c // groups * math.prod(kernel), n * math.prod(out_size))


def col2im_reference(cols, kernel, win: Window, out_size, shape):
    """``col2im`` one entry at a time: add column (n, o) row (c, k) onto ``x_padded[n, c, o*stride +
    k*dilation]``, then cut the padding off. (Taps in the outer loop, as ``fold`` adds them, so that
    the sums round alike.)"""
    xp = backend.get_array_module(cols)
    n, c, size = shape[0], shape[1], tuple(shape[2:])
    a = cols.reshape((c,) + tuple(kernel) + (n,) + tuple(out_size))
    padded = xp.zeros((n, c) + tuple(s + lo + hi for s, (lo, hi) in zip(size, win.padding)), dtype=cols.dtype)
    for k in _taps(kernel):
        for o in _taps(out_size):
            at = tuple(oi * s + ki * d for oi, ki, s, d in zip(o, k, win.stride, win.dilation))
            padded[(slice(None), slice(None)) + at] += a[(slice(None),) + k + (slice(None),) + o].T
    return crop(padded, win.padding, size)
