"""Step 5 · From numbers to arrays: a Tensor on NumPy, with broadcasting undone.

A Tensor holds a whole NumPy array, and its grad is an array of the same shape. The graph and
the backward order are step 3's. Two things change:
* a local derivative is no longer a number but a rule, "given dL/d(out), return dL/d(input)",
  so each op stores a small function (``grad_fns``) instead of numbers;
* broadcasting. x + b with x of shape (4, 3) and b of shape (3,) adds b to every row, so b's
  gradient is the sum of the rows' gradients. ``unbroadcast`` sums the gradient back to the
  input's shape: over the leading axes broadcasting added, and over axes where the input had 1.

Run: python examples/build/step5_tensor.py    Page: docs/build/step5_tensor.md
"""
import numpy as np

from step3_topological_sort import topological_order


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the reverse of NumPy's broadcasting."""
    while grad.ndim > len(shape):                # axes broadcasting put in front
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):             # axes where the input had size 1
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    def __init__(self, data, parents=(), grad_fns=()):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.parents, self.grad_fns = parents, grad_fns   # grad_fns[i]: dL/dout -> dL/dparent_i

    def __add__(self, other):
        a, b = self.data, other.data
        return Tensor(a + b, (self, other), (lambda g: unbroadcast(g, a.shape), lambda g: unbroadcast(g, b.shape)))

    def __mul__(self, other):
        a, b = self.data, other.data
        return Tensor(a * b, (self, other),
                      (lambda g: unbroadcast(g * b, a.shape), lambda g: unbroadcast(g * a, b.shape)))

    def __matmul__(self, other):                 # (n, k) @ (k, m): dA = G @ B.T, dB = A.T @ G
        a, b = self.data, other.data
        return Tensor(a @ b, (self, other), (lambda g: g @ b.T, lambda g: a.T @ g))

    def sum(self):
        shape = self.data.shape
        return Tensor(self.data.sum(), (self,), (lambda g: np.broadcast_to(g, shape),))

    def backward(self):
        order = topological_order(self)
        for t in order:
            t.grad = np.zeros_like(t.data)
        self.grad = np.ones_like(self.data)
        for t in reversed(order):
            for parent, fn in zip(t.parents, t.grad_fns):
                parent.grad = parent.grad + fn(t.grad)


def main():
    rng = np.random.default_rng(0)
    x, w, b = Tensor(rng.normal(size=(4, 3))), Tensor(rng.normal(size=(3, 2))), Tensor(rng.normal(size=(2,)))
    loss = ((x @ w + b) * (x @ w + b)).sum()     # b is broadcast over the 4 rows
    loss.backward()
    assert b.grad.shape == (2,) and w.grad.shape == (3, 2)
    z = x.data @ w.data + b.data
    assert np.allclose(b.grad, (2 * z).sum(axis=0)) and np.allclose(w.grad, x.data.T @ (2 * z))
    assert unbroadcast(np.ones((5, 4, 3)), (4, 1)).tolist() == [[15.0]] * 4
    return loss


if __name__ == "__main__":
    print(main().data)
    print("step 5 ok: a bias added to every row gets the sum of the rows' gradients")
