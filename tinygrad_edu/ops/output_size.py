"""The lecture's output-size formula, used by every conv and pool op to check its arguments.

    OW = (W + 2P - D*(FW - 1) - 1) / S + 1       (with dilation D; D = 1 gives the lecture's
                                                  OW = (W + 2P - FW) / S + 1)
"""
from __future__ import annotations

from typing import Sequence, Tuple, Union

IntOrTuple = Union[int, Sequence[int]]


def ntuple(value: IntOrTuple, n: int, name: str, op: str) -> Tuple[int, ...]:
    """An int or a tuple of ``n`` ints, checked, as a tuple of ``n`` ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    if isinstance(value, (tuple, list)) and len(value) == 1 and isinstance(value[0], int):
        return (value[0],) * n
    raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, but got {value!r}")


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """One spatial side of a conv or pool output: ``(W + 2P - D*(F-1) - 1) // S + 1``.

    >>> conv_output_size(5, 3, stride=1, padding=1)   # the lecture's worked example: 5x5 stays 5x5
    5
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    """
    span = dilation * (kernel_size - 1) + 1
    num = size + 2 * padding - span
    if ceil_mode:
        out = -(-num // stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside the input
            out -= 1
        return out
    return num // stride + 1
