"""Group normalisation (Wu and He, 2018): split the C channels of each sample into ``num_groups``
groups and normalise each group over its channels and spatial positions.

It is layer norm applied per group, so it needs no batch statistics and works the same for a
batch of one, in training and in evaluation; ``num_groups=1`` is layer norm over (C, *spatial),
``num_groups=C`` is instance norm. Built from differentiable Tensor ops (``_standardize``), so it
has second derivatives too.
"""
from __future__ import annotations

import math
from typing import Optional

from ..tensor import Tensor
from .elementwise import float_operand
from .normalization import _affine, _standardize


def group_norm(input: Tensor, num_groups: int, weight: Optional[Tensor] = None,  # noqa: A002
               bias: Optional[Tensor] = None, eps: float = 1e-05) -> Tensor:
    """Normalise (N, C, *) input over each group of C / num_groups channels (and all positions),
    then scale and shift each channel by ``weight`` and ``bias`` (shape (C,))."""
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups <= 0:
        raise ValueError(f"group_norm(): num_groups must be a positive int, but got {num_groups!r}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    x = float_operand(input)
    per_group = (c // num_groups) * math.prod(x.shape[2:])
    y, _, _ = _standardize(x.reshape(n, num_groups, per_group), (2,), eps)
    return _affine(y.reshape(x.shape), weight, bias, (1, c) + (1,) * (x.ndim - 2))


__all__ = ["group_norm"]
