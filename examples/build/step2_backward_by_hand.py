"""Step 2 · Backward by hand: local derivatives and the chain rule.

Each op knows its *local* derivatives: for d = a * b, dd/da = b and dd/db = a; for d = a + b
both are 1. The chain rule says dL/da = dL/dd * dd/da: the gradient arriving at a node, times the
local derivative, flows on to each parent. Here we store the local derivatives in every Value and
push gradients backwards ourselves, one node at a time, in an order we choose by hand.

Run: python examples/build/step2_backward_by_hand.py    Page: docs/build/step2_backward_by_hand.md
"""


class Value:
    def __init__(self, data, parents=(), local=()):
        self.data = float(data)
        self.grad = 0.0          # dL/dself, filled in by the backward pass
        self.parents = parents
        self.local = local       # d self / d parent, one number per parent

    def new(self, data, parents, local):
        return type(self)(data, parents, local)   # subclasses (step 4) make their own kind

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return self.new(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return self.new(self.data * other.data, (self, other), (other.data, self.data))

    __radd__, __rmul__ = __add__, __mul__

    def __repr__(self):
        return f"Value({self.data:g}, grad={self.grad:g})"


def push(node):
    """The chain rule at one node: hand node.grad times each local derivative to the parents."""
    for parent, local in zip(node.parents, node.local):
        parent.grad += node.grad * local


def main():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    d = a * b + c              # 4
    L = d * f                  # -8
    L.grad = 1.0               # dL/dL
    push(L)                    # L = d * f      -> d.grad = f = -2, f.grad = d = 4
    push(d)                    # d = (a*b) + c  -> (a*b).grad = -2, c.grad = -2
    push(d.parents[0])         # a*b            -> a.grad = -2 * b = 6, b.grad = -2 * a = -4
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)

    def loss(a_):              # check dL/da by nudging a: (L(a + h) - L(a - h)) / 2h
        return (a_ * b.data + c.data) * f.data
    h = 1e-6
    assert abs((loss(2.0 + h) - loss(2.0 - h)) / (2 * h) - a.grad) < 1e-6
    return a, b, c, f


if __name__ == "__main__":
    print(main())
    print("step 2 ok: gradients pushed by hand agree with finite differences")
