"""Step 1 · A number that remembers how it was made: a scalar Value with + and x.

Back-propagation needs the computational graph: for every result, which numbers and which
operation produced it. So instead of a plain float we use a Value that keeps its inputs
(``parents``) and the name of the operation (``op``). Nothing is differentiated yet.

Run: python examples/build/step1_value.py         Page: docs/build/step1_value.md
"""


class Value:
    """A scalar that records the graph: its number, its parents and the op that made it."""

    def __init__(self, data, parents=(), op=""):
        self.data = float(data)
        self.parents = parents   # the Values this one was computed from
        self.op = op             # "+", "*", or "" for an input we typed in

    @staticmethod
    def wrap(x):
        """Let plain numbers take part: 2 * v works as Value(2) * v."""
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.wrap(other)
        return Value(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        other = Value.wrap(other)
        return Value(self.data * other.data, (self, other), "*")

    __radd__ = __add__   # 1 + v: Python asks v, since the int does not know Values
    __rmul__ = __mul__

    def __repr__(self):
        return f"Value({self.data:g})"


def show(v, indent=0):
    """Print the graph under v, one node per line, inputs indented below the op that used them."""
    print(" " * indent + (f"{v.op}  -> {v.data:g}" if v.op else f"{v.data:g}"))
    for p in v.parents:
        show(p, indent + 4)


def main():
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    d = a * b + c            # the forward pass: (2 x -3) + 10
    show(d)
    assert d.data == 4.0 and d.op == "+"
    assert d.parents[0].op == "*" and d.parents[0].parents == (a, b) and d.parents[1] is c
    e = 2 * d + 1            # plain numbers join in as Values
    assert e.data == 9.0 and e.parents[1].data == 1.0
    return d


if __name__ == "__main__":
    main()
    print("step 1 ok: every Value knows its parents and its op")
