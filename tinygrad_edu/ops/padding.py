"""Constant padding (``F.pad``): add a border of ``value`` around a tensor, or crop with negative widths.

``pad`` is a (before, after) pair per dimension, starting from the *last* dimension and moving
backwards, as in PyTorch: ``(1, 1)`` pads the last dim, ``(1, 1, 2, 2)`` the last two.

Padding is its own derivative's mirror image: the gradient of padding by w is padding the
gradient by -w (cropping the border off again), so ``Pad.backward`` is just another ``Pad``.
"""
from __future__ import annotations

from typing import Sequence, Tuple

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .checks import tensor_arg
from .padding_modes import pad_mode


def _widths(pad: Sequence[int], ndim: int) -> Tuple[Tuple[int, int], ...]:
    """PyTorch's flat pad tuple as one (before, after) pair per dimension, first dimension first."""
    pairs = [(0, 0)] * (ndim - len(pad) // 2)
    for i in reversed(range(0, len(pad), 2)):
        pairs.append((int(pad[i]), int(pad[i + 1])))
    return tuple(pairs)


def _slices(widths, shape):
    """Where the input lands in the output (``dst``) and which part of the input survives (``src``);
    a negative width crops, a positive one leaves a border."""
    src, dst = [], []
    for (lo, hi), n in zip(widths, shape):
        keep = max(n - max(-lo, 0) - max(-hi, 0), 0)     # input elements that survive cropping
        src.append(slice(max(-lo, 0), max(-lo, 0) + keep))
        dst.append(slice(max(lo, 0), max(lo, 0) + keep))
    return tuple(src), tuple(dst)


class Pad(Function):
    """y = x with ``widths`` (before, after) added per dim, filled with ``value`` (negative crops);
    dx = dy padded by the negated widths (the border cut off, the cropped part back as zeros)."""
    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        a = x.array
        out_shape = tuple(n + lo + hi for (lo, hi), n in zip(widths, a.shape))
        out = x.xp.full(out_shape, value, dtype=a.dtype)
        src, dst = _slices(widths, a.shape)
        out[dst] = a[src]
        return out

    @staticmethod
    def backward(ctx, g):
        back = tuple((-lo, -hi) for lo, hi in ctx.widths)
        return Pad.apply(g, back, 0), None, None


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value=None) -> Tensor:  # noqa: A002
    """Pad (or, with negative widths, crop) ``input``: with ``value`` (mode 'constant'), or by copying
    input elements (modes 'reflect', 'replicate', 'circular': ops/padding_modes.py)."""
    tensor_arg(input, "pad")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, but got {type(pad).__name__}")
    pad = tuple(pad)
    for i, w in enumerate(pad):
        if not isinstance(w, (int, backend.np.integer)) or isinstance(w, bool):
            raise TypeError(f"pad(): padding must be a sequence of ints, but got {w!r} ({type(w).__name__}) "
                            f"at position {i}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pad)} and input of dimension {input.ndim}")
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument.")
        return pad_mode(input, pad, mode)
    widths = _widths(pad, input.ndim)
    for d, ((lo, hi), n) in enumerate(zip(widths, input.shape)):
        if n + lo + hi < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} resulted in a "
                               f"negative output size, which is invalid. Check dimension {d} of your input.")
    if all(lo == 0 and hi == 0 for lo, hi in widths):
        return input
    return Pad.apply(input, widths, 0 if value is None else value)
