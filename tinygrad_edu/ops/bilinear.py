"""Bilinear maps, embedding bags and alpha dropout.

bilinear: y_k = x1^T W_k x2 + b_k, one matrix W_k (in1 x in2) per output feature k; done as one
matrix product (x1 against every W_k at once) and a dot product with x2.

embedding_bag: look up a bag of rows of an embedding table and reduce them (sum, mean or max):
the bag-of-words model in one op.

alpha_dropout: dropout for SELU networks; dropped units are set to SELU's negative saturation value
and an affine correction keeps mean 0 and variance 1.
"""
from __future__ import annotations

import math
from typing import Optional

from .. import backend
from ..tensor import Tensor
from .dropout import _check_input, _check_p
from .linalg import matmul
from .more_activations import SELU_ALPHA, SELU_SCALE
from .shape import ScatterAdd, reshape, stack, unsqueeze


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """y[..., k] = sum_ij x1[..., i] W[k, i, j] x2[..., j] + b[k]."""
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got {weight.ndim}D")
    out, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input1 {list(input1.shape)} and input2 {list(input2.shape)} do not match "
                           f"weight of shape {list(weight.shape)} (out, in1, in2)")
    t = matmul(input1, reshape(weight.permute(1, 0, 2), in1, out * in2))       # (..., out * in2)
    y = (reshape(t, *input1.shape[:-1], out, in2) * unsqueeze(input2, -2)).sum(-1)
    return y if bias is None else y + bias


def embedding_bag(input: Tensor, weight: Tensor, offsets: Optional[Tensor] = None, max_norm=None,  # noqa: A002
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Optional[Tensor] = None,
                  include_last_offset: bool = False, padding_idx: Optional[int] = None) -> Tensor:
    """Rows of ``weight`` looked up and reduced per bag. A 2-D ``input`` (B, N) is B bags of N indices;
    a 1-D ``input`` is cut into bags at ``offsets``. ``per_sample_weights`` scale each row (sum only)."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max (got {mode!r})")
    if not isinstance(input, Tensor) or input.dtype.kind != 1:
        raise TypeError("embedding_bag(): input must be an integer (long) Tensor")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  f"on GitHub.")
    xp = input.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        b, n = input.shape
        starts = xp.arange(b) * n
        flat = reshape(input, -1)
        psw = None if per_sample_weights is None else reshape(per_sample_weights, -1)
    elif input.ndim == 1:
        if offsets is None or offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor but got None" if offsets is None else
                             f"offsets has to be a 1D Tensor, but got Tensor of dimension {offsets.ndim}")
        starts = offsets.array[:-1] if include_last_offset else offsets.array
        flat, psw = input, per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    length = flat.shape[0]
    bags = len(starts)
    ids = flat.array
    keep = xp.ones(length, dtype=bool) if padding_idx is None else ids != padding_idx % weight.shape[0]
    bag_of = xp.searchsorted(xp.asarray(starts), xp.arange(length), side="right") - 1  # which bag each index is in
    rows = weight[Tensor._make(ids)]                                                   # (L, D)
    if psw is not None:
        rows = rows * unsqueeze(psw, 1)
    rows = rows * Tensor._make(keep[:, None].astype(rows.array.dtype))
    d = weight.shape[1]
    if mode == "max":
        out = []
        for k in range(bags):
            members = xp.nonzero((bag_of == k) & keep)[0]
            out.append(rows[Tensor._make(members)].amax(0) if len(members) else
                       Tensor._make(xp.zeros(d, dtype=rows.array.dtype)))
        return stack(out) if out else Tensor._make(xp.zeros((0, d), dtype=rows.array.dtype))
    full = xp.ascontiguousarray(xp.broadcast_to(bag_of[:, None], (length, d)))
    total = ScatterAdd.apply(rows, 0, full, (bags, d))
    if mode == "sum":
        return total
    counts = xp.zeros(bags, dtype=rows.array.dtype)
    xp.add.at(counts, bag_of[keep], 1)
    return total / Tensor._make(xp.maximum(counts, 1)[:, None])


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:  # noqa: A002
    """Dropped units become alpha' = -SELU_SCALE * SELU_ALPHA; then y = a * x' + b with
    a = ((1 - p)(1 + p alpha'^2))^(-1/2) and b = -a alpha' p, so mean 0 and variance 1 survive."""
    _check_input(input, "alpha_dropout")
    _check_p(p, "alpha_dropout")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    alpha = -SELU_SCALE * SELU_ALPHA
    a = 1.0 / math.sqrt((1 - p) * (1 + p * alpha * alpha))
    b = -a * alpha * p
    keep = backend.default_generator.rng(input.xp).random(size=input.array.shape) >= p
    kept = Tensor._make(keep.astype(input.array.dtype))
    return (input * kept + alpha * (1 - kept)) * a + b
