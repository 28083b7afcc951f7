"""Edges that a mutation campaign showed the other tests could miss: each case here failed a planted
bug that the rest of the suite let through (or caught only by accident). Checked against PyTorch,
NumPy or numbers worked out by hand in the comments."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.output_size import conv_output_size
from tinygrad_edu.utils.summary import count_parameters

from op_checks import check_derivatives
from strategies import leaf


# ----------------------------------------------------------------------------- pooling edges
def test_avg_pool_ceil_mode_clips_the_divisor_at_the_edge():
    # windows [0,1], [2,3], [4]: the last one sticks out past the input (not into padding), so
    # even with count_include_pad=True it averages only what it covers: 4 / 1, not 4 / 2.
    x = tg.arange(5.0).reshape(1, 1, 5)
    y = F.avg_pool1d(x, 2, 2, ceil_mode=True, count_include_pad=True)
    assert y.numpy().ravel().tolist() == [0.5, 2.5, 4.0]


@settings(max_examples=60)  # pooling hides edge cases in its window arithmetic: spend the budget here
@given(size=st.integers(1, 9), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2),
       ceil=st.booleans(), include=st.booleans(), seed=st.integers(0, 2 ** 16))
@example(size=5, k=2, s=2, p=0, ceil=True, include=True, seed=0)
@example(size=6, k=3, s=2, p=1, ceil=True, include=True, seed=1)
@example(size=7, k=3, s=3, p=1, ceil=True, include=False, seed=2)
def test_avg_pool1d_matches_torch_with_ceil_mode_and_padding(size, k, s, p, ceil, include, seed):
    if p > k // 2 or size + 2 * p < k:
        return  # torch refuses these; the error tests cover them
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(seed).standard_normal((2, 3, size))
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=include)
    ours = F.avg_pool1d(tg.tensor(x), **kw).numpy()
    theirs = torch.nn.functional.avg_pool1d(torch.tensor(x), **kw).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@settings(max_examples=60)
@given(h=st.integers(2, 8), w=st.integers(2, 8), k=st.integers(1, 3), s=st.integers(1, 3),
       p=st.integers(0, 1), ceil=st.booleans(), seed=st.integers(0, 2 ** 16))
@example(h=5, w=5, k=2, s=2, p=0, ceil=True, seed=0)
@example(h=7, w=4, k=3, s=2, p=1, ceil=True, seed=3)
def test_max_pool2d_values_and_gradient_match_torch(h, w, k, s, p, ceil, seed):
    if p > k // 2 or min(h, w) + 2 * p < k:
        return  # torch refuses these; the error tests cover them
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(seed).permutation(2 * h * w).reshape(1, 2, h, w).astype(np.float64)  # no ties
    ours_x, theirs_x = leaf(x), torch.tensor(x, requires_grad=True)
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
    ours, theirs = F.max_pool2d(ours_x, **kw), torch.nn.functional.max_pool2d(theirs_x, **kw)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    g = np.random.default_rng(seed + 1).standard_normal(theirs.shape)
    ours.backward(tg.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- conv output size
@pytest.mark.parametrize("size,kernel,stride,padding,expected", [
    (7, 3, 2, 0, 3),   # (7 - 3) / 2 + 1 = 3: divides evenly
    (8, 3, 2, 0, 3),   # (8 - 3) / 2 + 1 = 3.5: the last partial window is dropped, floor -> 3
    (6, 4, 3, 1, 2),   # (6 + 2 - 4) / 3 + 1 = 2.33 -> 2
    (10, 5, 4, 2, 3),  # (10 + 4 - 5) / 4 + 1 = 3.25 -> 3
    (224, 11, 4, 2, 55),  # AlexNet's first layer: (224 + 4 - 11) / 4 + 1 = 55.25 -> 55
])
def test_conv_output_size_floors_sizes_that_do_not_divide(size, kernel, stride, padding, expected):
    assert conv_output_size(size, kernel, stride=stride, padding=padding) == expected
    x = tg.zeros(1, 1, size, size)
    y = F.conv2d(x, tg.zeros(1, 1, kernel, kernel), stride=stride, padding=padding)
    assert y.shape == (1, 1, expected, expected)


# ----------------------------------------------------------------------------- permute
@pytest.mark.parametrize("perm", [(1, 2, 0), (2, 0, 1), (0, 2, 1), (2, 1, 0)])
def test_permute_backward_applies_the_inverse_permutation(perm):
    # (1, 2, 0) and (2, 0, 1) are each other's inverse, not their own: a backward that permuted
    # the gradient by `perm` again would get the shape wrong (or, for equal sides, the values).
    x = np.arange(24.0).reshape(2, 3, 4)
    g = np.random.default_rng(0).standard_normal(np.transpose(x, perm).shape)
    t = leaf(x)
    t.permute(*perm).backward(tg.tensor(g))
    np.testing.assert_array_equal(t.grad.numpy(), np.transpose(g, np.argsort(perm)))
    check_derivatives(lambda a: a.permute(*perm), leaf(x / 10))


@settings(max_examples=60)  # shape ops: many dims to permute, spend the budget here
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple), data=st.data())
def test_permute_gradient_equals_numpy_inverse(shape, data):
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    g = np.random.default_rng(7).standard_normal(np.transpose(x, perm).shape)
    t = leaf(x)
    t.permute(*perm).backward(tg.tensor(g))
    np.testing.assert_array_equal(t.grad.numpy(), np.transpose(g, np.argsort(perm)))


# ----------------------------------------------------------------------------- reductions over dim tuples
REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: a.sum(d, keepdims=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: a.mean(d, keepdims=k)),
    "var": (lambda t, d, k: t.var(d, keepdim=k), lambda a, d, k: a.var(d, ddof=1, keepdims=k)),
    "std": (lambda t, d, k: t.std(d, keepdim=k), lambda a, d, k: a.std(d, ddof=1, keepdims=k)),
    "amax": (lambda t, d, k: t.amax(d, keepdim=k), lambda a, d, k: a.max(d, keepdims=k)),
    "amin": (lambda t, d, k: t.amin(d, keepdim=k), lambda a, d, k: a.min(d, keepdims=k)),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k),
                  lambda a, d, k: np.log(np.exp(a).sum(d, keepdims=k))),
    "norm": (lambda t, d, k: t.norm(dim=d, keepdim=k), lambda a, d, k: np.sqrt((a * a).sum(d, keepdims=k))),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("dims", [(0, 2), (1, 2), (-1, 0), (0, 1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_values_over_a_tuple_of_dims(name, dims, keepdim):
    # sides 2, 3, 4 differ, so dividing by one dim's size instead of the product shows up
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    ours, ref = REDUCTIONS[name]
    np.testing.assert_allclose(ours(tg.tensor(a), dims, keepdim).numpy(), ref(a, dims, keepdim),
                               rtol=1e-12, atol=1e-12)


def test_mean_over_two_dims_by_hand():
    x = tg.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])  # shape (1, 3, 2)
    assert x.mean((1, 2)).item() == 3.5                     # 21 / 6, not 21 / 2 or 21 / 3
    m = leaf(np.ones((1, 3, 2)))
    m.mean((1, 2)).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), np.full((1, 3, 2), 1 / 6))


@settings(max_examples=60)  # reductions: spend the budget here
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple), data=st.data())
def test_mean_and_sum_over_drawn_dim_tuples(shape, data):
    dims = tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True)))
    a = np.random.default_rng(len(dims)).standard_normal(shape)
    np.testing.assert_allclose(tg.tensor(a).mean(dims).numpy(), a.mean(dims), rtol=1e-12, atol=1e-12)
    t = leaf(a)
    t.mean(dims).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.full(shape, 1 / math.prod(shape[d] for d in dims)))


@pytest.mark.parametrize("values,reduce", [
    ([[1.0, 3.0, 3.0]], lambda t: t.max()),
    ([[1.0, 3.0, 3.0]], lambda t: t.amax(1).sum()),
    ([[1.0, -3.0, -3.0]], lambda t: t.min()),
])
def test_tied_extremes_share_the_gradient_evenly(values, reduce):
    # as PyTorch: max()/min() over all elements and amax() split dy evenly among the tied winners
    x = leaf(np.array(values))
    reduce(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.5, 0.5]])


# ----------------------------------------------------------------------------- counting shared parameters
class _Tied(nn.Module):
    """An encoder and a decoder that share one weight matrix, as language models tie embeddings."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 3, bias=False)
        self.decoder = nn.Linear(3, 4, bias=False)
        self.decoder.weight = self.encoder.weight  # 12 numbers, one Parameter, two modules

    def forward(self, x):
        return self.decoder(x)


def test_count_parameters_counts_a_parameter_tied_across_two_modules_once():
    total, rows = count_parameters(_Tied(), verbose=False)
    assert total == 12
    assert [(r.name, r.count) for r in rows] == [("encoder", 12)]
    assert tg.summary(_Tied(), verbose=0).total_params == 12
