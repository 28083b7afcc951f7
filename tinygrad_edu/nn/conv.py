"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``.

A conv layer owns a bank of filters, ``weight`` of shape (out_channels, in_channels / groups, *kernel),
and one ``bias`` per output channel, and slides them over the input (``F.conv2d`` does the sliding).
Its parameter count is the lecture's ``(kh * kw * in_channels / groups + 1) * out_channels``.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

from .. import creation
from ..tensor import Tensor
from . import functional as F
from . import init
from ._validate import int_tuple, positive_int
from .module import Module
from .parameter import Parameter

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every conv layer shares: argument checks, parameters, initialisation and repr."""

    _dims = 0             # 1, 2 or 3 spatial dimensions, set by each subclass
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        n, name = self._dims, type(self).__name__
        positive_int(in_channels, "in_channels", name)
        positive_int(out_channels, "out_channels", name)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, but got groups={groups!r}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups, but got in_channels={in_channels} "
                             f"and groups={groups}")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups, but got "
                             f"out_channels={out_channels} and groups={groups}")
        kernel_size = int_tuple(kernel_size, n, "kernel_size", name, minimum=1)
        stride = int_tuple(stride, n, "stride", name, minimum=1)
        dilation = int_tuple(dilation, n, "dilation", name, minimum=1)
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints, not {padding!r} "
                                 "(string padding is not supported for transposed convolutions)")
            if padding not in _PADDING_STRINGS:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {list(_PADDING_STRINGS)}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = int_tuple(padding, n, "padding", name, minimum=0)
        output_padding = int_tuple(output_padding, n, "output_padding", name, minimum=0)
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
            raise ValueError(f"{name}: output padding must be smaller than either stride or dilation, but got "
                             f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')

        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = self._transposed, output_padding
        self.groups, self.padding_mode = groups, padding_mode
        # F.pad takes (last dim left, last dim right, previous dim left, ...): used for non-zero padding modes
        self._reversed_padding_repeated_twice = self._pad_for_f_pad()
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + kernel_size
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _pad_for_f_pad(self) -> List[int]:
        if not isinstance(self.padding, str):
            return [p for p in reversed(self.padding) for _ in range(2)]
        pads = [0, 0] * self._dims
        if self.padding == "same":  # total d*(k-1), the extra one (for even kernels) on the right
            for i, (d, k) in enumerate(zip(reversed(self.dilation), reversed(self.kernel_size))):
                total = d * (k - 1)
                pads[2 * i], pads[2 * i + 1] = total // 2, total - total // 2
        return pads

    def reset_parameters(self) -> None:
        """kaiming_uniform_(a=sqrt(5)) for the filters: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
        fan_in = in_channels / groups * kernel area; the bias from the same range."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class _Conv(_ConvNd):
    _conv = None  # F.conv1d / conv2d / conv3d

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        conv = type(self)._conv
        if self.padding_mode != "zeros":  # pad by reflection etc. first, then convolve without padding
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) -> (N, C_out, L_out)."""
    _dims, _conv = 1, staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) -> (N, C_out, H_out, W_out), with
    ``H_out = (H + 2P - D*(K-1) - 1) // S + 1`` (the lecture's ``(H + 2P - K) / S + 1`` when D = 1)."""
    _dims, _conv = 2, staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""
    _dims, _conv = 3, staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    """The gradient of a convolution with respect to its input, used as a layer: it maps each input
    pixel to a kernel-sized patch of the output, so it upsamples (``H_out = (H-1)*S - 2P + D*(K-1)
    + output_padding + 1``). ``weight`` has shape (in_channels, out_channels / groups, *kernel)."""
    _transposed = True
    _conv = None  # F.conv_transpose1d / 2d / 3d

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device=device, dtype=dtype)

    def _output_padding(self, input: Tensor, output_size: Optional[Sequence[int]]) -> Tuple[int, ...]:
        """The output_padding that makes the output exactly ``output_size`` (several sizes map to the
        same input size under a strided conv, so the transposed one needs telling which)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        non_spatial = 2 if input.ndim == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + n:
            output_size = output_size[non_spatial:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                             f"{non_spatial + n} elements (got {len(output_size)})")
        min_sizes = [(input.shape[d + non_spatial] - 1) * self.stride[d] - 2 * self.padding[d]
                     + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, self.stride)]
        for size, lo, hi in zip(output_size, min_sizes, max_sizes):
            if size < lo or size > hi:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from "
                                 f"{min_sizes} to {max_sizes} (for an input of {list(input.shape[non_spatial:])})")
        return tuple(size - lo for size, lo in zip(output_size, min_sizes))

    def forward(self, input: Tensor, output_size: Optional[Sequence[int]] = None) -> Tensor:  # noqa: A002
        output_padding = self._output_padding(input, output_size)
        return type(self)._conv(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    _dims, _conv = 1, staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    _dims, _conv = 2, staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    _dims, _conv = 3, staticmethod(F.conv_transpose3d)
