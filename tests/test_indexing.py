"""ops/indexing.py and ops/construction.py: scatter/scatter_add (and in-place forms), index_select,
index_add, index_fill, masked_select, nonzero/argwhere, take, narrow; tril/triu, diag/diagonal,
diag_embed, meshgrid, broadcast_tensors, tile, repeat_interleave, h/v/dstack, unbind, movedim, logspace;
Tensor.new_* and stride. Values, dtypes, gradients and second derivatives against PyTorch, first and
second derivatives against finite differences, and the errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds  # noqa: F401

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
IDX = np.array([[0, 2, 1, 0], [2, 1, 0, 1]])  # repeats along dim 0
PERM = np.array([[1, 0, 2, 3], [0, 3, 2, 1]])   # no repeats along dim 1 (well-defined scatter)


def _lib(functional):
    return tg if functional is F else torch


def _i(functional, a):
    return _lib(functional).tensor(a)


# ----------------------------------------------------------------------------- against PyTorch
def test_scatter_family_matches_torch():
    src = RNG.standard_normal((2, 4))
    compare_with_torch(lambda F, x, s: _lib(F).scatter(x, 1, _i(F, PERM), s), X[:2], src)
    # src larger than index: only its leading part is used (PyTorch's own backward fails here: values only)
    x, s = tg.tensor(X[:2]), leaf(src)
    out = x.scatter(1, tg.tensor(PERM[:, :2]), s)
    np.testing.assert_allclose(out.detach().numpy(), torch.tensor(X[:2]).scatter(1, torch.tensor(PERM[:, :2]),
                                                                            torch.tensor(src)).numpy())
    (out * tg.tensor(X[:2])).sum().backward()
    want = np.zeros_like(src)
    want[:, :2] = np.take_along_axis(X[:2], PERM[:, :2], 1)
    np.testing.assert_allclose(s.grad.numpy(), want)
    compare_with_torch(lambda F, x, s: _lib(F).scatter_add(x, 0, _i(F, IDX), s), X, src)
    compare_with_torch(lambda F, x: x.scatter(0, _i(F, IDX[:1]), 2.5), X)
    for reduce in ("add", "multiply"):  # PyTorch has no gradient for these: values only
        ours = tg.tensor(X).scatter(0, tg.tensor(IDX), tg.tensor(src), reduce=reduce)
        with warnings.catch_warnings():  # PyTorch warns once that this API is deprecated
            warnings.simplefilter("ignore")
            theirs = torch.tensor(X).scatter(0, torch.tensor(IDX), torch.tensor(src), reduce=reduce)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    ours = tg.zeros(3, 4, dtype=tg.float64).scatter_(0, tg.tensor(IDX), tg.tensor(src))
    np.testing.assert_allclose(ours.numpy()[1:], torch.zeros(3, 4, dtype=torch.float64).scatter_(
        0, torch.tensor(IDX), torch.tensor(src)).numpy()[1:])  # row 0 has two writers: order unspecified
    a, b = tg.zeros(3, 4, dtype=tg.float64), torch.zeros(3, 4, dtype=torch.float64)
    a.scatter_add_(0, tg.tensor(IDX), tg.tensor(src))
    b.scatter_add_(0, torch.tensor(IDX), torch.tensor(src))
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_index_ops_match_torch():
    idx = np.array([2, 0, 2])
    compare_with_torch(lambda F, x: _lib(F).index_select(x, 1, _i(F, idx)), X)
    compare_with_torch(lambda F, x: x.index_select(0, _i(F, idx)), X)
    compare_with_torch(lambda F, x, s: _lib(F).index_add(x, 1, _i(F, idx), s, alpha=2.0), X, RNG.random((3, 3)))
    compare_with_torch(lambda F, x: x.index_fill(1, _i(F, idx), -1.5), X)
    compare_with_torch(lambda F, x: _lib(F).masked_select(x, _i(F, X[0] > 0)), X)
    compare_with_torch(lambda F, x: _lib(F).take(x, _i(F, np.array([[0, 11], [5, -1]]))), X)
    compare_with_torch(lambda F, x: _lib(F).narrow(x, 1, 1, 2)[1:] * x.narrow(0, -2, 2)[:, 1:3], X)
    a, b = tg.tensor(X).clone(), torch.tensor(X).clone()
    a.index_add_(0, tg.tensor([0, 0]), tg.ones(2, 4, dtype=tg.float64))
    b.index_add_(0, torch.tensor([0, 0]), torch.ones(2, 4, dtype=torch.float64))
    np.testing.assert_allclose(a.numpy(), b.numpy())
    a.index_fill_(0, tg.tensor([1]), 7)
    b.index_fill_(0, torch.tensor([1]), 7)
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_nonzero_argwhere():
    a = np.array([[0, 1.5, 0], [2, 0, -1]])
    for fn in ("nonzero", "argwhere"):
        ours, theirs = getattr(tg, fn)(tg.tensor(a)), getattr(torch, fn)(torch.tensor(a))
        assert ours.dtype is tg.int64 and ours.tolist() == theirs.tolist()
    ours, theirs = tg.nonzero(tg.tensor(a), as_tuple=True), torch.nonzero(torch.tensor(a), as_tuple=True)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    assert tuple(tg.nonzero(tg.tensor(5.0)).shape) == tuple(torch.nonzero(torch.tensor(5.0)).shape)


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_triangles_and_diagonals_match_torch(k):
    x3 = RNG.standard_normal((2, 3, 4))
    compare_with_torch(lambda F, x: _lib(F).tril(x, k), x3)
    compare_with_torch(lambda F, x: x.triu(k), x3)
    compare_with_torch(lambda F, x: _lib(F).diagonal(x, k, 1, 2), x3)
    compare_with_torch(lambda F, x: x.diagonal(k, -1, 0), x3)
    compare_with_torch(lambda F, x: _lib(F).diag(x, k), X)
    compare_with_torch(lambda F, v: _lib(F).diag(v, k), X[0])
    compare_with_torch(lambda F, v: _lib(F).diag_embed(v, k), X)


def test_grids_and_broadcasting_match_torch():
    a, b, c = X[0], X[1, :3], X[2, :2]
    for ix in ("ij", "xy"):
        for i in range(3):
            compare_with_torch(lambda F, x, y, z: _lib(F).meshgrid(x, y, z, indexing=ix)[i], a, b, c)
    with pytest.warns(UserWarning, match="indexing"):
        tg.meshgrid(tg.tensor(a), tg.tensor(b))
    compare_with_torch(lambda F, x, y: _lib(F).broadcast_tensors(x, y)[0] * 2 + _lib(F).broadcast_tensors(x, y)[1],
                       X[:, :1], X[0])
    assert tuple(tg.broadcast_shapes((3, 1), (4,), 1)) == tuple(torch.broadcast_shapes((3, 1), (4,), 1))


def test_tile_repeat_interleave_stacks_match_torch():
    compare_with_torch(lambda F, x: _lib(F).tile(x, (2,)), X)
    compare_with_torch(lambda F, x: x.tile((2, 1, 2)), X)
    compare_with_torch(lambda F, x: _lib(F).repeat_interleave(x, 2), X)
    compare_with_torch(lambda F, x: x.repeat_interleave(_i(F, np.array([1, 0, 3])), dim=0), X)
    compare_with_torch(lambda F, x: x.repeat_interleave(3, dim=-1), X)
    assert tg.repeat_interleave(tg.tensor([2, 0, 1])).tolist() == torch.repeat_interleave(torch.tensor([2, 0, 1])).tolist()
    for name in ("hstack", "vstack", "dstack", "column_stack", "row_stack"):
        compare_with_torch(lambda F, x, y: getattr(_lib(F), name)([x, y]), X, X * 2)
        compare_with_torch(lambda F, x, y: getattr(_lib(F), name)((x, y)), X[0], X[1])
    compare_with_torch(lambda F, x: _lib(F).unbind(x, 1)[2] * x.unbind()[0][:1], X)
    compare_with_torch(lambda F, x: _lib(F).movedim(x, (0, 1), (2, 0)), RNG.random((2, 3, 4)))


def test_logspace_new_and_stride():
    ours, theirs = tg.logspace(-2, 3, 6), torch.logspace(-2, 3, 6)
    assert ours.dtype is tg.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    np.testing.assert_allclose(tg.logspace(0, 4, 5, base=2, dtype=tg.float64).numpy(), [1, 2, 4, 8, 16])
    x, xt = tg.tensor(X), torch.tensor(X)
    for name, args in (("new_zeros", (2, 3)), ("new_ones", ((2,),)), ("new_full", ((2, 2), 3.5)),
                       ("new_tensor", ([1, 2],))):
        a, b = getattr(x, name)(*args), getattr(xt, name)(*args)
        assert a.tolist() == b.tolist() and str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(x.new_empty(2, 5).shape) == (2, 5)
    assert x.new_zeros(2, dtype=tg.int64).dtype is tg.int64
    assert x.stride() == xt.stride() and x.stride(1) == xt.stride(1) and x.storage_offset() == 0


# ----------------------------------------------------------------------------- derivatives (Hypothesis)
@settings(max_examples=8, deadline=None)
@given(seed=seeds, dim=st.sampled_from([0, 1, -1]))
def test_derivatives(seed, dim):
    rng = np.random.default_rng(seed)
    x, src = arrays((3, 4), seed=seed), arrays((3, 4), seed=seed + 1)
    idx = tg.tensor(rng.integers(0, 3 if dim == 0 else 4, (2, 3)))
    perm = tg.tensor(np.stack([rng.permutation(4)[:3] for _ in range(2)]))
    check_derivatives(lambda a, s: tg.scatter_add(a, dim, idx, s) ** 2, leaf(x), leaf(src), seed=seed)
    check_derivatives(lambda a, s: tg.scatter(a, 1, perm, s) ** 2, leaf(x), leaf(src), seed=seed)
    vec = tg.tensor(rng.integers(0, 3, 4))
    check_derivatives(lambda a, s: tg.index_add(a.T, 0, vec, s) ** 2, leaf(x), leaf(arrays((4, 3), seed=seed)),
                      seed=seed)
    check_derivatives(lambda a: tg.index_select(a, dim, tg.tensor([2, 0, 2])) ** 2, leaf(x), seed=seed)
    check_derivatives(lambda a: tg.diag(a, 1) ** 2 + tg.diagonal(tg.tril(a), -1, 1, 0).sum(), leaf(x), seed=seed)
    check_derivatives(lambda v: tg.diag(v, -1) ** 2, leaf(x[0]), seed=seed)
    check_derivatives(lambda a: tg.repeat_interleave(a, 2, dim) ** 2, leaf(x), seed=seed)


# ----------------------------------------------------------------------------- errors
def test_errors():
    x = tg.zeros(3, 4)
    with pytest.raises(RuntimeError, match="Expected dtype int64 for index"):
        tg.scatter(x, 0, tg.tensor([[0.5]]), 1.0)
    with pytest.raises(RuntimeError, match="out of bounds for dimension 0 with size 3"):
        tg.scatter_add(x, 0, tg.tensor([[3]]), tg.ones(1, 1))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        tg.scatter(x, 0, tg.tensor([0]), 1.0)
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        tg.index_select(x, 0, tg.tensor([[0]]))
    with pytest.raises(RuntimeError, match="BoolTensor for mask"):
        tg.masked_select(x, tg.tensor([1, 0, 1, 0]))
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        tg.narrow(x, 1, 2, 3)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        tg.tril(tg.zeros(3))
    with pytest.raises(RuntimeError, match="indexing must be one of"):
        tg.meshgrid(tg.zeros(2), indexing="yx")
    with pytest.raises(IndexError, match="out of range"):
        tg.take(x, tg.tensor([12]))
    with pytest.raises(RuntimeError, match="shape"):
        tg.index_add(x, 0, tg.tensor([0]), tg.ones(2, 4))
