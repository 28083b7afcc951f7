"""The lecture's output-size formula, used by every conv and pool op to check its arguments.

    OW = (W + 2P - D*(FW - 1) - 1) / S + 1       (with dilation D; D = 1 gives the lecture's
                                                  OW = (W + 2P - FW) / S + 1)

The argument checks every conv and pool shares live here too, so each message is written once.
"""
from __future__ import annotations

from typing import Sequence, Tuple, Union

IntOrTuple = Union[int, Sequence[int]]
Padding = Union[int, Tuple[int, int]]


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


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: Padding = 0, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """One spatial side of a conv or pool output: ``(W + 2P - D*(F-1) - 1) // S + 1``.

    ``padding`` may be a pair ``(before, after)`` for uneven padding (``padding='same'`` with an
    even kernel). ``ceil_mode`` rounds up, keeping a last partial window if it starts inside.

    >>> conv_output_size(5, 3, stride=1, padding=1)   # the lecture's worked example: 5x5 stays 5x5
    5
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    """
    lo, hi = padding if isinstance(padding, tuple) else (padding, padding)
    span = dilation * (kernel_size - 1) + 1
    num = size + lo + hi - span
    if ceil_mode:
        out = -(-num // stride) + 1
        if (out - 1) * stride >= size + lo:  # the last window must start inside the input
            out -= 1
        return out
    return num // stride + 1


def conv_transpose_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """One side of a transposed conv's output: the inverse of ``conv_output_size``,
    ``(W - 1)*S - 2P + D*(F-1) + 1 + output_padding``. Several sizes conv down to the same ``W``
    when S > 1; ``output_padding`` picks which one.

    >>> conv_transpose_output_size(4, 3, stride=2, padding=1, output_padding=1)  # undoes 7 or 8 -> 4
    8
    """
    return (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + 1 + output_padding


def adaptive_window(index: int, in_size: int, out_size: int) -> Tuple[int, int]:
    """The input range ``[start, end)`` that output ``index`` of an adaptive pool covers:
    ``start = floor(i*W/O)``, ``end = ceil((i+1)*W/O)``; neighbouring windows may overlap by one."""
    return (index * in_size) // out_size, -(-((index + 1) * in_size) // out_size)


# ----------------------------------------------------------------------------- shared argument checks
def check_positive(values: Sequence[int], what: str) -> None:
    """Strides, dilations, kernel sizes and groups must be at least 1 (PyTorch's messages, plus the
    value given)."""
    if any(v <= 0 for v in values):
        if what == "stride":
            raise RuntimeError(f"non-positive stride is not supported (got stride={tuple(values)})")
        if what == "groups":
            raise RuntimeError(f"non-positive groups is not supported (got groups={values[0]})")
        raise RuntimeError(f"{what} should be greater than zero, but got {list(values)}")


def check_padding(values: Sequence[int], name: str = "padding") -> None:
    """Padding (or ``output_padding``) must be at least 0 (PyTorch's message, plus the value given)."""
    if any(v < 0 for v in values):
        raise RuntimeError(f"negative {name} is not supported (got {name}={tuple(values)})")


def fmt_size(sizes: Sequence[int], sep: str = " x ") -> str:
    """``(4 x 4)`` as PyTorch prints spatial sizes in its messages."""
    return "(" + sep.join(str(s) for s in sizes) + ")"
