"""Check analytical gradients against central finite differences, as PyTorch's gradcheck does.

For f: R^n -> R^m the Jacobian column j is (f(x + eps e_j) - f(x - eps e_j)) / (2 eps). The
analytical Jacobian comes from one backward per output element. Use float64: in float32 the
rounding error of the difference quotient swamps the tolerance.
"""
from __future__ import annotations

import warnings
from typing import Callable, Sequence

from .. import backend
from ..backend import default_generator
from ..tensor import Tensor
from .grad_mode import enable_grad, no_grad
from .. import autograd as _autograd  # (its grad() is defined after this module is imported)


class GradcheckError(RuntimeError):
    pass


def _inputs(inputs):
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _flat_outputs(out):
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _host(t):
    """A tensor's values as a flat NumPy copy: the comparison runs on the host, whatever the device."""
    return backend.to_numpy(t.array).reshape(-1).copy()


def _numerical(fn, inputs, eps):
    """Jacobians by central differences: one per (input, output) pair, shape (in.numel, out.numel)."""
    jac = []
    with no_grad():
        for x in inputs:
            if not (hasattr(x, "requires_grad") and x.requires_grad):
                jac.append(None)
                continue
            arr = x.array  # perturbed in place, one element at a time (any layout, even a view)
            cols = []
            for j in range(arr.size):
                idx = tuple(int(i) for i in backend.np.unravel_index(j, arr.shape))
                orig = arr[idx].item()
                arr[idx] = orig + eps
                plus = [_host(o) for o in _flat_outputs(fn(*inputs))]
                arr[idx] = orig - eps
                minus = [_host(o) for o in _flat_outputs(fn(*inputs))]
                arr[idx] = orig
                cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
            jac.append(cols)
    return jac


def _analytical(fn, inputs, create_graph=False):
    outs = _flat_outputs(fn(*inputs))
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    jac = {id(x): [] for x in diff_inputs}  # per input: per output element, the gradient row
    for k, out in enumerate(outs):
        for i in range(out.numel()):
            if not out.requires_grad:  # an output that does not depend on any input: zero rows
                grads = [None] * len(diff_inputs)
            else:
                g = out.xp.zeros(out.shape, dtype=out.array.dtype)
                g.reshape(-1)[i] = 1
                grads = _autograd.grad(out, diff_inputs, Tensor._make(g), retain_graph=True, allow_unused=True)
            for x, gx in zip(diff_inputs, grads):
                row = _host(gx) if gx is not None else backend.np.zeros(x.numel())
                jac[id(x)].append((k, i, row))
    return outs, jac


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """True when ``func``'s backward agrees with finite differences for every input requiring grad."""
    inputs = _inputs(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.name != "float64":
            warnings.warn(f"gradcheck: input {i} is {x.dtype.name}, not float64; the check may fail from "
                          "rounding alone", stacklevel=2)
    numerical = _numerical(func, inputs, eps)
    outs, analytical = _analytical(func, inputs)
    for idx, (x, num) in enumerate(zip(inputs, numerical)):
        if num is None:
            continue
        rows = analytical[id(x)]
        for k, i, row in rows:
            n_col = backend.np.asarray([num[j][k][i] for j in range(x.numel())])
            if not backend.np.allclose(row, n_col, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {k} (element {i}) with respect to input {idx},\n"
                       f"numerical:{n_col}\nanalytical:{row}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **_ignored) -> bool:
    """gradcheck applied to the gradient itself: checks that backward is differentiable and right."""
    inputs = _inputs(inputs)
    outs = _flat_outputs(func(*inputs))
    if grad_outputs is None:
        grad_outputs = []
        for o in outs:
            rng = default_generator.rng(o.xp)
            g = Tensor._make(rng.standard_normal(o.shape).astype(o.array.dtype))
            g.requires_grad = True
            grad_outputs.append(g)
    grad_outputs = list(grad_outputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    n = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n], args[n:]
        with enable_grad():  # the numerical pass runs under no_grad, but a first gradient needs a graph
            ys = _flat_outputs(func(*xs))
            gs = _autograd.grad(ys, [x for x in xs if isinstance(x, Tensor) and x.requires_grad], list(gos),
                               create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
