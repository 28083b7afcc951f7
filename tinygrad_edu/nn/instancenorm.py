"""InstanceNorm1d/2d/3d: normalise each channel of each sample over its positions (ops/instance_norm.py).

As in PyTorch, ``affine`` and ``track_running_stats`` default to False, and an unbatched input
(C, *S) is accepted.
"""
from __future__ import annotations

from typing import Optional

from ..tensor import Tensor
from . import functional as F
from .module import Module
from .normalization import _affine_parameters, _running_stats


class _InstanceNorm(Module):
    spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, affine, bias, (num_features,), device, dtype)
        _running_stats(self, track_running_stats, num_features, device, dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        want = self.spatial + 2
        if input.ndim not in (want - 1, want):
            raise ValueError(f"expected {want - 1}D or {want}D input (got {input.ndim}D input)")
        unbatched = input.ndim == want - 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim=1 to match num_features ({self.num_features}), but got: "
                             f"{x.shape[1]}.")
        use_input_stats = self.training or not self.track_running_stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            0.1 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L) input."""
    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W) input."""
    spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or (C, D, H, W) input."""
    spatial = 3
