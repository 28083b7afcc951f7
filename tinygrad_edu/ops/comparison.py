"""Comparisons and tests as functions: ``eq``/``lt``/..., ``isnan``, ``isclose``, ``allclose`` and
``equal``. Their results are bool tensors (or Python bools), outside the graph: a comparison is
piecewise constant, so it has no gradient to give. The Tensor operators (``a < b``) call these."""
from __future__ import annotations

from ..tensor import Tensor
from .checks import tensor_arg
from .elementwise import broadcast_shape, operands


def compare(a, b, name: str) -> Tensor:
    """``a < b`` and friends (``name`` is the NumPy function): bool tensors, never part of the graph."""
    a, b = operands(a, b, name)
    return Tensor._make(getattr(a.xp, name)(a.array, b.array))


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    x = tensor_arg(input, "isnan")
    return Tensor._make(x.xp.isnan(x.array))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    x = tensor_arg(input, "isinf")
    return Tensor._make(x.xp.isinf(x.array))


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    x = tensor_arg(input, "isfinite")
    return Tensor._make(x.xp.isfinite(x.array))


def _same_dtype(a: Tensor, b: Tensor, op: str) -> None:
    if a.dtype is not b.dtype:  # PyTorch compares only tensors of one dtype
        raise RuntimeError(f"{op}(): {a.dtype.name} did not match {b.dtype.name} (convert one with .to())")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise: a bool tensor."""
    a, b = tensor_arg(input, "isclose"), tensor_arg(other, "isclose", "other")
    _same_dtype(a, b, "isclose")
    broadcast_shape(tuple(a.shape), tuple(b.shape), "isclose")
    return Tensor._make(a.xp.isclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """True when ``isclose`` holds for every element (a Python bool)."""
    a, b = tensor_arg(input, "allclose"), tensor_arg(other, "allclose", "other")
    _same_dtype(a, b, "allclose")
    return bool(isclose(a, b, rtol, atol, equal_nan).array.all())


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both tensors have the same shape and the same values (a Python bool)."""
    a, b = tensor_arg(input, "equal"), tensor_arg(other, "equal", "other")
    return tuple(a.shape) == tuple(b.shape) and bool((a.array == b.array).all())


def eq(input, other) -> Tensor:  # noqa: A002
    return compare(input, other, "equal")


def ne(input, other) -> Tensor:  # noqa: A002
    return compare(input, other, "not_equal")


def lt(input, other) -> Tensor:  # noqa: A002
    return compare(input, other, "less")


def le(input, other) -> Tensor:  # noqa: A002
    return compare(input, other, "less_equal")


def gt(input, other) -> Tensor:  # noqa: A002
    return compare(input, other, "greater")


def ge(input, other) -> Tensor:  # noqa: A002
    return compare(input, other, "greater_equal")


__all__ = ["isnan", "isinf", "isfinite", "isclose", "allclose", "equal", "eq", "ne", "lt", "le", "gt", "ge"]
