"""ops/math.py: rounding, logs/exponentials in other bases, trigonometric and hyperbolic functions and
their inverses, atan2, erfc, lerp, logical functions and NumPy-style keywords: first and second
derivatives against finite differences (float64), and values, dtypes, gradients and second derivatives
against PyTorch."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds, shapes

torch = pytest.importorskip("torch")


def _lib(functional):
    return tg if functional is F else torch


# name -> (low, high) of a domain where the function is smooth
SMOOTH = {"log2": (0.2, 3), "log10": (0.2, 3), "log1p": (-0.8, 3), "exp2": (-2, 2), "expm1": (-2, 2),
          "erfc": (-2, 2), "tan": (-1.2, 1.2), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": (-3, 3),
          "sinh": (-2, 2), "cosh": (-2, 2), "asinh": (-3, 3), "acosh": (1.2, 4), "atanh": (-0.9, 0.9),
          "reciprocal": (0.3, 3), "rsqrt": (0.3, 3), "square": (-2, 2), "frac": (0.1, 0.9)}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@settings(max_examples=5, deadline=None)
@given(shape=shapes(0, 2, 1, 3), seed=seeds)
def test_unary_derivatives(name, shape, seed):
    lo, hi = SMOOTH[name]
    a = arrays(shape, lo, hi, seed=seed)
    if name == "frac":
        a = a + np.random.default_rng(seed).integers(-3, 3, shape)
    check_derivatives(getattr(tg, name), leaf(a), seed=seed)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_unary_matches_torch(name):
    lo, hi = SMOOTH[name]
    a = np.random.default_rng(1).uniform(lo, hi, (3, 4))
    tol = dict(rtol=1e-7, atol=1e-9) if name == "erfc" else {}
    compare_with_torch(lambda F, x: getattr(_lib(F), name)(x), a, **tol)
    compare_with_torch(lambda F, x: getattr(x, name)(), a, **tol)
    for dt in (np.float32, np.int64):  # dtypes: float32 stays float32, integers promote to the default float
        src = (a * 3 + 2).astype(dt) if dt is np.int64 else a.astype(dt)
        if dt is np.int64 and name in ("frac", "atanh", "asin", "acos"):
            continue
        ours, theirs = getattr(tg, name)(tg.tensor(src)), getattr(torch, name)(torch.tensor(src))
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "fix"])
def test_rounding_values_dtypes_and_zero_gradient(name):
    a = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.49, -3.7, 3.7])  # halves round to even
    x, xt = leaf(a), torch.tensor(a, requires_grad=True)
    y, yt = getattr(tg, name)(x), getattr(torch, name)(xt)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    assert not x.grad.numpy().any()
    i = np.array([3, -4])
    assert getattr(tg, name)(tg.tensor(i)).dtype is tg.int64 and getattr(tg, name)(tg.tensor(i)).tolist() == [3, -4]


def test_round_decimals_and_inplace():
    a = np.array([1.2345, -12.5, 15.0, 25.0, 0.125])
    for dec in (0, 1, 2, -1):
        np.testing.assert_allclose(tg.round(tg.tensor(a), decimals=dec).numpy(),
                                   torch.round(torch.tensor(a), decimals=dec).numpy())
    x = tg.tensor(a.copy())
    x.floor_()
    np.testing.assert_array_equal(x.numpy(), np.floor(a))


@settings(max_examples=10, deadline=None)
@given(shape=shapes(0, 2, 1, 3), seed=seeds)
def test_atan2_and_lerp_derivatives(shape, seed):
    a, b = arrays(shape, 0.3, 2, seed=seed), arrays(shape, -2, 2, seed=seed + 1)
    check_derivatives(tg.atan2, leaf(a), leaf(b), seed=seed)
    w = arrays(shape, 0, 1, seed=seed + 2)
    check_derivatives(tg.lerp, leaf(a), leaf(b), leaf(w), seed=seed)


def test_atan2_lerp_match_torch():
    rng = np.random.default_rng(2)
    a, b, w = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4,)), rng.uniform(0, 1, (3, 1))
    compare_with_torch(lambda F, x, y: _lib(F).atan2(x, y), a, b)
    compare_with_torch(lambda F, x, y, z: _lib(F).lerp(x, y, z), a, np.broadcast_to(b, a.shape).copy(), w)
    compare_with_torch(lambda F, x, y: x.lerp(y, 0.3), a, np.broadcast_to(b, a.shape).copy())


def test_logical_functions_match_torch():
    a, b = np.array([0, 1, 2, 0]), np.array([0.0, 0.0, 1.5, -1.0])
    for name in ("logical_and", "logical_or", "logical_xor"):
        ours = getattr(tg, name)(tg.tensor(a), tg.tensor(b))
        assert ours.dtype is tg.bool and ours.tolist() == getattr(torch, name)(torch.tensor(a), torch.tensor(b)).tolist()
    assert tg.logical_not(tg.tensor(a)).tolist() == torch.logical_not(torch.tensor(a)).tolist()


def test_numpy_keywords():
    a = np.arange(12.0).reshape(3, 4)
    x, xt = tg.tensor(a), torch.tensor(a)
    assert x.sum(1, keepdims=True).tolist() == xt.sum(1, keepdims=True).tolist()
    assert x.sum(axis=0).tolist() == xt.sum(axis=0).tolist()
    assert x.argmax(axis=1).tolist() == xt.argmax(axis=1).tolist()
    assert tg.mean(x, axis=1, keepdims=True).tolist() == torch.mean(xt, axis=1, keepdims=True).tolist()
    assert x.max(axis=1).values.tolist() == xt.max(axis=1).values.tolist()
    with pytest.raises(TypeError, match="both 'dim' and its alias 'axis'"):
        x.sum(dim=0, axis=1)


def test_errors_name_the_op():
    with pytest.raises(TypeError, match=r"floor\(\): argument 'input'"):
        tg.floor([1.0])
    with pytest.raises(RuntimeError, match="expected dtype"):
        tg.lerp(tg.zeros(2), tg.zeros(2, dtype=tg.float64), 0.5)
    with pytest.raises(TypeError, match="decimals"):
        tg.round(tg.zeros(2), decimals=1.5)
