"""What every check uses: a failure a student can read, number formatting, finite differences.

A check calls the student's code and compares it with an independent truth (a hand-computed number
from the lecture, the library's own op, or a finite difference). When they disagree it raises
``CheckFailed`` with one sentence that says what the student's code gave, what it should give, and
where to look; the runner prints that sentence instead of a traceback.
"""
from __future__ import annotations

from typing import Callable

from .. import backend

np = backend.np


class CheckFailed(Exception):
    """A wrong answer: the message is shown to the student as it is."""


def num(x) -> str:
    """A number as a student writes it: 34,944 for ints, 4 significant digits for floats."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    try:
        x = float(x)
    except (TypeError, ValueError):
        return repr(x)
    return f"{x:.4g}"


def as_array(x, what: str):
    """A student's result (NumPy array, Tensor, list) as a float64 NumPy array."""
    if hasattr(x, "array") and hasattr(x, "grad_fn"):  # a tinygrad_edu Tensor
        x = backend.to_numpy(x.detach().array)
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} should be an array of numbers, but it is {type(x).__name__}") from None


def expect_shape(got, want: tuple, what: str) -> None:
    got = tuple(np.shape(got)) if not hasattr(got, "shape") else tuple(got.shape)
    if got != tuple(want):
        raise CheckFailed(f"{what} has shape {got}; it should have shape {tuple(want)}")


def first_mismatch(got, want, rtol: float = 1e-6, atol: float = 1e-8):
    """The index of the first element where ``got`` and ``want`` differ, or None."""
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def expect_close(got, want, what: str, truth: str, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Compare arrays; on a mismatch name the first wrong element: "your X gives a at [i]; T gives b"."""
    got = as_array(got, what)
    want = np.asarray(want, dtype=np.float64)
    expect_shape(got, want.shape, what)
    idx = first_mismatch(got, want, rtol, atol)
    if idx is not None:
        where = f" at {list(idx)}" if idx else ""
        raise CheckFailed(f"your {what} gives {num(got[idx])}{where}; {truth} gives {num(want[idx])}")


def finite_difference(f: Callable, x, eps: float = 1e-6):
    """The gradient of a scalar function ``f`` at ``x`` by central differences, one element at a time:
    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
