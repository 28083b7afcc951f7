# %% [markdown]
# # Vanishing gradients: sigmoid vs ReLU, Xavier vs He
#
# 기울기 소실을 직접 측정해 봅시다. (Let's measure vanishing gradients.)
#
# The lecture's claim (unit 03): the sigmoid's derivative is at most 0.25, so in
# back-propagation the gradient shrinks layer by layer, and the first layers of a deep sigmoid
# network hardly learn. ReLU's derivative is 1 wherever the unit is active, which eases it.
#
# Here we measure it. We build deep MLPs (15 hidden layers of 64 units) on the real digits,
# run one backward pass, and record the gradient norm that reaches every layer's weights with
# `tinygrad_edu.viz.GradientFlow` (hooks on the parameters). Five settings:
#
# | activation | initialisation | what to expect |
# | --- | --- | --- |
# | sigmoid | Xavier | the first layer gets a gradient ~10^9 times smaller than the last |
# | sigmoid | He | a better init cannot help: sigmoid' <= 0.25 whatever the weights |
# | tanh | Xavier | tanh' = 1 at 0, and Xavier keeps the variance: healthy |
# | ReLU | Xavier | no decay across layers, but the signal's variance halves in every layer |
# | ReLU | He | He's factor 2 makes up for ReLU zeroing half the units: healthy |
#
# Then we train each network for a few hundred steps to see what the numbers mean.
#
# Run it: `python examples/07_vanishing_gradients.py` (or open `notebooks/07_vanishing_gradients.ipynb`). It writes
# `07_vanishing_gradients.png` and `07_gradflow_sigmoid.png` to the current directory or
# `$TINYGRAD_EDU_OUT`. Tutorial: `docs/07_vanishing_gradients.md`.

# %%
import math
import sys
from collections import OrderedDict

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, fast_mode, pyplot, show  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu.utils.datasets import load_digits  # noqa: E402
from tinygrad_edu.viz import GradientFlow  # noqa: E402

FAST = fast_mode()
DEPTH = 15                          # hidden layers
STEPS = 150 if FAST else 300        # training steps per network (fast mode: the tests)
SETTINGS = [("sigmoid", "xavier"), ("sigmoid", "he"), ("tanh", "xavier"), ("relu", "xavier"), ("relu", "he")]
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def label(act: str, init: str) -> str:
    return f"{act} + {'Xavier' if init == 'xavier' else 'He'}"


print(f"{'fast' if FAST else 'full'} mode: {DEPTH} hidden layers, {STEPS} training steps; settings: "
      + ", ".join(label(a, i) for a, i in SETTINGS))

# %% [markdown]
# ## 1. The bound: sigmoid'(x) = s(x)(1 - s(x)) <= 0.25
#
# Back-propagation multiplies the gradient by the activation's derivative once per layer. For
# the sigmoid that factor is at most 0.25 (at x = 0) and much smaller for large |x|. After L
# layers: at most 0.25^L, before the weights have had their say.

# %%
banner("1. sigmoid'(x) <= 0.25, so L layers shrink a gradient by up to 0.25^L")
x = torch.linspace(-6, 6, 13, requires_grad=True)
torch.sigmoid(x).sum().backward()          # x.grad = sigmoid'(x), elementwise
print("x:           " + " ".join(f"{v:6.1f}" for v in x.tolist()))
print("sigmoid'(x): " + " ".join(f"{v:6.3f}" for v in x.grad.tolist()))
sigmoid_grad_max = max(x.grad.tolist())
print(f"largest value {sigmoid_grad_max:.4f} at x = 0")
for layers in (1, 5, 10, DEPTH):
    print(f"  0.25^{layers:<2} = {0.25 ** layers:.2e}")

# %% [markdown]
# ## 2. Deep MLPs: three activations, two initialisations
#
# `depth` hidden layers `Linear(64 -> 64)` each followed by the activation, then
# `Linear(64 -> 10)`. Weights are drawn with
#
# * **Xavier** (Glorot & Bengio, 2010): `std = sqrt(2 / (fan_in + fan_out))`, chosen so that the
#   variance of the signal stays the same through a layer whose activation has slope 1 near 0
#   (tanh, or no activation);
# * **He** (Kaiming He et al., 2015): `std = sqrt(2 / fan_in)`, twice Xavier's variance for a
#   square layer, because ReLU zeroes half of its inputs and halves the variance.
#
# Biases start at 0.

# %%
def make_mlp(act: str, init: str, depth: int = DEPTH, width: int = 64, inputs: int = 64, classes: int = 10):
    layers = OrderedDict()
    fan_in = inputs
    for i in range(1, depth + 1):
        layers[f"fc{i}"] = nn.Linear(fan_in, width)
        layers[f"{act}{i}"] = ACTIVATIONS[act]()
        fan_in = width
    layers[f"fc{depth + 1}"] = nn.Linear(width, classes)
    for module in layers.values():
        if isinstance(module, nn.Linear):
            if init == "xavier":
                nn.init.xavier_normal_(module.weight)
            else:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return nn.Sequential(layers)


banner(f"2. The networks: {DEPTH} hidden layers of 64 units")
xavier, he = make_mlp("sigmoid", "xavier"), make_mlp("relu", "he")
print(f"each network: {len([m for m in xavier.modules() if isinstance(m, nn.Linear)])} Linear layers, "
      f"{sum(p.numel() for p in xavier.parameters()):,} parameters")
print(f"Xavier std for a 64 -> 64 layer: sqrt(2 / (64 + 64)) = {math.sqrt(2 / 128):.4f}  "
      f"(measured {xavier.fc2.weight.std().item():.4f})")
print(f"He     std for a 64 -> 64 layer: sqrt(2 / 64)        = {math.sqrt(2 / 64):.4f}  "
      f"(measured {he.fc2.weight.std().item():.4f})")

# %% [markdown]
# The inputs are the 64 pixels of each digit, standardised per pixel.

# %%
x, y = load_digits("train", flatten=True)           # 1,438 x 64 pixels in [0, 1]
x_test, y_test = load_digits("test", flatten=True)  # 359 held-out digits
mean, std = x.mean(0), x.std(0) + 0.1                # +0.1: some border pixels are always 0
x, x_test = (x - mean) / std, (x_test - mean) / std
print(f"inputs: {tuple(x.shape)} training digits as 64-pixel rows, standardised; "
      f"{tuple(x_test.shape)} test digits")

# %% [markdown]
# ## 3. One backward pass, gradient norms per layer
#
# `GradientFlow(model, include_bias=False)` puts a hook on every weight; after `backward()` its
# `records` hold each weight gradient's mean |g|, max |g| and L2 norm. The table lists them input
# side first: `fc1` is next to the input, `fc16` next to the loss.

# %%
banner(f"3. Gradient norm of each layer's weights, one backward pass ({DEPTH} hidden layers)")
measured = {}
for act, init in SETTINGS:
    torch.manual_seed(0)
    model = make_mlp(act, init)
    flow = GradientFlow(model, include_bias=False)
    loss = F.cross_entropy(model(x[:256]), y[:256])
    loss.backward()
    rec = flow.records[-1]["params"]
    measured[label(act, init)] = {"names": [n.split(".")[0] for n in flow.names],
                                  "norms": [rec[name]["norm"] for name in flow.names], "flow": flow}
    flow.remove()

names = measured[label(*SETTINGS[0])]["names"]
print("L2 norm of d loss / d weight, input side first:")
print(f"{'layer':<6}" + "".join(f"{k:>17}" for k in measured))
for i, name in enumerate(names):
    print(f"{name:<6}" + "".join(f"{m['norms'][i]:>17.2e}" for m in measured.values()))

# %% [markdown]
# First against last layer: their ratio, and the geometric-mean factor per hidden layer.

# %%
print(f"{'setting':<17}{'first layer':>12}{'last layer':>12}{'first/last':>12}{'per layer':>11}")
for k, m in measured.items():
    norms = m["norms"]
    m.update(first=norms[0], last=norms[-1], ratio=norms[0] / norms[-1])
    m["per_layer"] = m["ratio"] ** (1.0 / DEPTH)
    print(f"{k:<17}{m['first']:>12.2e}{m['last']:>12.2e}{m['ratio']:>12.2e}{m['per_layer']:>11.3f}")
sig, relu = measured[label("sigmoid", "xavier")], measured[label("relu", "he")]
print(f"\nsigmoid + Xavier: the first layer's gradient is {sig['ratio']:.1e} times the last layer's: "
      f"{sig['per_layer']:.3f} per layer, {'below' if sig['per_layer'] < 0.25 else 'near'} sigmoid's bound 0.25 "
      f"(0.25^{DEPTH} = {0.25 ** DEPTH:.1e}).")
print(f"ReLU + He: first/last = {relu['ratio']:.2f}, the gradient reaches the first layer intact.")
print(f"The first layer of the sigmoid network gets {relu['first'] / sig['first']:.1e} times less "
      f"gradient than the ReLU network's.")

# %% [markdown]
# ReLU with Xavier's initialisation does not decay from layer to layer, but every gradient is
# smaller: Xavier's variance suits tanh, and ReLU zeroes half the units, so the signal loses half
# its variance per layer, forward and backward.

# %%
rx = measured[label("relu", "xavier")]
factors = [h / r for h, r in zip(relu["norms"], rx["norms"])]
print(f"ReLU + Xavier: first/last = {rx['ratio']:.2f}, but each layer's gradient is {min(factors):.0f}x to "
      f"{max(factors):.0f}x smaller than with He; 2^({DEPTH}/2) = {2 ** (DEPTH / 2):.0f}.")

# %% [markdown]
# The library's own table for sigmoid + Xavier (bar: log10 of the norm):

# %%
print(sig["flow"].summary())

# %% [markdown]
# `GradientFlow.plot` draws the same: bars per layer on a log scale.

# %%
gradflow_fig = sig["flow"].plot(title=f"GradientFlow.plot: sigmoid + Xavier, {DEPTH} hidden layers")
gradflow_picture = show(gradflow_fig, "07_gradflow_sigmoid.png")

# %% [markdown]
# ## 4. What the numbers mean: train each network
#
# Same data, same optimizer (SGD with momentum 0.9, learning rate 0.01), same mini-batches, same
# number of steps. A layer whose gradient is 10^-9 of the others' effectively does not move.

# %%
banner(f"4. Training each network for {STEPS} steps (SGD, momentum 0.9, lr 0.01)")
training = {}
for act, init in SETTINGS:
    torch.manual_seed(0)
    model = make_mlp(act, init)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    gen = torch.Generator(x.device).manual_seed(1)   # the same mini-batches for every setting
    losses = []
    for _ in range(STEPS):
        idx = torch.randint(0, x.shape[0], (64,), generator=gen).to(x.device)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean().item()
    tail = sum(losses[-20:]) / len(losses[-20:])
    training[label(act, init)] = {"losses": losses, "final_loss": tail, "test_accuracy": acc}
    print(f"{label(act, init):<17} loss {losses[0]:.3f} -> {tail:.3f}   test accuracy {acc:6.1%}")

# %% [markdown]
# Which networks are stuck near chance (10 %), and why:

# %%
stuck = [k for k, t in training.items() if t["test_accuracy"] < 0.2]
vanished = [k for k in stuck if measured[k]["ratio"] < 1e-3]
slow = [k for k in stuck if k not in vanished]
print(f"stuck because their first layers get almost no gradient (random weights pass on noise): "
      f"{', '.join(vanished) or 'none'}")
print(f"stuck although no layer is starved (every gradient is small, it learns slowly): {', '.join(slow) or 'none'}")
print(f"learned: {', '.join(k for k in training if k not in stuck)}")

# %% [markdown]
# ## 5. The picture
#
# Left: every setting's gradient norm per layer on a log scale, with the 0.25-per-layer bound
# drawn from the sigmoid network's last layer. Right: the training losses.

# %%
plt = pyplot()
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
xs = list(range(1, len(names) + 1))
for k, m in measured.items():
    ax1.plot(xs, m["norms"], "o-", markersize=3, label=k)
ax1.plot(xs, [sig["last"] * 0.25 ** (len(xs) - i) for i in xs], "k:", label="0.25 per layer (sigmoid' bound)")
ax1.set_yscale("log")
ax1.set_xticks(xs)
ax1.set_xticklabels(names, rotation=60, fontsize=7)
ax1.set_xlabel("layer (input side on the left)")
ax1.set_ylabel("||d loss / d weight|| (log scale)")
ax1.set_title(f"gradient reaching each layer, {DEPTH} hidden layers")
ax1.grid(True, which="major", alpha=0.3)
ax1.legend(fontsize=7)
for k, t in training.items():
    window = 10
    smooth = [sum(t["losses"][max(0, i - window + 1):i + 1]) / len(t["losses"][max(0, i - window + 1):i + 1])
              for i in range(len(t["losses"]))]
    ax2.plot(range(1, len(smooth) + 1), smooth, label=f"{k} ({t['test_accuracy']:.0%} test)")
ax2.axhline(math.log(10), color="gray", linestyle=":", label="ln 10: guessing")
ax2.set_xlabel("SGD step")
ax2.set_ylabel("training loss (moving average of 10)")
ax2.set_title("does it learn?")
ax2.grid(True, alpha=0.3)
ax2.legend(fontsize=7)
vanishing_picture = show(fig, "07_vanishing_gradients.png")

# %% [markdown]
# ## Summary

# %%
results = {
    "depth": DEPTH,
    "steps": STEPS,
    "sigmoid_grad_max": sigmoid_grad_max,
    "bound": 0.25 ** DEPTH,
    "settings": list(measured),
    "norms": {k: m["norms"] for k, m in measured.items()},
    "first_layer_norm": {k: m["first"] for k, m in measured.items()},
    "last_layer_norm": {k: m["last"] for k, m in measured.items()},
    "ratio_first_last": {k: m["ratio"] for k, m in measured.items()},
    "per_layer_factor": {k: m["per_layer"] for k, m in measured.items()},
    "final_loss": {k: t["final_loss"] for k, t in training.items()},
    "test_accuracy": {k: t["test_accuracy"] for k, t in training.items()},
    "pictures": [str(vanishing_picture), str(gradflow_picture)],
}
for k in results["settings"]:
    print(f"{k:<17} first/last {results['ratio_first_last'][k]:.1e}   test accuracy {results['test_accuracy'][k]:.0%}")
