"""Step 6 · Function with ctx: one shape for every op.

Step 5 wrote each op's backward as lambdas inside the Tensor class. Real frameworks (PyTorch,
DeZero, tinygrad_edu) give every op the same form instead: a Function with ``forward(ctx, ...)``
on plain arrays and ``backward(ctx, grad)`` returning one gradient per input. ``ctx`` is a
notebook shared by the two: forward writes into it (``ctx.save_for_backward``) what backward
will need. ``apply`` runs forward and records the node; adding an op no longer touches Tensor.

Run: python examples/build/step6_function.py    Page: docs/build/step6_function.md
"""
import numpy as np

from step3_topological_sort import topological_order
from step5_tensor import unbroadcast


class Tensor:
    def __init__(self, data, requires_grad=False):
        self.data, self.grad, self.requires_grad = np.asarray(data, dtype=np.float64), None, requires_grad
        self.parents, self.ctx, self.fn = (), None, None     # filled in by Function.apply

    def __add__(self, other): return Add.apply(self, other)
    def __mul__(self, other): return Mul.apply(self, other if isinstance(other, Tensor) else Tensor(other))
    def __matmul__(self, other): return MatMul.apply(self, other)
    def sum(self): return Sum.apply(self)
    def relu(self): return ReLU.apply(self)

    def backward(self):
        order = topological_order(self)
        for t in order:
            t.grad = np.zeros_like(t.data) if t.parents or t.grad is None else t.grad  # leaves accumulate
        self.grad = np.ones_like(self.data)
        for t in reversed(order):
            if t.fn is not None:
                for parent, g in zip(t.parents, t.fn.backward(t.ctx, t.grad)):
                    parent.grad = parent.grad + g


class Context:
    def save_for_backward(self, *arrays): self.saved = arrays


class Function:
    @classmethod
    def apply(cls, *inputs):
        ctx = Context()
        out = Tensor(cls.forward(ctx, *[t.data for t in inputs]))
        if any(t.requires_grad or t.parents for t in inputs):   # record only what needs a gradient
            out.parents, out.ctx, out.fn = inputs, ctx, cls
        return out


class Add(Function):        # z = a + b;  da = dz, db = dz (summed back to each shape)
    def forward(ctx, a, b): ctx.shapes = a.shape, b.shape; return a + b
    def backward(ctx, g): return unbroadcast(g, ctx.shapes[0]), unbroadcast(g, ctx.shapes[1])


class Mul(Function):        # z = a * b;  da = dz * b, db = dz * a
    def forward(ctx, a, b): ctx.save_for_backward(a, b); return a * b
    def backward(ctx, g): a, b = ctx.saved; return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)


class MatMul(Function):     # Z = A @ B;  dA = dZ @ B.T, dB = A.T @ dZ
    def forward(ctx, a, b): ctx.save_for_backward(a, b); return a @ b
    def backward(ctx, g): a, b = ctx.saved; return g @ b.T, a.T @ g


class Sum(Function):        # s = sum(x);  dx = ds everywhere
    def forward(ctx, x): ctx.shape = x.shape; return x.sum()
    def backward(ctx, g): return (np.broadcast_to(g, ctx.shape),)


class ReLU(Function):       # y = max(0, x);  dx = dy where x > 0
    def forward(ctx, x): ctx.save_for_backward(x); return np.maximum(x, 0)
    def backward(ctx, g): x, = ctx.saved; return (g * (x > 0),)


def main():
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(5, 4)))
    w, b = Tensor(rng.normal(size=(4, 3)), requires_grad=True), Tensor(rng.normal(size=3), requires_grad=True)
    loss = ((x @ w + b).relu() * 0.5).sum()
    loss.backward()
    active = (x.data @ w.data + b.data) > 0               # the same gradients, written out by hand
    assert np.allclose(b.grad, 0.5 * active.sum(axis=0)) and np.allclose(w.grad, x.data.T @ (0.5 * active))
    assert x.fn is None and loss.fn is Sum and loss.parents[0].fn is Mul
    return w, b


if __name__ == "__main__":
    main()
    print("step 6 ok: ops are Functions with forward(ctx, ...) and backward(ctx, grad)")
