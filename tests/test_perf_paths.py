"""The fast paths of docs/performance.md stay correct through the public ops: the fused ``Linear``
op and max pooling's strided backward.

Each fast path is checked against finite differences (first and second derivatives, float64) or
against the straightforward computation it replaces. The kernels themselves (in-place optimizer
updates, kept im2col columns, the thread pool) are checked against their references in
test_kernels.py.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.autograd import gradcheck, gradgradcheck

TOL = dict(eps=1e-6, atol=1e-5, rtol=1e-3)


def _leaf(shape, seed):
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=tg.float64, requires_grad=True)


# ----------------------------------------------------------------------------- fused Linear
@pytest.mark.parametrize("in_shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_gradcheck_and_gradgradcheck(in_shape, with_bias):
    x, w = _leaf(in_shape, 0), _leaf((5, 4), 1)
    inputs = [x, w] + ([_leaf((5,), 2)] if with_bias else [])
    fn = (lambda x, w, b: F.linear(x, w, b)) if with_bias else (lambda x, w: F.linear(x, w))
    assert gradcheck(fn, inputs, **TOL)
    tg.manual_seed(0)
    assert gradgradcheck(fn, inputs, **TOL)


def test_linear_uses_the_fused_op_and_matches_matmul():
    x, w, b = _leaf((2, 3, 4), 0), _leaf((5, 4), 1), _leaf((5,), 2)
    y = F.linear(x, w, b)
    assert y.grad_fn.name() == "LinearBackward0"
    ref = x.numpy(force=True) @ w.numpy(force=True).T + b.numpy(force=True)
    np.testing.assert_allclose(y.numpy(force=True), ref, rtol=1e-14)


def test_linear_weight_grad_is_c_contiguous_float32():
    lin = nn.Linear(6, 3)
    lin(tg.randn(4, 6)).sum().backward()
    g = lin.weight.grad.array
    assert g.flags.c_contiguous and g.dtype == np.float32 and g.shape == (3, 6)
    assert lin.bias.grad.array.dtype == np.float32


def test_linear_non_contiguous_input():
    x = _leaf((4, 3), 0)
    w = _leaf((5, 4), 1)
    assert gradcheck(lambda x, w: F.linear(x.t(), w), [x, w], **TOL)


def test_linear_general_path_still_broadcasts_a_wide_bias():
    x, w, b = _leaf((3, 4), 0), _leaf((5, 4), 1), _leaf((3, 5), 2)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), [x, w, b], **TOL)


# ----------------------------------------------------------------------------- max pooling: strided backward
def _scatter_reference(x, kernel, stride, padding, g):
    """dx by brute force: every window's gradient onto the first maximal element of the window."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-np.inf)
    dx = np.zeros_like(xp)
    for i in range(g.shape[2]):
        for j in range(g.shape[3]):
            win = xp[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel].reshape(n, c, -1)
            k = win.argmax(-1)                                   # the first maximum, as PyTorch's CPU
            a, b = np.divmod(k, kernel)
            for nn_ in range(n):
                for cc in range(c):
                    dx[nn_, cc, i * stride + a[nn_, cc], j * stride + b[nn_, cc]] += g[nn_, cc, i, j]
    return dx[:, :, padding:padding + h, padding:padding + w]


@pytest.mark.parametrize("kernel,stride,padding", [(3, 2, 1), (2, 2, 0), (3, 1, 0)])
def test_max_pool_backward_matches_brute_force_with_ties(kernel, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (2, 3, 7, 7)).astype(np.float64)     # many ties, overlapping windows
    t = tg.tensor(x, requires_grad=True)
    y = F.max_pool2d(t, kernel, stride, padding)
    g = rng.standard_normal(y.shape)
    y.backward(tg.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(force=True), _scatter_reference(x, kernel, stride, padding, g),
                               rtol=1e-12, atol=1e-12)


def test_max_pool_backward_keeps_an_infinite_gradient_on_its_winner():
    t = tg.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    y = F.max_pool2d(t, 2)
    y.backward(tg.tensor(np.array([[[[np.inf, 1.0], [1.0, 1.0]]]])))
    dx = t.grad.numpy(force=True)
    assert dx[0, 0, 1, 1] == np.inf and not np.isnan(dx).any() and (dx == 0).sum() == 12


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, dilation=2)])
def test_max_pool_gradcheck_and_gradgradcheck(kw):
    x = tg.tensor(np.random.default_rng(1).permutation(2 * 2 * 36).reshape(2, 2, 6, 6) / 7.0,
                  dtype=tg.float64, requires_grad=True)          # distinct values: no kinks
    fn = lambda x: F.max_pool2d(x, **kw)                         # noqa: E731
    assert gradcheck(fn, [x], **TOL)
    tg.manual_seed(0)
    assert gradgradcheck(fn, [x], **TOL)
