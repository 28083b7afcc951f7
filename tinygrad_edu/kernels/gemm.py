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
