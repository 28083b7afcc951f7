"""Normalisation: batch norm (training statistics, running-stat updates, eval), layer norm and
local response norm: derivatives to second order, PyTorch agreement, hand-computed numbers, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds


@st.composite
def batch_shapes(draw):
    """(N, C, *spatial) with at least two values per channel (training needs a variance)."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    if n * int(np.prod(spatial)) < 2:
        n = 2
    return (n, c) + spatial


# ----------------------------------------------------------------------------- batch norm
@settings(max_examples=10)  # each example is a float64 gradgradcheck of a whole norm (slow); edges are explicit below
@given(shape=batch_shapes(), seed=seeds, affine=st.booleans(), training=st.booleans())
def test_batch_norm_derivatives(shape, seed, affine, training):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = leaf(arrays(shape, seed=seed))
    params = (leaf(rng.uniform(0.5, 2, c)), leaf(rng.normal(size=c))) if affine else ()
    rm, rv = (None, None) if training else (tg.tensor(rng.normal(size=c)), tg.tensor(rng.uniform(0.5, 2, c)))
    check_derivatives(lambda a, *wb: F.batch_norm(a, rm, rv, *wb, training=training), x, *params, seed=seed)


BN_SHAPES = [(4, 3), (3, 2, 5), (2, 3, 2, 2)]


@pytest.mark.parametrize("shape", BN_SHAPES, ids=str)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
def test_batch_norm_matches_torch(shape, training, affine):
    rng = np.random.default_rng(3)
    c = shape[1]
    data = [rng.normal(size=shape) * 2 + 1] + ([rng.uniform(0.5, 2, c), rng.normal(size=c)] if affine else [])
    stats = {}

    def fn(F, x, *wb):
        lib = tg if F is tg.nn.functional else pytest.importorskip("torch")
        rm, rv = lib.tensor(np.linspace(-1, 1, c)), lib.tensor(np.linspace(0.5, 2, c))
        out = F.batch_norm(x, rm, rv, *wb, training=training, momentum=0.3, eps=1e-3)
        stats.setdefault(lib.__name__, []).append((rm.numpy().copy(), rv.numpy().copy()))
        return out

    compare_with_torch(fn, *data)
    for (m1, v1), (m2, v2) in zip(stats["tinygrad_edu"], stats["torch"]):
        np.testing.assert_allclose(m1, m2, rtol=1e-12)
        np.testing.assert_allclose(v1, v2, rtol=1e-12)


def test_batch_norm_running_stats_by_hand():
    # channel 0 holds 1 and 3 (mean 2, unbiased var 2), channel 1 holds 2 and 6 (mean 4, unbiased var 8)
    x = tg.tensor([[1.0, 2.0], [3.0, 6.0]])
    rm, rv = tg.zeros(2), tg.ones(2)
    y = F.batch_norm(x, rm, rv, training=True, momentum=0.1, eps=0.0)
    np.testing.assert_allclose(rm.numpy(), [0.1 * 2, 0.1 * 4], rtol=1e-6)                 # 0.9*0 + 0.1*mean
    np.testing.assert_allclose(rv.numpy(), [0.9 + 0.1 * 2, 0.9 + 0.1 * 8], rtol=1e-6)     # 0.9*1 + 0.1*var
    np.testing.assert_allclose(y.numpy(), [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-6)          # biased var: 1, 4
    F.batch_norm(x, rm, rv, training=True, momentum=0.5, eps=0.0)
    np.testing.assert_allclose(rm.numpy(), [0.5 * 0.2 + 0.5 * 2, 0.5 * 0.4 + 0.5 * 4], rtol=1e-6)
    np.testing.assert_allclose(rv.numpy(), [0.5 * 1.1 + 0.5 * 2, 0.5 * 1.7 + 0.5 * 8], rtol=1e-6)
    assert rm.dtype is tg.float32 and rv.dtype is tg.float32


def test_batch_norm_eval_uses_running_stats_and_leaves_them():
    x = tg.tensor([[1.0, 2.0], [3.0, 6.0]], dtype=tg.float64)
    rm, rv = tg.tensor([1.0, 2.0], dtype=tg.float64), tg.tensor([4.0, 16.0], dtype=tg.float64)
    w, b = tg.tensor([2.0, 3.0], dtype=tg.float64), tg.tensor([0.5, -0.5], dtype=tg.float64)
    y = F.batch_norm(x, rm, rv, w, b, training=False, eps=0.0)
    np.testing.assert_allclose(y.numpy(), [[0.5, -0.5], [2.5, 2.5]])  # (x - m) / sqrt(v) * w + b
    np.testing.assert_array_equal(rm.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(rv.numpy(), [4.0, 16.0])


def test_batch_norm_training_without_running_stats_and_float32():
    x = tg.tensor(arrays((4, 3, 2), seed=5), dtype=tg.float32, requires_grad=True)
    w = tg.ones(3, requires_grad=True)
    y = F.batch_norm(x, None, None, w, None, training=True)
    y.sum().backward()
    assert y.dtype is tg.float32 and x.grad.dtype is tg.float32 and w.grad.dtype is tg.float32
    np.testing.assert_allclose(y.numpy(force=True).mean(axis=(0, 2)), 0.0, atol=1e-6)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"\[1, 3\]"):
        F.batch_norm(tg.ones(1, 3), tg.zeros(3), tg.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(tg.ones(2, 3), tg.zeros(4), tg.ones(4), training=True)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(tg.ones(2, 3), None, None, training=False)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.batch_norm(tg.ones(3), None, None, training=True)


# ----------------------------------------------------------------------------- layer norm
@settings(max_examples=10)  # as above: slow second-order checks; value tests vs torch cover more shapes
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), k=st.integers(1, 3), seed=seeds,
       affine=st.booleans())
def test_layer_norm_derivatives(shape, k, seed, affine):
    k = min(k, len(shape))
    normalized = shape[len(shape) - k:]
    if int(np.prod(normalized)) < 2:
        normalized, shape = (2,) + normalized[1:], shape[:len(shape) - k] + (2,) + normalized[1:]
    rng = np.random.default_rng(seed)
    params = (leaf(rng.uniform(0.5, 2, normalized)), leaf(rng.normal(size=normalized))) if affine else ()
    check_derivatives(lambda a, *wb: F.layer_norm(a, normalized, *wb), leaf(arrays(shape, seed=seed)), *params,
                      seed=seed)


LN_CASES = [
    ("last_dim", (3, 4), (4,), True),
    ("last_dim_plain", (3, 4), (4,), False),
    ("two_dims", (2, 3, 4), (3, 4), True),
    ("whole_sample", (2, 2, 3), (2, 2, 3), False),
]


@pytest.mark.parametrize("name,shape,normalized,affine", LN_CASES, ids=[c[0] for c in LN_CASES])
def test_layer_norm_matches_torch(name, shape, normalized, affine):
    rng = np.random.default_rng(4)
    data = [rng.normal(size=shape) * 3 - 1] + ([rng.uniform(0.5, 2, normalized), rng.normal(size=normalized)]
                                               if affine else [])
    compare_with_torch(lambda F, x, *wb: F.layer_norm(x, normalized, *wb, eps=1e-4), *data)


def test_layer_norm_accepts_an_int_shape_like_nn_layernorm():
    x = tg.tensor(arrays((3, 4), seed=6))
    np.testing.assert_array_equal(F.layer_norm(x, 4).numpy(), F.layer_norm(x, (4,)).numpy())


def test_layer_norm_errors():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but "
                                           r"got input of size\[2, 3\]"):
        F.layer_norm(tg.ones(2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"weight of shape \[2\] must match normalized_shape \[3\]"):
        F.layer_norm(tg.ones(2, 3), 3, weight=tg.ones(2))


# ----------------------------------------------------------------------------- local response norm
@settings(max_examples=6)  # the window is along channels only: c and size drawn small cover it
@given(n=st.integers(1, 2), c=st.integers(1, 5), size=st.integers(1, 4), seed=seeds, four_d=st.booleans())
def test_local_response_norm_derivatives(n, c, size, seed, four_d):
    shape = (n, c, 2, 2) if four_d else (n, c, 3)
    check_derivatives(lambda a: F.local_response_norm(a, size, alpha=0.5, beta=0.75, k=1.0),
                      leaf(arrays(shape, seed=seed)), seed=seed)


LRN_CASES = [
    ("alexnet", (2, 7, 3, 3), dict(size=5, alpha=1e-4, beta=0.75, k=2.0), 10.0),
    ("defaults_3d", (2, 4, 5), dict(size=3), 1.0),
    ("even_size", (1, 6, 2, 2), dict(size=2, alpha=0.3, beta=0.5, k=1.5), 1.0),
    ("window_wider_than_channels", (2, 3, 2), dict(size=7, alpha=0.2), 1.0),
    ("five_d", (1, 4, 2, 2, 2), dict(size=3, alpha=0.1), 1.0),
]


@pytest.mark.parametrize("name,shape,kw,scale", LRN_CASES, ids=[c[0] for c in LRN_CASES])
def test_local_response_norm_matches_torch(name, shape, kw, scale):
    x = np.random.default_rng(5).normal(size=shape) * scale
    compare_with_torch(lambda F, a: F.local_response_norm(a, **kw), x)


def test_local_response_norm_by_hand_and_errors():
    # one sample, channels 1, 2, 3 at one position; size 3: windows {1,2}, {1,2,3}, {2,3}, zero-padded
    x = tg.tensor([[[1.0], [2.0], [3.0]]], dtype=tg.float64)
    y = F.local_response_norm(x, 3, alpha=3.0, beta=1.0, k=1.0).numpy().reshape(-1)
    np.testing.assert_allclose(y, [1 / (1 + 5), 2 / (1 + 14), 3 / (1 + 13)])  # alpha/size = 1
    with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality input \(got 2 dimensions\)"):
        F.local_response_norm(tg.ones(2, 3), 2)
    assert F.local_response_norm(tg.ones(2, 3, 2, dtype=tg.float32), 3).dtype is tg.float32
