"""Argument checks shared by the ops: PyTorch's words when an argument has the wrong type."""
from __future__ import annotations

from ..tensor import Tensor

_TENSOR_TYPE_NAMES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
                      "int32": "IntTensor", "int64": "LongTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def typename(obj) -> str:
    """How PyTorch names an object's type in error messages ('tinygrad_edu.FloatTensor', 'int')."""
    if isinstance(obj, Tensor):
        return "tinygrad_edu." + _TENSOR_TYPE_NAMES[obj.dtype.name]
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def tensor_arg(x, op: str, name: str = "input") -> Tensor:
    """``x`` itself if it is a Tensor, else PyTorch's TypeError naming the op and the argument."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x
