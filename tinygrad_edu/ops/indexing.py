"""Masked fills: write a value wherever a bool mask is true (PyTorch's indexing ops; ``getitem``,
``setitem`` and ``gather`` live in shape.py)."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .checks import tensor_arg
from .elementwise import broadcast_shape, where


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``input`` with ``value`` wherever ``mask`` (a bool tensor broadcastable to it) is true.

    Built on ``where``, so the gradient reaches ``input`` where the mask is false and a 0-dim
    ``value`` tensor gets the sum of the gradient where it is true."""
    x = tensor_arg(input, "masked_fill")
    if not isinstance(mask, Tensor) or mask.dtype is not backend.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if value.device != x.device:
            value = value.to(x.device)
        v = value if value.dtype is x.dtype else value.to(x.dtype)
    elif isinstance(value, (bool, int, float)) or backend.is_numpy_scalar(value):
        v = Tensor._make(x.xp.asarray(value).astype(x.array.dtype))  # 2.7 into an int tensor is 2
    else:
        raise TypeError(f"masked_fill(): value must be a number or a 0-dim Tensor, not {type(value).__name__}")
    broadcast_shape(tuple(x.shape), tuple(mask.shape), "masked_fill")
    return where(mask, v, x)


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``masked_fill`` in place (the result must keep ``input``'s shape)."""
    return input._inplace("masked_fill_", masked_fill(input, mask, value))


__all__ = ["masked_fill", "masked_fill_"]
