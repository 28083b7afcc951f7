"""``repr`` of a tensor, shaped like PyTorch's: values, then device, dtype and grad info.

PyTorch's float format: all-integer values print as ``1.``; otherwise four decimals (``0.1000``),
or scientific notation (``1.0000e-05``) when the magnitudes span more than 1000x or leave
[1e-4, 1e8]. Elements are padded to the width of the widest finite one, so columns line up.
"""
from __future__ import annotations

from .. import backend

_THRESHOLD, _EDGEITEMS = 1000, 3  # PyTorch's summarization defaults


def _float_formatter(arr):
    np = backend.np
    finite = arr[np.isfinite(arr)].astype(np.float64)
    nonzero = np.abs(finite[finite != 0])
    wide = nonzero.size and (nonzero.max() > 1e8 or nonzero.max() / nonzero.min() > 1000)
    if finite.size == 0 or (finite == np.round(finite)).all():  # integer values: "1." (or 1.0000e+10)
        fmt = (lambda v: f"{v:.4e}") if wide else (lambda v: f"{v:.0f}.")
    elif wide or nonzero.min() < 1e-4:
        fmt = lambda v: f"{v:.4e}"  # noqa: E731
    else:
        fmt = lambda v: f"{v:.4f}"  # noqa: E731

    # the widest string comes from the smallest or the largest value (sign, integer digits)
    width = max((len(fmt(v)) for v in (finite.min(), finite.max())), default=0) if finite.size else 0
    return lambda v: (fmt(v) if np.isfinite(v) else str(float(v))).rjust(width)  # nan, inf as in Python


def tensor_repr(t) -> str:
    np = backend.np
    arr = backend.to_numpy(t.array)
    kw = dict(separator=", ", prefix="tensor(", threshold=_THRESHOLD, edgeitems=_EDGEITEMS, max_line_width=80)
    if arr.size == 0:
        body = "[]"
    elif arr.dtype.kind == "f":
        body = np.array2string(arr, formatter={"float_kind": _float_formatter(arr)}, **kw)
    else:
        body = np.array2string(arr, **kw)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if arr.size == 0 and arr.ndim != 1:
        extras.append(f"size={tuple(arr.shape)}")
    # the dtype is shown unless the values imply it: default float, int64, bool (empty: float only)
    implied = (backend.default_float,) if arr.size == 0 else (backend.default_float, backend.int64, backend.bool_)
    if t.dtype not in implied:
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
