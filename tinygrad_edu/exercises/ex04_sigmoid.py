"""Exercise 04: a Sigmoid Function, its backward checked by finite differences, and the 0.25 bound."""
from .. import backend
from ..autograd import GradcheckError, gradcheck
from ..tensor import Tensor
from .checking import CheckFailed, as_array, expect_close, num

NUMBER, STEM, TITLE = "04", "04_sigmoid", "a Sigmoid Function with backward; its derivative is at most 0.25"
np = backend.np

POINTS = [-3.0, -0.5, 0.3, 1.0, 4.0]


def true_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def fd_derivative(x, eps: float = 1e-6):
    """The slope of the true sigmoid by central differences (not by the formula the student writes)."""
    return (true_sigmoid(x + eps) - true_sigmoid(x - eps)) / (2 * eps)


def student_grad(ex, xs, upstream):
    x = Tensor(np.array(xs, dtype=np.float64), requires_grad=True)
    y = ex.Sigmoid.apply(x)
    (y * Tensor(np.array(upstream, dtype=np.float64))).sum().backward()
    if x.grad is None:
        raise CheckFailed("after backward x.grad is None: does backward return the gradient for x?")
    return as_array(y, "Sigmoid.apply(x)"), as_array(x.grad, "x.grad")


def check_points(ex, xs) -> None:
    """Backward at each x against finite differences, with an upstream gradient of 1 and then of 3."""
    _, g1 = student_grad(ex, xs, np.ones(len(xs)))
    fd = fd_derivative(np.array(xs))
    for x, g, d in zip(xs, g1, fd):
        if not np.isclose(g, d, rtol=1e-5, atol=1e-8):
            raise CheckFailed(f"your backward gives {num(g)} at x={num(x)}; finite differences give {num(d)}")
    _, g3 = student_grad(ex, xs, 3 * np.ones(len(xs)))
    if not np.allclose(g3, 3 * fd, rtol=1e-5, atol=1e-8):
        raise CheckFailed(f"with an incoming gradient of 3 your backward gives {num(g3[0])} at x={num(xs[0])}; "
                          f"it should be 3 x {num(fd[0])} = {num(3 * fd[0])} (multiply by the incoming gradient: "
                          "the chain rule)")


def check_hypothesis(ex) -> str:
    """Backward at inputs Hypothesis draws; falls back to a seeded random draw without Hypothesis."""
    try:
        from hypothesis import given, settings, strategies as st  # late: an optional (dev) dependency
        from hypothesis.reporting import with_reporter
    except ImportError:
        check_points(ex, list(np.random.default_rng(4).uniform(-20, 20, 50)))
        return "50 random inputs in [-20, 20] (install hypothesis for a smarter search)"

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(st.floats(-20, 20, allow_nan=False))
    def backward_matches(x):
        check_points(ex, [x])

    with with_reporter(lambda *a: None):  # the failure below already says which x
        backward_matches()
    return "60 inputs in [-20, 20] drawn by Hypothesis"


def check(ex, ok) -> None:
    xs = np.array(POINTS)
    y = as_array(ex.Sigmoid.apply(Tensor(xs.copy())), "Sigmoid.apply(x)")
    expect_close(y, true_sigmoid(xs), "forward", "1 / (1 + e^-x)", rtol=1e-7)
    ok("forward gives 1 / (1 + e^-x)")
    check_points(ex, POINTS)
    ok("backward agrees with finite differences at x = " + ", ".join(num(x) for x in POINTS)
       + ", and multiplies the incoming gradient")
    try:
        gradcheck(ex.Sigmoid.apply, (Tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True),))
    except GradcheckError as e:
        raise CheckFailed("gradcheck on a random 3x4 input fails (element by element, backward and finite "
                          f"differences differ):\n{e}") from None
    ok("gradcheck passes on a random 3x4 input")
    ok(check_hypothesis(ex))

    grid = np.linspace(-10, 10, 2001)
    expect_close(ex.sigmoid_derivative(grid.copy()), fd_derivative(grid), "sigmoid_derivative",
                 "finite differences", rtol=1e-5)
    wide = as_array(ex.sigmoid_derivative(np.linspace(-50, 50, 100001)), "sigmoid_derivative")
    if wide.max() > 0.25 + 1e-12:
        raise CheckFailed(f"your sigmoid_derivative reaches {num(wide.max())}, above 0.25")
    x_star, top = ex.largest_derivative()
    if not (abs(x_star) < 0.05 and abs(top - 0.25) < 1e-4):
        raise CheckFailed(f"largest_derivative() says the largest slope is {num(top)} at x={num(x_star)}; "
                          "look again where y(1 - y) is largest (what is y there?)")
    ok("the derivative peaks at 0.25 at x = 0, so each sigmoid layer shrinks gradients by 4x or more")
