"""Pointwise math beyond the basics: rounding, logs and exponentials in other bases, trigonometric
and hyperbolic functions with their inverses, atan2, erfc, lerp and the logical functions.

Each Function states its derivative in its docstring. Rounding is piecewise constant, so its
derivative is 0 almost everywhere (PyTorch passes 0 too, not a "straight-through" 1).
"""
from __future__ import annotations

import functools
import math

from ..autograd.function import Function
from ..tensor import Tensor
from . import comparison as Q
from . import elementwise as E
from .activation import erf_array
from .checks import tensor_arg

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _float(x, op: str) -> Tensor:
    """Integer and bool input is promoted to the default float dtype, as PyTorch's float ops do."""
    return E.float_operand(tensor_arg(x, op))


# ----------------------------------------------------------------------------- rounding
class _Rounding(Function):
    """Shared backward of the rounding ops: y is a step function of x, so dx = 0."""
    @staticmethod
    def backward(ctx, g, *_):
        return (g * 0,) + (None,) * ctx.extra


class Floor(_Rounding):
    """y = floor(x), the largest integer <= x;  dx = 0."""
    @staticmethod
    def forward(ctx, x):
        ctx.extra = 0
        return x.xp.floor(x.array)


class Ceil(_Rounding):
    """y = ceil(x), the smallest integer >= x;  dx = 0."""
    @staticmethod
    def forward(ctx, x):
        ctx.extra = 0
        return x.xp.ceil(x.array)


class Trunc(_Rounding):
    """y = x rounded toward zero;  dx = 0."""
    @staticmethod
    def forward(ctx, x):
        ctx.extra = 0
        return x.xp.trunc(x.array)


class Round(_Rounding):
    """y = x rounded to ``decimals`` places, halves to even (2.5 -> 2, 3.5 -> 4);  dx = 0."""
    @staticmethod
    def forward(ctx, x, decimals):
        ctx.extra = 1
        return x.xp.round(x.array, decimals).astype(x.array.dtype, copy=False)


class Frac(Function):
    """y = x - trunc(x);  dx = dy."""
    @staticmethod
    def forward(ctx, x):
        return x.array - x.xp.trunc(x.array)

    @staticmethod
    def backward(ctx, g):
        return g


def _rounding(fn, name):
    def op(input: Tensor) -> Tensor:  # noqa: A002
        x = tensor_arg(input, name)
        if not x.dtype.is_floating_point:  # integers are already whole: a copy, of the same dtype
            return Tensor._make(x.array.copy())
        return fn.apply(x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = fn.__doc__
    return op


floor, ceil, trunc = _rounding(Floor, "floor"), _rounding(Ceil, "ceil"), _rounding(Trunc, "trunc")
fix = trunc


def round(input: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001,A002 (PyTorch's name)
    """x rounded half to even; with ``decimals``, to that many places (negative: tens, hundreds)."""
    x = tensor_arg(input, "round")
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if not x.dtype.is_floating_point:
        if decimals != 0:
            raise RuntimeError('"round_cpu" not implemented for integer tensors with decimals != 0')
        return Tensor._make(x.array.copy())
    return Round.apply(x, decimals)


def frac(input: Tensor) -> Tensor:  # noqa: A002
    x = tensor_arg(input, "frac")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f'"frac_cpu" not implemented for \'{x.dtype.name.capitalize()}\'')
    return Frac.apply(x)


# ----------------------------------------------------------------------------- logs and exponentials
class Log2(Function):
    """y = log2 x;  dx = dy / (x ln 2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log2(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / (x * _LN2)


class Log10(Function):
    """y = log10 x;  dx = dy / (x ln 10)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log10(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / (x * _LN10)


class Log1p(Function):
    """y = ln(1 + x), exact for tiny x;  dx = dy / (1 + x)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log1p(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / (x + 1)


class Exp2(Function):
    """y = 2^x;  dx = dy * y ln 2."""
    @staticmethod
    def forward(ctx, x):
        y = x.xp.exp2(x.array)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y * _LN2


class Expm1(Function):
    """y = e^x - 1, exact for tiny x;  dx = dy * (y + 1)."""
    @staticmethod
    def forward(ctx, x):
        y = x.xp.expm1(x.array)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (y + 1)


class Erfc(Function):
    """y = 1 - erf(x);  dx = -dy * 2/sqrt(pi) * e^(-x^2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1.0 - erf_array(x.xp, x.array)).astype(x.array.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return -g * (-(x * x)).exp() * _TWO_OVER_SQRT_PI


# ----------------------------------------------------------------------------- trigonometric
class Tan(Function):
    """y = tan x;  dx = dy * (1 + y^2)."""
    @staticmethod
    def forward(ctx, x):
        y = x.xp.tan(x.array)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (y * y + 1)


class Asin(Function):
    """y = arcsin x;  dx = dy / sqrt(1 - x^2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arcsin(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / E.sqrt(1 - x * x)


class Acos(Function):
    """y = arccos x;  dx = -dy / sqrt(1 - x^2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arccos(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return -g / E.sqrt(1 - x * x)


class Atan(Function):
    """y = arctan x;  dx = dy / (1 + x^2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arctan(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / (x * x + 1)


class Atan2(Function):
    """y = atan2(a, b), the angle of the point (b, a);  da = dy * b / (a^2 + b^2), db = -dy * a / (a^2 + b^2)."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.arctan2(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        r2 = a * a + b * b
        return (g * b / r2 if ctx.needs_input_grad[0] else None,
                -g * a / r2 if ctx.needs_input_grad[1] else None)


# ----------------------------------------------------------------------------- hyperbolic
class Sinh(Function):
    """y = sinh x;  dx = dy * cosh x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.sinh(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * cosh(x)


class Cosh(Function):
    """y = cosh x;  dx = dy * sinh x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.cosh(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * sinh(x)


class Asinh(Function):
    """y = arsinh x;  dx = dy / sqrt(x^2 + 1)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arcsinh(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / E.sqrt(x * x + 1)


class Acosh(Function):
    """y = arcosh x (x >= 1);  dx = dy / sqrt(x^2 - 1)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arccosh(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / E.sqrt(x * x - 1)


class Atanh(Function):
    """y = artanh x (|x| < 1);  dx = dy / (1 - x^2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arctanh(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / (1 - x * x)


def _unary(fn, name):
    def op(input: Tensor) -> Tensor:  # noqa: A002
        return fn.apply(_float(input, name))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = fn.__doc__
    return op


log2, log10, log1p = _unary(Log2, "log2"), _unary(Log10, "log10"), _unary(Log1p, "log1p")
exp2, expm1, erfc = _unary(Exp2, "exp2"), _unary(Expm1, "expm1"), _unary(Erfc, "erfc")
tan, asin, acos, atan = _unary(Tan, "tan"), _unary(Asin, "asin"), _unary(Acos, "acos"), _unary(Atan, "atan")
sinh, cosh = _unary(Sinh, "sinh"), _unary(Cosh, "cosh")
asinh, acosh, atanh = _unary(Asinh, "asinh"), _unary(Acosh, "acosh"), _unary(Atanh, "atanh")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh  # NumPy's names


def atan2(input, other) -> Tensor:  # noqa: A002
    a, b = E.operands(tensor_arg(input, "atan2"), other, "atan2")
    if not a.dtype.is_floating_point:
        a, b = E.float_operand(a), E.float_operand(b)
    return Atan2.apply(a, b)


arctan2 = atan2


# ----------------------------------------------------------------------------- small compositions
def square(input: Tensor) -> Tensor:  # noqa: A002
    """x * x (its derivative 2x dy comes from Mul)."""
    return tensor_arg(input, "square") * input


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """1 / x (integers give floats, as in PyTorch)."""
    return E.div(1.0, _float(input, "reciprocal"))


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """1 / sqrt(x)."""
    return E.div(1.0, E.sqrt(_float(input, "rsqrt")))


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:  # noqa: A002
    """input + weight * (end - input): the straight line from ``input`` (weight 0) to ``end`` (weight 1)."""
    x = tensor_arg(input, "lerp")
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}")
    if x.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {x.dtype.name} for `end` but got dtype {end.dtype.name}")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f'"lerp_kernel_scalar" not implemented for \'{x.dtype.name.capitalize()}\'')
    return x + weight * (end - x)


def logical_and(input, other) -> Tensor:  # noqa: A002
    return Q.compare(tensor_arg(input, "logical_and"), other, "logical_and")


def logical_or(input, other) -> Tensor:  # noqa: A002
    return Q.compare(tensor_arg(input, "logical_or"), other, "logical_or")


def logical_xor(input, other) -> Tensor:  # noqa: A002
    return Q.compare(tensor_arg(input, "logical_xor"), other, "logical_xor")


def logical_not(input) -> Tensor:  # noqa: A002
    x = tensor_arg(input, "logical_not")
    return Tensor._make(x.xp.logical_not(x.array))


# ----------------------------------------------------------------------------- NumPy-style keywords
def numpy_keywords(fn):
    """Accept the NumPy spellings PyTorch also accepts: ``axis`` for ``dim``, ``keepdims`` for
    ``keepdim`` (``x.sum(axis=1, keepdims=True)``)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for numpy_name, torch_name in (("axis", "dim"), ("keepdims", "keepdim")):
            if numpy_name in kwargs:
                if torch_name in kwargs:
                    raise TypeError(f"{fn.__name__}() received both '{torch_name}' and its alias '{numpy_name}'")
                kwargs[torch_name] = kwargs.pop(numpy_name)
        return fn(*args, **kwargs)
    wrapper._numpy_keywords = True
    return wrapper


__all__ = ["floor", "ceil", "trunc", "fix", "round", "frac", "log2", "log10", "log1p", "exp2", "expm1", "erfc",
           "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan",
           "arcsinh", "arccosh", "arctanh", "atan2", "arctan2", "square", "reciprocal", "rsqrt", "lerp",
           "logical_and", "logical_or", "logical_xor", "logical_not"]
