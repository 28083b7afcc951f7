"""Anomaly detection: find the op whose backward produced NaN or inf (like PyTorch's).

A NaN in a gradient usually shows up far from its cause: it spreads through every later op of
the backward pass. In anomaly mode each op records where in *your* code it was created, and the
engine checks every gradient as it is produced, so the error names the first op that went wrong
and points at the line that created it.
"""
from __future__ import annotations

import os
import traceback

_enabled = False
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../tinygrad_edu


class detect_anomaly:
    """Within this block, each op remembers where it was created, and a backward that produces
    NaN or inf raises an error naming the op and showing that place in your code.

    Slow (it records a stack trace per op and checks every gradient): for debugging only."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        global _enabled
        self.prev, _enabled = _enabled, self.check_nan
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev
        return False


def set_detect_anomaly(mode: bool) -> None:
    global _enabled
    _enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return _enabled


def user_stack(limit: int = 4) -> list:
    """The innermost frames of the current stack that lie outside tinygrad_edu: the user's code
    that created the op (the frames inside the library only say how ops are built)."""
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(_PACKAGE_DIR)]
    return traceback.format_list(frames[-limit:])


def check_grads(node, grads) -> None:
    """Called by the engine after a node's backward while anomaly mode is on."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        xp = g.xp
        if not bool(xp.isfinite(g.array).all()):
            where = "".join((node._metadata or {}).get("traceback_", [])) or "  (created outside detect_anomaly)\n"
            bad = "nan" if bool(xp.isnan(g.array).any()) else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its {i}th output.\n"
                f"The forward op {node.fn.__name__} was created here (most recent call last):\n{where}")
