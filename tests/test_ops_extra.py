"""The ops added in ops/sorting.py, ops/scan.py, ops/misc.py and ops/group_norm.py, and the layers of
nn/extra.py: first and second derivatives against finite differences (float64, Hypothesis-drawn
shapes, values kept away from ties and kinks), values, gradients and second derivatives against
PyTorch for each op and option, and the errors raised for bad arguments."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import KINK_GAP, arrays, distinct, leaf, seeds, shapes


def _lib(functional):
    """The framework a ``compare_with_torch`` function runs in: tinygrad_edu or torch."""
    return tg if functional is F else pytest.importorskip("torch")


def _dim(d, shape):
    return d.draw(st.integers(-len(shape), len(shape) - 1)) if shape else d.draw(st.sampled_from([0, -1]))


# ----------------------------------------------------------------------------- derivatives (Hypothesis)
CASES = {}


def case(name):
    def register(builder):
        CASES[name] = builder
        return builder
    return register


@case("sort")
def _sort(d):
    shape = d.draw(shapes(0, 3, 1, 4))
    dim, desc = _dim(d, shape), d.draw(st.booleans())
    return (lambda x: tg.sort(x, dim, descending=desc).values), [distinct(shape, d.draw(seeds))]


@case("topk")
def _topk(d):
    shape = d.draw(shapes(1, 3, 1, 4))
    dim = _dim(d, shape)
    k, largest = d.draw(st.integers(0, shape[dim])), d.draw(st.booleans())
    return (lambda x: x.topk(k, dim, largest=largest)[0]), [distinct(shape, d.draw(seeds))]


@case("cumsum")
def _cumsum(d):
    shape = d.draw(shapes(0, 3, 1, 4))
    dim = _dim(d, shape)
    return (lambda x: x.cumsum(dim)), [arrays(shape, seed=d.draw(seeds))]


def _with_zeros(d, shape):
    """Values in [-2, 2] with some exact zeros (where cumprod's and prod's gradients need care)."""
    a = arrays(shape, seed=d.draw(seeds))
    rng = np.random.default_rng(d.draw(seeds))
    return np.where(rng.random(shape) < d.draw(st.sampled_from([0.0, 0.3])), 0.0, a)


@case("cumprod")
def _cumprod(d):
    shape = d.draw(shapes(0, 3, 1, 4))
    dim = _dim(d, shape)
    return (lambda x: tg.cumprod(x, dim)), [_with_zeros(d, shape)]


@case("prod")
def _prod(d):
    shape = d.draw(shapes(0, 3, 1, 4))
    if d.draw(st.booleans()):
        return (lambda x: x.prod()), [_with_zeros(d, shape)]
    dim, keep = _dim(d, shape), d.draw(st.booleans())
    return (lambda x: tg.prod(x, dim, keepdim=keep)), [_with_zeros(d, shape)]


@case("flip")
def _flip(d):
    shape = d.draw(shapes(1, 3, 1, 4))
    dims = d.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    return (lambda x: tg.flip(x, dims)), [arrays(shape, seed=d.draw(seeds))]


@case("roll")
def _roll(d):
    shape = d.draw(shapes(1, 3, 1, 4))
    shifts = d.draw(st.lists(st.integers(-5, 5), min_size=1, max_size=len(shape)))
    dims = list(range(len(shifts)))
    if d.draw(st.booleans()):
        return (lambda x: x.roll(shifts[0])), [arrays(shape, seed=d.draw(seeds))]
    return (lambda x: tg.roll(x, shifts, dims)), [arrays(shape, seed=d.draw(seeds))]


@case("masked_fill")
def _masked_fill(d):
    shape = d.draw(shapes(1, 3, 1, 4))
    rng = np.random.default_rng(d.draw(seeds))
    mask = tg.tensor(rng.random(shape[1:]) < 0.5)  # broadcast along the first dim
    return (lambda x, v: x.masked_fill(mask, v * v)), [arrays(shape, seed=d.draw(seeds)), np.array(0.7)]


def _away_from_integer_ratio(d, shape, b):
    """a with a / b at least 0.1 away from every integer (remainder and fmod jump there)."""
    rng = np.random.default_rng(d.draw(seeds))
    return b * (rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.9, shape))


@case("remainder")
def _remainder(d):
    shape = d.draw(shapes(0, 2, 1, 4))
    b = d.draw(st.sampled_from([0.7, -1.3]))
    bs = np.full(shape, b) * np.random.default_rng(d.draw(seeds)).uniform(0.9, 1.1, shape)
    a = _away_from_integer_ratio(d, shape, bs)
    op = d.draw(st.sampled_from([tg.remainder, tg.fmod, lambda x, y: x % y]))
    return op, [a, bs]


@case("sign_clone")
def _sign_clone(d):
    shape = d.draw(shapes(0, 2, 1, 4))
    return (lambda x: tg.sign(x) * x + tg.clone(x)), [arrays(shape, away_from=[0.0], seed=d.draw(seeds))]


@case("interpolate")
def _interpolate(d):
    mode = d.draw(st.sampled_from(["nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area"]))
    nd = {"linear": 1, "bilinear": 2, "trilinear": 3}.get(mode, d.draw(st.integers(1, 2)))
    shape = (1, d.draw(st.integers(1, 2))) + tuple(d.draw(st.integers(1, 3)) for _ in range(nd))
    kw = {"align_corners": d.draw(st.booleans())} if mode in ("linear", "bilinear", "trilinear") else {}
    if d.draw(st.booleans()):
        kw["size"] = tuple(d.draw(st.integers(1, 4)) for _ in range(nd))
    else:
        kw["scale_factor"] = d.draw(st.sampled_from([1.5, 2.0, 0.7]))
        if any(int(s * kw["scale_factor"]) == 0 for s in shape[2:]):
            kw["scale_factor"] = 2.0
    return (lambda x: F.interpolate(x, mode=mode, **kw)), [arrays(shape, seed=d.draw(seeds))]


@case("embedding")
def _embedding(d):
    n, dim = d.draw(st.integers(2, 4)), d.draw(st.integers(1, 3))
    rng = np.random.default_rng(d.draw(seeds))
    idx = tg.tensor(rng.integers(0, n, d.draw(shapes(1, 2, 1, 3))))
    # (no padding_idx here: by design its row gets no gradient although the output uses it)
    return (lambda w: F.embedding(idx, w) * w.sum()), [arrays((n, dim), seed=d.draw(seeds))]


@case("group_norm")
def _group_norm(d):
    groups = d.draw(st.integers(1, 2))
    c = groups * d.draw(st.integers(1, 2))
    spatial = d.draw(shapes(0, 2, 1, 2))
    shape = (d.draw(st.integers(1, 2)), c) + spatial
    if int(np.prod(shape[2:])) * (c // groups) < 2:  # a group of one value has no variance to divide by
        shape = (shape[0], c, 2) + shape[2:]
    rng = np.random.default_rng(d.draw(seeds))
    data = [arrays(shape, seed=d.draw(seeds)), rng.uniform(0.5, 2, c), rng.normal(size=c)]
    return (lambda x, w, b: F.group_norm(x, groups, w, b, eps=1e-3)), data


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=15, deadline=None)  # x ~40 cases with second-order checks; values vs torch run at 25
@given(d=st.data())
def test_first_and_second_derivatives(name, d):
    fn, data = CASES[name](d)
    check_derivatives(fn, *[leaf(a) for a in data], seed=d.draw(seeds))


# ----------------------------------------------------------------------------- against PyTorch
X34 = np.random.default_rng(0).permutation(np.linspace(-2, 2, 12)).reshape(3, 4)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_match_torch(dim, descending):
    compare_with_torch(lambda F, x: _lib(F).sort(x, dim=dim, descending=descending).values, X34)
    compare_with_torch(lambda F, x: x.sort(dim, descending)[0] * x, X34)
    torch = pytest.importorskip("torch")
    ours = tg.argsort(tg.tensor(X34), dim=dim, descending=descending)
    theirs = torch.argsort(torch.tensor(X34), dim=dim, descending=descending)
    assert ours.dtype is tg.int64 and ours.tolist() == theirs.tolist()
    assert tg.sort(tg.tensor(X34), dim, descending).indices.tolist() == ours.tolist()


@pytest.mark.parametrize("k", [0, 1, 3])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_matches_torch(k, largest):
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda F, x: _lib(F).topk(x, k, dim=0, largest=largest).values, X34)
    compare_with_torch(lambda F, x: x.topk(min(k, 4), largest=largest)[0], X34)
    ours, theirs = tg.topk(tg.tensor(X34), k, 0, largest), torch.topk(torch.tensor(X34), k, 0, largest)
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert ours.values.shape == tuple(theirs.values.shape)


def test_sort_ties_nan_bool_and_0d_match_torch():
    torch = pytest.importorskip("torch")
    data = [[1, 1, 0, 1, 0], [2.0, float("nan"), -1.0, 2.0, float("nan")], [True, False, True, False, True]]
    for values in data:
        for desc in (False, True):
            ours = tg.sort(tg.tensor(values), descending=desc, stable=True)
            theirs = torch.sort(torch.tensor(values), descending=desc, stable=True)
            np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
            assert ours.indices.tolist() == theirs.indices.tolist()
    v, i = tg.sort(tg.tensor(3.0))
    assert v.shape == () and v.item() == 3.0 and i.item() == 0
    v, i = tg.tensor([[1.0, 2.0]]).topk(0)
    assert v.shape == (1, 0) and i.dtype is tg.int64


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod_prod_match_torch(dim):
    x = np.random.default_rng(1).uniform(-2, 2, (3, 4))
    zeros = x.copy()
    zeros[0, 1] = zeros[2, 0] = zeros[2, 2] = zeros[1, 3] = 0.0  # one zero, two zeros in a row, ...
    for data in (x, zeros):
        compare_with_torch(lambda F, a: _lib(F).cumsum(a, dim), data)
        compare_with_torch(lambda F, a: _lib(F).cumprod(a, dim), data)
        compare_with_torch(lambda F, a: _lib(F).prod(a, dim), data)
        compare_with_torch(lambda F, a: a.prod(dim, keepdim=True), data)
        compare_with_torch(lambda F, a: _lib(F).prod(a[:2, :2]), data)


def test_scan_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    for values, dtype in (([1, 2, 3], "int32"), ([True, False, True], "bool"), ([1.5, 2.0], "float32")):
        ours, theirs = tg.tensor(values, dtype=getattr(tg, dtype)), torch.tensor(values, dtype=getattr(torch, dtype))
        for name in ("cumsum", "cumprod"):
            a, b = getattr(tg, name)(ours, 0), getattr(torch, name)(theirs, 0)
            assert a.dtype.name == str(b.dtype).split(".")[1] and a.tolist() == b.tolist()
        assert tg.prod(ours).dtype.name == str(torch.prod(theirs).dtype).split(".")[1]
        assert tg.prod(ours).item() == torch.prod(theirs).item()
    assert tg.cumsum(tg.tensor([1, 2]), 0, dtype=tg.float64).dtype is tg.float64
    assert tg.tensor(3.0).cumsum(0).item() == 3.0 and tg.tensor(3.0).prod(0).item() == 3.0
    assert tg.tensor([]).prod().item() == 1.0


@pytest.mark.parametrize("args", [((0,),), ((0, 1),), ((-1,),)], ids=str)
def test_flip_matches_torch(args):
    compare_with_torch(lambda F, x: _lib(F).flip(x, *args), X34)
    compare_with_torch(lambda F, x: x.flip(*args[0]), X34)


@pytest.mark.parametrize("shifts,dims", [(1, None), (-3, None), (2, 0), ((1, -2), (0, 1)), (5, -1)], ids=str)
def test_roll_matches_torch(shifts, dims):
    compare_with_torch(lambda F, x: _lib(F).roll(x, shifts, dims) * x, X34)


def test_masked_fill_matches_torch():
    mask = np.array([True, False, True, False])
    compare_with_torch(lambda F, x: x.masked_fill(_lib(F).tensor(mask), -1.5) * x, X34)
    compare_with_torch(lambda F, x, v: _lib(F).masked_fill(x, _lib(F).tensor(mask), v), X34, np.array(0.25))
    torch = pytest.importorskip("torch")
    ints = tg.zeros(3, dtype=tg.int64).masked_fill(tg.tensor([True, False, True]), 2.7)
    assert ints.dtype is tg.int64 and ints.tolist() == torch.zeros(3, dtype=torch.long).masked_fill(
        torch.tensor([True, False, True]), 2.7).tolist()


def test_masked_fill_in_place():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    version = y._version[0]
    assert y.masked_fill_(tg.tensor([False, True, False]), 0.0) is y
    assert y._version[0] == version + 1 and y.tolist() == [2.0, 0.0, 6.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.masked_fill_(tg.tensor([True, False, False]), 0.0)
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        tg.tensor([1.0, 2.0]).masked_fill_(tg.ones(2, 2, dtype=tg.bool), 5.0)


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_remainder_fmod_match_torch(op):
    rng = np.random.default_rng(2)
    b = rng.choice([-1, 1], (3, 4)) * rng.uniform(0.5, 2, (3, 4))
    a = b * (rng.integers(-3, 3, (3, 4)) + rng.uniform(0.1, 0.9, (3, 4)))
    compare_with_torch(lambda F, x, y: getattr(_lib(F), op)(x, y), a, b)
    compare_with_torch(lambda F, x: getattr(_lib(F), op)(x, 0.7), a)
    torch = pytest.importorskip("torch")
    ints, divisors = [7, -7, 5, -5, 0], [3, 3, -2, -2, 4]
    for name in (op, "floor_divide"):
        ours = getattr(tg, name)(tg.tensor(ints), tg.tensor(divisors))
        theirs = getattr(torch, name)(torch.tensor(ints), torch.tensor(divisors))
        assert ours.dtype is tg.int64 and ours.tolist() == theirs.tolist()


def test_mod_and_floordiv_operators_match_torch():
    torch = pytest.importorskip("torch")
    values = [5.5, -3.25, 0.0, 7.0]
    x, t = tg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    for ours, theirs in [(x % 2, t % 2), (10 % (x + 4), 10 % (t + 4)), (x % -1.5, t % -1.5),
                         (x // 2, t // 2), (7 // (x + 4), 7 // (t + 4)), (tg.floor_divide(x, -2), t // -2)]:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
        assert ours.dtype is tg.float32
    assert not (x // 2).requires_grad  # PyTorch refuses its derivative; here it is simply not recorded
    assert (tg.tensor([1.0]) % 0).isnan().all()
    assert (tg.tensor([7, -7]) // 2).tolist() == [3, -4]


def test_sign_matches_torch():
    compare_with_torch(lambda F, x: _lib(F).sign(x) * x, X34)
    y = tg.sign(tg.tensor([2.0, 0.0, -1.0], requires_grad=True))
    assert y.requires_grad and y.tolist() == [1.0, 0.0, -1.0]
    assert tg.sign(tg.tensor([True, False])).tolist() == [True, False]
    assert tg.tensor([-3, 0, 4]).sign().tolist() == [-1, 0, 1]


def test_tests_and_comparisons_as_functions():
    a, b = tg.tensor([1.0, float("nan"), float("inf"), 2.0]), tg.tensor([1.0, float("nan"), 3.0, 2.0 + 1e-9])
    assert tg.isnan(a).tolist() == [False, True, False, False]
    assert tg.isinf(a).tolist() == [False, False, True, False]
    assert tg.isfinite(a).tolist() == [True, False, False, True]
    assert tg.isclose(a, b).tolist() == [True, False, False, True]
    assert tg.isclose(a, b, equal_nan=True).tolist() == [True, True, False, True]
    assert a.isclose(b).tolist() == [True, False, False, True]
    assert not tg.allclose(a, b) and tg.allclose(a[:1], b[:1]) and tg.allclose(a[:2], b[:2], equal_nan=True)
    assert tg.equal(tg.tensor([1, 2]), tg.tensor([1, 2])) and not tg.equal(tg.tensor([1, 2]), tg.tensor([[1, 2]]))
    x, y = tg.tensor([1, 2, 3]), tg.tensor([3, 2, 1])
    for name, want in [("eq", [False, True, False]), ("ne", [True, False, True]), ("lt", [True, False, False]),
                       ("le", [True, True, False]), ("gt", [False, False, True]), ("ge", [False, True, True])]:
        assert getattr(tg, name)(x, y).tolist() == want
        assert getattr(tg, name)(x, 2).dtype is tg.bool
    with pytest.raises(RuntimeError, match="float32 did not match float64"):
        tg.allclose(tg.ones(2), tg.ones(2, dtype=tg.float64))
    c = tg.clone(x.float().requires_grad_())
    assert c.grad_fn is not None and c.tolist() == [1.0, 2.0, 3.0]


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    for values, n in (([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3)):
        ours = F.one_hot(tg.tensor(values, dtype=tg.int64), n)
        theirs = torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.long), n)
        assert ours.dtype is tg.int64 and ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()


INTERPOLATIONS = [
    ("nearest", dict(scale_factor=2)), ("nearest", dict(size=(5, 3))), ("nearest", dict(scale_factor=1.7)),
    ("nearest", dict(scale_factor=(1.3, 0.6), recompute_scale_factor=True)),
    ("nearest-exact", dict(size=(4, 7))), ("nearest-exact", dict(scale_factor=1.5)),
    ("bilinear", dict(scale_factor=2, align_corners=False)), ("bilinear", dict(scale_factor=2, align_corners=True)),
    ("bilinear", dict(size=(5, 2), align_corners=True)), ("bilinear", dict(size=(2, 7))),
    ("bilinear", dict(scale_factor=(1.3, 0.75))), ("bilinear", dict(size=(1, 1), align_corners=True)),
    ("area", dict(size=(2, 3))),
]


@pytest.mark.parametrize("mode,kw", INTERPOLATIONS, ids=lambda v: str(v))
def test_interpolate_4d_matches_torch(mode, kw):
    x = np.random.default_rng(3).normal(size=(2, 2, 3, 4))
    compare_with_torch(lambda F, a: F.interpolate(a, mode=mode, **kw), x)


@pytest.mark.parametrize("mode,shape,kw", [
    ("linear", (1, 2, 5), dict(scale_factor=1.5)), ("linear", (1, 2, 5), dict(size=3, align_corners=True)),
    ("nearest", (1, 2, 5), dict(scale_factor=1.7)), ("trilinear", (1, 1, 2, 3, 2), dict(scale_factor=2)),
    ("nearest", (1, 1, 2, 3, 2), dict(size=(3, 2, 5))),
], ids=str)
def test_interpolate_3d_5d_matches_torch(mode, shape, kw):
    x = np.random.default_rng(4).normal(size=shape)
    compare_with_torch(lambda F, a: F.interpolate(a, mode=mode, **kw), x)


def test_interpolate_float32_and_uint8():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).normal(size=(1, 3, 5, 7)).astype(np.float32)
    for mode, kw in [("bilinear", dict(scale_factor=1.45)), ("nearest", dict(scale_factor=2.1))]:
        ours = F.interpolate(tg.tensor(x), mode=mode, **kw)
        theirs = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **kw)
        assert ours.dtype is tg.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    img = tg.tensor(np.arange(6, dtype=np.uint8).reshape(1, 1, 2, 3))
    assert F.interpolate(img, scale_factor=2).dtype is tg.uint8


@pytest.mark.parametrize("pad,max_norm,freq", [(None, None, False), (1, None, False), (-1, None, True),
                                                 (None, 1.0, False), (2, 0.5, True)], ids=str)
def test_embedding_matches_torch(pad, max_norm, freq):
    w = np.random.default_rng(6).normal(size=(5, 3))
    idx = np.array([[0, 1, 4], [1, 1, 2]])
    # PyTorch's double backward of embedding ignores scale_grad_by_freq (it is not the transpose of its
    # own backward then); ours differentiates the scaled backward, so second derivatives differ there
    compare_with_torch(lambda F, weight, i: F.embedding(i, weight, padding_idx=pad, max_norm=max_norm,
                                                        scale_grad_by_freq=freq) * weight.sum(), w, idx,
                       second_order=not freq)


def test_group_norm_matches_torch():
    rng = np.random.default_rng(7)
    x, w, b = rng.normal(size=(2, 6, 3, 2)) * 2 + 1, rng.uniform(0.5, 2, 6), rng.normal(size=6)
    for groups in (1, 2, 3, 6):
        compare_with_torch(lambda F, a, weight, bias: F.group_norm(a, groups, weight, bias), x, w, b)
    compare_with_torch(lambda F, a: F.group_norm(a, 2, eps=1e-3), x[:, :, 0, 0])


# ----------------------------------------------------------------------------- layers
def test_embedding_layer():
    tg.manual_seed(0)
    emb = nn.Embedding(1000, 8, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05 and (w[3] == 0).all()
    out = emb(tg.tensor([[3, 5], [5, 999]]))
    assert out.shape == (2, 2, 8)
    out.sum().backward()
    g = emb.weight.grad.numpy()
    assert (g[3] == 0).all() and (g[5] == 2).all() and (g[999] == 1).all() and (g[0] == 0).all()
    frozen = nn.Embedding.from_pretrained(tg.ones(4, 2))
    assert not frozen.weight.requires_grad and frozen(tg.tensor([1])).tolist() == [[1.0, 1.0]]
    assert nn.Embedding.from_pretrained(tg.ones(4, 2), freeze=False).weight.requires_grad


def test_layer_reprs_match_torch():
    torch = pytest.importorskip("torch")
    pairs = [("Embedding", (10, 3), dict(padding_idx=1)), ("Embedding", (3, 2), dict(max_norm=2.0, norm_type=1.0,
                                                                                    scale_grad_by_freq=True)),
             ("GroupNorm", (2, 6), {}), ("GroupNorm", (3, 6), dict(affine=False)),
             ("Upsample", (), dict(scale_factor=2)), ("Upsample", (), dict(size=(3, 4), mode="bilinear")),
             ("UpsamplingNearest2d", (), dict(size=5)), ("UpsamplingBilinear2d", (), dict(scale_factor=2))]
    for name, args, kw in pairs:
        assert repr(getattr(nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


def test_group_norm_and_upsample_layers_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).normal(size=(2, 4, 3, 3))
    gn, tgn = nn.GroupNorm(2, 4).double(), torch.nn.GroupNorm(2, 4).double()
    with tg.no_grad():
        gn.weight.copy_(tg.tensor(np.linspace(0.5, 2, 4)))
    with torch.no_grad():
        tgn.weight.copy_(torch.tensor(np.linspace(0.5, 2, 4)))
    np.testing.assert_allclose(gn(tg.tensor(x)).detach().numpy(), tgn(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    assert sorted(n for n, _ in gn.named_parameters()) == ["bias", "weight"]
    for name, kw in [("Upsample", dict(scale_factor=2, mode="bilinear")), ("UpsamplingBilinear2d", dict(size=(4, 5))),
                     ("UpsamplingNearest2d", dict(scale_factor=3))]:
        ours, theirs = getattr(nn, name)(**kw)(tg.tensor(x)), getattr(torch.nn, name)(**kw)(torch.tensor(x))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- modes and defaults
def test_inference_mode():
    with tg.inference_mode():
        assert not tg.is_grad_enabled()
        assert not (tg.ones(2, requires_grad=True) * 2).requires_grad
    assert tg.is_grad_enabled()
    with tg.inference_mode(False):
        assert tg.is_grad_enabled()

    @tg.inference_mode()
    def called():
        return tg.is_grad_enabled()

    @tg.inference_mode
    def bare():
        return tg.is_grad_enabled()

    assert not called() and not bare() and tg.is_grad_enabled()


def test_set_default_dtype():
    assert tg.get_default_dtype() is tg.float32
    try:
        tg.set_default_dtype(tg.float64)
        assert tg.get_default_dtype() is tg.float64
        assert tg.tensor(1.5).dtype is tg.float64 and tg.zeros(2).dtype is tg.float64
        assert nn.Linear(2, 3).weight.dtype is tg.float64
        assert (tg.tensor([1, 2]) * 0.5).dtype is tg.float64
    finally:
        tg.set_default_dtype(tg.float32)
    assert tg.tensor(1.5).dtype is tg.float32
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        tg.set_default_dtype(tg.int64)
    assert tg.get_default_dtype() is tg.float32


# ----------------------------------------------------------------------------- errors
# (call, exception, message): each call is run with tinygrad_edu (tg, F, nn) and, where PyTorch words
# it the same, with PyTorch in their place; X is a 3x4 tensor of zeros
ERRORS = [
    ("tg.sort(X, dim=2)", IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    ("tg.argsort(X, dim=-3)", IndexError, "Dimension out of range"),
    ("tg.topk(X, 5)", RuntimeError, "selected index k out of range"),
    ("tg.topk(X, -1)", RuntimeError, "selected index k out of range"),
    ("X.topk(2, dim=2)", IndexError, "Dimension out of range"),
    ("tg.topk(X, 1.5)", TypeError, "'k' must be int"),
    ("tg.cumsum(X, 2)", IndexError, "Dimension out of range"),
    ("tg.cumprod(X, -3)", IndexError, "Dimension out of range"),
    ("tg.prod(X, 5)", IndexError, "Dimension out of range"),
    ("tg.flip(X, (0, 0))", RuntimeError, "dim 0 appears multiple times in the list of dims"),
    ("tg.flip(X, (2,))", IndexError, "Dimension out of range"),
    ("tg.roll(X, (1, 2), (0,))", RuntimeError, "shifts and dimensions must align. shifts: 2, dims:1"),
    ("tg.roll(X, (1, 2))", RuntimeError, "shifts and dimensions must align. shifts: 2, dims:0"),
    ("tg.roll(X, 1, 2)", IndexError, "Dimension out of range"),
    ("X.masked_fill(tg.ones(4), 1.0)", RuntimeError, "masked_fill_ only supports boolean masks"),
    ("X.masked_fill(tg.ones(5, dtype=tg.bool), 1.0)", RuntimeError, "The size of tensor a"),
    ("X.masked_fill(tg.ones(4, dtype=tg.bool), tg.ones(2))", RuntimeError, "0-dimensional value tensor"),
    ("tg.tensor([5, 3]) % 0", RuntimeError, "ZeroDivisionError"),
    ("tg.tensor([5, 3]) // tg.tensor([1, 0])", RuntimeError, "ZeroDivisionError"),
    ("tg.fmod(tg.tensor([True]), tg.tensor([True]))", NotImplementedError, "bool"),
    ("F.one_hot(tg.tensor([1.0, 2.0]))", RuntimeError, "only applicable to index tensor of type LongTensor"),
    ("F.one_hot(tg.tensor([1, 2]), 2)", RuntimeError, "Class values must be smaller than num_classes"),
    ("F.one_hot(tg.tensor([1, -2]), 3)", RuntimeError, "Class values must be non-negative"),
    ("F.one_hot(tg.tensor([], dtype=tg.int64))", RuntimeError, "Can not infer total number of classes"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), size=(5, 6), scale_factor=2)", ValueError,
     "only one of size or scale_factor should be defined"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4))", ValueError, "either size or scale_factor should be defined"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), scale_factor=2, mode='foo')", NotImplementedError,
     r"Only 3D, 4D and 5D input Tensors supported \(got 4D\) .* \(got foo\)"),
    ("F.interpolate(tg.zeros(2, 3), scale_factor=2)", NotImplementedError, r"\(got 2D\)"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), scale_factor=2, mode='linear')", NotImplementedError,
     "Got 4D input, but linear mode needs 3D input"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), scale_factor=2, mode='bicubic')", NotImplementedError,
     "'bicubic' is not implemented"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), scale_factor=2, align_corners=True)", ValueError,
     "align_corners option can only be set with the interpolating modes"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), size=(5,))", ValueError,
     "Input and output must have the same number of spatial dimensions"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), scale_factor=(2, 3, 4))", ValueError,
     "Input and scale_factor must have the same number of spatial dimensions"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), size=(0, 6))", RuntimeError,
     r"Input and output sizes should be greater than 0, but got input \(H: 3, W: 4\) output \(H: 0, W: 6\)"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), size=(2.5, 2))", TypeError, "expected size to be one of int"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4), size=4, recompute_scale_factor=True)", ValueError,
     "recompute_scale_factor is not meaningful with an explicit size"),
    ("F.interpolate(tg.zeros(1, 2, 3, 4, dtype=tg.int64), size=4, mode='bilinear')", NotImplementedError,
     "needs a floating point input"),
    ("F.embedding(tg.tensor([1.0, 2.0]), tg.zeros(5, 3))", RuntimeError,
     "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int"),
    ("F.embedding(tg.tensor([1, 7]), tg.zeros(5, 3))", IndexError, "index out of range in self"),
    ("F.embedding(tg.tensor([1, 2]), tg.zeros(5))", RuntimeError, "'weight' must be 2-D"),
    ("F.embedding(tg.tensor([1, 2]), tg.zeros(5, 3), padding_idx=5)", AssertionError,
     "Padding_idx must be within num_embeddings"),
    ("nn.Embedding(5, 3, padding_idx=-6)", AssertionError, "Padding_idx must be within num_embeddings"),
    ("F.group_norm(tg.zeros(2, 6, 4), 4)", RuntimeError,
     r"Expected number of channels in input to be divisible by num_groups, but got input of shape \[2, 6, 4\] "
     r"and num_groups=4"),
    ("F.group_norm(tg.zeros(6), 3)", RuntimeError, "Expected at least 2 dimensions for input tensor"),
    ("F.group_norm(tg.zeros(2, 6), 3, tg.ones(5))", RuntimeError,
     "Expected weight to be a vector of size equal to the number of channels in input"),
    ("nn.GroupNorm(4, 6)", ValueError, r"num_channels \(6\) must be divisible by num_groups \(4\)"),
]


# messages only tinygrad_edu gives (PyTorch implements these cases, or words them otherwise)
OURS_ONLY = ("'k' must be int", "bool", "'bicubic' is not implemented", "needs a floating point input")


def _run(code: str, lib: str):
    if lib == "tinygrad_edu":
        env = {"tg": tg, "F": F, "nn": nn}
    else:
        torch = pytest.importorskip("torch")
        env = {"tg": torch, "F": torch.nn.functional, "nn": torch.nn}
    env["X"] = env["tg"].zeros(3, 4)
    return eval(code, env)


@pytest.mark.parametrize("code,exc,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_pytorchs_errors(code, exc, message):
    with pytest.raises(exc, match=message):
        _run(code, "tinygrad_edu")


SHARED = [e for e in ERRORS if e[2] not in OURS_ONLY]


@pytest.mark.parametrize("code,exc,message", SHARED, ids=[e[0] for e in SHARED])
def test_pytorch_raises_the_same_errors(code, exc, message):
    """The same calls made with PyTorch raise the same exception with the same message."""
    with pytest.raises(exc, match=message):
        _run(code, "torch")


# ----------------------------------------------------------------------------- one implementation per method
@pytest.mark.parametrize("method", ["allclose", "isclose", "equal", "isnan", "isinf", "isfinite", "sign"])
def test_tensor_method_is_the_function(method):
    """``x.allclose(y)`` and ``tinygrad_edu.allclose(x, y)`` are the same code, so they cannot disagree."""
    assert getattr(tg.Tensor, method) is getattr(tg, method)


@pytest.mark.parametrize("call", [lambda a, b: a.allclose(b), lambda a, b: tg.allclose(a, b),
                                  lambda a, b: a.isclose(b), lambda a, b: tg.isclose(a, b)])
def test_allclose_refuses_mixed_dtypes_as_pytorch(call):
    """PyTorch 2.13: float32 against float64 raises RuntimeError ("Float did not match Double"),
    from the method and the function alike."""
    a, b = tg.ones(3), tg.ones(3, dtype=tg.float64)
    with pytest.raises(RuntimeError, match="float32 did not match float64"):
        call(a, b)


def test_allclose_and_equal_agree_with_torch():
    torch = pytest.importorskip("torch")
    a, b = np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 2.0 + 1e-6, 3.0], np.float32)
    far = np.array([1.0, 2.1, 3.0], np.float32)
    for x, y in [(a, b), (a, far), (a, a[None].repeat(2, 0))]:
        assert tg.tensor(x).allclose(tg.tensor(y)) == torch.tensor(x).allclose(torch.tensor(y))
        assert tg.tensor(x).equal(tg.tensor(y)) == torch.tensor(x).equal(torch.tensor(y))
    # equal compares values across dtypes (no promotion error), as in PyTorch
    assert tg.ones(3).equal(tg.ones(3, dtype=tg.float64)) is torch.ones(3).equal(torch.ones(3, dtype=torch.float64))
    with pytest.raises(TypeError, match="allclose"):
        tg.allclose(tg.ones(3), 3)
