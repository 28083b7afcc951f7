"""``repr`` of a tensor, shaped like PyTorch's: values, then device, dtype and grad info."""
from __future__ import annotations

from .. import backend


def tensor_repr(t) -> str:
    np = backend.np
    arr = backend.to_numpy(t.array)
    if arr.dtype.kind == "f":
        body = np.array2string(arr, separator=", ", prefix="tensor(", precision=4,
                               floatmode="maxprec_equal", threshold=1000, edgeitems=3)
    else:
        body = np.array2string(arr, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default = {"f": backend.default_float.np, "i": backend.int64.np, "b": np.dtype(bool)}.get(arr.dtype.kind)
    if arr.dtype != default or arr.size == 0:
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
