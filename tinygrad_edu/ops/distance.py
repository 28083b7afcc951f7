"""Lengths, directions and distances: normalize, cosine_similarity, pairwise_distance, cdist, dist.

All are compositions of differentiable ops. Where a norm can be 0 (the gradient of |v| is v/|v|),
PyTorch clamps the norm from below by ``eps``; we do the same, so the gradient stays finite.
"""
from __future__ import annotations

from ..tensor import Tensor, _wrap_dim
from .checks import tensor_arg
from . import elementwise as E
from . import reduction as R
from .shape import reshape, unsqueeze


def _pnorm(d: Tensor, p: float, dim, keepdim: bool = False) -> Tensor:
    """The p-norm of ``d`` along ``dim`` (p = inf: the largest |d|; p = 0: the count of non-zeros)."""
    if p == float("inf"):
        return R.amax(E.abs(d), dim, keepdim)
    if p == 0:
        return R.sum((d != 0).to(d.dtype), dim, keepdim)
    if p == 1:
        return R.sum(E.abs(d), dim, keepdim)
    s = R.sum(d * d, dim, keepdim) if p == 2 else R.sum(E.abs(d) ** p, dim, keepdim)
    # the root's slope is infinite at 0: where the norm is 0, PyTorch's gradient is 0 (a subgradient)
    zero = s == 0
    safe = E.where(zero, 1.0, s)
    return E.where(zero, 0.0, E.sqrt(safe) if p == 2 else safe ** (1.0 / p))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:  # noqa: A002
    """v / max(||v||_p, eps) along ``dim``: unit vectors (a zero vector stays zero)."""
    x = tensor_arg(input, "normalize")
    d = _wrap_dim(dim, x.ndim, "normalize")
    return x / E.clamp(_pnorm(x, p, d, keepdim=True), min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast)."""
    a, b = E.operands(tensor_arg(x1, "cosine_similarity", "x1"),
                      tensor_arg(x2, "cosine_similarity", "x2", 2), "cosine_similarity")
    shape = E.broadcast_shape(tuple(a.shape), tuple(b.shape), "cosine_similarity")
    a = a if tuple(a.shape) == shape else R.broadcast_to(a, shape)  # norms of the broadcast vectors
    b = b if tuple(b.shape) == shape else R.broadcast_to(b, shape)
    d = _wrap_dim(dim, len(shape), "cosine_similarity")
    na = E.clamp(_pnorm(a, 2, d, keepdim=False), min=eps)
    nb = E.clamp(_pnorm(b, 2, d, keepdim=False), min=eps)
    return R.sum(a * b, d) / (na * nb)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dim (the eps keeps the gradient finite when x1 == x2)."""
    a, b = E.operands(tensor_arg(x1, "pairwise_distance", "x1"),
                      tensor_arg(x2, "pairwise_distance", "x2", 2), "pairwise_distance")
    diff = a - b + eps
    return _pnorm(diff, p, -1, keepdim)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Every distance ||x1[i] - x2[j]||_p between the rows of (B?, P, M) and (B?, R, M): (B?, P, R)."""
    a, b = tensor_arg(x1, "cdist", "x1"), tensor_arg(x2, "cdist", "x2", 2)
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got {p})")
    return _pnorm(unsqueeze(a, -2) - unsqueeze(b, -3), p, -1)          # (..., P, R, M) -> (..., P, R)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """||input - other||_p over all elements (broadcast first)."""
    diff = tensor_arg(input, "dist") - tensor_arg(other, "dist", "other", 2)
    return _pnorm(reshape(diff, -1), p, 0)
