"""More activation functions: PReLU, SELU, CELU, Mish, Softsign, Hardswish, Hardsigmoid, GLU,
Threshold, Tanhshrink, LogSigmoid, Softshrink, Hardshrink, Softmin.

Each is a composition of ops that already state their derivatives (where, elu, softplus,
hardtanh, tanh, sigmoid), so its gradient and second derivative come from its parts; the formula
is in each docstring.
"""
from __future__ import annotations

from typing import Optional

from ..tensor import Tensor, _wrap_dim
from .checks import tensor_arg
from . import activation as A
from . import elementwise as E
from .activation import _float_input, _number, elu, hardtanh, softmax, softplus
from .shape import chunk, reshape

# SELU's constants (Klambauer et al. 2017): the fixed point of mean 0, variance 1 under the map.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x where x >= 0, weight * x elsewhere; ``weight`` has 1 or C (input.shape[1]) learned slopes."""
    x = _float_input(input, "prelu")
    tensor_arg(weight, "prelu", "weight", 2)
    n = weight.numel()
    if n != 1:
        channels = x.shape[1] if x.ndim >= 2 else (x.shape[0] if x.ndim == 1 else 1)
        if weight.ndim != 1 or n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        if x.ndim >= 2:
            weight = reshape(weight, (n,) + (1,) * (x.ndim - 2))
    elif weight.ndim:
        weight = reshape(weight, ())
    return E.where(x >= 0, x, weight * x)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale * elu(x, alpha) with the self-normalising constants SELU_SCALE and SELU_ALPHA."""
    return elu(_float_input(input, "selu"), SELU_ALPHA) * SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)) = alpha * elu(x / alpha)."""
    x = _float_input(input, "celu")
    alpha = _number(alpha, "alpha", "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu(): alpha must not be 0")
    return elu(x / alpha, 1.0) * alpha


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * tanh(softplus(x))."""
    x = _float_input(input, "mish")
    return x * A.tanh(softplus(x))


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x / (1 + |x|)."""
    x = _float_input(input, "softsign")
    return x / (E.abs(x) + 1)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, a straight line between."""
    return hardtanh(_float_input(input, "hardsigmoid") + 3.0, 0.0, 6.0) / 6.0


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * relu6(x + 3) / 6 (MobileNetV3's cheap swish)."""
    x = _float_input(input, "hardswish")
    return x * hardtanh(x + 3.0, 0.0, 6.0) / 6.0


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    x = _float_input(input, "glu")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    a, b = chunk(x, 2, d)
    return a * A.sigmoid(b)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > threshold, else ``value``."""
    x = _float_input(input, "threshold")
    return E.where(x > threshold, x, float(value))


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x - tanh(x)."""
    x = _float_input(input, "tanhshrink")
    return x - A.tanh(x)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-_float_input(input, "logsigmoid"))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    x = _float_input(input, "softshrink")
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return E.where(x > lambd, x - lambd, E.where(x < -lambd, x + lambd, 0.0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0."""
    x = _float_input(input, "hardshrink")
    return E.where(E.abs(x) > lambd, x, 0.0)


def softmin(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype=None) -> Tensor:  # noqa: A002
    """softmax(-x): weights that favour the smallest entries."""
    return softmax(-_float_input(input, "softmin"), dim, dtype=dtype)


__all__ = ["prelu", "selu", "celu", "mish", "softsign", "hardsigmoid", "hardswish", "glu", "threshold",
           "tanhshrink", "logsigmoid", "softshrink", "hardshrink", "softmin"]
