"""Making tensors: from data (``tensor``), filled (``zeros``, ``full``), ranges and random draws."""
from __future__ import annotations

import math
from typing import Optional

from . import backend
from .tensor import Tensor, _infer_array


def _shape(size, op: str) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, Tensor) and s.ndim == 0:
            s = s.item()
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{op}(): trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _finish(arr, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad = True  # the setter refuses integer dtypes with a clear message
    return t


def _xp(device):
    return backend.xp_for(backend.default_device() if device is None else device)


def _dt(dtype, default=None):
    return backend.as_dtype(dtype).np if dtype is not None else (default or backend.default_float).np


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor copied from ``data``; Python floats become float32, ints int64, bools bool.
    It lands on ``device``, by default where ``data`` lives (a tensor) or the default device."""
    return _finish(_infer_array(data, dtype=dtype, device=device), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array (or tensor) when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor._make(_infer_array(data, dtype=dtype, device=device, copy=False))


def from_numpy(array) -> Tensor:
    """A tensor sharing memory with a NumPy array: changes to one show in the other."""
    if not isinstance(array, backend.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(array).__name__})")
    backend.as_dtype(array.dtype)
    return Tensor._make(array)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(_xp(device).zeros(_shape(size, "zeros"), dtype=_dt(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(_xp(device).ones(_shape(size, "ones"), dtype=_dt(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(_xp(device).empty(_shape(size, "empty"), dtype=_dt(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = backend.promote_scalar(backend.bool_, fill_value)
    return _finish(_xp(device).full(_shape((size,), "full"), fill_value, dtype=_dt(dtype)), requires_grad)


def _like(fn):
    def like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:  # noqa: A002
        return fn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad, **kw)
    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange(): upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = backend.default_float if is_float else backend.int64
    return _finish(_xp(device).arange(start, end, step, dtype=_dt(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, but got {steps}")
    return _finish(_xp(device).linspace(start, end, steps, dtype=_dt(dtype)), requires_grad)


def eye(n: int, m: Optional[int] = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye(): n and m must be non-negative, but got n={n}, m={m}")
    return _finish(_xp(device).eye(n, m, dtype=_dt(dtype)), requires_grad)


def _rng(generator, device):
    return (generator or backend.default_generator).rng(_xp(device))


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    arr = _rng(generator, device).random(_shape(size, "rand"), dtype=_dt(dtype))
    return _finish(arr, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    arr = _rng(generator, device).standard_normal(_shape(size, "randn"), dtype=_dt(dtype))
    return _finish(arr, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None) -> Tensor:
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): missing the 'size' argument")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator, device).integers(low, high, size=_shape((size,), "randint"))
    return Tensor._make(arr.astype(_dt(dtype, backend.int64)))


def randperm(n: int, generator=None, dtype=None, device=None) -> Tensor:
    arr = _rng(generator, device).permutation(n)
    return Tensor._make(arr.astype(_dt(dtype, backend.int64)))


def rand_like(input: Tensor, dtype=None, device=None) -> Tensor:  # noqa: A002
    return rand(*input.shape, dtype=dtype or input.dtype, device=device or input.device)


def randn_like(input: Tensor, dtype=None, device=None) -> Tensor:  # noqa: A002
    return randn(*input.shape, dtype=dtype or input.dtype, device=device or input.device)


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


pi = math.pi
