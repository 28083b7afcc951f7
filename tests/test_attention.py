"""Scaled dot-product attention, MultiheadAttention and the Transformer encoder.

Differential tests against PyTorch 2.13 in float64 (weights copied through the state_dict, dropout
0): outputs, attention weights, input gradients and every parameter gradient to 1e-10. Finite
differences (gradcheck / gradgradcheck) on small shapes, a hand-computed attention, and PyTorch's
errors for bad input.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from test_rnn import MAX_ERRORS, TOL, _data, _np, compare

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------------------- F.scaled_dot_product_attention
def test_sdpa_by_hand():
    """One query, two keys: scores q.k / sqrt(2) = (1/sqrt 2, 0), weights their softmax."""
    q = tg.tensor([[1.0, 0.0]], dtype=tg.float64)
    k = tg.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=tg.float64)
    v = tg.tensor([[10.0], [20.0]], dtype=tg.float64)
    w = math.exp(1 / math.sqrt(2)) / (math.exp(1 / math.sqrt(2)) + 1)
    assert abs(F.scaled_dot_product_attention(q, k, v).item() - (10 * w + 20 * (1 - w))) < 1e-12
    # a bool mask says which keys may be used: only the second one here
    assert F.scaled_dot_product_attention(q, k, v, attn_mask=tg.tensor([[False, True]])).item() == 20.0


SDPA_CASES = [
    dict(),
    dict(is_causal=True),
    dict(scale=0.3),
    dict(attn_mask="bool"),
    dict(attn_mask="float"),
]


@pytest.mark.parametrize("kw", SDPA_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "plain")
def test_sdpa_matches_torch(kw):
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 4, 6))
    mask = {"bool": rng.random((4, 4)) > 0.3, "float": rng.standard_normal((2, 1, 4, 4))}
    mask["bool"][:, 0] = True           # every query keeps at least one key
    kind = kw.get("attn_mask")

    def run(lib):
        ts = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        extra = dict(kw, attn_mask=lib.tensor(mask[kind])) if kind else kw
        out = lib.nn.functional.scaled_dot_product_attention(*ts, **extra)
        (out * lib.tensor(rng_g)).sum().backward()
        return [_np(out)] + [_np(t.grad) for t in ts]
    rng_g = np.random.default_rng(1).standard_normal((2, 3, 4, 6))
    worst = 0.0
    for a, b in zip(run(tg), run(torch)):
        np.testing.assert_allclose(a, b, **TOL)
        worst = max(worst, float(np.abs(a - b).max()))
    MAX_ERRORS[f"sdpa {kw}"] = worst


def test_sdpa_dropout():
    """dropout_p zeroes attention weights and rescales the rest: each output row is a mix of
    values with weights that no longer sum to 1, and p=1 gives zeros."""
    tg.manual_seed(0)
    q = k = tg.randn(1, 8, 4, dtype=tg.float64)
    v = tg.ones(1, 8, 3, dtype=tg.float64)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert not np.allclose(_np(out), 1.0)
    assert np.all(_np(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)) == 0)


def test_sdpa_gradcheck():
    rng = np.random.default_rng(2)
    q, k, v = (tg.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3, 2), (2, 4, 2), (2, 4, 3)))
    mask = tg.tensor(rng.standard_normal((3, 4)))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # noqa: E731
    assert gradcheck(fn, [q, k, v], atol=1e-7)
    assert gradgradcheck(fn, [q, k, v], atol=1e-6)
    causal = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    assert gradcheck(causal, [q, k, v], atol=1e-7)


def test_sdpa_errors():
    q = tg.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=tg.ones(3, 3).bool(), is_causal=True)
    with pytest.raises(RuntimeError, match="same last dimension"):
        F.scaled_dot_product_attention(q, tg.zeros(2, 3, 5), q)


# ----------------------------------------------------------------------------- MultiheadAttention
def _masks(lib, kind, n=2, heads=2, L=4, S=5):
    rng = np.random.default_rng(3)
    if kind == "key_padding_bool":
        pad = np.zeros((n, S), bool)
        pad[0, -2:] = True
        return dict(key_padding_mask=lib.tensor(pad))
    if kind == "key_padding_float":
        return dict(key_padding_mask=lib.tensor(rng.standard_normal((n, S))))
    if kind == "attn_bool":
        m = rng.random((L, S)) > 0.6
        m[:, 0] = False
        return dict(attn_mask=lib.tensor(m))
    if kind == "attn_float_3d":
        return dict(attn_mask=lib.tensor(rng.standard_normal((n * heads, L, S))))
    if kind == "both":
        pad = np.zeros((n, S), bool)
        pad[1, -1] = True
        m = np.triu(np.ones((L, S), bool), 1)
        return dict(key_padding_mask=lib.tensor(pad), attn_mask=lib.tensor(m))
    return {}


MHA_CASES = [
    (dict(), "none", dict()),
    (dict(batch_first=True), "key_padding_bool", dict()),
    (dict(), "key_padding_float", dict(average_attn_weights=False)),
    (dict(batch_first=True), "attn_bool", dict()),
    (dict(), "attn_float_3d", dict()),
    (dict(batch_first=True), "both", dict(need_weights=False)),
    (dict(bias=False, kdim=3, vdim=6), "none", dict()),
    (dict(add_bias_kv=True, add_zero_attn=True), "key_padding_bool", dict()),
]


@pytest.mark.parametrize("kw,mask,call", MHA_CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in MHA_CASES])
def test_multihead_attention_matches_torch(kw, mask, call):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, **kw)
    ours = nn.MultiheadAttention(8, 2, **kw)
    L, S, n = 4, 5, 2
    lead_q, lead_k = ((n, L), (n, S)) if kw.get("batch_first") else ((L, n), (S, n))

    def inputs(lib):
        q = lib.tensor(_data(lead_q + (8,), 1))
        k = lib.tensor(_data(lead_k + (kw.get("kdim", 8),), 2))
        v = lib.tensor(_data(lead_k + (kw.get("vdim", 8),), 3))
        return q, k, v

    class Call(torch.nn.Module):        # the masks and options ride along with the module
        def __init__(self, inner, lib):
            super().__init__()
            self.inner, self.lib = inner, lib

        def forward(self, *qkv):
            return self.inner(*qkv, **_masks(self.lib, mask), **call)

    class OurCall(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *qkv):
            return self.inner(*qkv, **_masks(tg, mask), **call)

    compare(Call(theirs, torch), OurCall(ours), inputs, f"MHA {kw} {mask} {call}")


def test_multihead_attention_unbatched_and_self_attention():
    torch.manual_seed(1)
    theirs, ours = torch.nn.MultiheadAttention(6, 3), nn.MultiheadAttention(6, 3)
    compare(theirs, ours, lambda lib: (lambda x: (x, x, x))(lib.tensor(_data((4, 6)))), "MHA unbatched")


def test_multihead_attention_names_and_init():
    ours, theirs = nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert np.all(_np(ours.in_proj_bias) == 0) and np.all(_np(ours.out_proj.bias) == 0)
    bound = math.sqrt(6 / (8 + 24))                       # Xavier-uniform for a (24, 8) matrix
    w = _np(ours.in_proj_weight)
    assert np.abs(w).max() <= bound and w.std() > bound / 3


def test_multihead_attention_gradcheck():
    tg.manual_seed(0)
    m = nn.MultiheadAttention(4, 2).double()
    x = tg.tensor(_data((3, 2, 4)), requires_grad=True)
    pad = tg.tensor([[False, False, True], [False, False, False]])
    fn = lambda x, *params: m(x, x, x, key_padding_mask=pad)  # noqa: E731
    assert gradcheck(fn, [x] + list(m.parameters()), atol=1e-7)
    assert gradgradcheck(lambda x: m(x, x, x)[0], [x], atol=1e-6)


def test_multihead_attention_errors():
    def both(call):
        with pytest.raises(Exception) as theirs:
            call(torch)
        with pytest.raises(type(theirs.value)) as ours:
            call(tg)
        return str(ours.value), str(theirs.value).replace("torch.Size", "tinygrad_edu.Size")

    both(lambda lib: lib.nn.MultiheadAttention(6, 4))                                  # 6 not divisible by 4
    ours, theirs = both(lambda lib: lib.nn.MultiheadAttention(8, 2)(*(lib.zeros(4, 2, 8),) * 2, lib.zeros(3, 2, 8)))
    ours, theirs = both(lambda lib: lib.nn.MultiheadAttention(8, 2)(*(lib.zeros(4, 2, 8),) * 3,
                                                                    attn_mask=lib.zeros(3, 4)))
    assert ours == theirs
    ours, theirs = both(lambda lib: lib.nn.MultiheadAttention(8, 2)(*(lib.zeros(4, 2, 8),) * 3, is_causal=True))
    assert ours == theirs


# ----------------------------------------------------------------------------- Transformer encoder
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation,batch_first", [("relu", False), ("gelu", True)])
def test_encoder_layer_matches_torch(norm_first, activation, batch_first):
    torch.manual_seed(2)
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, batch_first=batch_first, norm_first=norm_first)
    theirs, ours = torch.nn.TransformerEncoderLayer(8, 2, **kw), nn.TransformerEncoderLayer(8, 2, **kw)
    shape = (2, 5, 8) if batch_first else (5, 2, 8)
    pad = np.zeros((2, 5), bool)
    pad[1, 3:] = True

    def inputs(lib):
        return lib.tensor(_data(shape)), None, lib.tensor(pad)
    theirs.eval()   # PyTorch's eval fast path is only taken under no_grad; with grad it runs the same math
    compare(theirs, ours, inputs, f"TransformerEncoderLayer norm_first={norm_first} {activation}")


def test_encoder_stack_matches_torch():
    torch.manual_seed(3)
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, activation=torch.nn.functional.gelu)
    layer_o = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0, activation=F.gelu)
    theirs = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(layer_o, 2, norm=nn.LayerNorm(8))
    mask = np.triu(np.full((4, 4), -np.inf), 1)
    compare(theirs, ours, lambda lib: (lib.tensor(_data((4, 3, 8))), lib.tensor(mask)), "TransformerEncoder x2",
            n_grad=1)


def test_encoder_layer_gradcheck_and_errors():
    tg.manual_seed(4)
    m = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    x = tg.tensor(_data((3, 1, 4)), requires_grad=True)
    assert gradcheck(lambda x, *ps: m(x), [x] + list(m.parameters()), atol=1e-7)
    assert gradgradcheck(lambda x: m(x), [x], atol=1e-6)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    layer = nn.TransformerEncoderLayer(4, 2, 6)
    stack = nn.TransformerEncoder(layer, 3)
    assert len(stack.layers) == 3 and stack.layers[0].linear1.weight is not stack.layers[1].linear1.weight
    assert {n for n, _ in stack.named_parameters()} == \
           {n for n, _ in torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 6), 3,
                                                      enable_nested_tensor=False).named_parameters()}


def test_encoder_dropout_only_in_training():
    tg.manual_seed(5)
    m = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = tg.randn(3, 2, 8)
    assert not np.allclose(_np(m(x)), _np(m(x)))
    m.eval()
    np.testing.assert_array_equal(_np(m(x)), _np(m(x)))


def test_report_max_errors():
    for name, err in sorted(MAX_ERRORS.items()):
        print(f"{name:<80} {err:.2e}")
    assert all(err < 1e-10 for err in MAX_ERRORS.values())
