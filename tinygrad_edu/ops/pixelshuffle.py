"""Pixel shuffle (sub-pixel convolution, Shi et al. 2016): trade channels for resolution.

    pixel_shuffle:   (N, C*r*r, H, W) -> (N, C, H*r, W*r)
    pixel_unshuffle: (N, C, H*r, W*r) -> (N, C*r*r, H, W)

Both are a reshape, a permute and a reshape, so their gradients are the same rearrangement undone.
"""
from __future__ import annotations

from ..tensor import Tensor
from .checks import tensor_arg
from .shape import permute, reshape


def _check(x, factor, name, op):
    tensor_arg(x, op)
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")
    if x.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with {x.ndim} "
                           f"dimension(s)")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    _check(input, upscale_factor, "upscale_factor", "pixel_shuffle")
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    x = reshape(input, *lead, c // (r * r), r, r, h, w)
    k = len(lead)
    x = permute(x, *range(k), k, k + 3, k + 1, k + 4, k + 2)      # (..., C, H, r, W, r)
    return reshape(x, *lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    _check(input, downscale_factor, "downscale_factor", "pixel_unshuffle")
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
                           f"got height={h}, width={w}, downscale_factor={r}")
    x = reshape(input, *lead, c, h // r, r, w // r, r)
    k = len(lead)
    x = permute(x, *range(k), k, k + 2, k + 4, k + 1, k + 3)      # (..., C, r, r, H/r, W/r)
    return reshape(x, *lead, c * r * r, h // r, w // r)
