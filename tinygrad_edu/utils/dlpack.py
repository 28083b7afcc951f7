"""DLPack: hand a tensor's memory to another library (NumPy, CuPy, PyTorch, JAX) without copying.

    t = tinygrad_edu.from_dlpack(torch_tensor)     # shares torch_tensor's memory
    u = torch.from_dlpack(t)                        # shares t's memory (Tensor.__dlpack__)

A change made through one is seen by the other, as with ``from_numpy``. The exporting side keeps
ownership; the tensor made here keeps a reference to the source so the memory stays alive.
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor

_CPU, _CUDA = 1, 2  # DLPack device types


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing the memory of any object with ``__dlpack__`` (a torch tensor, a NumPy or CuPy
    array, another tinygrad_edu tensor)."""
    if not hasattr(ext_tensor, "__dlpack__") or not hasattr(ext_tensor, "__dlpack_device__"):
        raise TypeError(f"from_dlpack(): expected an object with __dlpack__ and __dlpack_device__ (a tensor or "
                        f"array), but got {type(ext_tensor).__name__} (a raw DLPack capsule is not accepted: pass "
                        f"the tensor itself)")
    if isinstance(ext_tensor, Tensor):
        return Tensor._make(ext_tensor.array)
    kind = int(ext_tensor.__dlpack_device__()[0])
    if kind == _CPU:
        xp = backend.np
    elif kind == _CUDA:
        xp = backend.xp_for("cuda")
    else:
        raise RuntimeError(f"from_dlpack(): DLPack device type {kind} is not supported (only CPU and CUDA)")
    arr = xp.from_dlpack(ext_tensor)
    backend.as_dtype(arr.dtype)  # a clear error for dtypes this library lacks (bfloat16, complex)
    return Tensor._make(arr)


def to_dlpack(tensor: Tensor):
    """A DLPack capsule of the tensor's memory (the legacy interface; prefer passing the tensor)."""
    return tensor.array.__dlpack__()


def _dlpack(self: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export this tensor's array through the DLPack protocol (``Tensor.__dlpack__``)."""
    if self.requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {} if stream is None else {"stream": stream}
    if max_version is not None:
        kwargs["max_version"] = max_version
    try:
        return self.array.__dlpack__(**kwargs)
    except TypeError:  # an older array library without max_version
        kwargs.pop("max_version", None)
        return self.array.__dlpack__(**kwargs)


def _dlpack_device(self: Tensor):
    return self.array.__dlpack_device__()


__all__ = ["from_dlpack", "to_dlpack"]
