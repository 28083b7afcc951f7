"""Lazy modules: layers that learn their input size from the first batch they see.

    model = nn.Sequential(nn.LazyConv2d(16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    model(torch.zeros(1, 3, 32, 32))          # now the sizes are known and the weights exist
    type(model[0]) is nn.Conv2d               # True: the lazy layer became the real one

Until then the weights are ``UninitializedParameter`` placeholders. An optimizer may be built
before the first forward (it holds the same Parameter objects, which are filled in place), but
the first forward must come before the first ``optimizer.step()``, as in PyTorch.

On the first forward the lazy module builds the real layer with the inferred size (so the
initialisation draws the same random numbers as constructing that layer there), moves its
parameters into the placeholders, and takes on the real layer's class and attributes.
"""
from __future__ import annotations

from .. import creation
from ..tensor import Tensor
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .parameter import Parameter


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (an empty placeholder until ``materialize``)."""

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(creation.empty(0, device=device, dtype=dtype), requires_grad)

    def materialize(self, data: Tensor) -> None:
        """Take over ``data``'s values and become an ordinary Parameter (the same object)."""
        self.array = data.array
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


def is_lazy(param) -> bool:
    return isinstance(param, UninitializedParameter)


class _LazyModule(Module):
    """Keeps the constructor arguments; the first forward builds the real module from them."""
    cls_to_become: type = Module

    def __init__(self, *args, device=None, dtype=None, **kwargs):
        super().__init__()
        self._lazy_args, self._lazy_kwargs = args, dict(kwargs, device=device, dtype=dtype)
        for name in self._lazy_parameter_names():
            setattr(self, name, UninitializedParameter(device=device, dtype=dtype))

    def _lazy_parameter_names(self):
        return ("weight", "bias") if self._lazy_kwargs.get("bias", True) is not False else ("weight",)

    def _infer(self, input: Tensor) -> int:  # noqa: A002
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor input, but got {type(input).__name__}")
        real = self.cls_to_become(self._infer(input), *self._lazy_args, **self._lazy_kwargs)
        placeholders = dict(self._parameters)
        training = self.training
        state = {k: v for k, v in real.__dict__.items()}
        for name, param in real._parameters.items():
            holder = placeholders.get(name)
            if isinstance(holder, UninitializedParameter) and param is not None:
                holder.materialize(param)            # the optimizer's reference stays valid
                state["_parameters"][name] = holder
        for key in ("_lazy_args", "_lazy_kwargs"):
            self.__dict__.pop(key, None)
        self.__dict__.update(state)
        self.__class__ = self.cls_to_become
        self.train(training)
        return self(input)

    def extra_repr(self) -> str:
        return f"<uninitialized: {', '.join(map(str, self._lazy_args))}>"


def _features(op: str, batched: int):
    """The input size: dim 1 of a batched input (``batched`` dims), dim 0 of an unbatched one."""
    def infer(self, input: Tensor) -> int:  # noqa: A002
        if input.ndim not in (batched - 1, batched):
            raise ValueError(f"{op}: expected {batched - 1}D (unbatched) or {batched}D (batched) input to "
                             f"infer the input size, but got input of size: {list(input.shape)}")
        return input.shape[1] if input.ndim == batched else input.shape[0]
    return infer


class LazyLinear(_LazyModule):
    """``Linear`` with ``in_features`` taken from the last dim of the first input."""
    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__(out_features, bias=bias, device=device, dtype=dtype)

    def _infer(self, input: Tensor) -> int:  # noqa: A002
        if input.ndim == 0:
            raise ValueError("LazyLinear: a 0-D input has no feature dimension")
        return input.shape[-1]


def _lazy_conv(name: str, real: type, dims: int, doc: str) -> type:
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, *rest, device=None, dtype=None,
                 **kwargs):
        _LazyModule.__init__(self, out_channels, kernel_size, stride, padding, *rest, device=device, dtype=dtype,
                             **kwargs)
    return type(name, (_LazyModule,), {"cls_to_become": real, "__init__": __init__, "__doc__": doc,
                                       "_infer": _features(name, dims + 2), "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, "``Conv1d`` with ``in_channels`` from the first input.")
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, "``Conv2d`` with ``in_channels`` from the first input.")
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, "``Conv3d`` with ``in_channels`` from the first input.")
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1,
                                 "``ConvTranspose1d`` with ``in_channels`` from the first input.")
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2,
                                 "``ConvTranspose2d`` with ``in_channels`` from the first input.")
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3,
                                 "``ConvTranspose3d`` with ``in_channels`` from the first input.")


def _lazy_norm(name: str, real: type, batched_dims: tuple, default_affine: bool, default_track: bool) -> type:
    def __init__(self, eps: float = 1e-5, momentum=0.1, affine: bool = default_affine,
                 track_running_stats: bool = default_track, device=None, dtype=None):
        _LazyModule.__init__(self, eps, momentum, affine, track_running_stats, device=device, dtype=dtype)
        if not affine:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def _infer(self, input: Tensor) -> int:  # noqa: A002
        if input.ndim not in batched_dims:
            wanted = " or ".join(f"{d}D" for d in batched_dims)
            raise ValueError(f"{name}: expected {wanted} input (got {input.ndim}D input)")
        return input.shape[1] if input.ndim == max(batched_dims) or real.__name__.startswith("Batch") else \
            input.shape[0]
    return type(name, (_LazyModule,), {"cls_to_become": real, "__init__": __init__, "_infer": _infer,
                                       "__doc__": f"``{real.__name__}`` with ``num_features`` from the first input.",
                                       "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, (2, 3), True, True)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, (4,), True, True)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, (5,), True, True)
# (PyTorch's lazy instance norms default to affine=True, track_running_stats=True, unlike InstanceNorm)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, (2, 3), True, True)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, (3, 4), True, True)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, (4, 5), True, True)

__all__ = ["UninitializedParameter", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]
