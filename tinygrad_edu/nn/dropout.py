"""Dropout layers: active in training mode only (``model.eval()`` turns them into the identity)."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from ._validate import probability
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p = probability(p, type(self).__name__)
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted dropout),
    so the expected activation is unchanged and evaluation needs no rescaling."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of a (N, C, H, W) input with probability ``p``: neighbouring pixels are
    correlated, so dropping single pixels would regularise little."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)
