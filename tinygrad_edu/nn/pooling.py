"""Pooling layers: max, average and adaptive pooling in 1-D, 2-D and 3-D.

Pooling has no parameters. It works on each channel separately, (N, C, H, W) -> (N, C, H_out, W_out),
shrinking the map so later layers see a wider part of the image. ``stride`` defaults to
``kernel_size``: windows that tile the input without overlap.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

from ..tensor import Tensor
from . import functional as F
from ._validate import int_tuple
from .module import Module


def _check_window(layer: Module, n: int, kernel_size, stride, padding, dilation=1) -> None:
    """Validate pooling window arguments (kept as given, so the repr shows them as PyTorch does)."""
    name = type(layer).__name__
    int_tuple(kernel_size, n, "kernel_size", name, minimum=1)
    if stride is not None:
        int_tuple(stride, n, "stride", name, minimum=1)
    int_tuple(padding, n, "padding", name, minimum=0)
    int_tuple(dilation, n, "dilation", name, minimum=1)


class _MaxPoolNd(Module):
    _dims = 0

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        _check_window(self, self._dims, kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))


class MaxPool1d(_MaxPoolNd):
    """The largest value of each window of a (N, C, L) input."""
    _dims = 1

    def forward(self, input: Tensor):  # noqa: A002
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """The largest value of each window of a (N, C, H, W) input: the lecture's max pooling."""
    _dims = 2

    def forward(self, input: Tensor):  # noqa: A002
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """The largest value of each window of a (N, C, D, H, W) input."""
    _dims = 3

    def forward(self, input: Tensor):  # noqa: A002
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _AvgPoolNd(Module):
    _dims = 0

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """The mean of each window of a (N, C, L) input."""
    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        _check_window(self, 1, kernel_size, stride, padding)
        # AvgPool1d stores 1-tuples (and so prints them), as PyTorch's does
        self.kernel_size = int_tuple(kernel_size, 1, "kernel_size", "AvgPool1d", 1)
        self.stride = int_tuple(stride if stride is not None else kernel_size, 1, "stride", "AvgPool1d", 1)
        self.padding = int_tuple(padding, 1, "padding", "AvgPool1d", 0)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPool(_AvgPoolNd):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Optional[int] = None):
        super().__init__()
        _check_window(self, self._dims, kernel_size, stride, padding)
        if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override <= 0):
            raise ValueError(f"{type(self).__name__}: divisor_override must be a positive integer, "
                             f"but got {divisor_override!r}")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override


class AvgPool2d(_AvgPool):
    """The mean of each window of a (N, C, H, W) input."""
    _dims = 2

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AvgPool3d(_AvgPool):
    """The mean of each window of a (N, C, D, H, W) input."""
    _dims = 3

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


def _check_output_size(layer: Module, n: int, output_size) -> None:
    """Each side an int >= 1, or None for 'keep the input's size'."""
    sizes = (output_size,) * n if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    ok = len(sizes) == n and all(s is None or (isinstance(s, int) and not isinstance(s, bool) and s >= 1)
                                 for s in sizes)
    if not ok:
        raise ValueError(f"{type(layer).__name__}: output_size must be a positive int or a tuple of {n} "
                         f"positive ints (or None), but got {output_size!r}")


class _AdaptivePool(Module):
    """Pooling that picks its windows so the output has a fixed size, whatever the input's: the
    classic way to let a classifier head accept any image size (AlexNet's ``AdaptiveAvgPool2d((6, 6))``)."""
    _dims = 0

    def __init__(self, output_size: Union[int, Sequence[Optional[int]]]):
        super().__init__()
        _check_output_size(self, self._dims, output_size)
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    _dims = 1

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    _dims = 2

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePool):
    _dims = 3

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPool(_AdaptivePool):
    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    _dims = 1

    def forward(self, input: Tensor):  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    _dims = 2

    def forward(self, input: Tensor):  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)
