# %% [markdown]
# # Unit 03: the building blocks of a CNN
#
# 합성곱 신경망의 부품들. (The parts of a convolutional neural network.)
#
# A CNN repeats convolution -> activation -> pooling, then ends in fully connected layers.
# This lesson builds that pipeline on a small input and looks at each block in turn:
# why the activation must be non-linear, why sigmoid's gradient vanishes and ReLU's does not
# (but ReLU units can die), and what max pooling does (and does not) have.
#
# Run it: `python examples/03_cnn_building_blocks.py` (or open `notebooks/03_cnn_building_blocks.ipynb`).
# Tutorial: `docs/03_cnns.md`.

# %%
import sys

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, pyplot, show  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


print(f"tinygrad_edu {torch.__version__}; n_params(nn.Linear(3, 2)) = {n_params(nn.Linear(3, 2))}")

# %% [markdown]
# ## 1. conv -> activation -> pool -> fully connected, with the shapes
#
# A batch of 2 small colour images (2 x 3 x 16 x 16) goes through two conv blocks and a fully
# connected layer; we print the shape after every layer and its number of parameters.

# %%
banner("1. conv -> ReLU -> max pool -> (conv -> ReLU -> max pool) -> flatten -> fully connected")
torch.manual_seed(0)
layers = [
    ("Conv2d(3, 8, kernel_size=3, padding=1)", nn.Conv2d(3, 8, kernel_size=3, padding=1)),
    ("ReLU()", nn.ReLU()),
    ("MaxPool2d(2)", nn.MaxPool2d(2)),                  # halves H and W, no parameters
    ("Conv2d(8, 16, kernel_size=3, padding=1)", nn.Conv2d(8, 16, kernel_size=3, padding=1)),
    ("ReLU()", nn.ReLU()),
    ("MaxPool2d(2)", nn.MaxPool2d(2)),
    ("Flatten()", nn.Flatten()),                        # N x 16 x 4 x 4 -> N x 256
    ("Linear(256, 10)", nn.Linear(16 * 4 * 4, 10)),     # 10 class scores
]
model = nn.Sequential(*[layer for _, layer in layers])
x = torch.randn(2, 3, 16, 16)
print(f"{'layer':<40} {'output N x C x H x W':<22} parameters")
print(f"{'(input)':<40} {str(tuple(x.shape)):<22}")
pipeline_shapes = [tuple(x.shape)]
for name, layer in layers:
    x = layer(x)
    pipeline_shapes.append(tuple(x.shape))
    print(f"{name:<40} {str(tuple(x.shape)):<22} {n_params(layer):>6,}")
pipeline_params = n_params(model)
print(f"total parameters: {pipeline_params:,}")

# %% [markdown]
# ## 2. Why the activation must be non-linear
#
# With h(x) = c x as the "activation", three layers give h(h(h(x))) = c^3 x: still one straight
# line, so depth buys nothing.

# %%
banner("2. Three linear layers h(x) = c x compose to y = c^3 x")
c = 2.0
x = torch.tensor([1.0, 2.0, 3.0, -1.5], requires_grad=True)


def h(v):
    return c * v


y = h(h(h(x)))
print(f"c = {c}:  x = {x.tolist()}  ->  h(h(h(x))) = {y.tolist()}  = {c ** 3:g} * x")
y.sum().backward()
print(f"dy/dx by autograd = {x.grad.tolist()}  (= c^3 = {c ** 3:g} everywhere: a line)")
composed, composed_grad = y.tolist(), x.grad.tolist()

# %% [markdown]
# Same for matrices: three bias-free linear layers are one matrix W3 W2 W1.

# %%
torch.manual_seed(1)
linears = [nn.Linear(4, 4, bias=False) for _ in range(3)]
v = torch.randn(5, 4)
deep = linears[2](linears[1](linears[0](v)))
single = v @ (linears[2].weight @ linears[1].weight @ linears[0].weight).T
linear_collapse_error = (deep - single).abs().max().item()
print(f"three nn.Linear(4, 4, bias=False) in a row == one linear map W3 W2 W1: "
      f"max difference {linear_collapse_error:.2e}")

# %% [markdown]
# ## 3. Sigmoid's derivative is at most 0.25: the vanishing gradient
#
# We let autograd differentiate sigmoid on a grid of 1,201 points from -6 to 6. Each output
# depends only on its own input, so `x.grad` after `s.sum().backward()` is sigmoid'(x).

# %%
banner("3. Sigmoid' <= 0.25 (vanishing gradients); ReLU' = 1 for x > 0")
xs = torch.linspace(-6.0, 6.0, 1201)               # step 0.01, contains 0 exactly
x = xs.clone().requires_grad_(True)
s = torch.sigmoid(x)
s.sum().backward()
ds = x.grad
i_max = int(ds.argmax().item())
sigmoid_grad_max, sigmoid_grad_argmax = ds.max().item(), xs[i_max].item()
print(f"max of sigmoid'(x) on the grid: {sigmoid_grad_max:.6f} at x = {sigmoid_grad_argmax:+.2f}")
formula_err = (ds - s.detach() * (1 - s.detach())).abs().max().item()
print(f"autograd agrees with sigmoid'(x) = s(x)(1 - s(x)): max difference {formula_err:.1e}")
for value in (0.0, 2.0, 5.0):
    print(f"  sigmoid'({value:g}) = {ds[int(round((value + 6.0) / 0.01))].item():.4f}")

# %% [markdown]
# Back-propagation multiplies one such factor per layer; at best 0.25 each. A real chain of ten
# sigmoids shows it:

# %%
for n in (1, 2, 5, 10):
    print(f"  {n:>2} sigmoid layer{'s' if n > 1 else ' '}: gradient factor <= 0.25^{n} = {0.25 ** n:.3g}")
z = torch.tensor(0.0, requires_grad=True)
out = z
for _ in range(10):
    out = torch.sigmoid(out)
out.backward()
sigmoid_chain10_grad = z.grad.item()
print(f"  sigmoid(sigmoid(...(x))) with 10 sigmoids, at x = 0: d/dx = {sigmoid_chain10_grad:.3g}")

# %% [markdown]
# ReLU's derivative is exactly 1 for x > 0 and 0 for x < 0 (PyTorch also uses 0 at x = 0):

# %%
xr = xs.clone().requires_grad_(True)
r = torch.relu(xr)
r.sum().backward()
dr = xr.grad
pos, neg = xs > 0, xs < 0
relu_grad_pos, relu_grad_neg = sorted(set(dr[pos].tolist())), sorted(set(dr[neg].tolist()))
print(f"ReLU'(x) for the {int(pos.sum().item())} grid points x > 0: {relu_grad_pos};  "
      f"for the {int(neg.sum().item())} points x < 0: {relu_grad_neg}")
print(f"at x = {xs[600].item():g}: {dr[600].item():g}")

# %% [markdown]
# Both functions and their derivatives, as autograd computed them:

# %%
plt = pyplot()
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
xv = xs.tolist()
axes[0].plot(xv, s.detach().tolist(), label="sigmoid(x)")
axes[0].plot(xv, ds.tolist(), label="sigmoid'(x), max 0.25 at 0")
axes[0].axhline(0.25, ls=":", c="gray")
axes[1].plot(xv, r.detach().tolist(), label="ReLU(x)")
axes[1].plot(xv, dr.tolist(), label="ReLU'(x): 0 or 1")
axes[1].set_ylim(-0.2, 3)
for ax in axes:
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
axes[0].set_title("sigmoid and its derivative (autograd)")
axes[1].set_title("ReLU and its derivative (autograd)")
activations_picture = show(fig, "03_activations.png")

# %% [markdown]
# ## 4. Dead ReLU units
#
# A unit whose pre-activation is negative for every input outputs 0 everywhere and gets a zero
# gradient, so it never learns again. A strongly negative bias makes that happen.

# %%
banner("4. Dead ReLU units")
torch.manual_seed(0)
layer = nn.Linear(16, 32)
x = torch.randn(64, 16)                           # 64 inputs
dead_units_by_bias = {}
for b in (0.0, -0.5, -1.0, -1.5):
    with torch.no_grad():
        layer.bias.fill_(b)
    out = torch.relu(layer(x))
    dead_units_by_bias[b] = int(((out > 0).float().sum(0) == 0).sum().item())   # never switched on
    print(f"  nn.Linear(16, 32) with every bias = {b:+.1f}: {dead_units_by_bias[b]:>2} of 32 units output 0 "
          "for all 64 inputs")

# %% [markdown]
# With the last bias (-1.5), the gradient of every dead unit's weights is exactly zero:

# %%
out = torch.relu(layer(x))
out.sum().backward()
dead = (out > 0).float().sum(0) == 0
dead_units = int(dead.sum().item())
grad_rows = layer.weight.grad.abs().sum(1)        # one number per unit
dead_unit_grad = grad_rows[dead].max().item() if dead_units else 0.0
alive_grad = grad_rows[~dead].min().item() if dead_units < 32 else 0.0
print(f"{dead_units} dead units; the largest weight gradient of a dead unit is {dead_unit_grad} "
      f"(they cannot recover), the smallest of a live unit {alive_grad:.3f}")

# %% [markdown]
# ## 5. Max pooling: no parameters, one channel at a time

# %%
banner("5. Max pooling: N x C x H x W -> N x C x OH x OW, no parameters")
pool = nn.MaxPool2d(kernel_size=2, stride=2)
pool_params = len(list(pool.parameters()))
print(f"{pool!r} has {pool_params} parameters")
torch.manual_seed(0)
x = torch.randint(0, 10, (2, 3, 4, 4)).float()
y = pool(x)
pool_in, pool_out = tuple(x.shape), tuple(y.shape)
print(f"input N x C x H x W = {pool_in} -> output {pool_out} (channels kept, H and W halved)")
print(f"channel 0 of image 0:\n{x[0, 0]}\n-> after 2x2 max pooling:\n{y[0, 0]}")
pool_per_channel = all(bool((F.max_pool2d(x[:, c:c + 1], 2) == y[:, c:c + 1]).all().item()) for c in range(3))
print(f"pooling each channel on its own gives the same result: {pool_per_channel}")

# %% [markdown]
# Each 2x2 block becomes its brightest pixel: a digit turns into a mosaic.

# %%
from tinygrad_edu.utils.datasets import load_digits  # noqa: E402

images, labels = load_digits(image_size=28)
digit = images[5:6]                                   # 1 x 1 x 28 x 28, a handwritten 5
mosaics = [digit, F.max_pool2d(digit, 2), F.max_pool2d(digit, 4)]
print("a 28x28 digit through max pooling: " + " -> ".join(str(tuple(m.shape)) for m in mosaics))
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, m, title in zip(axes, mosaics, ["input 28x28", "max_pool2d(x, 2): 14x14", "max_pool2d(x, 4): 7x7"]):
    ax.imshow(m[0, 0].cpu().numpy(), cmap="gray", vmin=0.0, vmax=1.0)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
mosaic_picture = show(fig, "03_max_pool_mosaic.png")

# %% [markdown]
# ## Summary

# %%
results = {
    "pipeline_shapes": pipeline_shapes,
    "pipeline_params": pipeline_params,
    "composed": composed,
    "composed_grad": composed_grad,
    "linear_collapse_error": linear_collapse_error,
    "sigmoid_grad_max": sigmoid_grad_max,
    "sigmoid_grad_argmax": sigmoid_grad_argmax,
    "sigmoid_chain10_grad": sigmoid_chain10_grad,
    "relu_grad_pos": relu_grad_pos,
    "relu_grad_neg": relu_grad_neg,
    "dead_units": dead_units,
    "dead_unit_grad": dead_unit_grad,
    "dead_units_by_bias": dead_units_by_bias,
    "pool_in": pool_in,
    "pool_out": pool_out,
    "pool_params": pool_params,
    "pool_per_channel": pool_per_channel,
    "pictures": [str(mosaic_picture), str(activations_picture)],
}
for key in ("pipeline_params", "sigmoid_grad_max", "sigmoid_chain10_grad", "dead_units", "pool_out"):
    print(f"{key:<22} {results[key]}")
