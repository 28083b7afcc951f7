"""Numerical stability at extreme inputs (+-1e4) in float32 and float64.

Naive formulas overflow here: e^10000 is inf in any float type, so softmax(x) = e^x / sum e^x
gives inf / inf = nan. The ops subtract the maximum first (or use e^-|x|), so values and gradients
stay finite and exact. Each check runs with NumPy raising on overflow, division by zero and
invalid operations, and with warnings turned into errors.

Underflow is allowed: e^-20000 rounding to 0 is the correct answer, not an accident.

NaN and inf inputs are a different matter: they must propagate exactly as PyTorch's do.
"""
import contextlib
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

BIG = 1e4
X = [-BIG, 0.0, BIG]
DTYPES = [tg.float32, tg.float64]


@contextlib.contextmanager
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def run(fn, values, dtype, upstream=None):
    """fn at ``values`` and the gradient of sum(upstream * fn) (upstream = ones by default)."""
    x = tg.tensor(values, dtype=dtype, requires_grad=True)
    with strict():
        y = fn(x)
        g = tg.ones(*y.shape, dtype=dtype) if upstream is None else tg.tensor(upstream, dtype=dtype)
        (y * g).sum().backward()
    assert y.dtype is dtype and x.grad.dtype is dtype
    out, grad = y.detach().numpy(), x.grad.numpy()
    assert np.isfinite(out).all() and np.isfinite(grad).all()
    return out, grad


def close(actual, expected, dtype):
    rtol = 1e-6 if dtype is tg.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol)


# (id, fn, value, gradient of sum(fn) at X = [-1e4, 0, 1e4])
ELEMENTWISE = [
    ("sigmoid", F.sigmoid, [0.0, 0.5, 1.0], [0.0, 0.25, 0.0]),
    ("tanh", F.tanh, [-1.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
    ("softplus", F.softplus, [0.0, math.log(2.0), BIG], [0.0, 0.5, 1.0]),
    ("softplus_beta", lambda x: F.softplus(x, beta=3.0, threshold=1e9), [0.0, math.log(2.0) / 3, BIG],
     [0.0, 0.5, 1.0]),
    ("silu", F.silu, [-0.0, 0.0, BIG], [0.0, 0.5, 1.0]),
    ("gelu", F.gelu, [-0.0, 0.0, BIG], [0.0, 0.5, 1.0]),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [-0.0, 0.0, BIG], [0.0, 0.5, 1.0]),
    ("elu", F.elu, [-1.0, 0.0, BIG], [0.0, 1.0, 1.0]),
    ("softmax", lambda x: F.softmax(x, 0), [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]),
    ("log_softmax", lambda x: F.log_softmax(x, 0), [-2 * BIG, -BIG, 0.0], [1.0, 1.0, -2.0]),
    ("logsumexp", lambda x: x.logsumexp(0), BIG, [0.0, 0.0, 1.0]),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name,fn,value,grad", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_extreme_inputs_give_finite_exact_values_and_gradients(name, fn, value, grad, dtype):
    out, g = run(fn, X, dtype)
    close(out, value, dtype)
    close(g, grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_softmax_gradient_with_upstream_weights(dtype):
    # dx = y * (g - sum(g y)) with y = [0, 0, 1]: zero everywhere, however large g is
    _, g = run(lambda x: F.softmax(x, 0), X, dtype, upstream=[1.0, 2.0, 3.0])
    close(g, [0.0, 0.0, 0.0], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_at_extreme_logits(dtype, label_smoothing):
    target = tg.tensor([0, 2])

    def fn(x):
        return F.cross_entropy(x, target, reduction="none", label_smoothing=label_smoothing)
    out, g = run(fn, [X, X], dtype)
    e = label_smoothing
    # -log p: the true class 0 has log p = -2e4, class 2 has log p = 0; smoothing adds e/3 * sum(-log p)
    close(out, [(1 - e) * 2 * BIG + e / 3 * 3 * BIG, e / 3 * 3 * BIG], dtype)
    close(g, [[-(1 - e) - e / 3 + 0, -e / 3, 1 - e / 3], [-e / 3, -e / 3, 1 - (1 - e) - e / 3]], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_binary_cross_entropy_with_logits_at_extreme_logits(dtype):
    y = tg.tensor([1.0, 0.0, 1.0, 0.0], dtype=dtype)
    out, g = run(lambda x: F.binary_cross_entropy_with_logits(x, y, reduction="none"), [-BIG, BIG, BIG, -BIG], dtype)
    close(out, [BIG, BIG, 0.0, 0.0], dtype)
    close(g, [-1.0, 1.0, 0.0, 0.0], dtype)                     # sigmoid(x) - y
    pw = tg.tensor([3.0, 3.0, 3.0, 3.0], dtype=dtype)
    out, g = run(lambda x: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="sum"),
                 [-BIG, BIG, BIG, -BIG], dtype)
    close(out, 3 * BIG + BIG, dtype)
    close(g, [-3.0, 1.0, 0.0, 0.0], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_binary_cross_entropy_of_saturated_sigmoid_is_clamped(dtype):
    y = tg.tensor([1.0, 0.0], dtype=dtype)
    out, _ = run(lambda x: F.binary_cross_entropy(x.sigmoid(), y, reduction="none"), [-BIG, BIG], dtype)
    close(out, [100.0, 100.0], dtype)                          # log 0 clamped at -100, as PyTorch


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_batch_and_layer_norm_of_huge_values(dtype):
    out, g = run(lambda x: F.layer_norm(x, (3,)), X, dtype)
    close(out, [-math.sqrt(1.5), 0.0, math.sqrt(1.5)], dtype)
    out, _ = run(lambda x: F.batch_norm(x.reshape(3, 1), None, None, training=True), X, dtype)
    close(out.reshape(-1), [-math.sqrt(1.5), 0.0, math.sqrt(1.5)], dtype)


# ----------------------------------------------------------------------------- nan and inf
INF, NAN = float("inf"), float("nan")
SPECIAL = [
    [INF, 1.0, 2.0],
    [-INF, 1.0, 2.0],
    [-INF, -INF, -INF],
    [NAN, 1.0, 2.0],
    [INF, -INF, 0.0],
]
# fn(F, x, t): F either framework's nn.functional, t the class index tensor [1]
PROPAGATING = [
    ("softmax", lambda F, x, t: F.softmax(x, -1)),
    ("log_softmax", lambda F, x, t: F.log_softmax(x, -1)),
    ("sigmoid", lambda F, x, t: F.sigmoid(x)),
    ("tanh", lambda F, x, t: F.tanh(x)),
    ("softplus", lambda F, x, t: F.softplus(x)),
    ("relu", lambda F, x, t: F.relu(x)),
    ("relu6", lambda F, x, t: F.relu6(x)),
    ("leaky_relu", lambda F, x, t: F.leaky_relu(x, 0.1)),
    ("hardtanh", lambda F, x, t: F.hardtanh(x)),
    ("elu", lambda F, x, t: F.elu(x)),
    ("gelu", lambda F, x, t: F.gelu(x)),
    ("silu", lambda F, x, t: F.silu(x)),
    ("cross_entropy", lambda F, x, t: F.cross_entropy(x.reshape(1, 3), t)),
    ("bce_with_logits", lambda F, x, t: F.binary_cross_entropy_with_logits(x, x * 0 + 0.5, reduction="none")),
]


def _value_and_grad(lib, fn, values):
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    y = fn(lib.nn.functional, x, lib.tensor([1]))
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("values", SPECIAL, ids=str)
@pytest.mark.parametrize("name,fn", PROPAGATING, ids=[c[0] for c in PROPAGATING])
def test_nan_and_inf_propagate_as_in_torch(name, fn, values):
    torch = pytest.importorskip("torch")
    with np.errstate(all="ignore"):
        ours = _value_and_grad(tg, fn, values)
    theirs = _value_and_grad(torch, fn, values)
    for what, a, b in zip(("value", "gradient"), ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True, err_msg=what)
