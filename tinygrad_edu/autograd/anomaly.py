"""Anomaly detection: find the op whose backward produced NaN or inf (like PyTorch's)."""
from __future__ import annotations

_enabled = False


class detect_anomaly:
    """Within this block, each op remembers where it was created, and a backward that produces
    NaN or inf raises an error naming the op and showing that place in your code."""

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


def check_grads(node, grads) -> None:
    """Called by the engine after a node's backward while anomaly mode is on."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        xp = g.xp
        if not bool(xp.isfinite(g.array).all()):
            where = "".join(node.metadata.get("traceback_", [])[-3:]) or "  (created outside detect_anomaly)\n"
            bad = "nan" if bool(xp.isnan(g.array).any()) else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its {i}th output.\n"
                f"The forward op was created here:\n{where}")
