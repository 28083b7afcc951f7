"""The one door to the array library: NumPy always, CuPy when a GPU really answers.

Every other module asks this one for its array module (``get_array_module``), so the same op code
runs on either device. Devices, dtypes and the random generator live here too.
"""
from __future__ import annotations

import functools
import os
from typing import Any, Optional

import numpy as np

_cupy: Any = None
gpu_loaded = False  # True once CuPy is in use: until then every array is a NumPy array, on the CPU
_cupy_checked = False
_cupy_error = ""


def _load_cupy():
    """Import CuPy once and check that a GPU answers; remember why not, for the error message."""
    global _cupy, _cupy_checked, _cupy_error, gpu_loaded
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy  # noqa: PLC0415 (optional dependency)

            cupy.cuda.runtime.getDeviceCount()
            cupy.zeros(1).sum()  # really run something
            _cupy, gpu_loaded = cupy, True
        except Exception as e:  # ImportError, CUDARuntimeError, ...
            _cupy_error = f"{type(e).__name__}: {e}"
    return _cupy


def cuda_is_available() -> bool:
    return _load_cupy() is not None


# ----------------------------------------------------------------------------- devices
class device:
    """A device name like PyTorch's: ``device('cpu')``, ``device('cuda')``, ``device('cuda:0')``."""

    __slots__ = ("type", "index")

    def __init__(self, spec: "str | device" = "cpu", index: Optional[int] = None):
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device() expected a string like 'cpu' or 'cuda', but got {type(spec).__name__}")
        name, _, idx = spec.partition(":")
        if name not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {spec!r}")
        if idx:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: {spec!r}")
            index = int(idx)
        if name == "cuda" and index is None:
            index = 0
        if name == "cuda" and index != 0:
            raise RuntimeError(f"Invalid device {spec!r}: tinygrad_edu drives a single GPU, cuda:0")
        self.type, self.index = name, (index if name == "cuda" else None)

    def __eq__(self, other):
        try:
            other = device(other)
        except (TypeError, RuntimeError):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"


CPU = device("cpu")


def xp_for(dev: "str | device") -> Any:
    """The array module of a device; a clear error when CUDA is asked for and cannot be had."""
    dev = device(dev)
    if dev.type == "cpu":
        return np
    cp = _load_cupy()
    if cp is None:
        raise RuntimeError(
            "CUDA was requested but no usable GPU was found (CuPy could not run: "
            f"{_cupy_error or 'not installed'}). Install the 'gpu' extra on a machine with an NVIDIA "
            "GPU, or use device='cpu'.")
    return cp


def default_device() -> device:
    """``TINYGRAD_EDU_DEVICE`` (cpu|cuda) chooses where new tensors live; cpu when unset."""
    return device(os.environ.get("TINYGRAD_EDU_DEVICE", "cpu") or "cpu")


def get_array_module(*arrays) -> Any:
    """numpy or cupy, from the arrays themselves (like ``cupy.get_array_module``)."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


def device_of(array) -> device:
    return device("cuda") if (_cupy is not None and isinstance(array, _cupy.ndarray)) else CPU


def to_device(array, dev: "str | device"):
    """Copy an array to a device (no copy when it is already there)."""
    dev = device(dev)
    if dev.type == "cpu":
        return array if isinstance(array, np.ndarray) else _cupy.asnumpy(array)
    cp = xp_for(dev)
    return cp.asarray(array)


def quiet():
    """A ``with`` block in which NumPy gives inf and nan without a RuntimeWarning (log(0) is -inf,
    1/0 is inf, 0 * inf is nan), as PyTorch does. CuPy never warns on such values, so NumPy's
    error state covers both. Every op's forward runs in one (``quiet_on``/``quiet_off``, below:
    nearly every op can meet an inf, so one place beats a block in each), and so does the engine's
    whole backward pass."""
    return _Quiet()


class _Quiet:
    def __enter__(self):
        self.token = quiet_on()

    def __exit__(self, *exc):
        quiet_off(self.token)


try:
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE, _make_extobj  # noqa: PLC2701
    _IGNORE_ALL = _make_extobj(all="ignore")
except (ImportError, TypeError):  # NumPy 1, or a NumPy that moved it: the public errstate
    _ERRSTATE = _IGNORE_ALL = None


def _errstate_on():
    state = np.errstate(all="ignore")
    state.__enter__()
    return state


def _errstate_off(token) -> None:
    token.__exit__(None, None, None)


# quiet_on() makes NumPy quiet in this thread and returns what quiet_off(token) needs to undo it.
# It is np.errstate(all="ignore") at a tenth of its cost (it runs once per op): NumPy 2 keeps its
# error state in a context variable, and errstate rebuilds that state on every entry, while this
# sets one built once, with two C calls. The variable is private to NumPy: where it is missing
# (NumPy 1) the public errstate is used; tests/test_backend.py checks both.
if _ERRSTATE is not None:
    quiet_on = functools.partial(_ERRSTATE.set, _IGNORE_ALL)
    quiet_off = _ERRSTATE.reset
else:
    quiet_on, quiet_off = _errstate_on, _errstate_off


def to_numpy(array) -> np.ndarray:
    return array if isinstance(array, np.ndarray) else _cupy.asnumpy(array)


def scatter_add(out, index, values) -> None:
    """``out[index] += values`` where repeated positions in ``index`` all add up (NumPy's
    ``add.at``; on the GPU ``cupyx.scatter_add``, which behaves identically)."""
    if isinstance(out, np.ndarray):
        np.add.at(out, index, values)
    else:
        import cupyx  # noqa: PLC0415 (ships with CuPy)
        cupyx.scatter_add(out, index, values)


ndarray = np.ndarray


def as_strided(array, shape, strides):
    """A view of ``array`` with new shape and byte strides (no copy), on either device: the
    sliding-window trick behind im2col. Read it, never write through it (windows overlap)."""
    if isinstance(array, np.ndarray):
        return np.lib.stride_tricks.as_strided(array, shape=shape, strides=strides, writeable=False)
    return _cupy.lib.stride_tricks.as_strided(array, shape=shape, strides=strides)


def is_array(obj) -> bool:
    return isinstance(obj, np.ndarray) or (_cupy is not None and isinstance(obj, _cupy.ndarray))


def is_numpy_scalar(obj) -> bool:
    return isinstance(obj, np.generic)


# ----------------------------------------------------------------------------- dtypes
class dtype:
    """A tensor element type, named as in PyTorch (``tinygrad_edu.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "kind")

    def __init__(self, name: str, np_dtype, kind: int):
        self.name, self.np, self.kind = name, np.dtype(np_dtype), kind
        self.is_floating_point = kind == 2

    @property
    def itemsize(self) -> int:
        return self.np.itemsize

    def __repr__(self):
        return f"tinygrad_edu.{self.name}"


# kind orders the categories for promotion: bool < integer < floating point
bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
_ALL = (bool_, uint8, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in _ALL}
default_float = float32


def as_dtype(d) -> dtype:
    """Our dtype from ours, a NumPy dtype, a Python type or a name; TypeError otherwise."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return default_float
    if d is int:
        return int64
    if d is bool:
        return bool_
    try:
        npd = np.dtype(d)
    except TypeError:
        npd = None
    if npd is not None and npd in _BY_NP:
        return _BY_NP[npd]
    if npd is not None and npd.kind in "iu":
        return int64
    raise TypeError(f"unsupported dtype {d!r}: tinygrad_edu supports "
                    + ", ".join(x.name for x in _ALL))


def dtype_of(array) -> dtype:
    # A dict lookup first: this runs for every operand of every op, so it must be cheap.
    d = _BY_NP.get(array.dtype)
    return d if d is not None else as_dtype(array.dtype)


def scalar_kind(value) -> int:
    if isinstance(value, (bool, np.bool_)):
        return 0
    if isinstance(value, (int, np.integer)):
        return 1
    if isinstance(value, (float, np.floating)):
        return 2
    raise TypeError(f"expected a number, got {type(value).__name__}")


def promote(a: dtype, b: dtype) -> dtype:
    """Two tensors' result type: the higher category wins; within one, the wider type."""
    if a is b:
        return a
    if a.kind != b.kind:
        return a if a.kind > b.kind else b
    return a if a.itemsize >= b.itemsize else b


def promote_scalar(t: dtype, value) -> dtype:
    """Tensor op Python scalar: the tensor's dtype, unless the scalar is of a higher category
    (an int tensor times 0.5 gives the default float type, as in PyTorch)."""
    k = scalar_kind(value)
    if k <= t.kind:
        return t
    return default_float if k == 2 else int64


# ----------------------------------------------------------------------------- randomness
class Generator:
    """A seeded source of random numbers (NumPy's PCG64 on the CPU, CuPy's on the GPU)."""

    def __init__(self, device_: "str | device" = "cpu"):
        self.device = device(device_)
        self._seed = 0
        self.manual_seed(np.random.SeedSequence().entropy % (2 ** 63))

    def manual_seed(self, seed: int) -> "Generator":
        if not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int, but got {type(seed).__name__}")
        self._seed = int(seed)
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        self._cp = None
        return self

    def initial_seed(self) -> int:
        return self._seed

    def rng(self, xp):
        """The generator for an array module; CuPy's is seeded from the same seed lazily."""
        if xp is np:
            return self._np
        if self._cp is None:
            self._cp = xp.random.default_rng(self._seed)
        return self._cp

    def get_state(self):
        return self._np.bit_generator.state

    def set_state(self, state):
        self._np.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed every random draw (tensors, init, dropout, DataLoader shuffling) for reproducibility."""
    return default_generator.manual_seed(seed)
