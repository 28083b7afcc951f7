"""Step 4 · More operations, one chain rule.

Every new op only has to say its local derivative; backward (step 3) does the rest. With
-, /, powers, exp, tanh, sigmoid and ReLU we can write a neuron, sigmoid(w1 x1 + w2 x2 + b), and
see the lecture's point: sigmoid's derivative y(1 - y) is at most 0.25.

Run: python examples/build/step4_more_ops.py    Page: docs/build/step4_more_ops.md
"""
import math

import step2_backward_by_hand as step2
from step3_topological_sort import backward


class Value(step2.Value):
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other if isinstance(other, Value) else -float(other))

    def __pow__(self, n):                      # n a plain number: d x^n / dx = n x^(n-1)
        return self.new(self.data ** n, (self,), (n * self.data ** (n - 1),))

    def __truediv__(self, other):
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def exp(self):                             # d e^x / dx = e^x
        y = math.exp(self.data)
        return self.new(y, (self,), (y,))

    def tanh(self):                            # d tanh x / dx = 1 - tanh^2 x
        y = math.tanh(self.data)
        return self.new(y, (self,), (1 - y * y,))

    def sigmoid(self):                         # d s / dx = s (1 - s) <= 0.25
        y = 1 / (1 + math.exp(-self.data))
        return self.new(y, (self,), (y * (1 - y),))

    def relu(self):                            # slope 1 for x > 0, 0 otherwise (0 at x = 0)
        return self.new(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))


def numeric_grad(f, xs, i, h=1e-6):
    """df/dx_i by central differences: the independent check of every backward here."""
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def main():
    def neuron(w1, w2, b, x1=0.5, x2=-1.5):
        z = w1 * x1 + w2 * x2 + b
        return (z.sigmoid() - z.tanh() / 2) ** 2 + (z - 1).exp() + (-z).relu()
    start = [0.8, -0.4, 0.3]
    params = [Value(v) for v in start]
    out = neuron(*params)
    backward(out)
    for i, p in enumerate(params):
        fd = numeric_grad(lambda *v: neuron(*[Value(x) for x in v]).data, start, i)
        assert abs(p.grad - fd) < 1e-6, (i, p.grad, fd)
    slopes = []
    for x in [i / 10 for i in range(-100, 101)]:
        v = Value(x)
        backward(v.sigmoid())
        slopes.append(v.grad)
    assert max(slopes) == 0.25 and slopes.index(0.25) == 100          # the peak, at x = 0
    return params


if __name__ == "__main__":
    print(main())
    print("step 4 ok: every op's gradient agrees with finite differences; sigmoid's slope peaks at 0.25")
