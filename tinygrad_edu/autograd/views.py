"""In-place ops on views, recorded into the base's graph (PyTorch's "CopySlices").

    x = a * 2                 # a requires grad
    row = x[0]                # a view: shares x's memory
    row.mul_(3)               # changes x too, so x's gradient must see the * 3

Every view op (reshape, permute, basic indexing, split) registers its output here with the tensor
that owns the memory (the *root*). When an in-place op on a view runs with grad recording on, the
root's graph gets one more node, and every live view of that root is re-derived from it:

    root  <- IndexPut(root, new view values, at the view's positions in the root)
    view  <- root[positions]            (for each view of the root)

An in-place op on the root itself writes into the same memory (so its views see the change) and
re-derives its views the same way. A view's positions are found from its memory layout alone
(offset and strides into the root's buffer), so one rule covers every kind of view; ``IndexPut``
and ``GetItem`` (ops/shape.py) state the derivatives: the root's gradient is zero where the view
overwrote it, and the new values get the gradient of the positions they went to.
"""
from __future__ import annotations

import weakref

from .. import backend
from ..tensor import memory_owner

_root_of: dict = {}   # id(view) -> (weak reference to the view, the root tensor owning its memory)
_views_of: dict = {}  # id(root) -> (weak reference to the root, [weak references to its views])


def _forget(table: dict, key):
    return lambda _ref: table.pop(key, None)  # (``table`` bound now: at exit module names are gone)


def register(base, view) -> None:
    """Remember that ``view`` (made from ``base`` by a view op) lives in the root's memory."""
    root = root_of(base)
    root = base if root is None else root
    if memory_owner(root.array) is not memory_owner(view.array) or not root.array.flags.c_contiguous:
        return
    key = id(view)
    _root_of[key] = (weakref.ref(view, _forget(_root_of, key)), root)
    entry = _views_of.get(id(root))
    if entry is None or entry[0]() is not root:
        entry = _views_of[id(root)] = (weakref.ref(root, _forget(_views_of, id(root))), [])
    refs = entry[1]
    if len(refs) > 32:                              # drop the views that no longer exist
        refs[:] = [r for r in refs if r() is not None]
    refs.append(weakref.ref(view))


def root_of(view):
    entry = _root_of.get(id(view))
    return entry[1] if entry is not None and entry[0]() is view else None


def involved(t) -> bool:
    """Is ``t`` a registered view, or a root that has views?"""
    if root_of(t) is not None:
        return True
    entry = _views_of.get(id(t))
    return entry is not None and entry[0]() is t and any(r() is not None for r in entry[1])


def _address(arr) -> int:
    face = getattr(arr, "__array_interface__", None)
    return face["data"][0] if face is not None else arr.data.ptr   # NumPy, or CuPy


def positions(view, root):
    """For each element of ``view``, its index in the flattened ``root`` (an int64 array of view's shape)."""
    a, r = view.array, root.array
    size = r.itemsize
    offset = (_address(a) - _address(r)) // size
    xp = root.xp
    ints = getattr(xp, {1: "int8", 2: "int16", 4: "int32", 8: "int64"}[size])  # same item size: same strides
    flat = xp.arange(r.size, dtype=ints)[offset:]
    return backend.as_strided(flat, a.shape, a.strides).astype(backend.int64.np)


def _rederive(root, views) -> None:
    """Give each live view of ``root`` the history ``root[positions]`` of the root's current graph."""
    from ..ops.shape import GetItem, reshape  # late: ops/shape.py imports views imports ops/shape.py
    flat = reshape(root, -1)
    for view in views:
        pos = positions(view, root).reshape(-1)
        new = reshape(GetItem.apply(flat, (pos,)), tuple(view.shape))
        view.grad_fn, view.output_nr, view._requires_grad = new.grad_fn, new.output_nr, True


def inplace(t, op: str, result):
    """``t <- result`` with grad recording, where ``t`` is a view or has views (see above)."""
    from ..ops.shape import IndexPut, reshape  # late: ops/shape.py imports views imports ops/shape.py
    root = root_of(t)
    root = t if root is None else root
    if root.requires_grad and root.grad_fn is None and root is not t:
        raise RuntimeError(f"a view of a leaf Variable that requires grad is being used in an in-place operation "
                           f"({op}).")
    if root is t:
        new_root = result
    else:
        pos = positions(t, root).reshape(-1)
        new_root = reshape(IndexPut.apply(reshape(root, -1), reshape(result, -1), (pos,)), tuple(root.shape))
    root.array[...] = new_root.array           # the same memory, so every view sees the new values
    root.grad_fn, root.output_nr, root._requires_grad = new_root.grad_fn, new_root.output_nr, True
    entry = _views_of.get(id(root))
    views = [v for v in (r() for r in entry[1]) if v is not None] if entry and entry[0]() is root else []
    _rederive(root, views)
    t._version[0] += 1                          # shared by the root and its views: savers are flagged
    return t
