"""Exercise 05: ReLU and MaxPool2d Functions, checked against finite differences and the library."""
from .. import backend
from ..autograd import GradcheckError, gradcheck
from ..nn import functional as F
from ..tensor import Tensor
from .checking import CheckFailed, as_array, expect_close, num

NUMBER, STEM, TITLE = "05", "05_relu_maxpool", "ReLU and MaxPool2d Functions with backward (tie rule)"
np = backend.np


def grads(fn, x, upstream):
    """(output, d sum(output * upstream) / dx) of ``fn`` at the float64 array ``x``."""
    t = Tensor(np.array(x, dtype=np.float64), requires_grad=True)
    out = fn(t)
    (out * Tensor(np.asarray(upstream, dtype=np.float64))).sum().backward()
    if t.grad is None:
        raise CheckFailed("after backward x.grad is None: does backward return the gradient for x?")
    return as_array(out, "forward"), as_array(t.grad, "x.grad")


def run_gradcheck(fn, x, what: str) -> None:
    try:
        gradcheck(fn, (Tensor(x, requires_grad=True),))
    except GradcheckError as e:
        raise CheckFailed(f"gradcheck of {what} fails (backward and finite differences differ):\n{e}") from None


def check_relu(ex, ok) -> None:
    xs = np.array([-2.0, -0.3, 0.4, 1.5, 3.0])
    y, g = grads(ex.ReLU.apply, xs, np.full(5, 2.0))
    expect_close(y, np.maximum(xs, 0), "ReLU forward", "max(0, x)")
    fd = (np.maximum(xs + 1e-6, 0) - np.maximum(xs - 1e-6, 0)) / 2e-6
    for x, gi, d in zip(xs, g, 2 * fd):
        if not np.isclose(gi, d, atol=1e-6):
            raise CheckFailed(f"with an incoming gradient of 2 your ReLU backward gives {num(gi)} at x={num(x)}; "
                              f"finite differences give {num(d)}")
    _, g0 = grads(ex.ReLU.apply, np.zeros(3), np.ones(3))
    if np.any(g0 != 0):
        raise CheckFailed(f"your ReLU backward gives {num(g0[0])} at x=0; the rule is that the derivative at 0 "
                          "is 0 (as in PyTorch)")
    away_from_0 = np.random.default_rng(5).choice([-1, 1], (3, 4)) * np.linspace(0.1, 2, 12).reshape(3, 4)
    run_gradcheck(ex.ReLU.apply, away_from_0, "ReLU on a 3x4 input (away from 0)")
    ok("ReLU: forward, backward vs finite differences, derivative 0 at x = 0, gradcheck")


def check_pool(ex, ok) -> None:
    rng = np.random.default_rng(6)
    for shape, k, s in [((1, 1, 4, 4), 2, 2), ((2, 3, 6, 6), 2, 2), ((2, 2, 7, 5), 3, 2), ((1, 2, 5, 5), 3, 1)]:
        x = rng.permutation(np.prod(shape)).reshape(shape) / 7.0  # distinct values: no ties here
        what = f"MaxPool2d (input {'x'.join(map(str, shape))}, kernel {k}, stride {s})"
        ref = Tensor(x.copy(), requires_grad=True)
        want = F.max_pool2d(ref, k, s)
        upstream = rng.normal(size=tuple(want.shape))
        (want * Tensor(upstream)).sum().backward()
        y, g = grads(lambda t: ex.MaxPool2d.apply(t, k, s), x, upstream)
        expect_close(y, backend.to_numpy(want.array), f"{what} forward", "F.max_pool2d")
        expect_close(g, backend.to_numpy(ref.grad.array), f"{what} gradient", "F.max_pool2d's backward"
                     + (" (overlapping windows: an input in two windows gets both gradients, added)" if k > s else ""))
    ok("MaxPool2d: forward and backward equal F.max_pool2d, overlapping windows included")
    run_gradcheck(lambda t: ex.MaxPool2d.apply(t, 2, 2), rng.permutation(32).reshape(1, 2, 4, 4) / 5.0,
                  "MaxPool2d on a 1x2x4x4 input")
    ok("MaxPool2d: gradcheck passes")
    _, g = grads(lambda t: ex.MaxPool2d.apply(t, 2, 2), np.ones((1, 1, 2, 2)), np.ones((1, 1, 1, 1)))
    want = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    if not np.array_equal(g, want):
        raise CheckFailed(f"on a 2x2 window of four equal values your gradient is {g[0, 0].tolist()}; the tie rule "
                          "gives all of it to the first maximum, reading row by row: [[1, 0], [0, 0]]")
    ok("tie rule: in a window of equal values the first (top-left) one gets the gradient")


def check(ex, ok) -> None:
    check_relu(ex, ok)
    check_pool(ex, ok)
