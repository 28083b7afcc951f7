"""Scaled dot-product attention, the core of every Transformer:

    attention(Q, K, V) = softmax(Q K^T * scale + mask) V,   scale = 1/sqrt(E) by default.

Each of the L queries (rows of Q) compares itself with the S keys (rows of K); the softmax turns
the scores into weights that sum to 1 over the keys, and the answer is that weighted average of
the values. The 1/sqrt(E) keeps the scores' spread independent of the width E (the dot product
of two random E-vectors has variance E), so the softmax does not saturate.

Built from matmul, softmax, where and dropout: autograd differentiates it, no backward here.
"""
from __future__ import annotations

import math
from typing import Optional

from .. import backend, creation
from ..tensor import Tensor
from .checks import tensor_arg
from .activation import softmax
from .dropout import dropout
from .elementwise import add, mul, where
from .linalg import matmul


def causal_mask(L: int, S: int, device=None) -> Tensor:
    """(L, S) bool: query i may look at keys 0..i (True = take part), PyTorch's ``is_causal``."""
    rows = creation.arange(L, device=device).reshape(L, 1)
    cols = creation.arange(S, device=device).reshape(1, S)
    return cols <= rows


def additive_mask(mask: Tensor, dtype, allowed_when_true: bool) -> Tensor:
    """A float mask to add to the scores: 0 where attention is allowed, -inf where not. A float
    mask is already additive; a bool mask says True = allowed (SDPA) or True = blocked (nn modules)."""
    if mask.dtype is not backend.bool_:
        return mask.to(dtype)
    blocked = mask if not allowed_when_true else ~mask
    zeros = creation.zeros(mask.shape, dtype=dtype, device=mask.device)
    return where(blocked, creation.full((), -math.inf, dtype=dtype, device=mask.device), zeros)


def _check(query, key, value, attn_mask, is_causal, dropout_p) -> None:
    op = "scaled_dot_product_attention"
    for position, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        tensor_arg(t, op, name, position)
        if t.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dimensions (..., length, features), but got "
                               f"shape {list(t.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{op}: query and key must have the same last dimension, but got query "
                           f"{list(query.shape)} and key {list(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: key and value must have the same length (dim -2), but got key "
                           f"{list(key.shape)} and value {list(value.shape)}")
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype.name} key.dtype: {key.dtype.name} and value.dtype: {value.dtype.name} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def attention_weights(query: Tensor, key: Tensor, attn_mask: Optional[Tensor] = None, is_causal: bool = False,
                      scale: Optional[float] = None, mask_true_allows: bool = True) -> Tensor:
    """softmax(Q K^T * scale + mask) over the keys: shape (..., L, S), rows summing to 1."""
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(mul(query, scale), key.transpose(-2, -1))
    if is_causal:
        attn_mask, mask_true_allows = causal_mask(query.shape[-2], key.shape[-2], query.device), True
    if attn_mask is not None:
        scores = add(scores, additive_mask(attn_mask, scores.dtype, mask_true_allows))
    return softmax(scores, -1)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Optional[Tensor] = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: Optional[float] = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + mask) V for query (..., L, E), key (..., S, E), value (..., S, Ev).

    ``attn_mask`` broadcasts to (..., L, S): bool (True = may attend) or float (added to the
    scores). ``is_causal`` lets query i see keys 0..i only. ``dropout_p`` drops attention weights
    (always, as in PyTorch: pass 0.0 when evaluating)."""
    _check(query, key, value, attn_mask, is_causal, dropout_p)
    weights = attention_weights(query, key, attn_mask, is_causal, scale)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return matmul(weights, value)
