"""MaxUnpool1d/2d/3d and LPPool1d/2d/3d as layers (ops/unpool.py)."""
from __future__ import annotations

from ..ops.output_size import ntuple
from ..tensor import Tensor
from . import functional as F
from .module import Module


class _MaxUnpoolNd(Module):
    fn = None
    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self.dims
        self.kernel_size = ntuple(kernel_size, n, "kernel_size", type(self).__name__)
        self.stride = self.kernel_size if stride is None else ntuple(stride, n, "stride", type(self).__name__)
        self.padding = ntuple(padding, n, "padding", type(self).__name__)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:  # noqa: A002
        return type(self).fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Undo MaxPool1d: each value back at its argmax, zeros elsewhere."""
    fn = staticmethod(F.max_unpool1d)
    dims = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Undo MaxPool2d: each value back at its argmax, zeros elsewhere."""
    fn = staticmethod(F.max_unpool2d)
    dims = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Undo MaxPool3d: each value back at its argmax, zeros elsewhere."""
    fn = staticmethod(F.max_unpool3d)
    dims = 3


class _LPPoolNd(Module):
    fn = None

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p)."""
    fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p)."""
    fn = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p)."""
    fn = staticmethod(F.lp_pool3d)
