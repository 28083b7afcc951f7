"""Fully connected layers: ``Linear`` (y = x W^T + b) and ``Identity``."""
from __future__ import annotations

import math

from .. import creation
from ..ops.checks import tensor_arg
from ..tensor import Tensor
from . import functional as F
from . import init
from ._validate import positive_int
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any arguments (a placeholder layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    """y = x W^T + b, applied over the last dimension of ``x``.

    ``weight`` has shape (out_features, in_features), ``bias`` (out_features,). Both start uniform in
    +-1/sqrt(in_features) (``reset_parameters`` says how), so the output's scale does not grow with
    the number of inputs.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        self.weight = Parameter(creation.empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_ with a=sqrt(5), i.e. weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
        and the bias from the same range."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        tensor_arg(input, "linear")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(f"Linear expected input with {self.in_features} features in the last dimension, "
                               f"but got input of size {list(input.shape)}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
