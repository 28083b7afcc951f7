"""tinygrad_edu.backends (device probes), autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp)
against PyTorch, and nn.init.orthogonal_ (orthogonality, gain, shapes)."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import functional as AF

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((3,)), RNG.standard_normal((2, 3))


def f(lib):
    return lambda x, w: lib.tanh(w @ x) * (x ** 2).sum()


def scalar(lib):
    return lambda x, w: (lib.tanh(w @ x) ** 2).sum() + (x ** 3).sum()


def _close(a, b):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    else:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_jacobian_and_hessian_match_torch():
    ins_t, ins_o = (torch.tensor(A), torch.tensor(B)), (tg.tensor(A), tg.tensor(B))
    _close(AF.jacobian(f(tg), ins_o), torch.autograd.functional.jacobian(f(torch), ins_t))
    _close(AF.jacobian(lambda x: x.exp() * x.sum(), tg.tensor(A)),
           torch.autograd.functional.jacobian(lambda x: x.exp() * x.sum(), torch.tensor(A)))
    _close(AF.hessian(scalar(tg), ins_o), torch.autograd.functional.hessian(scalar(torch), ins_t))
    _close(AF.hessian(lambda x: (x ** 4).sum(), tg.tensor(A)),
           torch.autograd.functional.hessian(lambda x: (x ** 4).sum(), torch.tensor(A)))
    j = AF.jacobian(lambda x: x ** 2, tg.tensor([1.0, 3.0]))
    assert j.tolist() == [[2.0, 0.0], [0.0, 6.0]]  # by hand


def test_products_match_torch():
    ins_t, ins_o = (torch.tensor(A), torch.tensor(B)), (tg.tensor(A), tg.tensor(B))
    v_out = RNG.standard_normal(2)
    v_in = (RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    _close(AF.vjp(f(tg), ins_o, tg.tensor(v_out)), torch.autograd.functional.vjp(f(torch), ins_t, torch.tensor(v_out)))
    _close(AF.jvp(f(tg), ins_o, tuple(map(tg.tensor, v_in))),
           torch.autograd.functional.jvp(f(torch), ins_t, tuple(map(torch.tensor, v_in))))
    for name in ("hvp", "vhp"):
        _close(getattr(AF, name)(scalar(tg), ins_o, tuple(map(tg.tensor, v_in))),
               getattr(torch.autograd.functional, name)(scalar(torch), ins_t, tuple(map(torch.tensor, v_in))))
    _close(AF.vjp(lambda x: (x * x).sum(), tg.tensor(A)),
           torch.autograd.functional.vjp(lambda x: (x * x).sum(), torch.tensor(A)))


def test_create_graph_gives_differentiable_results():
    x = tg.tensor(A, requires_grad=True)
    _, jv = AF.jvp(lambda y: y.sin(), x, tg.ones(3, dtype=tg.float64), create_graph=True)
    jv.sum().backward()  # d/dx sum(cos x) = -sin x
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(A), rtol=1e-12)


def test_functional_errors():
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda x: x, [1.0])
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda x: x * 2, tg.ones(3))
    with pytest.raises(RuntimeError, match="single Tensor with a single element"):
        AF.hessian(lambda x: x * 2, tg.ones(3))


def test_backends_probe():
    assert tg.backends.mps.is_available() is False and tg.backends.mps.is_built() is False  # no Metal backend
    assert tg.backends.cudnn.is_available() == tg.cuda.is_available()
    tg.backends.cudnn.benchmark = True          # the usual line in training scripts: accepted
    tg.backends.cudnn.deterministic = True
    tg.backends.cuda.matmul.allow_tf32 = True
    device = "cuda" if tg.cuda.is_available() else "mps" if tg.backends.mps.is_available() else "cpu"
    assert device == ("cuda" if tg.cuda.is_available() else "cpu")


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3, 3)])
def test_orthogonal_init(shape):
    tg.manual_seed(0)
    w = tg.nn.Parameter(tg.empty(*shape, dtype=tg.float64))
    assert tg.nn.init.orthogonal_(w, gain=2.0) is w
    m = w.detach().numpy().reshape(shape[0], -1)
    small = m @ m.T if shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, 4.0 * np.eye(small.shape[0]), atol=1e-12)   # gain^2 I
    assert w.dtype is tg.float64 and w.requires_grad
    with pytest.raises(ValueError, match="2 or more dimensions"):
        tg.nn.init.orthogonal_(tg.empty(3))
