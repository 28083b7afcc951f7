"""Batch, layer and local response normalisation.

Batch and layer norm share one idea, ``_standardize``: subtract the mean and divide by the
standard deviation over some dimensions, then scale and shift by learned ``weight`` and ``bias``.
They differ only in *which* dimensions: batch norm averages each channel over the batch (and
space), layer norm each sample over its last dimensions. All are compositions of differentiable
Tensor ops, so they have second derivatives too.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .checks import tensor_arg
from .elementwise import float_operand
from .padding import pad


def _standardize(x: Tensor, dims: tuple, eps: float):
    """(x - mean) / sqrt(var + eps) over ``dims``, with the biased variance (divide by n), as PyTorch
    normalises. Returns the result with the mean and variance (kept dims) for running statistics."""
    mean = x.mean(dims, keepdim=True)
    d = x - mean
    var = (d * d).mean(dims, keepdim=True)
    return d / (var + eps).sqrt(), mean, var


def _affine(y: Tensor, weight: Optional[Tensor], bias: Optional[Tensor], shape: tuple) -> Tensor:
    """y * weight + bias, each reshaped to ``shape`` so it broadcasts along the right dimensions."""
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _check_channels(name: str, t: Optional[Tensor], channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-05):
    """Normalise each channel (dim 1) of (N, C, ...) over the batch and spatial dimensions.

    training: use this batch's mean and (biased) variance, and update the running statistics in
        place:  running = (1 - momentum) * running + momentum * batch_stat, where the variance
        stored is the unbiased one (times n / (n - 1)), as PyTorch does.
    eval: use ``running_mean`` and ``running_var`` instead (no update).
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected input of shape (N, C, ...) with at least 2 dimensions, "
                         f"but got {input.ndim}D input of shape {list(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channels(name, t, channels)
    n = input.numel() // channels
    if training and n <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{list(input.shape)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    x = float_operand(input)
    shape = (1, channels) + (1,) * (x.ndim - 2)
    dims = (0,) + tuple(range(2, x.ndim))
    if training:
        y, mean, var = _standardize(x, dims, eps)
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (n / (n - 1)), momentum)
    else:
        y = (x - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    return _affine(y, weight, bias, shape)


def _update_running(running: Optional[Tensor], batch_stat: Tensor, momentum: float) -> None:
    """running <- (1 - momentum) running + momentum batch_stat, in place and outside the graph."""
    if running is None:
        return
    with no_grad():
        stat = batch_stat.detach().reshape(running.shape).to(running.dtype)
        running.mul_(1.0 - momentum).add_(stat * momentum)


def layer_norm(input, normalized_shape: Union[int, Sequence[int]], weight=None, bias=None,  # noqa: A002
               eps=1e-05):
    """Normalise each sample over its last ``len(normalized_shape)`` dimensions, which must equal
    ``normalized_shape``; ``weight`` and ``bias`` have that shape (elementwise affine)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"layer_norm(): {name} of shape {list(t.shape)} must match normalized_shape "
                               f"{list(shape)}")
    x = float_operand(input)
    y, _, _ = _standardize(x, tuple(range(x.ndim - k, x.ndim)), eps)
    return _affine(y, weight, bias, shape)


def group_norm(input: Tensor, num_groups: int, weight: Optional[Tensor] = None,  # noqa: A002
               bias: Optional[Tensor] = None, eps: float = 1e-05) -> Tensor:
    """Normalise (N, C, *) input over each group of C / num_groups channels (and all positions),
    then scale and shift each channel by ``weight`` and ``bias`` (shape (C,))."""
    tensor_arg(input, "group_norm")
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups <= 0:
        raise ValueError(f"group_norm(): num_groups must be a positive int, but got {num_groups!r}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    x = float_operand(input)
    per_group = (c // num_groups) * math.prod(x.shape[2:])
    y, _, _ = _standardize(x.reshape(n, num_groups, per_group), (2,), eps)
    return _affine(y.reshape(x.shape), weight, bias, (1, c) + (1,) * (x.ndim - 2))


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):  # noqa: A002
    """Divide each activation by a power of the energy of its neighbouring channels (AlexNet, 2012):

        b_c = a_c / (k + alpha / size * sum_{c' near c} a_c'^2) ^ beta

    the window holding ``size`` channels centred on c (zero outside the input), as PyTorch's
    ``local_response_norm`` (which averages, so alpha is divided by size). AlexNet used size=5,
    alpha=1e-4, beta=0.75, k=2."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm(): size must be a positive int, but got {size!r}")
    x = float_operand(input)
    if x.numel() == 0:
        return x
    channels = x.shape[1]
    sq = x * x
    # zero-pad the channel dim so every channel has a full window: size//2 before, (size-1)//2 after
    widths = [0, 0] * (x.ndim - 2) + [size // 2, (size - 1) // 2]
    padded = pad(sq, tuple(widths))
    window = padded[:, 0:channels]
    for offset in range(1, size):
        window = window + padded[:, offset:offset + channels]
    div = (window * (alpha / size) + k) ** beta
    return x / div
