"""The build-the-engine track: each step runs as a script (asserting its own result), and its
engine agrees with truths it cannot see: finite differences, hand derivatives and tinygrad_edu."""
import math
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "examples" / "build"
STEPS = sorted(p.name for p in BUILD.glob("step*.py"))


@pytest.fixture(autouse=True, scope="module")
def build_on_path():
    sys.path.insert(0, str(BUILD))
    yield
    sys.path.remove(str(BUILD))


def test_eight_steps_with_pages_in_both_languages():
    assert len(STEPS) == 8
    for name in STEPS:
        lines = (BUILD / name).read_text(encoding="utf-8").count("\n")
        assert 30 <= lines <= 95, (name, lines)
        stem = name[:-3]
        for page in (ROOT / "docs" / "build" / f"{stem}.md", ROOT / "docs" / "ko" / "build" / f"{stem}.md"):
            text = page.read_text(encoding="utf-8")
            assert f"examples/build/{name}" in text and "tinygrad_edu/" in text, page


@pytest.mark.parametrize("name", STEPS)
def test_step_runs_as_a_script(name, capsys):
    runpy.run_path(str(BUILD / name), run_name="__main__")   # each script asserts its own result
    assert f"step {name[4]} ok" in capsys.readouterr().out


def test_step1_records_the_graph():
    from step1_value import Value
    a, b = Value(4.0), Value(0.5)
    c = a * b + 3
    assert c.data == 5.0 and c.op == "+" and c.parents[0].parents == (a, b)


def test_step3_gradients_match_finite_differences():
    from step3_topological_sort import Value, backward

    def f(x, y):
        return x * y * x + y * 3 + x
    x, y = Value(1.5), Value(-2.0)
    backward(f(x, y))
    h = 1e-6
    assert x.grad == pytest.approx((f(1.5 + h, -2.0) - f(1.5 - h, -2.0)) / (2 * h), rel=1e-6)
    assert y.grad == pytest.approx(1.5 ** 2 + 3)               # by hand: d/dy = x^2 + 3


@pytest.mark.parametrize("x", [-1.3, 0.2, 2.0])
def test_step4_ops_against_hand_derivatives(x):
    from step3_topological_sort import backward
    from step4_more_ops import Value
    cases = [(lambda v: v.tanh(), 1 - math.tanh(x) ** 2), (lambda v: v.exp(), math.exp(x)),
             (lambda v: v ** 3, 3 * x ** 2), (lambda v: (v * v + 1) ** -1, -2 * x / (x * x + 1) ** 2),
             (lambda v: v.sigmoid(), math.exp(-x) / (1 + math.exp(-x)) ** 2),
             (lambda v: v.relu(), 1.0 if x > 0 else 0.0), (lambda v: v / 4 - v, -0.75),
             (lambda v: Value(2.0) / v, -2 / x ** 2)]
    for op, dfdx in cases:
        v = Value(x)
        backward(op(v))
        assert v.grad == pytest.approx(dfdx, rel=1e-9, abs=1e-12)


def test_step5_unbroadcast_and_matmul_against_finite_differences():
    from step5_tensor import Tensor, unbroadcast
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(2, 3)), rng.normal(size=(3, 1)), rng.normal(size=(1, 1))
    ta, tb, tc = Tensor(a), Tensor(b), Tensor(c)
    ((ta @ tb + tc) * (ta @ tb + tc)).sum().backward()

    def loss(a_):
        return float((((a_ @ b) + c) ** 2).sum())
    fd = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[i] = 1e-6
        fd[i] = (loss(a + d) - loss(a - d)) / 2e-6
    assert np.allclose(ta.grad, fd, atol=1e-6)
    assert tc.grad.shape == (1, 1) and np.isclose(tc.grad.item(), (2 * (a @ b + c)).sum())
    assert unbroadcast(np.ones((2, 3, 4)), (3, 1)).tolist() == [[8.0]] * 3


def test_step6_agrees_with_tinygrad_edu():
    from step6_function import Tensor
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(6, 5)), rng.normal(size=(5, 4)), rng.normal(size=4)
    ours_w, ours_b = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    ((Tensor(x) @ ours_w + ours_b).relu() * Tensor(x[:, :4])).sum().backward()
    lib_w, lib_b = tg.tensor(w, requires_grad=True), tg.tensor(b, requires_grad=True)
    ((tg.tensor(x) @ lib_w + lib_b).relu() * tg.tensor(x[:, :4])).sum().backward()
    assert np.allclose(ours_w.grad, lib_w.grad.numpy()) and np.allclose(ours_b.grad, lib_b.grad.numpy())


def test_step7_module_finds_nested_parameters():
    from step7_module_sgd import Linear, Module
    rng = np.random.default_rng(0)

    class Two(Module):
        def __init__(self):
            self.first, self.rest = Linear(3, 4, rng), [Linear(4, 2, rng)]
    assert [p.data.shape for p in Two().parameters()] == [(3, 4), (4,), (4, 2), (2,)]


def test_step8_cross_entropy_against_tinygrad_edu():
    from step6_function import Tensor
    from step8_mlp_digits import CrossEntropy
    rng = np.random.default_rng(5)
    z, labels = rng.normal(size=(4, 10)), np.array([1, 0, 9, 3])
    ours = Tensor(z, requires_grad=True)
    loss = CrossEntropy.apply(ours, Tensor(labels))
    loss.backward()
    lib = tg.tensor(z, requires_grad=True)
    lib_loss = tg.nn.functional.cross_entropy(lib, tg.tensor(labels))
    lib_loss.backward()
    assert np.isclose(loss.data, lib_loss.item()) and np.allclose(ours.grad, lib.grad.numpy())
