"""Remainders and floor division: ``%``, ``fmod`` and ``//``.

The integer part of a division is piecewise constant, so its derivative is zero almost everywhere:
the remainder a - q b passes dy to ``a`` unchanged and -dy q to ``b``.
"""
from __future__ import annotations

import contextlib

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import operands


def _quiet(xp):
    """Silence NumPy's floating-point warnings (x % 0 is nan, as in PyTorch); CuPy gives none."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate else contextlib.nullcontext()


def _remainder_backward(ctx, g, rounding: str):
    """The gradients of y = a - q * b with q = rounding(a / b) ("floor" or "trunc"):  da = dy,
    db = -dy * q (q is piecewise constant: its own derivative is 0)."""
    a, b = ctx.saved_tensors
    if not ctx.needs_input_grad[1]:
        return g, None
    with _quiet(a.xp):
        q = getattr(a.xp, rounding)(a.array / b.array)
    return g, -g * q


class Remainder(Function):
    """y = a - floor(a / b) * b (the sign of b, as Python's %);  da = dy, db = -dy * floor(a / b)."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with _quiet(a.xp):
            return a.xp.remainder(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        return _remainder_backward(ctx, g, "floor")


class Fmod(Function):
    """y = a - trunc(a / b) * b (the sign of a, as C's fmod);  da = dy, db = -dy * trunc(a / b)."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with _quiet(a.xp):
            return a.xp.fmod(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        return _remainder_backward(ctx, g, "trunc")


def _division_operands(a, b, op: str):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument")
    a, b = operands(a, b, op)
    if a.dtype is backend.bool_:
        raise NotImplementedError(f"{op}(): not implemented for bool tensors (convert with .int() first)")
    if not a.dtype.is_floating_point and bool((b.array == 0).any()):
        raise RuntimeError("ZeroDivisionError")  # PyTorch's words for an integer division by zero
    return a, b


def remainder(input, other) -> Tensor:  # noqa: A002
    """Python's modulus, elementwise: the result has the sign of ``other`` (``-3 % 2`` is 1); the
    ``%`` operator."""
    return Remainder.apply(*_division_operands(input, other, "remainder"))


def fmod(input, other) -> Tensor:  # noqa: A002
    """C's modulus, elementwise: the result has the sign of ``input`` (``fmod(-3, 2)`` is -1)."""
    return Fmod.apply(*_division_operands(input, other, "fmod"))


def floor_divide(input, other) -> Tensor:  # noqa: A002
    """floor(input / other), elementwise; the ``//`` operator. Outside the graph: its derivative is 0
    almost everywhere (PyTorch refuses to differentiate it)."""
    a, b = _division_operands(input, other, "floor_divide")
    with _quiet(a.xp):
        return Tensor._make(a.xp.floor_divide(a.array, b.array))


__all__ = ["remainder", "fmod", "floor_divide"]
