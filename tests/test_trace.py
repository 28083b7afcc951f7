"""How much code one ``loss.backward()`` walks through (issue 10): benchmarks/trace_backward.py traces
a conv -> relu -> maxpool -> flatten -> linear -> cross-entropy step with ``sys.setprofile`` and
counts the project functions entered outside the speed code (``kernels/``, ``backend.py``).

Before the readable-core redesign the walk entered 87 functions (12 files); afterwards 80 (and three
fewer once im2col and the max-pool scatter move from ``ops/`` to ``kernels/``). The bound holds the walk down so that it stays
readable; it is a count of code, not of time."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTIONS = 80 + 3
MAX_FILES = 12


def _trace_module():
    spec = importlib.util.spec_from_file_location("trace_backward", ROOT / "benchmarks" / "trace_backward.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_backward_walk_stays_small():
    tb = _trace_module()
    loss = tb.training_step()
    files, functions = tb.trace_backward(loss)
    names = {name for _, _, name in functions}
    # the walk really was traced: the engine's loop and the ops' backwards are in it
    assert {"run_backward", "call_backward", "backward"} <= names
    assert "autograd/engine.py" in files and "tensor.py" in files
    assert not any(f.startswith("kernels") or f == "backend.py" for f in files)
    assert len(functions) <= MAX_FUNCTIONS, sorted(functions)
    assert len(files) <= MAX_FILES, sorted(files)



def test_roots_are_checked_once_per_backward(monkeypatch):
    import tinygrad_edu as tg
    from tinygrad_edu import autograd
    calls = []
    real = autograd.check_roots
    monkeypatch.setattr(autograd, "check_roots", lambda roots: calls.append(len(roots)) or real(roots))
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert calls == [1]
    assert x.grad.tolist() == [2.0, 4.0]
    autograd.grad((x * 3).sum(), x)
    assert calls == [1, 1]
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(2).sum().backward()
