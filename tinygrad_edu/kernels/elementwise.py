"""Large elementwise NumPy calls, split over our threads.

Every element of an elementwise result depends only on the same element of the inputs, so a
large call can be cut into flat pieces computed on different threads (NumPy releases the GIL
inside each), and the result is the same bit for bit. Only when every array argument has the
output's shape and C order (the common case for activations and their gradients); broadcasting
calls, small ones, CuPy arrays and one-thread runs are one plain call, as ``ufunc_reference`` does.
"""
from __future__ import annotations

from .. import backend
from . import threads
from .threads import run_split, threads_for


def ufunc_reference(name: str, *args):
    """The plain call: ``xp.<name>(*args)``, e.g. ``ufunc_reference("maximum", x, 0)``."""
    return getattr(backend.get_array_module(*[a for a in args if backend.is_array(a)]), name)(*args)


def ufunc(name: str, *args):
    """``ufunc_reference(name, *args)``, in flat pieces over our threads when it pays."""
    arrays = [a for a in args if isinstance(a, backend.ndarray)]
    first = arrays[0] if arrays else None
    if (first is None or threads_for(first.size, first) < 2
            or any(a.shape != first.shape or not a.flags.c_contiguous for a in arrays)):
        return ufunc_reference(name, *args)
    fn = getattr(backend.np, name)
    flat = [a.reshape(-1) if isinstance(a, backend.ndarray) else a for a in args]
    # the result's dtype, as the plain call would choose it, from empty slices of the same arrays
    dtype = fn(*[a[:0] if isinstance(a, backend.ndarray) else a for a in flat]).dtype
    out = backend.np.empty(first.shape, dtype=dtype)
    out_flat = out.reshape(-1)

    def piece(lo, hi):
        fn(*[a[lo:hi] if isinstance(a, backend.ndarray) else a for a in flat], out=out_flat[lo:hi])
    run_split(piece, first.size, first.size, first)
    return out


def multiply(a, b):
    """``a * b``: large arrays of one shape in flat pieces over our threads (``ufunc``), others, as
    most are, in one plain call decided by one size check (this runs for every ``*``)."""
    return a * b if a.size < threads.PARALLEL_MIN else ufunc("multiply", a, b)


def add(a, b):
    """``a + b``, split as ``multiply`` is."""
    return a + b if a.size < threads.PARALLEL_MIN else ufunc("add", a, b)


def relu_slope(y, dtype):
    """ReLU's derivative from its output: 1 where the input was > 0, else 0, as ``dtype``. Written
    ``not (y <= 0)`` so that a NaN passes its gradient on, as in PyTorch."""
    if not isinstance(y, backend.ndarray) or threads_for(y.size, y) < 2 or not y.flags.c_contiguous:
        return relu_slope_reference(y, dtype)
    out = backend.np.empty(y.shape, dtype=dtype)
    y_flat, out_flat = y.reshape(-1), out.reshape(-1)

    def piece(lo, hi):
        out_flat[lo:hi] = ~(y_flat[lo:hi] <= 0)          # bool -> dtype, on assignment
    run_split(piece, y.size, y.size, y)
    return out


def relu_slope_reference(y, dtype):
    """``relu_slope`` in one call."""
    return (~(y <= 0)).astype(dtype)
