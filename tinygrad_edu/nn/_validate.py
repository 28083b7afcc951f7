"""Argument checks shared by layer constructors: they run before any tensor is allocated, so a
wrong argument fails with a message naming the layer and the argument, not deep inside an op."""
from __future__ import annotations

from typing import Sequence, Tuple, Union


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def positive_int(value, name: str, layer: str) -> int:
    """``value`` if it is an int > 0, else TypeError/ValueError naming the layer and argument."""
    if not _is_int(value):
        raise TypeError(f"{layer}: {name} must be an int, but got {type(value).__name__} ({value!r})")
    if value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, but got {name}={value}")
    return value


def int_tuple(value: Union[int, Sequence[int]], n: int, name: str, layer: str, minimum: int) -> Tuple[int, ...]:
    """An int or a sequence of ``n`` ints, each at least ``minimum``, as a tuple of ``n`` ints."""
    values = (value,) * n if _is_int(value) else tuple(value) if isinstance(value, (tuple, list)) else None
    if values is None or len(values) != n or not all(_is_int(v) for v in values):
        raise TypeError(f"{layer}: {name} must be an int or a tuple of {n} ints, but got {value!r}")
    if any(v < minimum for v in values):
        rule = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{layer}: {name} must be {rule}, but got {name}={value!r}")
    return values


def probability(p, layer: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{layer}: p must be a number, but got {type(p).__name__}")
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p
