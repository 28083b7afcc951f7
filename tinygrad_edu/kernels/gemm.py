"""Matrix products over our thread pool: ``a @ b`` cut into blocks of the output.

Every element of ``a @ b`` (shapes (..., M, K) and (..., K, N)) is one row of ``a`` times one
column of ``b``, so the output splits cleanly: rows ``lo:hi`` of the result need only rows
``lo:hi`` of ``a``, and columns ``lo:hi`` need only columns ``lo:hi`` of ``b``. ``matmul`` cuts the
longer of the two output axes into one block per thread and lets each thread run one
single-threaded BLAS call that writes its block in place (``out=``, a strided view: NumPy hands it
to BLAS without a copy). A small output from long sums (a weight gradient) is split along the sums
instead, and the partial products added. BLAS itself is kept to one thread while we do this (``kernels.threads``),
so the two never compete for cores. ``matmul_reference`` is the plain ``a @ b``.
"""
from __future__ import annotations

import math

from .. import backend
from .threads import run_split, threads_for

GEMM_MIN = 1 << 22      # multiply-adds; a smaller product (about 0.1 ms) runs as one call


def matmul_reference(a, b):
    """``a @ b``, one call."""
    return a @ b


def matmul(a, b):
    """``a @ b`` for arrays of 2 or more dimensions (batch axes broadcast as in ``@``), the output
    cut into row or column blocks that run in parallel on the CPU. Anything else is ``a @ b``."""
    if a.ndim < 2 or b.ndim < 2 or not isinstance(a, backend.ndarray) or not isinstance(b, backend.ndarray):
        return a @ b
    xp = backend.np
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    work = m * k * n
    for s in batch:
        work *= s
    by_rows = m >= n
    length = m if by_rows else n
    if threads_for(work, a, GEMM_MIN) < 2:      # one thread, or too small to be worth a thread
        return a @ b
    if m * n * math.prod(batch) < k:            # a small output from long sums: split the sums
        return _split_sums(a, b, k, work)
    out = xp.empty(batch + (m, n), dtype=xp.result_type(a, b))

    def block(lo, hi):
        if by_rows:
            xp.matmul(a[..., lo:hi, :], b, out=out[..., lo:hi, :])
        else:
            xp.matmul(a, b[..., lo:hi], out=out[..., lo:hi])
    run_split(block, length, work, a, minimum=GEMM_MIN)
    return out


def _split_sums(a, b, k: int, work: int):
    """``a @ b`` when the output is small and the inner axis long (a weight gradient: (F, N*O) @
    (N*O, C*K)). Blocks of the output would each stream all of ``b``; instead each thread multiplies
    one stretch of the inner axis, ``a[..., lo:hi] @ b[..., lo:hi, :]``, and the partial products,
    small, are added in order (so the result depends on the thread count in the last bits only)."""
    partial = {}

    def stretch(lo, hi):
        partial[lo] = a[..., lo:hi] @ b[..., lo:hi, :]
    run_split(stretch, k, work, a, minimum=GEMM_MIN)
    pieces = [partial[lo] for lo in sorted(partial)]
    out = pieces[0]
    for p in pieces[1:]:
        out += p
    return out


def matmul_per_image(w, cols, n: int):
    """A conv's product straight into image order: ``w`` (G, F/G, R) times ``cols`` (G, R, N * P) as
    an array (N, F, P), C-ordered. One product per image, each writing its own (F/G, P) block of the
    output (BLAS takes the image's stretch of ``cols`` where it lies, with a row stride of N * P), so
    the (F, N * P) result of one big product never needs reordering into (N, F, P): that copy cost
    as much as the product itself for a first conv layer. The images are split over our threads.
    ``matmul_per_image_reference`` is the one product and the reordering copy."""
    if not isinstance(cols, backend.ndarray):
        return matmul_per_image_reference(w, cols, n)
    xp = backend.np
    g, fg, r = w.shape
    p = cols.shape[-1] // n
    out = xp.empty((n, g, fg, p), dtype=xp.result_type(w, cols))
    per_image = cols.reshape(g, r, n, p).transpose(0, 2, 1, 3)      # (G, N, R, P), a view
    into = out.transpose(1, 0, 2, 3)                                # (G, N, F/G, P), a view
    a = w[:, None]                                                  # (G, 1, F/G, R)

    def images(lo, hi):
        xp.matmul(a, per_image[:, lo:hi], out=into[:, lo:hi])
    run_split(images, n, g * fg * r * n * p, cols, minimum=GEMM_MIN)
    return out.reshape(n, g * fg, p)


def matmul_per_image_reference(w, cols, n: int):
    """``matmul_per_image`` as one product (G, F/G, N * P), then a copy into (N, F, P)."""
    xp = backend.get_array_module(cols)
    g, fg, _ = w.shape
    y = (w @ cols).reshape(g * fg, n, -1)
    return xp.ascontiguousarray(y.transpose(1, 0, 2))


def matmul_from_images(w, x):
    """The other direction: ``w`` (G, R, F/G) times an array in image order ``x`` (N, F, P) as the
    column matrix (G, R, N * P) that ``im2col.col2im`` takes (a transposed conv's, or a conv's input
    gradient). One product per image reads that image's (F/G, P) block where it lies and writes its
    stretch of the columns, so ``x`` is never reordered into (F, N * P) first. Images split over our
    threads; ``matmul_from_images_reference`` reorders and makes one product."""
    if not isinstance(x, backend.ndarray) or not x.flags.c_contiguous:
        return matmul_from_images_reference(w, x)
    xp = backend.np
    g, r, fg = w.shape
    n, p = x.shape[0], x.shape[-1]
    out = xp.empty((g, r, n, p), dtype=xp.result_type(w, x))
    per_image = x.reshape(n, g, fg, p).transpose(1, 0, 2, 3)        # (G, N, F/G, P), a view
    into = out.transpose(0, 2, 1, 3)                                # (G, N, R, P), a view
    a = w[:, None]                                                  # (G, 1, R, F/G)

    def images(lo, hi):
        xp.matmul(a, per_image[:, lo:hi], out=into[:, lo:hi])
    run_split(images, n, g * r * fg * n * p, x, minimum=GEMM_MIN)
    return out.reshape(g, r, n * p)


def matmul_from_images_reference(w, x):
    """``matmul_from_images`` as a reordering copy of ``x`` into (G, F/G, N * P), then one product."""
    g = w.shape[0]
    n, f, p = x.shape[0], x.shape[1], x.shape[-1]
    xm = x.reshape(n, g, f // g, p).transpose(1, 2, 0, 3).reshape(g, f // g, n * p)
    return w @ xm
