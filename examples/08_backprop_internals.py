# %% [markdown]
# # Backprop internals: what `loss.backward()` really does
#
# We build a tiny expression with three numbers, look at the graph the framework recorded,
# run the backward pass **by hand**, then node by node through the real graph, and check both
# against the engine. Then we write our own differentiable op (`autograd.Function`), verify it
# with `gradcheck`/`gradgradcheck`, take a second derivative with `create_graph=True`, and watch
# gradients shrink through a stack of sigmoids (the lecture's vanishing gradient).
#
#     f = tanh(a * b + c)      with a = 2, b = -3, c = 6.5
#
# Run it: `python examples/08_backprop_internals.py`. It takes about a second, needs no
# network, and writes `08_graph.dot` (and `08_graph.svg` when Graphviz is installed) plus
# `08_gradflow.png` (when matplotlib is installed) to the current directory, or to
# `$TINYGRAD_EDU_OUT`. Tutorial: `docs/backprop.md`.

# %%
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import banner, ensure_importable, out_dir  # noqa: E402

ensure_importable()

import tinygrad_edu as torch  # noqa: E402
from tinygrad_edu import autograd  # noqa: E402
from tinygrad_edu.autograd import Function, Node  # noqa: E402
from tinygrad_edu.viz import GradientFlow, draw_graph, print_graph  # noqa: E402

A, B, C = 2.0, -3.0, 6.5


# %% [markdown]
# ## 1. The forward pass records a graph
#
# Every op on a tensor that requires grad does two things: it computes its value, and it
# leaves a **node** behind (the output's `grad_fn`) that remembers its inputs and whatever it
# will need for the derivative. Intermediate names: `e = a*b`, `d = e + c`, `f = tanh(d)`.

# %%
def build(a_val: float = A, b_val: float = B, c_val: float = C):
    a = torch.tensor(a_val, requires_grad=True)
    b = torch.tensor(b_val, requires_grad=True)
    c = torch.tensor(c_val, requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"   # names show up in the drawings
    e = a * b
    d = e + c
    f = d.tanh()
    f.name = "f"
    return a, b, c, e, d, f


def forward_pass():
    banner("1. Forward: f = tanh(a * b + c)")
    a, b, c, e, d, f = build()
    print(f"a = {a.item()}, b = {b.item()}, c = {c.item()}")
    print(f"e = a * b   = {e.item():.4f}     e.grad_fn = {e.grad_fn.name()}")
    print(f"d = e + c   = {d.item():.4f}      d.grad_fn = {d.grad_fn.name()}")
    print(f"f = tanh(d) = {f.item():.4f}   f.grad_fn = {f.grad_fn.name()}")
    print(f"a is a leaf: a.is_leaf = {a.is_leaf}, a.grad_fn = {a.grad_fn}")
    print("f.grad_fn.next_functions (the edges back to the inputs):")
    print(f"  {f.grad_fn.next_functions}")
    return a, b, c, e, d, f


# %% [markdown]
# ## 2. Looking at the graph
#
# `print_graph` prints it as a tree, output at the top: the order in which backward visits it.
# `draw_graph` writes Graphviz DOT text, and a picture when the `dot` program is installed:
# blue boxes are leaves that will receive `.grad`, ovals are ops (named after their backward
# node, with their output shape), the green box is the output.

# %%
def show_graph(f):
    banner("2. The recorded graph")
    print_graph(f)
    path = draw_graph(f, str(out_dir() / "08_graph"))
    print(f"graph written to {path}")
    return path


# %% [markdown]
# ## 3. Backward by hand: the chain rule, one node at a time
#
# Start with df/df = 1 and walk back. At each node multiply the gradient arriving from above
# by the node's **local derivative**:
#
# * `f = tanh(d)`: df/dd = 1 - tanh(d)^2 = 1 - f^2
# * `d = e + c`: dd/de = 1 and dd/dc = 1 (an add copies the gradient to both inputs)
# * `e = a * b`: de/da = b and de/db = a (a multiply swaps its inputs)

# %%
def backward_by_hand(a_val: float = A, b_val: float = B, c_val: float = C) -> dict:
    banner("3. Backward by hand, with plain Python floats")
    e = a_val * b_val
    d = e + c_val
    f = math.tanh(d)
    df_df = 1.0
    print(f"start:          df/df = {df_df}")
    df_dd = df_df * (1 - f * f)
    print(f"f = tanh(d):    df/dd = df/df * (1 - f^2) = 1 * (1 - {f:.4f}^2) = {df_dd:.4f}")
    df_de = df_dd * 1.0
    df_dc = df_dd * 1.0
    print(f"d = e + c:      df/de = df/dd * 1 = {df_de:.4f}")
    print(f"                df/dc = df/dd * 1 = {df_dc:.4f}")
    df_da = df_de * b_val
    df_db = df_de * a_val
    print(f"e = a * b:      df/da = df/de * b = {df_de:.4f} * {b_val} = {df_da:.4f}")
    print(f"                df/db = df/de * a = {df_de:.4f} * {a_val} = {df_db:.4f}")
    return {"a": df_da, "b": df_db, "c": df_dc, "d": df_dd, "e": df_de}


# %% [markdown]
# ## 4. The same walk through the real graph: a 20-line engine
#
# Now let the graph do it. Sort the nodes so that each comes after every node that uses its
# output (a topological order), start with gradient 1 at the output, and call each node's
# `backward` with the gradient that has arrived. Each op's docstring states its local rule.
# This is what `autograd/engine.py` does, minus hooks, buffers for many outputs, freeing and
# broadcasting.

# %%
def topological_order(root: Node) -> list:
    """Nodes from the output to the leaves, each after all the nodes that use it (iterative DFS)."""
    order, seen, stack = [], {root}, [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        stack.append((node, True))
        for edge in node.next_functions:
            if edge is not None and isinstance(edge[0], Node) and edge[0] not in seen:
                seen.add(edge[0])
                stack.append((edge[0], False))
    return order[::-1]  # post-order reversed: users before what they use


def backward_node_by_node(f) -> dict:
    banner("4. Backward node by node through the recorded graph")
    grads = {f.grad_fn: torch.ones_like(f)}  # gradient arriving at each node's output
    leaf_grads = {}
    with torch.no_grad():  # the engine also runs backward with grad mode off (no create_graph)
        for node in topological_order(f.grad_fn):
            g_out = grads.pop(node)
            rule = (node.fn.__doc__ or "").strip().splitlines()[0]
            g_in = node.fn.backward(node, g_out)
            g_in = g_in if isinstance(g_in, tuple) else (g_in,)
            print(f"{node.name():<14} rule: {rule}")
            print(f"{'':<14} gets {g_out.item():+.4f} from above, sends "
                  + ", ".join(f"{g.item():+.4f}" for g in g_in if g is not None))
            for edge, g in zip(node.next_functions, g_in):
                if edge is None or g is None:
                    continue
                target = edge[0]
                if isinstance(target, Node):  # an op: add into its buffer
                    grads[target] = g if target not in grads else grads[target] + g
                else:                          # a leaf: accumulate, as .grad will
                    name = target.name
                    leaf_grads[name] = g.item() + leaf_grads.get(name, 0.0)
                    print(f"{'':<14} -> leaf {name}: gradient {leaf_grads[name]:+.4f}")
    return leaf_grads


# %% [markdown]
# ## 5. The engine agrees
#
# `f.backward()` does the same walk (in `autograd/engine.py`) and stores the result in each
# leaf's `.grad`. The engine computes in float32, so we compare to about 1e-6.

# %%
def engine_backward(hand: dict, walk: dict) -> dict:
    banner("5. The engine: f.backward()")
    a, b, c, _, _, f = build()
    f.backward()
    engine = {"a": a.grad.item(), "b": b.grad.item(), "c": c.grad.item()}
    print(f"{'':>4} {'by hand':>10} {'node walk':>10} {'engine':>10}")
    worst = 0.0
    for k in "abc":
        print(f"d{k}: {hand[k]:>10.4f} {walk[k]:>10.4f} {engine[k]:>10.4f}")
        worst = max(worst, abs(hand[k] - engine[k]), abs(walk[k] - engine[k]))
    print(f"largest difference: {worst:.2e}")
    assert worst < 1e-5, "the hand-computed gradients should match the engine's"
    return {"grads": engine, "max_abs_diff": worst}


# %% [markdown]
# ## 6. Your own op: `autograd.Function`
#
# Every built-in op is written exactly like this. `forward` gets tensors and computes on their
# raw arrays (`x.array`, NumPy or CuPy) with grad mode off; `backward` gets the gradient of the
# output and returns one gradient per input, **written with tensor ops**. Because backward is
# made of tensor ops, the engine can differentiate it again: that is double backward.
#
# y = x^3,  dy/dx = 3 x^2,  d2y/dx2 = 6 x.

# %%
class Cube(Function):
    """y = x^3;  dx = dy * 3 x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)         # backward gets it back as a Tensor
        return x.array ** 3              # an array in, an array out

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x * x   # tensor ops: differentiable again


class CubeWrong(Function):
    """A bug on purpose: the derivative forgets a factor x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x       # wrong: should be 3 * x * x


def custom_function() -> dict:
    banner("6. A custom autograd.Function, checked numerically")
    x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    y = Cube.apply(x)
    print(f"x = {x.tolist()}  ->  Cube.apply(x) = {[round(v, 4) for v in y.tolist()]}")
    print_graph(y.sum())
    y.sum().backward()
    print(f"x.grad = {[round(v, 4) for v in x.grad.tolist()]}  (3 x^2 = "
          f"{[round(3 * v * v, 4) for v in x.tolist()]})")
    # gradcheck compares backward with (f(x + eps) - f(x - eps)) / (2 eps), in float64
    ok1 = autograd.gradcheck(Cube.apply, (x,))
    ok2 = autograd.gradgradcheck(Cube.apply, (x,))
    caught = not autograd.gradcheck(CubeWrong.apply, (x,), raise_exception=False)
    print(f"gradcheck(Cube)          = {ok1}")
    print(f"gradgradcheck(Cube)      = {ok2}   (the backward itself is differentiable and right)")
    print(f"gradcheck(CubeWrong) caught the bug: {caught}")
    return {"gradcheck": ok1, "gradgradcheck": ok2, "wrong_backward_caught": caught,
            "cube_grad": x.grad.tolist()}


# %% [markdown]
# ## 7. Second derivatives with `create_graph=True`
#
# With `create_graph=True` the engine records the backward pass as a new graph, so the
# gradient is itself a tensor with a `grad_fn`, which we can differentiate again. For the cube
# at x = 1.5: dy/dx = 3 * 1.5^2 = 6.75 and d2y/dx2 = 6 * 1.5 = 9. For our first expression:
# df/dc = 1 - tanh(d)^2, so d2f/dc2 = -2 tanh(d) (1 - tanh(d)^2).

# %%
def second_order() -> dict:
    banner("7. Second derivatives (create_graph=True)")
    x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    y = Cube.apply(x)
    dy_dx, = autograd.grad(y, x, create_graph=True)
    print(f"x = 1.5:  dy/dx = {dy_dx.item():.4f}   (3 x^2 = {3 * 1.5 ** 2})")
    print("dy/dx has its own graph, built from Cube's backward (grad_output * 3 * x * x):")
    print_graph(dy_dx, params={"x": x})
    d2y_dx2, = autograd.grad(dy_dx, x)
    print(f"d2y/dx2 = {d2y_dx2.item():.4f}   (6 x = {6 * 1.5})")

    a, b, c, _, d, f = build()
    df_dc, = autograd.grad(f, c, create_graph=True)
    d2f_dc2, = autograd.grad(df_dc, c)
    t = math.tanh(A * B + C)
    by_hand = -2 * t * (1 - t * t)
    print(f"f = tanh(a*b + c):  df/dc = {df_dc.item():.4f},  d2f/dc2 = {d2f_dc2.item():.4f}  "
          f"(by hand -2 f (1 - f^2) = {by_hand:.4f})")
    return {"cube_first": dy_dx.item(), "cube_second": d2y_dx2.item(),
            "tanh_second": d2f_dc2.item(), "tanh_second_hand": by_hand}


# %% [markdown]
# ## 8. Watching gradients flow: hooks
#
# `tensor.register_hook(fn)` calls `fn(grad)` when the gradient of that tensor is computed.
# `GradientFlow` uses such hooks on every parameter to record gradient sizes per layer. Here
# six sigmoid layers: each multiplies the gradient by sigmoid' (at most 0.25) and a weight
# matrix on its way back, so the first layer gets a far smaller gradient than the last.

# %%
def gradient_flow(layers: int = 6, width: int = 16) -> dict:
    banner("8. Hooks: gradients shrinking through sigmoid layers")
    a, b, c, e, d, f = build()
    seen = []
    d.register_hook(lambda g: seen.append(g.item()))  # runs during backward
    f.backward()
    print(f"hook on d saw gradient {seen[0]:.4f} (= df/dd from section 3)")

    torch.manual_seed(0)
    weights = {f"layer{i}.weight": (torch.randn(width, width) * (1.0 / math.sqrt(width))).requires_grad_()
               for i in range(layers)}
    flow = GradientFlow(weights)
    h = torch.randn(8, width)
    for w in weights.values():
        h = (h @ w).sigmoid()
    loss = (h * h).mean()
    loss.backward()
    print(flow.summary())
    norms = [flow.records[-1]["params"][n]["norm"] for n in weights]
    print(f"last layer / first layer gradient norm: {norms[-1] / norms[0]:.0f}x")
    picture = None
    try:
        picture = str(out_dir() / "08_gradflow.png")
        flow.plot(picture, title="gradient norm per layer: six sigmoid layers")
        print(f"picture written to {picture}")
    except ImportError as err:
        picture = None
        print(f"(no picture: {err})")
    flow.remove()
    return {"hook_grad_d": seen[0], "layer_norms": norms, "gradflow_picture": picture}


# %%
def main() -> dict:
    a, b, c, e, d, f = forward_pass()
    graph_path = show_graph(f)
    hand = backward_by_hand()
    walk = backward_node_by_node(f)
    engine = engine_backward(hand, walk)
    custom = custom_function()
    second = second_order()
    flow = gradient_flow()
    return {
        "f": f.item(),
        "hand_grads": {k: hand[k] for k in "abc"},
        "node_grads": walk,
        "engine_grads": engine["grads"],
        "max_abs_diff": engine["max_abs_diff"],
        "graph_file": graph_path,
        **custom,
        **second,
        **flow,
    }


if __name__ == "__main__":
    main()
