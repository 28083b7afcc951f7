"""Max pooling's two loops: find each window's winner, and add gradients back onto the winners.

Both walk the kernel taps, not the windows: tap k of every window at once is one strided slice of
the windows view (``im2col.windows``), and on the way back one strided slab of the padded input.
So a 3x3 pool is 9 whole-array steps whatever the image size. On the CPU, for large inputs, the
images (or, for one image, the channels) are split over threads (``threads.run_split``).

``max_pool_winners_reference`` and ``max_pool_scatter_reference`` compute the same results one
window at a time.
"""
from __future__ import annotations

import itertools
import math

from .. import backend
from .im2col import Window, contiguous, crop, split_axis, split_index, windows
from .threads import run_split


def _taps(kernel):
    return list(itertools.product(*(range(n) for n in kernel)))


def max_pool_winners(x, kernel, win: Window, out_size):
    """Every window's maximum and winner: ``(best, tap)``, each of shape (N, C, *O). ``tap`` numbers
    the winning kernel position in row-major order (``winner_index`` turns it into the winner's flat
    index within its input plane); ``best`` is the winner's value, the pooled output itself.

    Ties go to the FIRST maximal element (a later tap must be strictly greater), as on PyTorch's CPU;
    a NaN always wins, so NaN propagates. Padding is -inf and never wins; a window of padding only
    keeps tap -1 (and best -inf).
    """
    xp = backend.get_array_module(x)
    view = windows(x, kernel, win, out_size, fill=float("-inf"))           # (N, C, *K, *O)
    taps = _taps(kernel)
    out_shape = x.shape[:2] + tuple(out_size)
    best = xp.empty(out_shape, dtype=x.dtype)
    won = xp.empty(out_shape, dtype=backend.np.int8 if len(taps) < 127 else backend.np.int32)
    better, scratch = xp.empty(out_shape, dtype=bool), xp.empty_like(won)
    has_nan = bool(xp.isnan(x).any())
    # Without padding every tap is a real pixel, so the first tap can start the running maximum (one
    # step fewer); with padding it starts at -inf with no winner, so that padding never wins.
    padded = any(lo or hi for lo, hi in win.padding)
    axis, d = split_axis(x.shape), len(kernel)

    def search(lo, hi):                          # a running maximum over the taps, in place
        part = split_index(axis, lo, hi)
        b, w, m, tmp = best[part], won[part], better[part], scratch[part]
        # This piece's windows copied tap-major, (taps, n, c, *O): each tap is then one contiguous
        # block, and a NumPy step over a contiguous block is many times faster than over the
        # strided view (SIMD). w holds 1 + the winning tap so far (0: none): a later tap i that wins
        # is always larger, so w = max(w, (i + 1) * m) records it without a branch per element
        # (copyto(..., where=m) on a random mask was the slowest step of all).
        cols = xp.ascontiguousarray(xp.moveaxis(view[part], tuple(range(2, 2 + d)), tuple(range(d))))
        cols = cols.reshape((len(taps),) + b.shape)
        if padded:
            b.fill(float("-inf"))
            w.fill(0)
            start = 0
        else:
            b[...] = cols[0]
            w.fill(1)
            start = 1
        for i in range(start, len(taps)):
            v = cols[i]                                                      # tap i of every window
            xp.greater(v, b, out=m)                                          # strictly greater wins
            if has_nan:
                m |= xp.isnan(v)                                             # and so does a NaN
            xp.maximum(b, v, out=b)                                          # (NaN stays NaN)
            xp.maximum(w, xp.multiply(m, w.dtype.type(i + 1), out=tmp), out=w)
        w -= 1                                                               # the tap, -1 for none
    run_split(search, x.shape[axis], view.size, x)
    return best, won


def winner_index(tap, shape, kernel, win: Window):
    """The flat index within its input plane (``shape`` is the input's) of each window's winner, from
    its ``tap``; -1 where a window has none. What ``return_indices`` gives."""
    xp = backend.get_array_module(tap)
    return _flat_index(xp, shape, kernel, win, tap.shape[2:], _taps(kernel), tap)


def _flat_index(xp, shape, kernel, win: Window, out_size, taps, tap):
    """The flat index within its plane of the pixel that tap ``tap`` sees in each window (-1 for -1)."""
    d = len(kernel)
    plane = [math.prod(shape[3 + i:]) for i in range(d)]                     # strides within a plane
    # first tap of each window: the sum over axes of (o*stride - padding) * plane stride
    first = sum(((xp.arange(o) * s - lo) * st).reshape((-1,) + (1,) * (d - 1 - i))
                for i, (o, s, (lo, _), st) in enumerate(zip(out_size, win.stride, win.padding, plane)))
    offset = xp.asarray([sum(ki * dl * st for ki, dl, st in zip(k, win.dilation, plane)) for k in taps] + [0],
                        dtype=backend.int64.np)                              # tap k from the first tap
    return xp.where(tap >= 0, first + offset[tap], -1)                       # offset[-1] is the 0 added


def max_pool_scatter(g, tap, kernel, win: Window, size):
    """dx (N, C, *size): each window's gradient ``g`` (N, C, *O) added onto its winner. For every
    kernel tap k, one strided slab of the padded input, ``o*stride + k*dilation`` for all o, receives
    the gradients of the windows that tap k won (as ``im2col.fold`` does for every entry); where
    windows overlap, a pixel that wins several gets the sum.

    When windows do not overlap and there is no padding (``MaxPool2d(2)``), the slabs of different
    taps are different pixels: each is written once instead of added onto zeros."""
    xp = backend.get_array_module(g)
    padded = g.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(size, win.padding))
    apart = not any(lo or hi for lo, hi in win.padding) and all(
        st >= dl * (k - 1) + 1 for k, st, dl in zip(kernel, win.stride, win.dilation))
    # every pixel in some window (exactly once): nothing needs zeros first
    tiled = apart and all(st == k and dl == 1 and o * st == s for k, st, dl, o, s in
                          zip(kernel, win.stride, win.dilation, g.shape[2:], size))
    out = xp.empty(padded, dtype=g.dtype) if tiled else xp.zeros(padded, dtype=g.dtype)
    # g * (tap == k) is the fastest masking, but inf * 0 is NaN: only when every gradient is finite
    finite = bool(xp.isfinite(g).all())
    won_all = xp.empty(tap.shape, dtype=bool)
    work_all = None if apart else xp.empty_like(g)           # (apart, products go straight into out)
    axis = split_axis(g.shape)

    def scatter(lo, hi):
        part = split_index(axis, lo, hi)
        gp, tp, won = g[part], tap[part], won_all[part]
        work = None if apart else work_all[part]
        for i, k in enumerate(_taps(kernel)):
            slab = out[part + tuple(slice(ki * di, ki * di + si * (oi - 1) + 1, si)
                                    for ki, di, si, oi in zip(k, win.dilation, win.stride, g.shape[2:]))]
            xp.equal(tp, i, out=won)                                         # the windows tap k won
            masked = xp.multiply(gp, won, out=slab if apart else work) if finite else xp.where(won, gp, 0)
            if not apart:
                slab += masked
            elif not finite:
                slab[...] = masked
        if apart:
            out[part] += 0      # -0.0 (a negative g times False) -> 0.0, as adding onto zeros gives
    run_split(scatter, g.shape[axis], g.size * math.prod(kernel), g)
    return contiguous(crop(out, win.padding, size))


# ----------------------------------------------------------------------------- by hand, one window at a time
def _pixel(o, k, win: Window):
    """Where tap k of window o lands, in padded coordinates."""
    return tuple(oi * s + ki * d for oi, ki, s, d in zip(o, k, win.stride, win.dilation))


def max_pool_winners_reference(x, kernel, win: Window, out_size):
    """``max_pool_winners`` one window at a time: walk its taps, keep the first strictly larger one
    (or any NaN), and note which tap it was."""
    xp = backend.get_array_module(x)
    n, c = x.shape[0], x.shape[1]
    padded = xp.pad(x, ((0, 0), (0, 0)) + tuple(win.padding), constant_values=float("-inf"))
    best_all = xp.full((n, c) + tuple(out_size), float("-inf"), dtype=x.dtype)
    tap = xp.full((n, c) + tuple(out_size), -1, dtype=backend.int64.np)
    for o in itertools.product(*(range(s) for s in out_size)):
        best = xp.full((n, c), float("-inf"), dtype=x.dtype)
        for i, k in enumerate(_taps(kernel)):
            v = padded[(slice(None), slice(None)) + _pixel(o, k, win)]
            better = (v > best) | xp.isnan(v)
            best = xp.where(better, v, best)
            tap[(Ellipsis,) + o] = xp.where(better, i, tap[(Ellipsis,) + o])
        best_all[(Ellipsis,) + o] = best
    return best_all, tap


def winner_index_reference(tap, shape, kernel, win: Window):
    """``winner_index`` one window at a time: the pixel its winning tap sees, less the padding, as a
    flat index within the input plane."""
    size, taps = shape[2:], _taps(kernel)
    index = backend.np.full(tap.shape, -1, dtype=backend.int64.np)
    for pos in itertools.product(*(range(s) for s in tap.shape)):
        t = int(tap[pos])
        if t >= 0:
            at = _pixel(pos[2:], taps[t], win)
            index[pos] = sum((a - lo) * math.prod(size[j + 1:]) for j, (a, (lo, _)) in enumerate(zip(at, win.padding)))
    return index


def max_pool_scatter_reference(g, tap, kernel, win: Window, size):
    """``max_pool_scatter`` one window at a time: add its gradient onto the pixel its winning tap saw.
    (Taps in the outer loop, as the fast version adds them, so that the sums round alike.)"""
    xp = backend.get_array_module(g)
    padded = xp.zeros(g.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(size, win.padding)), dtype=g.dtype)
    for i, k in enumerate(_taps(kernel)):
        for o in itertools.product(*(range(s) for s in g.shape[2:])):
            won = tap[(Ellipsis,) + o] == i
            padded[(slice(None), slice(None)) + _pixel(o, k, win)] += xp.where(won, g[(Ellipsis,) + o], 0)
    return crop(padded, win.padding, size)
