"""Weight initialisation, as in ``torch.nn.init``: every function fills a tensor IN PLACE (no graph)
and returns it, drawing from ``tinygrad_edu.backend.default_generator`` (or ``generator=``), so
``manual_seed`` makes a model's initial weights reproducible.

Why the scale matters: a layer with ``fan_in`` inputs sums ``fan_in`` products, so the variance of
its output is about ``fan_in * Var(w) * Var(x)``. Pick ``Var(w) = 1 / fan_in`` (times a gain that
makes up for what the activation removes: ReLU zeroes half the signal, so gain sqrt(2)) and the
signal neither explodes nor vanishes through many layers.

* Xavier/Glorot (tanh, sigmoid):  Var(w) = gain^2 * 2 / (fan_in + fan_out)
* Kaiming/He (ReLU):              Var(w) = gain^2 / fan           (fan = fan_in or fan_out)
* A uniform distribution on [-b, b] has variance b^2 / 3, hence the ``sqrt(3)`` in the bounds.
"""
from __future__ import annotations

import math
import warnings
from typing import Optional, Tuple

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The factor by which to scale the standard deviation for a given activation.

    =================  ====================================
    linear, conv*d,    1
    sigmoid
    tanh               5/3
    relu               sqrt(2)
    leaky_relu         sqrt(2 / (1 + negative_slope^2))
    selu               3/4
    =================  ====================================
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> Tuple[int, int]:
    """How many inputs feed one output unit (fan_in) and how many outputs one input feeds (fan_out).

    A Linear weight is (out, in): fan_in = in. A conv weight is (out, in, *kernel): every output
    sees ``in * kernel_area`` inputs, so the kernel's size (the receptive field) multiplies both."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = 1
    for s in tensor.shape[2:]:
        receptive_field *= s
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _no_op_if_empty(tensor: Tensor) -> bool:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return True
    return False


# ------------------------------------------------------------------------------ plain fills
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from U(a, b)."""
    with no_grad():
        return tensor.uniform_(float(a), float(b), generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(float(mean), float(std), generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """A 2-D tensor becomes the identity (ones on the diagonal): a layer that starts as a no-op."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        tensor.zero_()
        n = min(tensor.shape)
        tensor[list(range(n)), list(range(n))] = 1
    return tensor


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill from N(mean, std^2) restricted to [a, b]: draws outside are thrown away and redrawn
    (rejection sampling), which gives exactly the truncated distribution."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, but got a={a}, b={b}")
    # the probability that one draw lands inside [a, b]; refuse intervals far out in the tail
    inside = 0.5 * (math.erf((b - mean) / (std * math.sqrt(2))) - math.erf((a - mean) / (std * math.sqrt(2))))
    if inside < 1e-4:
        raise ValueError(f"trunc_normal_: [a, b] = [{a}, {b}] holds almost none of N({mean}, {std}^2); "
                         "mean is too far outside [a, b]")
    xp = tensor.xp
    rng = (generator or backend.default_generator).rng(xp)
    values = rng.standard_normal(size=tuple(tensor.shape)) * std + mean  # (CuPy's Generator has no normal())
    outside = (values < a) | (values > b)
    while bool(outside.any()):
        values[outside] = rng.standard_normal(size=int(outside.sum())) * std + mean
        outside = (values < a) | (values > b)
    with no_grad():
        return tensor.copy_(values.astype(tensor.array.dtype))


# ------------------------------------------------------------------------------ scaled fills
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He et al. (2015): U(-b, b) with b = gain * sqrt(3 / fan).

    ``a`` is the negative slope of the leaky ReLU that follows. Linear and Conv layers call this with
    ``a=sqrt(5)``, which gives ``b = 1 / sqrt(fan_in)``: PyTorch's historical default."""
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He et al. (2015): N(0, std^2) with std = gain / sqrt(fan)."""
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator=generator)


__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "trunc_normal_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


# --- PyTorch breadth (issue 14) ---
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` (at least 2-D, read as rows x the rest) with a (semi-)orthogonal matrix times
    ``gain`` (Saxe et al. 2013): the Q of the QR decomposition of a normal matrix, with its signs
    fixed by R's diagonal so that Q is uniformly distributed."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = tensor.xp
    a = (generator or backend.default_generator).rng(xp).standard_normal((rows, cols))
    if rows < cols:
        a = a.T
    q, r = xp.linalg.qr(a)
    q = q * xp.sign(xp.diagonal(r))      # make the decomposition unique: R's diagonal positive
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.copy_(Tensor._make((q * gain).reshape(tensor.shape).astype(tensor.array.dtype)))
    return tensor


__all__ += ["orthogonal_"]
