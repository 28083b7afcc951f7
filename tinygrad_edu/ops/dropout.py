"""Dropout: during training, zero each element with probability p and scale the survivors by
1 / (1 - p) ("inverted" dropout), so the expected value is unchanged and evaluation needs no
rescaling: when not training, dropout is the identity.

The mask comes from ``tinygrad_edu.backend.default_generator``, so ``tinygrad_edu.manual_seed``
makes it reproducible. Multiplying by a constant mask is differentiable (to any order).
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .checks import tensor_arg


def _check_p(p: float, op: str = "dropout") -> None:
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{op}(): p must be a number, but got {type(p).__name__} ({p!r})")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _check_input(input, op: str) -> None:  # noqa: A002
    tensor_arg(input, op)


def _dropout(x: Tensor, p: float, training: bool, mask_shape: tuple) -> Tensor:
    """x times a scaled Bernoulli(1 - p) mask of ``mask_shape`` (broadcast over x)."""
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    u = backend.default_generator.rng(x.xp).random(size=mask_shape)
    mask = (u >= p).astype(x.array.dtype) * (1.0 / (1.0 - p))
    return x * Tensor._make(mask.astype(x.array.dtype, copy=False))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element independently with probability ``p`` (``inplace`` computes out of place)."""
    _check_input(input, "dropout")
    _check_p(p, "dropout")
    return _dropout(input, p, training, tuple(input.shape))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels: one draw per (sample, channel) of an (N, C, H, W) input, shared by all
    its H x W positions (neighbouring pixels are correlated, so single-pixel dropout would do
    little). A 3-D input is read as (N, C, L), as PyTorch does."""
    _check_input(input, "dropout2d")
    _check_p(p, "dropout2d")
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d(): expected an input of at least 2 dimensions (N, C, ...), but got "
                           f"{input.ndim}D input of shape {list(input.shape)}")
    return _dropout(input, p, training, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))
