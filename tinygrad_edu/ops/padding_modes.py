"""The non-constant modes of ``F.pad``: reflect, replicate and circular.

Each mode is a rule that says, for every position of the padded output, which input position it
copies. Padding is then one gather per padded dim (``x[..., source, ...]``), and its gradient is
the matching scatter-add: a border element that copies input element i sends its gradient back to
i, so input elements near the edge collect gradient from their mirror images too.

    reflect     d c b | a b c d | c b a       (the edge is not repeated)
    replicate   a a a | a b c d | d d d
    circular    b c d | a b c d | a b c       (wraps around)
"""
from __future__ import annotations

from ..tensor import Tensor
from .shape import getitem

_MODES = ("reflect", "replicate", "circular")


def source_index(xp, n: int, lo: int, hi: int, mode: str):
    """The input position copied by each of the n + lo + hi output positions (a negative width crops)."""
    i = xp.arange(-lo, n + hi)
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    period = 2 * (n - 1)  # reflect: bounce off both ends without repeating them
    if period == 0:
        return xp.zeros_like(i)
    i = i % period
    return xp.where(i < n, i, period - i)


def pad_mode(x: Tensor, pad: tuple, mode: str) -> Tensor:
    """``F.pad(x, pad, mode)`` for the index-based modes; ``pad`` is PyTorch's flat tuple (last dim first)."""
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    if not (k + 1 <= x.ndim <= k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {x.ndim}D input tensor. "
                                  f"Non-constant padding pads the last 1, 2 or 3 dims of an input with 1 or 2 "
                                  f"more dims (batch and channel)")
    out = x
    for j in range(k):
        d = x.ndim - 1 - j
        lo, hi, n = int(pad[2 * j]), int(pad[2 * j + 1]), x.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(x.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0:
            raise RuntimeError(f"padding size should be less than the corresponding input dimension, but got "
                               f"dimension {d} of size 0")
        if lo == hi == 0:
            continue
        if mode == "circular" and (lo < 0 or hi < 0):  # crop first; the wrap then copies from what is left
            out = getitem(out, (slice(None),) * d + (slice(max(-lo, 0), n - max(-hi, 0)),))
            n, lo, hi = n - max(-lo, 0) - max(-hi, 0), max(lo, 0), max(hi, 0)
        src = source_index(x.xp, n, lo, hi, mode)
        out = getitem(out, (slice(None),) * d + (Tensor._make(src),))
    return out
