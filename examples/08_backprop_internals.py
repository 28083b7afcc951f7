# %% [markdown]
# # Backprop internals: what `loss.backward()` really does
#
# 역전파의 속을 들여다봅시다. (Let's look inside backpropagation.)
#
# We build a tiny expression with three numbers, look at the graph the framework recorded,
# run the backward pass **by hand**, then node by node through the real graph, and check both
# against the engine. Then we write our own differentiable op (`autograd.Function`), verify it
# with `gradcheck`/`gradgradcheck`, take a second derivative with `create_graph=True`, and watch
# gradients shrink through a stack of sigmoids (the lecture's vanishing gradient).
#
#     f = tanh(a * b + c)      with a = 2, b = -3, c = 6.5
#
# Run it: `python examples/08_backprop_internals.py` (or open `notebooks/08_backprop_internals.ipynb`).
# It needs no network, and writes `08_graph.dot` (and `08_graph.svg` when Graphviz is installed) plus
# `08_gradflow.png` (when matplotlib is installed) to the current directory, or to
# `$TINYGRAD_EDU_OUT`. Tutorial: `docs/backprop.md`.

# %%
import math
import sys

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, display_file, out_dir, show, shown_path  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
from tinygrad_edu import autograd  # noqa: E402
from tinygrad_edu.autograd import Function, Node  # noqa: E402
from tinygrad_edu.viz import GradientFlow, draw_graph, print_graph  # noqa: E402

A, B, C = 2.0, -3.0, 6.5
print(f"a = {A}, b = {B}, c = {C}")

# %% [markdown]
# ## 1. The forward pass records a graph
#
# Every op on a tensor that requires grad does two things: it computes its value, and it
# leaves a **node** behind (the output's `grad_fn`) that remembers its inputs and whatever it
# will need for the derivative. Intermediate names: `e = a*b`, `d = e + c`, `f = tanh(d)`.
# `build()` makes the expression afresh (we need it again later).

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


banner("1. Forward: f = tanh(a * b + c)")
a, b, c, e, d, f = build()
print(f"e = a * b   = {e.item():.4f}     e.grad_fn = {e.grad_fn.name()}")
print(f"d = e + c   = {d.item():.4f}      d.grad_fn = {d.grad_fn.name()}")
print(f"f = tanh(d) = {f.item():.4f}   f.grad_fn = {f.grad_fn.name()}")
print(f"a is a leaf: a.is_leaf = {a.is_leaf}, a.grad_fn = {a.grad_fn}")
print("f.grad_fn.next_functions (the edges back to the inputs):")
print(f"  {f.grad_fn.next_functions}")

# %% [markdown]
# ## 2. Looking at the graph
#
# `print_graph` prints it as a tree, output at the top: the order in which backward visits it.
# `draw_graph` writes Graphviz DOT text, and a picture when the `dot` program is installed:
# blue boxes are leaves that will receive `.grad`, ovals are ops (named after their backward
# node, with their output shape), the green box is the output.

# %%
banner("2. The recorded graph")
print_graph(f)
graph_file = draw_graph(f, str(out_dir() / "08_graph"))
print(f"graph written to {shown_path(graph_file)}")
display_file(graph_file)

# %% [markdown]
# ## 3. Backward by hand: the chain rule, one node at a time
#
# Start with df/df = 1 and walk back. At each node multiply the gradient arriving from above
# by the node's **local derivative**:
#
# * `f = tanh(d)`: df/dd = 1 - tanh(d)^2 = 1 - f^2
# * `d = e + c`: dd/de = 1 and dd/dc = 1 (an add copies the gradient to both inputs)
# * `e = a * b`: de/da = b and de/db = a (a multiply swaps its inputs)
#
# With plain Python floats:

# %%
banner("3. Backward by hand, with plain Python floats")
e_val = A * B
d_val = e_val + C
f_val = math.tanh(d_val)
df_df = 1.0
print(f"start:          df/df = {df_df}")
df_dd = df_df * (1 - f_val * f_val)
print(f"f = tanh(d):    df/dd = df/df * (1 - f^2) = 1 * (1 - {f_val:.4f}^2) = {df_dd:.4f}")
df_de = df_dd * 1.0
df_dc = df_dd * 1.0
print(f"d = e + c:      df/de = df/dd * 1 = {df_de:.4f}")
print(f"                df/dc = df/dd * 1 = {df_dc:.4f}")
df_da = df_de * B
df_db = df_de * A
print(f"e = a * b:      df/da = df/de * b = {df_de:.4f} * {B} = {df_da:.4f}")
print(f"                df/db = df/de * a = {df_de:.4f} * {A} = {df_db:.4f}")
hand = {"a": df_da, "b": df_db, "c": df_dc, "d": df_dd, "e": df_de}

# %% [markdown]
# ## 4. The same walk through the real graph: a 20-line engine
#
# Now let the graph do it. Sort the nodes so that each comes after every node that uses its
# output (a topological order):

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


print("topological order:", [node.name() for node in topological_order(f.grad_fn)])

# %% [markdown]
# Then start with gradient 1 at the output, and call each node's `backward` with the gradient
# that has arrived. Each op's docstring states its local rule. This is what
# `autograd/engine.py` does, minus hooks, buffers for many outputs, freeing and broadcasting.

# %%
banner("4. Backward node by node through the recorded graph")
grads = {f.grad_fn: torch.ones_like(f)}  # gradient arriving at each node's output
walk = {}                                # the gradient each leaf receives
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
                walk[target.name] = g.item() + walk.get(target.name, 0.0)
                print(f"{'':<14} -> leaf {target.name}: gradient {walk[target.name]:+.4f}")

# %% [markdown]
# ## 5. The engine agrees
#
# `f.backward()` does the same walk (in `autograd/engine.py`) and stores the result in each
# leaf's `.grad`. The engine computes in float32, so we compare to about 1e-6.

# %%
banner("5. The engine: f.backward()")
a, b, c, _, _, f = build()
f.backward()
engine = {"a": a.grad.item(), "b": b.grad.item(), "c": c.grad.item()}
print(f"{'':>4} {'by hand':>10} {'node walk':>10} {'engine':>10}")
for k in "abc":
    print(f"d{k}: {hand[k]:>10.4f} {walk[k]:>10.4f} {engine[k]:>10.4f}")
max_abs_diff = max(max(abs(hand[k] - engine[k]), abs(walk[k] - engine[k])) for k in "abc")
print(f"largest difference: {max_abs_diff:.2e}")
assert max_abs_diff < 1e-5, "the hand-computed gradients should match the engine's"

# %% [markdown]
# ## 6. Your own op: `autograd.Function`
#
# Every built-in op is written exactly like this. `forward` gets tensors and computes on their
# raw arrays (`x.array`, NumPy or CuPy) with grad mode off; `backward` gets the gradient of the
# output and returns one gradient per input, **written with tensor ops**. Because backward is
# made of tensor ops, the engine can differentiate it again: that is double backward.
#
# y = x^3,  dy/dx = 3 x^2,  d2y/dx2 = 6 x. `CubeWrong` has a bug on purpose.

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


banner("6. A custom autograd.Function, checked numerically")
x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
y = Cube.apply(x)
print(f"x = {x.tolist()}  ->  Cube.apply(x) = {[round(v, 4) for v in y.tolist()]}")
print_graph(y.sum())
y.sum().backward()
cube_grad = x.grad.tolist()
print(f"x.grad = {[round(v, 4) for v in cube_grad]}  (3 x^2 = {[round(3 * v * v, 4) for v in x.tolist()]})")

# %% [markdown]
# `gradcheck` compares backward with the finite difference (f(x + eps) - f(x - eps)) / (2 eps),
# in float64; `gradgradcheck` does the same for the backward itself.

# %%
gradcheck_ok = autograd.gradcheck(Cube.apply, (x,))
gradgradcheck_ok = autograd.gradgradcheck(Cube.apply, (x,))
wrong_backward_caught = not autograd.gradcheck(CubeWrong.apply, (x,), raise_exception=False)
print(f"gradcheck(Cube)          = {gradcheck_ok}")
print(f"gradgradcheck(Cube)      = {gradgradcheck_ok}   (the backward itself is differentiable and right)")
print(f"gradcheck(CubeWrong) caught the bug: {wrong_backward_caught}")

# %% [markdown]
# ## 7. Second derivatives with `create_graph=True`
#
# With `create_graph=True` the engine records the backward pass as a new graph, so the
# gradient is itself a tensor with a `grad_fn`, which we can differentiate again. For the cube
# at x = 1.5: dy/dx = 3 * 1.5^2 = 6.75 and d2y/dx2 = 6 * 1.5 = 9.

# %%
banner("7. Second derivatives (create_graph=True)")
x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
y = Cube.apply(x)
dy_dx, = autograd.grad(y, x, create_graph=True)
print(f"x = 1.5:  dy/dx = {dy_dx.item():.4f}   (3 x^2 = {3 * 1.5 ** 2})")
print("dy/dx has its own graph, built from Cube's backward (grad_output * 3 * x * x):")
print_graph(dy_dx, params={"x": x})
d2y_dx2, = autograd.grad(dy_dx, x)
print(f"d2y/dx2 = {d2y_dx2.item():.4f}   (6 x = {6 * 1.5})")

# %% [markdown]
# For our first expression: df/dc = 1 - tanh(d)^2, so d2f/dc2 = -2 tanh(d) (1 - tanh(d)^2).

# %%
a, b, c, _, d, f = build()
df_dc_t, = autograd.grad(f, c, create_graph=True)
d2f_dc2, = autograd.grad(df_dc_t, c)
t = math.tanh(A * B + C)
tanh_second_hand = -2 * t * (1 - t * t)
print(f"f = tanh(a*b + c):  df/dc = {df_dc_t.item():.4f},  d2f/dc2 = {d2f_dc2.item():.4f}  "
      f"(by hand -2 f (1 - f^2) = {tanh_second_hand:.4f})")

# %% [markdown]
# ## 8. Watching gradients flow: hooks
#
# `tensor.register_hook(fn)` calls `fn(grad)` when the gradient of that tensor is computed:

# %%
banner("8. Hooks: gradients shrinking through sigmoid layers")
a, b, c, e, d, f = build()
seen = []
d.register_hook(lambda g: seen.append(g.item()))  # runs during backward
f.backward()
print(f"hook on d saw gradient {seen[0]:.4f} (= df/dd from section 3)")

# %% [markdown]
# `GradientFlow` uses such hooks on every parameter to record gradient sizes per layer. Here
# six sigmoid layers: each multiplies the gradient by sigmoid' (at most 0.25) and a weight
# matrix on its way back, so the first layer gets a far smaller gradient than the last.

# %%
torch.manual_seed(0)
width = 16
weights = {f"layer{i}.weight": (torch.randn(width, width) * (1.0 / math.sqrt(width))).requires_grad_()
           for i in range(6)}
flow = GradientFlow(weights)
h = torch.randn(8, width)
for w in weights.values():
    h = (h @ w).sigmoid()
loss = (h * h).mean()
loss.backward()
print(flow.summary())
layer_norms = [flow.records[-1]["params"][n]["norm"] for n in weights]
print(f"last layer / first layer gradient norm: {layer_norms[-1] / layer_norms[0]:.0f}x")

# %%
gradflow_picture = show(flow.plot(title="gradient norm per layer: six sigmoid layers"), "08_gradflow.png")
flow.remove()

# %% [markdown]
# ## Summary

# %%
results = {
    "f": f.item(),
    "hand_grads": {k: hand[k] for k in "abc"},
    "node_grads": walk,
    "engine_grads": engine,
    "max_abs_diff": max_abs_diff,
    "graph_file": graph_file,
    "gradcheck": gradcheck_ok,
    "gradgradcheck": gradgradcheck_ok,
    "wrong_backward_caught": wrong_backward_caught,
    "cube_grad": cube_grad,
    "cube_first": dy_dx.item(),
    "cube_second": d2y_dx2.item(),
    "tanh_second": d2f_dc2.item(),
    "tanh_second_hand": tanh_second_hand,
    "hook_grad_d": seen[0],
    "layer_norms": layer_norms,
    "gradflow_picture": str(gradflow_picture),
}
print(f"f = {results['f']:.4f}; gradients a, b, c = {[round(v, 4) for v in engine.values()]}; "
      f"by hand and by the engine agree to {max_abs_diff:.1e}")
