# %% [markdown]
# # Vanishing gradients: sigmoid vs ReLU, Xavier vs He
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
# Run it: `python examples/07_vanishing_gradients.py` (a few seconds). It writes
# `07_vanishing_gradients.png` and `07_gradflow_sigmoid.png` to the current directory or
# `$TINYGRAD_EDU_OUT`. Tutorial: `docs/07_vanishing_gradients.md`.

# %%
import math
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import banner, ensure_importable, out_dir, pyplot, save_figure  # noqa: E402

ensure_importable()

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu.utils.datasets import load_digits  # noqa: E402
from tinygrad_edu.viz import GradientFlow  # noqa: E402


def fast_mode() -> bool:
    """``TINYGRAD_EDU_FAST=1`` (the tests) trains for fewer steps; the gradient measurement is the same."""
    return os.environ.get("TINYGRAD_EDU_FAST", "0") not in ("", "0", "false", "False")


SETTINGS = [("sigmoid", "xavier"), ("sigmoid", "he"), ("tanh", "xavier"), ("relu", "xavier"), ("relu", "he")]
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def label(act: str, init: str) -> str:
    return f"{act} + {'Xavier' if init == 'xavier' else 'He'}"


# %% [markdown]
# ## 1. The bound: sigmoid'(x) = s(x)(1 - s(x)) <= 0.25
#
# Back-propagation multiplies the gradient by the activation's derivative once per layer. For
# the sigmoid that factor is at most 0.25 (at x = 0) and much smaller for large |x|. After L
# layers: at most 0.25^L, before the weights have had their say.

# %%
def the_bound(depth: int) -> dict:
    banner("1. sigmoid'(x) <= 0.25, so L layers shrink a gradient by up to 0.25^L")
    x = torch.linspace(-6, 6, 13, requires_grad=True)
    torch.sigmoid(x).sum().backward()          # x.grad = sigmoid'(x), elementwise
    print("x:           " + " ".join(f"{v:6.1f}" for v in x.tolist()))
    print("sigmoid'(x): " + " ".join(f"{v:6.3f}" for v in x.grad.tolist()))
    print(f"largest value {max(x.grad.tolist()):.4f} at x = 0")
    for layers in (1, 5, 10, depth):
        print(f"  0.25^{layers:<2} = {0.25 ** layers:.2e}")
    return {"sigmoid_grad_max": max(x.grad.tolist()), "bound": 0.25 ** depth}


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
# Biases start at 0. The inputs are the 64 pixels of each digit, standardised per pixel.

# %%
def make_mlp(act: str, init: str, depth: int, width: int = 64, inputs: int = 64, classes: int = 10):
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


def load_data(depth: int):
    banner(f"2. The networks: {depth} hidden layers of 64 units, on the digits")
    x, y = load_digits("train", flatten=True)           # 1,438 x 64 pixels in [0, 1]
    x_test, y_test = load_digits("test", flatten=True)  # 359 held-out digits
    mean, std = x.mean(0), x.std(0) + 0.1                # +0.1: some border pixels are always 0
    model = make_mlp("sigmoid", "xavier", depth)
    print(f"inputs: {tuple(x.shape)} training digits as 64-pixel rows, standardised; "
          f"{tuple(x_test.shape)} test digits")
    print(f"each network: {len([m for m in model.modules() if isinstance(m, nn.Linear)])} Linear layers, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    print(f"Xavier std for a 64 -> 64 layer: sqrt(2 / (64 + 64)) = {math.sqrt(2 / 128):.4f}  "
          f"(measured {model.fc2.weight.std().item():.4f})")
    he = make_mlp("relu", "he", depth)
    print(f"He     std for a 64 -> 64 layer: sqrt(2 / 64)        = {math.sqrt(2 / 64):.4f}  "
          f"(measured {he.fc2.weight.std().item():.4f})")
    return (x - mean) / std, y, (x_test - mean) / std, y_test


# %% [markdown]
# ## 3. One backward pass, gradient norms per layer
#
# `GradientFlow(model, include_bias=False)` puts a hook on every weight; after `backward()` its
# `records` hold each weight gradient's mean |g|, max |g| and L2 norm. We compare the first
# layer (`fc1`, next to the input) with the last (`fc16`, next to the loss).

# %%
def measure(x, y, depth: int, batch: int = 256) -> dict:
    banner(f"3. Gradient norm of each layer's weights, one backward pass ({depth} hidden layers)")
    results = {}
    for act, init in SETTINGS:
        torch.manual_seed(0)
        model = make_mlp(act, init, depth)
        flow = GradientFlow(model, include_bias=False)
        loss = F.cross_entropy(model(x[:batch]), y[:batch])
        loss.backward()
        rec = flow.records[-1]["params"]
        norms = [rec[name]["norm"] for name in flow.names]
        results[label(act, init)] = {"names": [n.split(".")[0] for n in flow.names], "norms": norms,
                                     "loss": loss.item(), "flow": flow}
        flow.remove()

    names = next(iter(results.values()))["names"]
    keys = list(results)
    print("L2 norm of d loss / d weight, input side first:")
    print(f"{'layer':<6}" + "".join(f"{k:>17}" for k in keys))
    for i, name in enumerate(names):
        print(f"{name:<6}" + "".join(f"{results[k]['norms'][i]:>17.2e}" for k in keys))
    print()
    print(f"{'setting':<17}{'first layer':>12}{'last layer':>12}{'first/last':>12}{'per layer':>11}")
    for k in keys:
        norms = results[k]["norms"]
        ratio = norms[0] / norms[-1]
        per_layer = ratio ** (1.0 / depth)   # the geometric mean factor per hidden layer
        results[k].update(first=norms[0], last=norms[-1], ratio=ratio, per_layer=per_layer)
        print(f"{k:<17}{norms[0]:>12.2e}{norms[-1]:>12.2e}{ratio:>12.2e}{per_layer:>11.3f}")
    sig, relu = results[label("sigmoid", "xavier")], results[label("relu", "he")]
    print(f"\nsigmoid + Xavier: the first layer's gradient is {sig['ratio']:.1e} times the last layer's: "
          f"{sig['per_layer']:.3f} per layer, {'below' if sig['per_layer'] < 0.25 else 'near'} sigmoid's bound 0.25 "
          f"(0.25^{depth} = {0.25 ** depth:.1e}).")
    print(f"ReLU + He: first/last = {relu['ratio']:.2f}, the gradient reaches the first layer intact.")
    print(f"The first layer of the sigmoid network gets {relu['first'] / sig['first']:.1e} times less "
          f"gradient than the ReLU network's.")
    rx = results[label("relu", "xavier")]
    factors = [h / r for h, r in zip(relu["norms"], rx["norms"])]
    print(f"ReLU + Xavier: first/last = {rx['ratio']:.2f} (no decay from layer to layer), but each layer's "
          f"gradient is {min(factors):.0f}x to {max(factors):.0f}x smaller than with He. Xavier's variance "
          f"suits tanh; ReLU zeroes half the units, so the signal loses half its variance per layer, forward "
          f"and backward: its size shrinks by 2^({depth}/2) = {2 ** (depth / 2):.0f} over {depth} layers.")
    print("\nThe library's own table for sigmoid + Xavier (bar: log10 of the norm):")
    print(sig["flow"].summary())
    return results


# %% [markdown]
# ## 4. What the numbers mean: train each network
#
# Same data, same optimizer (SGD with momentum 0.9, learning rate 0.01), same number of steps.
# A layer whose gradient is 10^-9 of the others' effectively does not move.

# %%
def train_each(x, y, x_test, y_test, results: dict, depth: int, steps: int, batch: int = 64,
               lr: float = 0.01) -> dict:
    banner(f"4. Training each network for {steps} steps (SGD, momentum 0.9, lr {lr})")
    out = {}
    for act, init in SETTINGS:
        torch.manual_seed(0)
        model = make_mlp(act, init, depth)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        gen = torch.Generator(x.device).manual_seed(1)   # the same mini-batches for every setting
        losses = []
        for _ in range(steps):
            idx = torch.randint(0, x.shape[0], (batch,), generator=gen).to(x.device)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        tail = sum(losses[-20:]) / len(losses[-20:])
        out[label(act, init)] = {"losses": losses, "final_loss": tail, "test_accuracy": acc}
        print(f"{label(act, init):<17} loss {losses[0]:.3f} -> {tail:.3f}   test accuracy {acc:6.1%}")
    stuck = [k for k, t in out.items() if t["test_accuracy"] < 0.2]
    vanished = [k for k in stuck if results[k]["ratio"] < 1e-3]
    slow = [k for k in stuck if k not in vanished]
    if vanished:
        print(f"stuck near chance (10 %): {', '.join(vanished)}. Their first layers get almost no gradient, so "
              "they keep their random weights and pass on noise that the top layers cannot use.")
    if slow:
        print(f"still near chance after {steps} steps: {', '.join(slow)}. No layer is starved, but every "
              "gradient is small (the signal shrank on its way up), so it learns slowly.")
    return out


# %% [markdown]
# ## 5. The picture
#
# Left: every setting's gradient norm per layer on a log scale, with the 0.25-per-layer bound
# drawn from the sigmoid network's last layer. Right: the training losses.

# %%
def plot(results: dict, training: dict, depth: int) -> list:
    banner("5. Pictures")
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    names = next(iter(results.values()))["names"]
    xs = list(range(1, len(names) + 1))
    for k, r in results.items():
        ax1.plot(xs, r["norms"], "o-", markersize=3, label=k)
    last = results[label("sigmoid", "xavier")]["norms"][-1]
    ax1.plot(xs, [last * 0.25 ** (len(xs) - i) for i in xs], "k:", label="0.25 per layer (sigmoid' bound)")
    ax1.set_yscale("log")
    ax1.set_xticks(xs)
    ax1.set_xticklabels(names, rotation=60, fontsize=7)
    ax1.set_xlabel("layer (input side on the left)")
    ax1.set_ylabel("||d loss / d weight|| (log scale)")
    ax1.set_title(f"gradient reaching each layer, {depth} hidden layers")
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
    pictures = [str(save_figure(fig, "07_vanishing_gradients.png"))]
    flow = results[label("sigmoid", "xavier")]["flow"]
    path = out_dir() / "07_gradflow_sigmoid.png"
    fig2 = flow.plot(str(path), title=f"GradientFlow.plot: sigmoid + Xavier, {depth} hidden layers")
    del fig2
    print(f"  picture written to {path}")
    pictures.append(str(path))
    return pictures


# %%
def main(fast=None, depth: int = 15, steps=None) -> dict:
    fast = fast_mode() if fast is None else fast
    steps = steps if steps is not None else (150 if fast else 300)
    bound = the_bound(depth)
    x, y, x_test, y_test = load_data(depth)
    results = measure(x, y, depth)
    training = train_each(x, y, x_test, y_test, results, depth, steps)
    try:
        pictures = plot(results, training, depth)
    except ImportError as err:     # matplotlib is optional: the tables above are the lesson
        pictures = []
        print(f"(no pictures: {err}; pip install matplotlib)")
    return {
        "depth": depth,
        "steps": steps,
        **bound,
        "settings": list(results),
        "norms": {k: r["norms"] for k, r in results.items()},
        "first_layer_norm": {k: r["first"] for k, r in results.items()},
        "last_layer_norm": {k: r["last"] for k, r in results.items()},
        "ratio_first_last": {k: r["ratio"] for k, r in results.items()},
        "per_layer_factor": {k: r["per_layer"] for k, r in results.items()},
        "final_loss": {k: t["final_loss"] for k, t in training.items()},
        "test_accuracy": {k: t["test_accuracy"] for k, t in training.items()},
        "pictures": pictures,
    }


if __name__ == "__main__":
    main()
