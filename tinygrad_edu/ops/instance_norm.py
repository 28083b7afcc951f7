"""Instance normalisation (Ulyanov et al. 2016): normalise each channel of each sample over its
spatial positions only, so no statistics are shared across the batch (style transfer's choice).

It is batch norm with the batch dimension taken out of the average, and group norm with one
channel per group. Built from ``_standardize``, so it has second derivatives.
"""
from __future__ import annotations

from typing import Optional

from ..tensor import Tensor
from .checks import tensor_arg
from .elementwise import float_operand
from .normalization import _affine, _check_channels, _standardize, _update_running


def instance_norm(input: Tensor, running_mean: Optional[Tensor] = None,  # noqa: A002
                  running_var: Optional[Tensor] = None, weight: Optional[Tensor] = None,
                  bias: Optional[Tensor] = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) per (sample, channel) of (N, C, *S) input, then ``weight``/``bias``
    per channel. With running statistics given and ``use_input_stats``, they are updated with the
    batch average of the per-instance statistics (the variance unbiased, as batch norm stores it)."""
    tensor_arg(input, "instance_norm")
    if input.ndim < 3:
        raise ValueError(f"instance_norm(): expected input of shape (N, C, *) with at least 3 dimensions, but "
                         f"got {input.ndim}D input of shape {list(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channels(name, t, c)
    n = input.numel() // (input.shape[0] * c)
    if use_input_stats and n <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(input.shape)}")
    x = float_operand(input)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if use_input_stats:
        y, mean, var = _standardize(x, tuple(range(2, x.ndim)), eps)
        _update_running(running_mean, mean.mean(0), momentum)
        _update_running(running_var, var.mean(0) * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        y = (x - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    return _affine(y, weight, bias, shape)
