"""Step 7 · A Module that finds its parameters, and SGD that moves them.

A model is a tree of layers, each holding some tensors to learn. ``Module.parameters()`` walks
the object's attributes and collects every tensor that requires a gradient, in sub-modules too,
so a training loop never lists weights by hand. Stochastic gradient descent then moves each
parameter a small step against its gradient, w <- w - lr * dL/dw, and ``zero_grad`` clears the
gradients, which backward adds to (step 6), before the next batch.

Run: python examples/build/step7_module_sgd.py    Page: docs/build/step7_module_sgd.md
"""
import numpy as np

from step6_function import Tensor


class Module:
    def parameters(self):
        found = []
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, Tensor) and item.requires_grad:
                    found.append(item)
                elif isinstance(item, Module):
                    found.extend(item.parameters())
        return found

    def __call__(self, x):
        return self.forward(x)


class Linear(Module):
    """y = x @ W + b, with W drawn so the outputs start at about the inputs' size."""

    def __init__(self, n_in, n_out, rng):
        self.weight = Tensor(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)), requires_grad=True)
        self.bias = Tensor(np.zeros(n_out), requires_grad=True)

    def forward(self, x):
        return x @ self.weight + self.bias


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad         # in place: the Tensor objects stay the same

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def main():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(64, 1))
    y = 3 * x - 2 + 0.01 * rng.normal(size=(64, 1))        # the line to find: slope 3, intercept -2
    model = Linear(1, 1, rng)
    assert len(model.parameters()) == 2
    opt = SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        diff = model(Tensor(x)) + Tensor(-y)
        loss = (diff * diff).sum() * (1 / len(x))          # mean squared error
        opt.zero_grad()
        loss.backward()
        opt.step()
    w, b = model.weight.data.item(), model.bias.data.item()
    assert abs(w - 3) < 0.02 and abs(b + 2) < 0.02, (w, b)
    return w, b


if __name__ == "__main__":
    print("slope %.3f, intercept %.3f" % main())
    print("step 7 ok: SGD found the line")
