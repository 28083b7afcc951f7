"""Activations: first and second derivatives against finite differences over Hypothesis-drawn
shapes, values and derivatives against PyTorch, dtypes kept, arguments checked.

Points where an activation is not differentiable (relu at 0, hardtanh at its limits, softplus at
its threshold) are kept out of the drawn values on purpose (``away_from``): finite differences
across a kink measure the jump, not a derivative.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops.activation import erf, erf_array

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds, shapes

# (id, fn(F, x) valid for either framework's nn.functional, kinks to avoid, values drawn in [-span, span])
CASES = [
    ("relu", lambda F, x: F.relu(x), [0.0], 2.0),
    ("relu6", lambda F, x: F.relu6(x), [0.0, 6.0], 8.0),
    ("leaky_relu", lambda F, x: F.leaky_relu(x), [0.0], 2.0),
    ("leaky_relu_slope", lambda F, x: F.leaky_relu(x, negative_slope=0.2), [0.0], 2.0),
    ("elu", lambda F, x: F.elu(x), [0.0], 3.0),
    ("elu_alpha", lambda F, x: F.elu(x, alpha=0.5), [0.0], 3.0),
    ("gelu", lambda F, x: F.gelu(x), [], 4.0),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh"), [], 4.0),
    ("silu", lambda F, x: F.silu(x), [], 4.0),
    ("softplus", lambda F, x: F.softplus(x), [], 4.0),
    ("softplus_beta_threshold", lambda F, x: F.softplus(x, beta=2.0, threshold=1.5), [0.75], 2.0),
    ("hardtanh", lambda F, x: F.hardtanh(x), [-1.0, 1.0], 2.0),
    ("hardtanh_limits", lambda F, x: F.hardtanh(x, min_val=-0.5, max_val=1.5), [-0.5, 1.5], 2.0),
    ("sigmoid", lambda F, x: F.sigmoid(x), [], 4.0),
    ("tanh", lambda F, x: F.tanh(x), [], 3.0),
    ("softmax", lambda F, x: F.softmax(x, dim=-1), [], 3.0),
    ("softmax_dim0", lambda F, x: F.softmax(x, dim=0), [], 3.0),
    ("log_softmax", lambda F, x: F.log_softmax(x, dim=-1), [], 3.0),
    ("log_softmax_dim0", lambda F, x: F.log_softmax(x, dim=0), [], 3.0),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,kinks,span", CASES, ids=IDS)
@settings(max_examples=6)  # x ~30 parametrized activations; elementwise, few edges beyond the kinks avoided
@given(shape=shapes(1, 3, 1, 4), seed=seeds)
def test_first_and_second_derivatives(name, fn, kinks, span, shape, seed):
    x = leaf(arrays(shape, -span, span, away_from=kinks, seed=seed))
    check_derivatives(lambda t: fn(F, t), x, seed=seed)


@pytest.mark.parametrize("name,fn,kinks,span", CASES, ids=IDS)
def test_matches_torch(name, fn, kinks, span):
    compare_with_torch(fn, arrays((3, 5), -span, span, away_from=kinks, seed=1))


def test_erf_matches_math_erf_to_double_precision():
    x = np.concatenate([np.linspace(-7, 7, 4001), [0.0, 1e-300, 0.84375, 1.25, 1 / 0.35, 6.0, 30.0, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = erf_array(np, x)
    np.testing.assert_allclose(y, [math.erf(v) for v in x], rtol=4e-16, atol=1e-16)


def test_erf_special_values_and_float32():
    y = erf_array(np, np.array([np.inf, -np.inf, np.nan]))
    assert y[0] == 1 and y[1] == -1 and np.isnan(y[2])
    y32 = erf(tg.tensor([0.5, -2.0], dtype=tg.float32))
    assert y32.dtype is tg.float32
    np.testing.assert_allclose(y32.numpy(), [math.erf(0.5), math.erf(-2.0)], rtol=1e-6)


@settings(max_examples=6)  # elementwise on a smooth function: shapes add no edges
@given(shape=shapes(1, 2, 1, 4), seed=seeds)
def test_erf_derivatives(shape, seed):
    check_derivatives(erf, leaf(arrays(shape, -3, 3, seed=seed)), seed=seed)


@pytest.mark.parametrize("name,fn,kinks,span", CASES, ids=IDS)
def test_float32_stays_float32(name, fn, kinks, span):
    x = tg.tensor(arrays((2, 3), -span, span, away_from=kinks, seed=2), dtype=tg.float32, requires_grad=True)
    y = fn(F, x)
    y.sum().backward()
    assert y.dtype is tg.float32 and x.grad.dtype is tg.float32


@pytest.mark.parametrize("fn", [F.relu, F.relu6, F.leaky_relu, F.elu, F.silu, F.hardtanh])
def test_inplace_is_accepted(fn):
    x = tg.tensor([-1.5, 0.5, 7.0])
    np.testing.assert_array_equal(fn(x, inplace=True).numpy(), fn(x).numpy())


@pytest.mark.parametrize("name,fn,kinks,span", [c for c in CASES if c[2]], ids=[c[0] for c in CASES if c[2]])
def test_derivative_at_the_kinks_follows_torch(name, fn, kinks, span):
    # the derivative chosen at a kink: relu'(0) = 0, hardtanh' = 0 at its limits (clamp's is 1), ...
    # (second derivatives at a kink are a convention nobody relies on: not compared)
    points = np.array(kinks + [k + 0.5 for k in kinks] + [k - 0.5 for k in kinks])
    compare_with_torch(fn, points, second_order=False)


def test_softmax_of_a_zero_dim_tensor_is_one():
    assert F.softmax(tg.tensor(3.0), dim=0).item() == 1.0
    assert F.log_softmax(tg.tensor(3.0), dim=0).item() == 0.0


def test_softmax_rows_sum_to_one_and_implicit_dim():
    x = tg.tensor(arrays((3, 4), seed=3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.numpy().sum(1), 1.0, rtol=1e-6)  # dim=None picks 1 for 2-D


def test_softplus_switches_to_identity_above_threshold():
    x = tg.tensor([30.0, 5.0], dtype=tg.float64)
    y = F.softplus(x, beta=1.0, threshold=20.0).numpy()
    assert y[0] == 30.0 and y[1] == pytest.approx(math.log1p(math.exp(5.0)), rel=1e-15)


def test_hardtanh_rejects_min_above_max():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(tg.tensor([1.0]), 2.0, 1.0)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate argument must be either none or tanh"):
        F.gelu(tg.tensor([1.0]), approximate="fast")


def test_integer_input_is_promoted_to_float():
    y = F.silu(tg.tensor([1, -2]))
    assert y.dtype is tg.float32
