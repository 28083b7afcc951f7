"""Our own threads: one large NumPy loop split into pieces that run on a small shared pool.

NumPy runs each call on ONE core, while BLAS (and PyTorch) use every thread they are given. NumPy
releases the GIL inside such calls, so splitting a loop along an axis that separates its writes
(images, or channels) and running the pieces on threads uses the other cores too. Only on the CPU
(CuPy is parallel already) and only for large work: handing a piece to a thread costs tens of
microseconds. Max pooling uses it; im2col/col2im do not, because right after a GEMM OpenBLAS's idle
worker busy-waits on the other core (docs/performance.md).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from .. import backend

PARALLEL_MIN = 1 << 20       # elements; less work than this runs in one piece
_pool: Optional[ThreadPoolExecutor] = None
_chosen: Optional[int] = None    # set_num_threads


def set_num_threads(n: Optional[int]) -> None:
    """Use ``n`` threads for ``run_split`` (not capped at the core count); ``None`` goes back to the
    environment's choice (``num_threads``)."""
    global _chosen
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise ValueError(f"set_num_threads expected a positive int or None, but got {n!r}")
    _chosen = n


def num_threads() -> int:
    """Threads for ``run_split``: ``set_num_threads``'s choice; else ``TINYGRAD_EDU_NUM_THREADS``, else
    the BLAS thread count as ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` set it, else min(2, cores),
    at most the cores."""
    if _chosen is not None:
        return _chosen
    cores = os.cpu_count() or 1
    for var in ("TINYGRAD_EDU_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), cores)
    return min(2, cores)


def run_split(fn, length: int, work: int, array) -> None:
    """Call ``fn(lo, hi)`` on pieces that together cover ``range(length)``: in parallel when
    ``array`` is a NumPy array, ``work`` (elements) is large and there are threads to use; else
    once, ``fn(0, length)``. The pieces must write disjoint memory."""
    global _pool
    threads = min(num_threads(), length)
    if threads < 2 or work < PARALLEL_MIN or not isinstance(array, backend.ndarray):
        fn(0, length)
        return
    if _pool is None or _pool._max_workers < threads - 1:
        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="tinygrad_edu")
    bounds = [length * i // threads for i in range(threads + 1)]
    pending = [_pool.submit(fn, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    try:
        fn(bounds[0], bounds[1])                # the first piece on this thread
    finally:
        for f in pending:
            f.result()                          # waits, and re-raises a piece's error

