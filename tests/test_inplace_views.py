"""autograd/views.py: an in-place op through a view is recorded into its base's graph, as in
PyTorch: values and gradients against PyTorch, first and second derivatives against finite
differences, and the error for a view of a leaf."""
import numpy as np
import pytest

import tinygrad_edu as tg

from op_checks import check_derivatives
from strategies import leaf

torch = pytest.importorskip("torch")
A = np.array([[1.0, -2.0, 3.0], [0.5, 5.0, -1.5]])
W = np.array([[1.0, 2, 3], [4, 5, 6]])


def scenario(lib, a):
    x = a * 2
    row = x[0]                                   # basic indexing: a view
    row.add_(a[1] ** 2)
    x.t()[1].sub_(a[1, :2] * a[0, :2])           # a view of a view, through a transpose
    v = x.view(3, 2)
    v[:, 1] = v[:, 0].clone() ** 2               # setitem on a strided view
    x[1, 1:].copy_(a[0, :2] * 3)
    x[:, 2:].add_(a[:, :1])
    return x * lib.tensor(W, dtype=a.dtype) + row.sum()


def test_matches_torch():
    ours_a, theirs_a = tg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    ours, theirs = scenario(tg, ours_a), scenario(torch, theirs_a)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_a.grad.numpy(), theirs_a.grad.numpy(), rtol=1e-12)


def test_base_sees_the_change_and_views_keep_sharing_memory():
    a = tg.tensor(A, requires_grad=True)
    x = a + 0
    col = x[:, 2]
    col.add_(10.0)
    assert x[:, 2].tolist() == [13.0, 8.5]       # the base changed
    x.add_(1.0)
    assert col.tolist() == [14.0, 9.5]           # and the view still shares its memory
    x.sum().backward()
    assert a.grad.tolist() == [[1.0] * 3] * 2
    b = tg.tensor(A, requires_grad=True)
    y = b * 1
    r = y[1]
    y.copy_(b * b)                               # the base changes: its old view is re-derived from it
    r.sum().backward()
    assert b.grad.tolist() == [[0.0] * 3, (2 * A[1]).tolist()]


def test_derivatives():
    def fn(a):
        x = a * a
        x[0].add_(a[1] * 3)
        x.t()[2].sub_(a[:, 0].exp())
        return x
    check_derivatives(fn, leaf(A))


def test_view_of_a_leaf_errors():
    w = tg.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0].add_(1.0)
    with tg.no_grad():
        w[0].add_(1.0)                           # fine outside grad mode, as optimizers do
    assert w[0].tolist() == [2.0, -1.0, 4.0]
