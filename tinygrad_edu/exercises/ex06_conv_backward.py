"""Exercise 06: Conv2d backward (input, weight and bias gradients) against finite differences."""
from .. import backend
from ..autograd import GradcheckError, gradcheck
from ..nn import functional as F
from ..tensor import Tensor
from .checking import CheckFailed, as_array, expect_close, finite_difference

NUMBER, STEM, TITLE = "06", "06_conv_backward", "Conv2d backward: input, weight and bias gradients"
np = backend.np

CASES = [  # x shape, w shape, stride, pad
    ((1, 1, 4, 4), (1, 1, 3, 3), 1, 0), ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1), ((1, 2, 7, 6), (3, 2, 3, 2), 2, 1)]


def library_loss(x, w, b, g, stride, pad) -> float:
    """sum(conv(x, w, b) * g) with the library's forward: the function whose slopes we compare."""
    out = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=pad)
    return float((backend.to_numpy(out.array) * g).sum())


def check(ex, ok) -> None:
    rng = np.random.default_rng(7)
    for xs, ws, s, p in CASES:
        x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])
        tx, tw, tb = (Tensor(a.copy(), requires_grad=True) for a in (x, w, b))
        out = ex.Conv2d.apply(tx, tw, tb, s, p)
        g = rng.normal(size=tuple(out.shape))
        (out * Tensor(g)).sum().backward()
        where = f"(input {'x'.join(map(str, xs))}, filters {'x'.join(map(str, ws))}, stride {s}, pad {p})"
        for name, t, fd in [
            ("bias gradient", tb, lambda: finite_difference(lambda v: library_loss(x, w, v, g, s, p), b)),
            ("weight gradient", tw, lambda: finite_difference(lambda v: library_loss(x, v, b, g, s, p), w)),
            ("input gradient", tx, lambda: finite_difference(lambda v: library_loss(v, w, b, g, s, p), x)),
        ]:
            if t.grad is None:
                raise CheckFailed(f"after backward the {name} is None: return dx, dw, db, None, None")
            expect_close(as_array(t.grad, name), fd(), f"{name} {where}", "finite differences", rtol=1e-5, atol=1e-6)
    ok("bias, weight and input gradients agree with finite differences for 3 shapes (strides and padding)")
    x = Tensor(rng.normal(size=(1, 2, 5, 5)), requires_grad=True)
    w = Tensor(rng.normal(size=(2, 2, 3, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=2), requires_grad=True)
    try:
        gradcheck(lambda x, w, b: ex.Conv2d.apply(x, w, b, 2, 1), (x, w, b))
    except GradcheckError as e:
        raise CheckFailed(f"gradcheck fails (stride 2, pad 1):\n{e}") from None
    ok("gradcheck passes with stride 2 and padding 1")
