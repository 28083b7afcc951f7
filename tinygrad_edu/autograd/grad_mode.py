"""Grad mode: whether new ops are recorded in the graph. Context managers that are decorators too."""
from __future__ import annotations

import functools
import threading


class _GradMode:
    """One thread's grad mode: whether new ops are recorded."""
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True  # a new thread starts with recording on


class _PerThread(threading.local):
    """Per thread, as in PyTorch: a ``no_grad`` in one thread (a DataLoader worker, a thread pool)
    never turns recording off in another. Each thread's copy holds a plain ``_GradMode`` object:
    finding the thread's copy is the slow step (Function.apply does it once per op), reading and
    switching the flag on that object is then cheap."""

    def __init__(self):
        self.mode = _GradMode()


_local = _PerThread()


def is_grad_enabled() -> bool:
    return _local.mode.enabled


def _swap(enabled: bool) -> bool:
    """Set this thread's grad mode and return the previous one."""
    mode = _local.mode
    prev, mode.enabled = mode.enabled, enabled
    return prev


class _Mode:
    """Base of no_grad/enable_grad: a context manager, a decorator with or without parentheses
    (``@no_grad()`` and ``@no_grad``)."""
    mode = True

    def __new__(cls, fn=None):
        if callable(fn):  # used as a bare decorator: @no_grad
            return _Mode.wrap(fn, cls.mode)
        return super().__new__(cls)

    def __init__(self, fn=None):
        pass

    def __enter__(self):
        self.prev = _swap(self.mode)
        return self

    def __exit__(self, *exc):
        _swap(self.prev)
        return False

    def __call__(self, fn):
        return _Mode.wrap(fn, self.mode)

    @staticmethod
    def wrap(fn, mode):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _swap(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _swap(prev)
        return wrapper


class set_grad_enabled(_Mode):
    """``with set_grad_enabled(False): ...`` or ``@set_grad_enabled(False)``; also a plain call."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = _swap(self.mode)  # a plain call takes effect at once, as in PyTorch

    def __new__(cls, mode: bool):
        return object.__new__(cls)

    def __enter__(self):  # the switch was made by __init__; __exit__ (from _Mode) undoes it
        return self

    def __call__(self, fn):
        _swap(self.prev)  # used as a decorator: undo the switch made by __init__
        return _Mode.wrap(fn, self.mode)


class no_grad(_Mode):
    """Ops run inside are not recorded: for evaluation and for optimizer updates."""
    mode = False


class enable_grad(_Mode):
    """Turns recording back on inside a ``no_grad`` block."""
    mode = True
