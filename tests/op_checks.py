"""Shared checks for the nn-op tests (activations, losses, normalisation, dropout, padding).

``check_derivatives``: first and second derivatives against central finite differences.
``compare_with_torch``: values, gradients and Hessian-vector products against PyTorch in float64,
running one function ``fn(F, *tensors)`` with ``F`` either module's ``nn.functional``.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck

TOL = dict(rtol=1e-10, atol=1e-12)


def check_derivatives(fn, *inputs, seed: int = 0) -> None:
    """gradcheck and gradgradcheck (default tolerances) of ``fn`` at ``inputs`` (float64 leaves)."""
    assert gradcheck(fn, inputs)
    tg.manual_seed(seed)  # gradgradcheck draws its random grad_outputs from the default generator
    assert gradgradcheck(fn, inputs)


def _grads(lib, out, xs, g, create_graph):
    if not xs or not out.requires_grad:
        return [None] * len(xs)
    return list(lib.autograd.grad(out, xs, g, create_graph=create_graph, allow_unused=True))


def _as_numpy(t, like):
    if t is None:
        return np.zeros(like.shape)
    return t.detach().numpy(force=True)  # force: PyTorch's lazy ZeroTensor has no plain numpy()


def _run(lib, functional, fn, arrays, constant, g, v):
    """Output, gradient and Hessian-vector product (d/dx of <grad, v>) of fn in one framework."""
    ts = [lib.tensor(a, requires_grad=(a.dtype.kind == "f" and i not in constant)) for i, a in enumerate(arrays)]
    xs = [t for t in ts if t.requires_grad]
    out = fn(functional, *ts)
    go = lib.tensor(g.reshape(tuple(out.shape)))
    grads = _grads(lib, out, xs, go, create_graph=True)
    pairs = [(gr * lib.tensor(vi)).sum() for gr, vi in zip(grads, v) if gr is not None and gr.requires_grad]
    hvp = [None] * len(xs)
    if pairs:
        total = pairs[0]
        for p in pairs[1:]:
            total = total + p
        hvp = _grads(lib, total, xs, None, create_graph=False)
    return out, [_as_numpy(gr, x) for gr, x in zip(grads, xs)], [_as_numpy(h, x) for h, x in zip(hvp, xs)]


def compare_with_torch(fn, *arrays, constant=(), seed: int = 0, second_order: bool = True, **tol) -> None:
    """Run ``fn(F, *tensors)`` with tinygrad_edu and with PyTorch on the same float64 data (integer
    arrays become index tensors; float arrays leaves requiring grad, except positions in
    ``constant``), and assert equal outputs, gradients and (unless ``second_order=False``) second
    derivatives."""
    torch = pytest.importorskip("torch")
    tol = {**TOL, **tol}
    arrays = [np.asarray(a) for a in arrays]
    with torch.no_grad():
        shape = tuple(fn(torch.nn.functional, *[torch.tensor(a) for a in arrays]).shape)
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(shape)
    v = [rng.standard_normal(a.shape) for i, a in enumerate(arrays) if a.dtype.kind == "f" and i not in constant]
    ours = _run(tg, F, fn, arrays, constant, g, v)
    theirs = _run(torch, torch.nn.functional, fn, arrays, constant, g, v)
    assert tuple(ours[0].shape) == tuple(theirs[0].shape)
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), equal_nan=True, **tol)
    checks = [("gradient", ours[1], theirs[1])] + [("second derivative", ours[2], theirs[2])] * second_order
    for what, a, b in checks:
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, err_msg=f"{what} of input {i}", **tol)
