# %% [markdown]
# # Unit 03: the building blocks of a CNN
#
# A CNN repeats convolution -> activation -> pooling, then ends in fully connected layers.
# This lesson builds that pipeline on a small input and looks at each block in turn:
# why the activation must be non-linear, why sigmoid's gradient vanishes and ReLU's does not
# (but ReLU units can die), and what max pooling does (and does not) have.
#
# Run it: `python examples/03_cnn_building_blocks.py`. Tutorial: `docs/03_cnns.md`.

# %%
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import banner, ensure_importable, pyplot, save_figure  # noqa: E402

ensure_importable()

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


# %% [markdown]
# ## 1. conv -> activation -> pool -> fully connected, with the shapes

# %%
def pipeline():
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
    x = torch.randn(2, 3, 16, 16)                           # a batch of 2 small colour images
    print(f"{'layer':<40} {'output N x C x H x W':<22} parameters")
    print(f"{'(input)':<40} {str(tuple(x.shape)):<22}")
    shapes = [tuple(x.shape)]
    for label, layer in layers:
        x = layer(x)
        shapes.append(tuple(x.shape))
        print(f"{label:<40} {str(tuple(x.shape)):<22} {n_params(layer):>6,}")
    total = n_params(model)
    print(f"total parameters: {total:,}")
    return shapes, total


# %% [markdown]
# ## 2. Why the activation must be non-linear
#
# With h(x) = c x as the "activation", three layers give h(h(h(x))) = c^3 x: still one straight
# line, so depth buys nothing. Same for matrices: three bias-free linear layers are one matrix.

# %%
def linear_collapse(c: float = 2.0):
    banner("2. Three linear layers h(x) = c x compose to y = c^3 x")
    x = torch.tensor([1.0, 2.0, 3.0, -1.5], requires_grad=True)

    def h(v):
        return c * v

    y = h(h(h(x)))
    print(f"c = {c}:  x = {x.tolist()}  ->  h(h(h(x))) = {y.tolist()}  = {c ** 3:g} * x")
    y.sum().backward()
    print(f"dy/dx by autograd = {x.grad.tolist()}  (= c^3 = {c ** 3:g} everywhere: a line)")

    torch.manual_seed(1)
    layers = [nn.Linear(4, 4, bias=False) for _ in range(3)]
    v = torch.randn(5, 4)
    deep = layers[2](layers[1](layers[0](v)))
    w_single = layers[2].weight @ layers[1].weight @ layers[0].weight
    single = v @ w_single.T
    err = (deep - single).abs().max().item()
    print(f"three nn.Linear(4, 4, bias=False) in a row == one linear map W3 W2 W1: max difference {err:.2e}")
    return y.tolist(), x.grad.tolist(), err


# %% [markdown]
# ## 3. Sigmoid's derivative is at most 0.25: the vanishing gradient
#
# We let autograd differentiate sigmoid on a grid of 1,201 points from -6 to 6.

# %%
def activation_derivatives():
    banner("3. Sigmoid' <= 0.25 (vanishing gradients); ReLU' = 1 for x > 0")
    xs = torch.linspace(-6.0, 6.0, 1201)               # step 0.01, contains 0 exactly
    x = xs.clone().requires_grad_(True)
    s = torch.sigmoid(x)
    s.sum().backward()                                 # each s_i depends only on x_i: grad = s'(x_i)
    ds = x.grad
    i_max = int(ds.argmax().item())
    ds_max, x_at = ds.max().item(), xs[i_max].item()
    print(f"max of sigmoid'(x) on the grid: {ds_max:.6f} at x = {x_at:+.2f}")
    formula_err = (ds - s.detach() * (1 - s.detach())).abs().max().item()
    print(f"autograd agrees with sigmoid'(x) = s(x)(1 - s(x)): max difference {formula_err:.1e}")
    for v in (0.0, 2.0, 5.0):
        i = int(round((v + 6.0) / 0.01))
        print(f"  sigmoid'({v:g}) = {ds[i].item():.4f}")

    print("back-propagation multiplies one such factor per layer; at best 0.25 each:")
    bounds = {n: 0.25 ** n for n in (1, 2, 5, 10)}
    for n, b in bounds.items():
        print(f"  {n:>2} sigmoid layer{'s' if n > 1 else ' '}: gradient factor <= 0.25^{n} = {b:.3g}")
    z = torch.tensor(0.0, requires_grad=True)
    out = z
    for _ in range(10):
        out = torch.sigmoid(out)
    out.backward()
    chain10 = z.grad.item()
    print(f"  a real chain sigmoid(sigmoid(...(x))) of 10 sigmoids at x = 0: d/dx = {chain10:.3g}")

    xr = xs.clone().requires_grad_(True)
    r = torch.relu(xr)
    r.sum().backward()
    dr = xr.grad
    pos, neg = xs > 0, xs < 0
    dr_pos = sorted(set(dr[pos].tolist()))
    dr_neg = sorted(set(dr[neg].tolist()))
    print(f"ReLU'(x) for the {int(pos.sum().item())} grid points x > 0: {dr_pos};  "
          f"for the {int(neg.sum().item())} points x < 0: {dr_neg}")
    print(f"  (at the middle grid point x = {xs[600].item():g} autograd gives {dr[600].item():g}; "
          "PyTorch also uses 0 for ReLU'(0))")
    return xs, s.detach(), ds, r.detach(), dr, ds_max, x_at, chain10, dr_pos, dr_neg


# %% [markdown]
# ## 4. Dead ReLU units
#
# A unit whose pre-activation is negative for every input outputs 0 everywhere and gets a zero
# gradient, so it never learns again. A strongly negative bias makes that happen.

# %%
def dead_units(bias: float = -1.5):
    banner(f"4. Dead ReLU units in a layer with bias {bias}")
    torch.manual_seed(0)
    layer = nn.Linear(16, 32)
    x = torch.randn(64, 16)                           # 64 inputs

    def count_dead() -> int:
        out = torch.relu(layer(x))
        return int(((out > 0).float().sum(0) == 0).sum().item())   # units never switched on

    by_bias = {}
    for b in (0.0, -0.5, -1.0, bias):
        with torch.no_grad():
            layer.bias.fill_(b)
        by_bias[b] = count_dead()
        print(f"  nn.Linear(16, 32) with every bias = {b:+.1f}: {by_bias[b]:>2} of 32 units output 0 "
              f"for all 64 inputs")
    out = torch.relu(layer(x))                        # bias is now `bias`
    out.sum().backward()
    dead = (out > 0).float().sum(0) == 0
    n_dead = int(dead.sum().item())
    grad_rows = layer.weight.grad.abs().sum(1)        # one number per unit
    dead_grad = grad_rows[dead].max().item() if n_dead else 0.0
    alive_grad = grad_rows[~dead].min().item() if n_dead < 32 else 0.0
    print(f"with bias {bias}: {n_dead} dead units; the largest weight gradient of a dead unit is "
          f"{dead_grad} (exactly zero: they cannot recover), the smallest of a live unit {alive_grad:.3f}")
    return n_dead, dead_grad, by_bias


# %% [markdown]
# ## 5. Max pooling: no parameters, one channel at a time

# %%
def max_pooling():
    banner("5. Max pooling: N x C x H x W -> N x C x OH x OW, no parameters")
    pool = nn.MaxPool2d(kernel_size=2, stride=2)
    print(f"{pool!r} has {len(list(pool.parameters()))} parameters")
    torch.manual_seed(0)
    x = torch.randint(0, 10, (2, 3, 4, 4)).float()
    y = pool(x)
    print(f"input N x C x H x W = {tuple(x.shape)} -> output {tuple(y.shape)} (channels kept, H and W halved)")
    print(f"channel 0 of image 0:\n{x[0, 0]}\n-> after 2x2 max pooling:\n{y[0, 0]}")
    per_channel = all(bool((F.max_pool2d(x[:, c:c + 1], 2) == y[:, c:c + 1]).all().item()) for c in range(3))
    print(f"pooling each channel on its own gives the same result: {per_channel}")

    # Each 2x2 block becomes its brightest pixel: a digit turns into a mosaic.
    from tinygrad_edu.utils.datasets import load_digits
    images, labels = load_digits(image_size=28)
    digit = images[5:6]                                   # 1 x 1 x 28 x 28, a handwritten 5
    mosaics = [digit, F.max_pool2d(digit, 2), F.max_pool2d(digit, 4)]
    print("a 28x28 digit through max pooling: " + " -> ".join(str(tuple(m.shape)) for m in mosaics))
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    for ax, m, title in zip(axes, mosaics, ["input 28x28", "max_pool2d(x, 2): 14x14", "max_pool2d(x, 4): 7x7"]):
        ax.imshow(m[0, 0].cpu().numpy(), cmap="gray", vmin=0.0, vmax=1.0)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    path = save_figure(fig, "03_max_pool_mosaic.png")
    return tuple(x.shape), tuple(y.shape), len(list(pool.parameters())), per_channel, path


# %%
def plot(xs, s, ds, r, dr):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    xv = xs.tolist()
    axes[0].plot(xv, s.tolist(), label="sigmoid(x)")
    axes[0].plot(xv, ds.tolist(), label="sigmoid'(x), max 0.25 at 0")
    axes[0].axhline(0.25, ls=":", c="gray")
    axes[1].plot(xv, r.tolist(), label="ReLU(x)")
    axes[1].plot(xv, dr.tolist(), label="ReLU'(x): 0 or 1")
    axes[1].set_ylim(-0.2, 3)
    for ax in axes:
        ax.legend(loc="upper left")
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
    axes[0].set_title("sigmoid and its derivative (autograd)")
    axes[1].set_title("ReLU and its derivative (autograd)")
    return save_figure(fig, "03_activations.png")


# %%
def main() -> dict:
    shapes, total = pipeline()
    composed, composed_grad, collapse_err = linear_collapse()
    xs, s, ds, r, dr, ds_max, x_at, chain10, dr_pos, dr_neg = activation_derivatives()
    n_dead, dead_grad, dead_by_bias = dead_units()
    pool_in, pool_out, pool_params, per_channel, mosaic_path = max_pooling()
    banner("6. The activation plot")
    path = plot(xs, s, ds, r, dr)
    return {
        "pipeline_shapes": shapes,
        "pipeline_params": total,
        "composed": composed,
        "composed_grad": composed_grad,
        "linear_collapse_error": collapse_err,
        "sigmoid_grad_max": ds_max,
        "sigmoid_grad_argmax": x_at,
        "sigmoid_chain10_grad": chain10,
        "relu_grad_pos": dr_pos,
        "relu_grad_neg": dr_neg,
        "dead_units": n_dead,
        "dead_unit_grad": dead_grad,
        "dead_units_by_bias": dead_by_bias,
        "pool_in": pool_in,
        "pool_out": pool_out,
        "pool_params": pool_params,
        "pool_per_channel": per_channel,
        "pictures": [str(mosaic_path), str(path)],
    }


if __name__ == "__main__":
    main()
