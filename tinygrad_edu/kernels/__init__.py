"""Speed code: array in, array out. Nothing here knows about ``Function``, ``Tensor`` or derivatives;
the calculus lives in ``ops/`` and calls these kernels on raw NumPy/CuPy arrays (reached only through
``backend``). Each fast kernel sits beside a ``<kernel>_reference``: the few plain lines a student would
write for the same result, which ``tests/test_kernels.py`` checks the fast one against. ``im2col``
turns a convolution into one matrix product, ``pooling`` finds max-pool winners and scatters their
gradients, ``optim`` updates parameters in place slice by slice, and ``threads`` splits a large loop
over a small thread pool, which ``gemm`` uses for matrix products and ``elementwise`` for large
elementwise calls (ReLU, and large ``*`` and ``+``). ``memory`` keeps freed memory for the next
step (set once, on import).
"""
from . import elementwise, gemm, im2col, memory, optim, pooling, threads

__all__ = ["elementwise", "gemm", "im2col", "memory", "optim", "pooling", "threads"]

memory.keep_freed_memory()
