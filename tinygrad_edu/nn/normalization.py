"""Normalisation layers: BatchNorm (per channel, over the batch), LayerNorm (per sample),
GroupNorm (per sample, over groups of channels: needs no batch) and LocalResponseNorm (across
neighbouring channels, as in AlexNet)."""
from __future__ import annotations

from typing import Optional, Sequence, Union

from .. import backend, creation
from ..ops.checks import tensor_arg
from ..tensor import Tensor
from . import functional as F
from . import init
from ._validate import positive_int
from .module import Module
from .parameter import Parameter


def _affine_parameters(module: Module, enabled: bool, bias: bool, shape, device, dtype) -> None:
    """Register the learned per-element scale ``weight`` (starting at 1) and shift ``bias`` (starting
    at 0) of ``shape`` on ``module``; each is registered as None when turned off."""
    if enabled:
        module.weight = Parameter(creation.ones(*shape, device=device, dtype=dtype))
        if bias:
            module.bias = Parameter(creation.zeros(*shape, device=device, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _running_stats(module: Module, enabled: bool, num_features: int, device, dtype) -> None:
    """Register the buffers ``running_mean`` (starting at 0), ``running_var`` (starting at 1) and
    ``num_batches_tracked``; each is registered as None when turned off."""
    if enabled:
        module.register_buffer("running_mean", creation.zeros(num_features, device=device, dtype=dtype))
        module.register_buffer("running_var", creation.ones(num_features, device=device, dtype=dtype))
        module.register_buffer("num_batches_tracked", creation.tensor(0, dtype=backend.int64, device=device))
    else:
        module.register_buffer("running_mean", None)
        module.register_buffer("running_var", None)
        module.register_buffer("num_batches_tracked", None)


def _reset_affine(module: Module, enabled: bool) -> None:
    """Set the parameters made by ``_affine_parameters`` back to the identity: weight 1, bias 0."""
    if enabled:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)


class _BatchNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.

    In training the mean and variance come from the batch, and ``running_mean``/``running_var``
    (buffers: saved, not trained) track them: ``running = (1 - momentum) * running + momentum * batch``
    (``momentum=None``: a plain average over all batches so far, counted by ``num_batches_tracked``).
    In evaluation the running statistics are used, so one sample's output does not depend on the batch.
    """

    _expected_dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        name = type(self).__name__
        positive_int(num_features, "num_features", name)
        if not eps > 0:
            raise ValueError(f"{name}: eps must be positive, but got {eps}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, but got {momentum}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, affine, bias, (num_features,), device, dtype)
        _running_stats(self, track_running_stats, num_features, device, dtype)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Start as the identity transform: weight 1, bias 0, running mean 0 and variance 1."""
        self.reset_running_stats()
        _reset_affine(self, self.affine)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        name = type(self).__name__
        tensor_arg(input, "batch_norm")
        if input.ndim not in self._expected_dims:
            wanted = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(f"{name}: expected {wanted} input (got {input.ndim}D input); the input has size "
                             f"{list(input.shape)}")
        # without weights or running statistics nothing depends on the channel count (as in PyTorch)
        if (self.weight is not None or self.running_mean is not None) and input.shape[1] != self.num_features:
            raise RuntimeError(f"{name}(num_features={self.num_features}) expected input with {self.num_features} "
                               f"channels (dim 1), but got input of size {list(input.shape)}")
        if self.training and input.numel() <= input.shape[1]:  # checked before num_batches_tracked moves
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        # batch statistics in training, or in eval when there are no running ones to use
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # running stats are passed when they are used (eval) or updated (training and tracked)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return ("{num_features}, eps={eps}, momentum={momentum}, affine={affine}, bias={use_bias}, "
                "track_running_stats={track_running_stats}".format(**self.__dict__,
                                                                   use_bias=self.bias is not None))


class BatchNorm1d(_BatchNorm):
    """BatchNorm over (N, C) or (N, C, L) input, statistics per channel C."""
    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """BatchNorm over (N, C, H, W) input, statistics per channel over N, H and W."""
    _expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """BatchNorm over (N, C, D, H, W) input."""
    _expected_dims = (5,)


class LayerNorm(Module):
    """Normalise each sample over its last ``len(normalized_shape)`` dims (no batch statistics, so
    it behaves the same in training and evaluation), then scale and shift elementwise."""

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        for s in shape:
            positive_int(s, "normalized_shape", "LayerNorm")
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be positive, but got {eps}")
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, shape, device, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self, self.elementwise_affine)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, bias={use_bias}"
                .format(**self.__dict__, use_bias=self.bias is not None))


class LocalResponseNorm(Module):
    """AlexNet's normalisation: divide each activation by
    ``(k + alpha / size * sum of squares over `size` neighbouring channels) ** beta``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = positive_int(size, "size", "LocalResponseNorm")
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


class GroupNorm(Module):
    """Normalise each sample over groups of ``num_channels // num_groups`` channels (and all positions),
    then scale and shift per channel. Independent of the batch size: works for a batch of one."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-05, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__()
        positive_int(num_groups, "num_groups", "GroupNorm")
        positive_int(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        if not eps > 0:
            raise ValueError(f"GroupNorm: eps must be positive, but got {eps}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_parameters(self, affine, bias, (num_channels,), device, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self, self.affine)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
