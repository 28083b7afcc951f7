"""Activation functions: the non-linearities between layers.

Without them a deep network collapses into one linear map (three layers h(x) = c x compose to
c^3 x). Each function here is stable at extreme inputs: no ``exp`` ever sees a large positive
argument, so +-1e4 gives finite values and gradients in float32 and float64 alike.

Simple piecewise functions are ``Function`` subclasses whose docstring states the derivative;
smooth ones built from other ops (gelu, silu) are plain compositions, differentiable because
their parts are. Every backward is written in Tensor ops, so second derivatives work.

``inplace=True`` is accepted for PyTorch compatibility; the result is always a new tensor.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Optional

from ..autograd.function import Function
from ..kernels.elementwise import relu_slope, ufunc
from ..tensor import Tensor, _wrap_dim
from .checks import tensor_arg
from .elementwise import Clamp, float_operand, where


def _float_input(input, op: str) -> Tensor:  # noqa: A002
    """``input`` as a floating-point Tensor (integers promote, as in PyTorch), or TypeError naming the op."""
    return float_operand(tensor_arg(input, op))


# ----------------------------------------------------------------------------- softmax family
class Softmax(Function):
    """y = e^(x - max) / sum e^(x - max) along dim;  dx = y * (dy - sum(dy * y))."""
    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """y = x - logsumexp(x) along dim;  dx = dy - softmax(x) * sum(dy).

    Computed as (x - max) - log(sum e^(x - max)), as PyTorch does (an inf in x gives nan)."""
    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        shifted = a - a.max(axis=dim, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def _softmax_dim(x: Tensor, dim: Optional[int], op: str, stacklevel: int) -> int:
    if dim is None:  # PyTorch's legacy choice, with its warning: dim 1 of 4-D is not dim 1 of 3-D
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X as "
                      "an argument.", UserWarning, stacklevel=stacklevel)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return _wrap_dim(dim, x.ndim, op)


def _along_dim(fn, input: Tensor, dim: Optional[int], dtype, op: str, stacklevel: int) -> Tensor:  # noqa: A002
    x = _float_input(input, op) if dtype is None else _float_input(tensor_arg(input, op).to(dtype), op)
    d = _softmax_dim(x, dim, op, stacklevel + 2)  # + 2: the frames of _along_dim and _softmax_dim
    if x.ndim == 0:  # a single number is a distribution over one class
        return fn.apply(x.reshape(1), 0).reshape(())
    return fn.apply(x, d)


def softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 2, dtype=None) -> Tensor:  # noqa: A002
    """e^x / sum e^x along ``dim``: turns scores into probabilities (positive, summing to 1).
    ``_stacklevel`` says whose line the no-``dim`` warning points at (the caller's, by default)."""
    return _along_dim(Softmax, input, dim, dtype, "softmax", _stacklevel)


def log_softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 2, dtype=None) -> Tensor:  # noqa: A002
    """log(softmax(x)) computed as x - logsumexp(x): no log of a probability that underflowed to 0."""
    return _along_dim(LogSoftmax, input, dim, dtype, "log_softmax", _stacklevel)


# ----------------------------------------------------------------------------- piecewise linear
class Relu(Function):
    """y = max(0, x);  dx = dy where x > 0, else 0 (the derivative at 0 is taken as 0)."""
    @staticmethod
    def forward(ctx, x):
        y = ufunc("maximum", x.array, 0)     # x.xp.maximum(x.array, 0), large ones over our threads
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        slope = relu_slope(y.array, g.array.dtype)  # 1 where x > 0: ~(y <= 0), so a nan passes dy on
        return g * Tensor._make(slope)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x): derivative 1 for x > 0, so gradients pass unshrunk (but a unit with x < 0 is 'dead')."""
    return Relu.apply(tensor_arg(input, "relu"))


class Hardtanh(Clamp):
    """y = min(max(x, lo), hi), the forward of ``Clamp``, but a stricter backward:
    dx = dy where lo < x < hi, else 0 (0 at the corners, as PyTorch; clamp passes dy there)."""
    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        outside = (x.array <= ctx.lo) | (x.array >= ctx.hi)  # a nan is not outside: it passes dy on
        return g * ~outside, None, None


def _number(value, name: str, op: str) -> float:
    """A real-number argument as a Python float (a float32 tensor times it stays float32), or TypeError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, Tensor) and value.numel() == 1 and not value.requires_grad:
            return float(value.item())
        raise TypeError(f"{op}(): {name} must be a number, but got {type(value).__name__} ({value!r})")
    return float(value)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    min_val, max_val = _number(min_val, "min_val", "hardtanh"), _number(max_val, "max_val", "hardtanh")
    if min_val > max_val:
        raise ValueError(f"min_val cannot be greater than max_val, but got min_val={min_val} and max_val={max_val}")
    return Hardtanh.apply(_float_input(input, "hardtanh"), min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(0, x), 6): ReLU capped at 6 (hardtanh between 0 and 6)."""
    return hardtanh(tensor_arg(input, "relu6"), 0.0, 6.0)


class LeakyRelu(Function):
    """y = x if x > 0 else slope * x;  dx = dy if x > 0 else slope * dy (no unit ever dies)."""
    @staticmethod
    def forward(ctx, x, slope):
        a = x.array
        ctx.save_for_backward(x)
        ctx.slope = slope
        return x.xp.where(a > 0, a, a * slope)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        a = x.array
        factor = x.xp.where(a > 0, 1.0, ctx.slope).astype(a.dtype)
        return g * factor, None


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    return LeakyRelu.apply(_float_input(input, "leaky_relu"), _number(negative_slope, "negative_slope", "leaky_relu"))


# ----------------------------------------------------------------------------- smooth
class Tanh(Function):
    """y = tanh x;  dx = dy * (1 - y^2)."""
    @staticmethod
    def forward(ctx, x):
        y = x.xp.tanh(x.array)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  dx = dy * y * (1 - y)  (at most dy / 4: the vanishing gradient)."""
    @staticmethod
    def forward(ctx, x):
        xp, a = x.xp, x.array
        # stable on both sides: e^-|x| never overflows
        e = xp.exp(-xp.abs(a))
        y = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y * (1 - y)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + e^-x): its derivative y (1 - y) is at most 1/4, the root of vanishing gradients."""
    return Sigmoid.apply(_float_input(input, "sigmoid"))


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """(e^x - e^-x) / (e^x + e^-x): a zero-centred sigmoid, derivative 1 - y^2 (at most 1)."""
    return Tanh.apply(_float_input(input, "tanh"))


class Elu(Function):
    """y = x if x > 0 else alpha (e^x - 1);  dx = dy if x > 0 else dy (y + alpha)."""
    @staticmethod
    def forward(ctx, x, alpha):
        xp, a = x.xp, x.array
        neg = alpha * xp.expm1(xp.minimum(a, 0))  # min(.,0): e^x never sees a large positive x
        y = xp.where(a > 0, a, neg)
        ctx.save_for_backward(y)  # the derivative is expressed through the output
        ctx.alpha, ctx.positive = alpha, ~(a <= 0)  # nan counts as positive (slope 1), as PyTorch
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        pos = Tensor._make(ctx.positive)
        return g * where(pos, 1.0, y + ctx.alpha), None


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    return Elu.apply(_float_input(input, "elu"), _number(alpha, "alpha", "elu"))


class Softplus(Function):
    """y = log(1 + e^(beta x)) / beta, or x where beta x > threshold;
    dx = dy * sigmoid(beta x), or dy where beta x > threshold.

    Computed as (max(z, 0) + log1p(e^-|z|)) / beta with z = beta x: exact and overflow-free."""
    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp, a = x.xp, x.array
        z = a * beta
        smooth = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.linear = beta, z > threshold
        return xp.where(ctx.linear, a, smooth).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        slope = where(Tensor._make(ctx.linear), 1.0, (x * ctx.beta).sigmoid())
        return g * slope, None, None


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """A smooth ReLU. Above ``threshold`` (in units of beta x) it returns x itself, as PyTorch."""
    return Softplus.apply(_float_input(input, "softplus"), _number(beta, "beta", "softplus"),
                          _number(threshold, "threshold", "softplus"))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x) (also called swish)."""
    x = _float_input(input, "silu")
    return x * x.sigmoid()


# ----------------------------------------------------------------------------- erf and gelu
# W. J. Cody-style rational approximations of erf on four intervals, with the coefficients of
# Sun's fdlibm (s_erf.c, 1993), accurate to about one unit in the last place of a double.
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)
_ERX = 8.45062911510467529297e-01  # erf(1) rounded to single precision


def _poly(z, coeffs):
    """c0 + c1 z + c2 z^2 + ... by Horner's rule (Python-float coefficients keep z's dtype)."""
    out = z * 0 + coeffs[-1]
    for c in coeffs[-2::-1]:
        out = out * z + c
    return out


def erf_array(xp, a):
    """erf of an array, without SciPy: fdlibm's piecewise rational approximation, vectorised.

    |x| < 0.84375:   erf = x + x R(x^2)
    |x| < 1.25:      erf = erx + P(|x| - 1) / Q(|x| - 1)
    |x| < 6:         erf = 1 - e^(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / |x|   (two fits, split at 1/0.35)
    otherwise:       erf = 1   (and the sign of x is restored at the end)
    """
    ax = xp.abs(a)
    # every fit sees its argument clipped to its own interval: no inf/inf, no 1/0, no underflow
    u = xp.clip(a, -0.84375, 0.84375)
    z = u * u
    small = u + u * (_poly(z, _PP) / _poly(z, _QQ))
    s = xp.clip(ax, 0.84375, 1.25) - 1.0
    mid = _ERX + _poly(s, _PA) / _poly(s, _QA)
    t = xp.clip(ax, 1.25, 6.0)
    w = 1.0 / (t * t)
    ratio = xp.where(t < 1 / 0.35, _poly(w, _RA) / _poly(w, _SA), _poly(w, _RB) / _poly(w, _SB))
    tail = 1.0 - xp.exp(-t * t - 0.5625 + ratio) / t
    big = xp.where(ax < 1.25, mid, xp.where(ax < 6.0, tail, 1.0))
    return xp.where(ax < 0.84375, small, xp.sign(a) * big).astype(a.dtype, copy=False)


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt;  dx = dy * 2/sqrt(pi) * e^(-x^2)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(x.xp, x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * (-(x * x)).exp() * (2.0 / math.sqrt(math.pi))


def erf(input: Tensor) -> Tensor:  # noqa: A002
    return Erf.apply(_float_input(input, "erf"))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x), Phi the standard normal CDF: 'none' uses erf exactly, 'tanh' the approximation
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = _float_input(input, "gelu")
    if approximate == "none":
        return x * (1.0 + erf(x * (1.0 / math.sqrt(2.0)))) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (1.0 + inner.tanh()) * 0.5
    raise ValueError(f"approximate argument must be either none or tanh (got {approximate!r})")


__all__ = ["relu", "relu6", "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "sigmoid", "tanh",
           "softmax", "log_softmax"]
