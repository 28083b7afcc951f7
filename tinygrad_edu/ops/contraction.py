"""Sums of products over named indices: einsum, and the products it generalises (tensordot, dot,
vdot, outer, mv, kron, cross).

``Einsum`` is one Function whose derivative is another einsum: for ``"ij,jk->ik"`` the gradient of
the first operand is ``einsum("ik,jk->ij", grad, b)``: swap the operand's subscripts with the
output's. Indices an operand sums over alone (``"ij->i"``: j) come back by broadcasting.
"""
from __future__ import annotations

import string
from typing import List

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from . import elementwise as E
from .reduction import broadcast_to
from .shape import reshape, unsqueeze
from .transformations import roll


class Einsum(Function):
    """y = einsum(spec, *xs);  dx_i = einsum(out, the other operands -> subscripts of x_i), broadcast
    over the indices only x_i has."""
    @staticmethod
    def forward(ctx, spec, *xs):
        ctx.spec = spec
        ctx.save_for_backward(*xs)
        return xs[0].xp.einsum(spec, *[x.array for x in xs])

    @staticmethod
    def backward(ctx, g):
        xs = ctx.saved_tensors
        ins, out = ctx.spec.split("->")
        subs = ins.split(",")
        grads = [None]
        for i, (x, sub) in enumerate(zip(xs, subs)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise NotImplementedError(f"einsum backward: an index repeated within one operand ({sub!r}, a "
                                          f"diagonal) is not supported")
            others = [s for j, s in enumerate(subs) if j != i]
            have = set(out).union(*others) if others else set(out)
            keep = "".join(c for c in sub if c in have)          # indices the other terms can provide
            terms = [out] + others
            operands = [g] + [xs[j] for j in range(len(xs)) if j != i]
            gi = Einsum.apply(",".join(terms) + "->" + keep, *operands)
            if keep != sub:                                      # x_i alone summed these: broadcast back
                for pos, c in enumerate(sub):
                    if c not in have:
                        gi = unsqueeze(gi, pos)
                gi = broadcast_to(gi, tuple(x.shape))
            grads.append(gi)
        return tuple(grads)


def _explicit(equation: str, operands: List[Tensor]):
    """The equation with '...' replaced by letters and the output written out; operands broadcast
    along the '...' dims, so that every index has one size."""
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    subs = ins.split(",")
    if len(subs) != len(operands):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(subs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    used = set(c for c in eq if c.isalpha())
    pool = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for s, x in zip(subs, operands):
        if "..." in s:
            n_ell = max(n_ell, x.ndim - len(s.replace("...", "")))
    ell = "".join(pool[:n_ell])
    new_subs = []
    for s, x in zip(subs, operands):
        k = len(s.replace("...", ""))
        if "..." in s:
            s = s.replace("...", ell[n_ell - (x.ndim - k):] if x.ndim - k else "")
        elif len(s) != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({x.ndim}) for operand {len(new_subs)} and no ellipsis was "
                               f"given")
        new_subs.append(s)
    if arrow:
        out = out.replace("...", ell)
    else:  # implicit: the '...' dims, then every index that appears once, in alphabetical order
        flat = "".join(new_subs)
        out = ell + "".join(sorted(c for c in set(flat) if flat.count(c) == 1 and c not in ell))
    sizes: dict = {}
    for s, x in zip(new_subs, operands):
        for c, n in zip(s, x.shape):
            if n != 1 or c not in sizes:
                if c in sizes and sizes[c] != 1 and n != 1 and sizes[c] != n:
                    raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes (original->remapped):"
                                       f" subscript {c} has size {sizes[c]} and {n}")
                sizes[c] = n if c not in sizes or sizes[c] == 1 else sizes[c]
    ops = []
    for s, x in zip(new_subs, operands):
        want = tuple(sizes[c] for c in s)
        ops.append(x if tuple(x.shape) == want else broadcast_to(x, want))
    return ",".join(new_subs) + "->" + out, ops


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the indices in ``equation``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``"ii->"`` the trace, ``"bij,bjk->bik"`` a batched matmul, ``"i,j->ij"`` the outer product."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be Tensor, not {type(t).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    dt = operands[0].dtype
    for t in operands[1:]:
        if t.dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt.name.capitalize()} but found {t.dtype.name.capitalize()}")
    spec, ops = _explicit(equation, list(operands))
    return Einsum.apply(spec, *ops)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract the last ``dims`` dims of a with the first ``dims`` of b, or the listed pairs of dims."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [_wrap_dim(d, a.ndim, "tensordot") for d in da]
    db = [_wrap_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} and "
                               f"second has size {b.shape[j]} in dim {j}")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb) if k not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def _vectors(a, b, op):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): arguments must be Tensors")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{op} : expected both vectors to have same dtype, but found {a.dtype.name.capitalize()} "
                           f"and {b.dtype.name.capitalize()}")


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """sum_i a_i b_i of two 1-D tensors."""
    _vectors(input, tensor, "dot")
    return (input * tensor).sum()


vdot = dot  # (the same for real tensors; no complex dtypes here)


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum over the last dim of both: y[i..., j...] = sum_k a[i..., k] b[j..., k]."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, ([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """y[i, j] = a[i] b[j]."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expected 1D tensors, but got {input.ndim}D and {vec2.ndim}D tensors")
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


ger = outer


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """Matrix (n, m) times vector (m,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x{input.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    return input @ vec


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: every element of a times the whole of b, laid out as blocks."""
    n = max(input.ndim, other.ndim)
    a = reshape(input, *((1,) * (n - input.ndim) + tuple(input.shape)))
    b = reshape(other, *((1,) * (n - other.ndim) + tuple(other.shape)))
    a_view = [s for d in range(n) for s in (a.shape[d], 1)]       # a's dims interleaved with 1s
    b_view = [s for d in range(n) for s in (1, b.shape[d])]
    y = reshape(a, *a_view) * reshape(b, *b_view)
    return reshape(y, *[a.shape[d] * b.shape[d] for d in range(n)])


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
    a, b = E.operands(input, other, "cross")
    shape = E.broadcast_shape(tuple(a.shape), tuple(b.shape), "cross")
    a = a if tuple(a.shape) == shape else broadcast_to(a, shape)
    b = b if tuple(b.shape) == shape else broadcast_to(b, shape)
    if dim is None:
        dims = [d for d, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError("no dimension of size 3 in input")
        dim = dims[0]
    d = _wrap_dim(dim, len(shape), "cross")
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got {a.shape[d]} and {b.shape[d]}")
    # (a x b)_k = a_{k+1} b_{k+2} - a_{k+2} b_{k+1}, indices mod 3
    return roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d)


__all__ = ["einsum", "tensordot", "dot", "vdot", "inner", "outer", "ger", "mv", "kron", "cross"]
