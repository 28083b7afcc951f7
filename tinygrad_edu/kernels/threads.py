"""Our own threads: one large NumPy call split into pieces that run on a small shared pool.

NumPy runs each call on ONE core. It releases the GIL inside such calls, so splitting a loop along
an axis that separates its writes (images, channels, columns of a product) and running the pieces
on threads uses the other cores too. Only on the CPU (CuPy is parallel already) and only for large
work: handing a piece to a thread costs tens of microseconds.

One pool owns the cores. Two pools on the same cores fight: OpenBLAS's idle workers busy-wait
after every matrix product for a while, and our copy loops, which follow every product in a conv,
then ran against them (an earlier im2col split was slower for that reason; docs/performance.md).
So, where ``threadpoolctl`` is installed, BLAS is limited to ONE thread and the matrix products are
split over our pool too (``kernels.gemm``): every piece is a single-threaded BLAS call, and an idle
pool thread sleeps instead of spinning, which also keeps us fast when another program wants a core.
Without ``threadpoolctl`` BLAS keeps the threads the environment gave it, and we split nothing,
unless the environment already set BLAS to one thread (``OPENBLAS_NUM_THREADS=1``, ...).

The thread count (``get_num_threads``) is ``set_num_threads``'s choice, else
``TINYGRAD_EDU_NUM_THREADS``, else ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``, else the cores this
process may use.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from .. import backend

PARALLEL_MIN = 1 << 20       # elements; a loop over less than this runs in one piece
_THREAD_VARS = ("TINYGRAD_EDU_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_PREFIX = "tinygrad_edu-pool"
_pool: Optional[ThreadPoolExecutor] = None
_chosen: Optional[int] = None    # set_num_threads
_blas_single: Optional[bool] = None   # is BLAS known to use one thread? (None: not yet arranged)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))     # the cores this process may run on
    except AttributeError:                      # macOS, Windows
        return os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for our kernels, as ``torch.set_num_threads`` (not capped at the core count)."""
    global _chosen
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"set_num_threads(): argument 'int' (position 1) must be int, not {type(n).__name__}")
    if n < 1:
        raise RuntimeError("Expected positive number of threads")
    _chosen = n
    _arrange_blas(again=True)


def reset_num_threads() -> None:
    """Forget ``set_num_threads``'s choice: back to the environment's (``get_num_threads``)."""
    global _chosen
    _chosen = None


def get_num_threads() -> int:
    """The threads our kernels use: ``set_num_threads``'s choice; else ``TINYGRAD_EDU_NUM_THREADS``,
    else ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``, else the cores this process may use."""
    if _chosen is not None:
        return _chosen
    for var in _THREAD_VARS:
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return _cores()


num_threads = get_num_threads


def _arrange_blas(again: bool = False) -> bool:
    """Limit BLAS to one thread through threadpoolctl (once, or ``again``); True when BLAS is known to
    run on one thread, so that our pool may split work without two pools fighting for the cores."""
    global _blas_single
    if _blas_single is None or again:
        try:
            from threadpoolctl import ThreadpoolController  # late: an optional dependency
        except ImportError:
            _blas_single = any(os.environ.get(v, "").strip() == "1" for v in _BLAS_VARS)
        else:
            ThreadpoolController().limit(limits=1, user_api="blas")
            _blas_single = True
    return _blas_single


def threads_for(work: int, array, minimum: Optional[int] = None) -> int:
    """How many pieces to cut ``work`` (elements, or multiply-adds) into: 1 unless ``array`` is a
    NumPy array, the work is at least ``minimum`` (default ``PARALLEL_MIN``) and the pool may be used
    (see the module's note)."""
    n = get_num_threads()
    if n < 2 or work < (PARALLEL_MIN if minimum is None else minimum) or not isinstance(array, backend.ndarray):
        return 1
    if not _arrange_blas():
        return 1
    return n


def run_split(fn, length: int, work: int, array, minimum: Optional[int] = None) -> None:
    """Call ``fn(lo, hi)`` on pieces that together cover ``range(length)``: in parallel when
    ``threads_for(work, array, minimum)`` says so; else once, ``fn(0, length)``. The pieces must
    write disjoint memory."""
    global _pool
    threads = min(threads_for(work, array, minimum), length)
    if threads < 2 or threading.current_thread().name.startswith(_PREFIX):   # no nested splits
        fn(0, length)
        return
    if _pool is None or _pool._max_workers < threads - 1:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix=_PREFIX)
    bounds = [length * i // threads for i in range(threads + 1)]
    pending = [_pool.submit(fn, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    try:
        fn(bounds[0], bounds[1])                # the first piece on this thread
    finally:
        for f in pending:
            f.result()                          # waits, and re-raises a piece's error
