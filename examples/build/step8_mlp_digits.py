"""Step 8 · An MLP that reads handwritten digits, on the engine we built.

Everything comes together: Tensors and Functions (step 6), Linear layers in a Module and SGD
(step 7). One new Function, CrossEntropy, turns 10 scores per image into a loss: softmax makes
them probabilities p, the loss is the mean of -log p[true digit], and its gradient is simply
(p - one_hot) / N. Then 64 pixels -> 32 hidden units -> ReLU -> 10 scores, trained on 1,438
8x8 digits and tested on 359 it never saw.

Run: python examples/build/step8_mlp_digits.py    Page: docs/build/step8_mlp_digits.md
"""
import os
import sys

import numpy as np

from step6_function import Function, Tensor
from step7_module_sgd import SGD, Linear, Module

try:                                   # the data only; the engine above is all our own
    from tinygrad_edu.utils.datasets import load_digits
except ImportError:                    # run from a checkout without installing: use the repository's copy
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from tinygrad_edu.utils.datasets import load_digits


class CrossEntropy(Function):          # L = mean(-log softmax(z)[label]);  dz = (softmax(z) - one_hot) / N
    def forward(ctx, z, labels):
        e = np.exp(z - z.max(axis=1, keepdims=True))      # shifting by the max keeps exp from overflowing
        p = e / e.sum(axis=1, keepdims=True)
        ctx.p, ctx.labels = p, labels.astype(int)
        return -np.log(p[np.arange(len(z)), ctx.labels]).mean()

    def backward(ctx, g):
        d = ctx.p.copy()
        d[np.arange(len(d)), ctx.labels] -= 1
        return g * d / len(d), np.zeros(len(d))          # labels get no gradient


class MLP(Module):
    def __init__(self, rng):
        self.layers = [Linear(64, 32, rng), Linear(32, 10, rng)]

    def forward(self, x):
        return self.layers[1](self.layers[0](x).relu())


def main(epochs=15, batch=32, lr=0.1):
    x_train, y_train = (t.numpy() for t in load_digits("train", flatten=True))
    x_test, y_test = (t.numpy() for t in load_digits("test", flatten=True))
    rng = np.random.default_rng(0)
    model = MLP(rng)
    opt = SGD(model.parameters(), lr)
    assert len(opt.params) == 4                           # two weights, two biases, found by Module
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            loss = CrossEntropy.apply(model(Tensor(x_train[idx])), Tensor(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    accuracy = (model(Tensor(x_test)).data.argmax(axis=1) == y_test).mean()
    assert accuracy > 0.9, accuracy
    return accuracy


if __name__ == "__main__":
    print(f"test accuracy: {100 * main():.1f} % of 359 digits never seen in training")
    print("step 8 ok: our own engine learned to read digits")
