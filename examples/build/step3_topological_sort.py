"""Step 3 · Backward by topological sort.

In step 2 we chose the order by hand: a node may push its gradient only after every node that
uses it has pushed into it. A topological order of the graph (inputs before the results made
from them) gives exactly that when read backwards. A depth-first search builds it: a node is
appended after all its parents. And a node used twice (x * x, a + a) must *add up* what each
use sends back; that is why step 2's push uses +=.

Run: python examples/build/step3_topological_sort.py    Page: docs/build/step3_topological_sort.md
"""
from step2_backward_by_hand import Value, push


def topological_order(root):
    """Every node under root, each after all of its parents (inputs first, root last)."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for p in node.parents:
            visit(p)
        order.append(node)
    visit(root)
    return order


def backward(root):
    """dL/d(every node) for L = root: seed dL/dL = 1, then apply the chain rule backwards."""
    for node in topological_order(root):
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        push(node)


def main():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    L = (a * b + c) * f
    backward(L)
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)   # step 2's numbers

    x = Value(3.0)
    y = x * x + x              # x is used three times: dy/dx = 2x + 1 = 7
    backward(y)
    assert x.grad == 7.0
    order = topological_order(y)
    assert order[-1] is y and order.index(x) < order.index(y.parents[0])
    return x


if __name__ == "__main__":
    main()
    print("step 3 ok: backward() finds the order itself, and shared nodes add their gradients")
