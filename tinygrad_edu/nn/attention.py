"""``MultiheadAttention``: several scaled dot-product attentions side by side.

The query, key and value are projected (one (3E, E) matrix ``in_proj_weight`` holds the three
projections, in that order), split into ``num_heads`` heads of E / num_heads features, each head
attends on its own (``F.scaled_dot_product_attention``'s math), and ``out_proj`` mixes the heads'
answers back together. Each head can learn a different thing to look for.

Built from linear, reshape, softmax and matmul: autograd differentiates it, no backward here.
"""
from __future__ import annotations

from typing import Optional, Tuple

from .. import creation
from ..ops.attention import additive_mask, attention_weights
from ..ops.shape import cat
from ..tensor import Tensor
from . import functional as F
from . import init
from ._validate import positive_int, probability
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads over ``embed_dim`` features (PyTorch's parameter names).

    Inputs are (L, N, E) (or (N, L, E) with ``batch_first``, or unbatched (L, E)). Returns
    ``(attn_output, attn_weights)``: the weights are averaged over the heads, (N, L, S), unless
    ``average_attn_weights=False`` (then (N, heads, L, S)), and ``None`` if ``need_weights=False``.
    Masks: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N*heads, L, S); a bool mask
    marks with True what may NOT be attended to, a float mask is added to the scores."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: Optional[int] = None,
                 vdim: Optional[int] = None, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        positive_int(embed_dim, "embed_dim", "MultiheadAttention")
        positive_int(num_heads, "num_heads", "MultiheadAttention")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout = probability(dropout, "MultiheadAttention")
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        kw = dict(device=device, dtype=dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(creation.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(creation.empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(creation.empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(creation.empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's default: Xavier-uniform projections, zero biases (``out_proj.weight`` keeps
        Linear's init), Xavier-normal ``bias_k``/``bias_v``."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    # ---- checks, before any work
    def _check(self, query, key, value, key_padding_mask, attn_mask, batched: bool) -> None:
        for name, t, width in (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(t).__name__}")
            if t.ndim != query.ndim:
                raise AssertionError(f"query, key and value must have the same number of dimensions, got query "
                                     f"{query.ndim}-D and {name} {t.ndim}-D")
            if t.shape[-1] != width:
                raise AssertionError(f"was expecting {name} of {width} features (embedding dimension), but got "
                                     f"shape {list(t.shape)}")
        if query.ndim not in (2, 3):
            raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D "
                                 "query tensor")
        if key.shape[:-1] != value.shape[:-1]:
            raise AssertionError(f"key shape {list(key.shape)} does not match value shape {list(value.shape)}")
        b_dim = (0 if self.batch_first else 1) if batched else None
        s_dim = (1 if self.batch_first else 0) if batched else 0
        batch = key.shape[b_dim] if batched else 1
        length, source = query.shape[s_dim], key.shape[s_dim]
        if batched and query.shape[b_dim] != batch:
            raise AssertionError(f"query batch size {query.shape[b_dim]} does not match key batch size {batch}")
        if key_padding_mask is not None:
            want = (batch, source) if batched else (source,)
            if tuple(key_padding_mask.shape) != want:
                raise AssertionError(f"expecting key_padding_mask shape of {want}, but got "
                                     f"{tuple(key_padding_mask.shape)}")
        if attn_mask is not None:
            if attn_mask.ndim == 2 and tuple(attn_mask.shape) != (length, source):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(length, source)}.")
            heads = batch * self.num_heads
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != (heads, length, source):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(heads, length, source)}.")
            if attn_mask.ndim not in (2, 3):
                raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    def _projections(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Optional[Tensor] = None,
                need_weights: bool = True, attn_mask: Optional[Tensor] = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
        batched = isinstance(query, Tensor) and query.ndim == 3
        self._check(query, key, value, key_padding_mask, attn_mask, batched)
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        if not batched:                    # a batch of one, time-major
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        L, N, E = query.shape
        H, D = self.num_heads, self.head_dim
        q, k, v = self._projections(query, key, value)            # (L, N, E), (S, N, E), (S, N, E)

        mask = None if attn_mask is None else additive_mask(attn_mask, q.dtype, allowed_when_true=False)
        if self.bias_k is not None:        # one learned extra key/value that every query may use
            k = cat([k, self.bias_k.expand(1, N, E)])
            v = cat([v, self.bias_v.expand(1, N, E)])
            mask, key_padding_mask = _pad_last(mask), _pad_last(key_padding_mask)
        # heads: (S, N, E) -> (N, H, S, D)
        q, k, v = (t.reshape(t.shape[0], N, H, D).permute(1, 2, 0, 3) for t in (q, k, v))
        if self.add_zero_attn:             # and an all-zero key/value
            zeros = creation.zeros(N, H, 1, D, dtype=q.dtype, device=q.device)
            k, v = cat([k, zeros], 2), cat([v, zeros], 2)
            mask, key_padding_mask = _pad_last(mask), _pad_last(key_padding_mask)
        S = k.shape[2]
        if mask is not None:
            mask = mask.reshape(N, H, L, S) if mask.ndim == 3 else mask
        if key_padding_mask is not None:
            pad = additive_mask(key_padding_mask, q.dtype, allowed_when_true=False).reshape(N, 1, 1, S)
            mask = pad if mask is None else mask + pad
        weights = attention_weights(q, k, mask, scale=None, mask_true_allows=False)    # (N, H, L, S)
        if self.dropout > 0.0 and self.training:
            weights = F.dropout(weights, self.dropout, True)
        out = (weights @ v).permute(2, 0, 1, 3).reshape(L, N, E)                      # heads side by side
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights if batched else weights.squeeze(0))

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


def _pad_last(mask: Optional[Tensor]) -> Optional[Tensor]:
    """One more column that allows attention (0 for float masks, False for bool masks)."""
    if mask is None:
        return None
    column = creation.zeros(*mask.shape[:-1], 1, dtype=mask.dtype, device=mask.device)
    return cat([mask, column], -1)

