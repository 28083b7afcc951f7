"""Process-wide switches with PyTorch's names: ``inference_mode`` and the default float dtype."""
from __future__ import annotations

from . import backend
from .autograd import grad_mode
from .autograd.grad_mode import _Mode, no_grad


class inference_mode(no_grad):  # noqa: N801 (PyTorch's name)
    """``no_grad`` under PyTorch's name for pure inference: ``with inference_mode(): ...``,
    ``@inference_mode()`` or ``@inference_mode``. ``inference_mode(False)`` changes nothing.
    (PyTorch also marks the tensors made inside as unusable in autograd later; here they are just
    tensors that do not require grad, as under ``no_grad``.)"""

    def __new__(cls, mode=True):
        if callable(mode):  # a bare decorator: @inference_mode
            return _Mode.wrap(mode, False)
        return object.__new__(cls)

    def __init__(self, mode: bool = True):
        self.enabled = bool(mode)

    def __enter__(self):
        if self.enabled:
            return super().__enter__()
        self.prev = grad_mode.is_grad_enabled()  # restored on exit: nothing changes
        return self

    def __call__(self, fn):
        return _Mode.wrap(fn, False) if self.enabled else fn


def set_default_dtype(d) -> None:
    """The dtype Python floats and new float tensors get: ``float32`` (the default) or ``float64``."""
    dt = backend.as_dtype(d) if d is not float else None
    if dt not in (backend.float32, backend.float64):
        raise TypeError("only floating-point types are supported as the default type (tinygrad_edu supports "
                        f"float32 and float64), but got {d!r}")
    backend.default_float = dt
