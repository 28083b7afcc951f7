"""Keep freed memory for the next training step, instead of handing it back to the system.

A training step allocates the same large arrays every time (im2col columns, activations, their
gradients: megabytes each) and frees them at its end. With glibc's default policy much of that
memory goes back to the operating system and comes back on the next step as fresh pages, and the
kernel must fault in and zero every page again: on the small CNN of ``benchmarks/`` that cost about
a quarter of the step (docs/performance.md). PyTorch users meet the same problem on the CPU, and the
usual advice is to preload jemalloc or tcmalloc; NumPy's arrays use plain ``malloc``, so here two
``mallopt`` settings do it on import:

* ``M_MMAP_THRESHOLD`` 64 MiB: blocks up to that size come from the heap, where a freed block is
  reused, rather than from ``mmap``, where each one is returned and faulted in again;
* ``M_TRIM_THRESHOLD`` 512 MiB: the heap keeps up to that much free memory at its top for reuse.

The memory stays with the process (as a GPU framework's caching allocator keeps GPU memory), so a
process's resident size stays near its peak. Only with glibc (Linux), and never when the user chose:
``TINYGRAD_EDU_MALLOC=default``, any ``MALLOC_*`` variable, or a preloaded allocator leaves malloc
as it is.
"""
from __future__ import annotations

import ctypes
import os
import sys

MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 512 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3      # glibc's mallopt parameters (malloc.h)
kept: bool = False                                 # did keep_freed_memory() change malloc?


def _user_chose() -> bool:
    return (os.environ.get("TINYGRAD_EDU_MALLOC", "").strip().lower() == "default"
            or any(k.startswith("MALLOC_") for k in os.environ) or bool(os.environ.get("LD_PRELOAD")))


def keep_freed_memory() -> bool:
    """Set the two thresholds (once; see the module's note). Returns whether malloc was changed."""
    global kept
    if kept or not sys.platform.startswith("linux") or _user_chose():
        return kept
    try:
        libc = ctypes.CDLL(None)
        mallopt, gnu = libc.mallopt, libc.gnu_get_libc_version   # glibc has both; musl lacks the second
    except (OSError, AttributeError):
        return False
    del gnu
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    kept = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return kept
