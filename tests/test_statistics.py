"""ops/statistics.py: kthvalue, median, nanmedian, mode, quantile (values, indices, gradients and
second derivatives against PyTorch; derivatives against finite differences), unique,
unique_consecutive, bincount, histc, count_nonzero, nansum, nanmean (against PyTorch), and errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import distinct, leaf

torch = pytest.importorskip("torch")
X = distinct((3, 5), seed=0)  # no ties: every index is well defined


def _lib(functional):
    return tg if functional is F else torch


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_order_statistics_match_torch(dim, keepdim):
    for k in (1, 2, 3):
        compare_with_torch(lambda F, x: _lib(F).kthvalue(x, k, dim, keepdim).values, X)
        assert tg.kthvalue(tg.tensor(X), k, dim, keepdim).indices.tolist() == \
            torch.kthvalue(torch.tensor(X), k, dim, keepdim).indices.tolist()
    compare_with_torch(lambda F, x: _lib(F).median(x, dim, keepdim).values, X)
    assert tg.median(tg.tensor(X), dim, keepdim)[1].tolist() == torch.median(torch.tensor(X), dim, keepdim)[1].tolist()
    compare_with_torch(lambda F, x: _lib(F).median(x), X)
    for q in (0.0, 0.3, 0.5, 1.0):
        for how in ("linear", "lower", "higher", "nearest", "midpoint"):
            compare_with_torch(lambda F, x: _lib(F).quantile(x, q, dim, keepdim, interpolation=how), X)
    compare_with_torch(lambda F, x: _lib(F).quantile(x, _lib(F).tensor([0.1, 0.9], dtype=x.dtype), dim), X)
    compare_with_torch(lambda F, x: _lib(F).quantile(x, 0.25), X)


def test_order_statistic_derivatives():
    check_derivatives(lambda x: tg.median(x, 1).values ** 2, leaf(X))
    check_derivatives(lambda x: tg.kthvalue(x, 2, 0).values * x.sum(), leaf(X))
    check_derivatives(lambda x: tg.quantile(x, 0.3, 1) ** 2, leaf(X))


def test_mode_nan_reductions_match_torch():
    a = np.array([[1.0, 3, 3, 2, 2, 5], [4, 4, 1, 1, 1, 0]])
    for dim in (0, 1):
        ours, theirs = tg.mode(tg.tensor(a), dim), torch.mode(torch.tensor(a), dim)
        assert ours.values.tolist() == theirs.values.tolist() and ours.indices.tolist() == theirs.indices.tolist()
    compare_with_torch(lambda F, x: _lib(F).mode(x, 1).values * x.sum(), a)
    n = X.copy()
    n[0, 1] = n[2, 3] = np.nan
    for fn in ("nansum", "nanmean"):
        compare_with_torch(lambda F, x: getattr(_lib(F), fn)(x, 1), n)
        compare_with_torch(lambda F, x: getattr(_lib(F), fn)(x), n)
    ours, theirs = tg.nanmedian(tg.tensor(n), 1), torch.nanmedian(torch.tensor(n), 1)
    assert ours.values.tolist() == theirs.values.tolist() and ours.indices.tolist() == theirs.indices.tolist()
    assert tg.nanmedian(tg.tensor(n)).item() == torch.nanmedian(torch.tensor(n)).item()


def test_counting_matches_torch():
    i = np.array([3, 1, 2, 3, 1, 1, 7])
    for kw in (dict(), dict(return_inverse=True), dict(return_counts=True),
               dict(return_inverse=True, return_counts=True)):
        ours, theirs = tg.unique(tg.tensor(i), **kw), torch.unique(torch.tensor(i), **kw)
        ours, theirs = (ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,))
        assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    rows = np.array([[1, 2], [0, 1], [1, 2]])
    ours, theirs = tg.unique(tg.tensor(rows), dim=0, return_inverse=True), torch.unique(torch.tensor(rows), dim=0,
                                                                                         return_inverse=True)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    run = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    ours = tg.unique_consecutive(tg.tensor(run), return_inverse=True, return_counts=True)
    theirs = torch.unique_consecutive(torch.tensor(run), return_inverse=True, return_counts=True)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    w = np.array([0.5, 1.0, 2.0, 0.25, 1.0, 1.0, 3.0])
    assert tg.bincount(tg.tensor(i)).tolist() == torch.bincount(torch.tensor(i)).tolist()
    assert tg.bincount(tg.tensor(i), minlength=10).tolist() == torch.bincount(torch.tensor(i), minlength=10).tolist()
    ours, theirs = tg.bincount(tg.tensor(i), tg.tensor(w)), torch.bincount(torch.tensor(i), torch.tensor(w))
    assert ours.tolist() == theirs.tolist() and ours.dtype is tg.float64
    h = np.random.default_rng(2).standard_normal(200)
    for kw in (dict(), dict(bins=7), dict(bins=5, min=-1, max=1)):
        np.testing.assert_array_equal(tg.histc(tg.tensor(h), **kw).numpy(), torch.histc(torch.tensor(h), **kw).numpy())
    assert tg.count_nonzero(tg.tensor(rows), 0).tolist() == torch.count_nonzero(torch.tensor(rows), 0).tolist()


def test_statistics_errors():
    with pytest.raises(IndexError, match="k out of range"):
        tg.kthvalue(tg.zeros(3), 4)
    with pytest.raises(RuntimeError, match="q values must be in the range"):
        tg.quantile(tg.zeros(3), 1.5)
    with pytest.raises(RuntimeError, match="non-negative integral"):
        tg.bincount(tg.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        tg.histc(tg.zeros(3), bins=0)
