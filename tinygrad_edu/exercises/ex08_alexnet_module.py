"""Exercise 08 (assignment 2): AlexNet as a Module: layer shapes, parameter total, forward, summary."""
import contextlib
import io

from .. import backend, nn
from ..autograd import no_grad
from ..tensor import Tensor
from .alexnet_truth import INPUT_SIDE, MAPS, STAGES, VARIANTS, count, formula, total
from .checking import CheckFailed, num

NUMBER, STEM, TITLE = "08", "08_alexnet_module", "assignment 2: AlexNet as a Module, with a summary"
np = backend.np


def layer_counts(model):
    """Parameters of each Conv2d and Linear layer, in the order the model registers them."""
    return [(type(m).__name__, sum(p.numel() for p in m.parameters()))
            for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def compare_maps(shapes, want, side) -> None:
    for stage, g, w in zip(STAGES, shapes, want):
        if g != w:
            raise CheckFailed(f"after {stage} your maps are {'x'.join(map(str, g))}; they should be "
                              f"{'x'.join(map(str, w))} for a {side}x{side} input (check kernel, stride, padding "
                              "with OW = (W + 2P - FW) / S + 1)")


def check(ex, ok) -> None:
    variant = getattr(ex, "VARIANT", None)
    if variant not in VARIANTS:
        raise CheckFailed(f"VARIANT is {variant!r}; choose one of " + ", ".join(repr(v) for v in VARIANTS))
    model = ex.AlexNet()
    if not isinstance(model, nn.Module):
        raise CheckFailed("AlexNet() should be an nn.Module (class AlexNet(nn.Module))")
    layers, rows = layer_counts(model), VARIANTS[variant]
    kinds = ["Conv2d"] * 5 + ["Linear"] * 3
    if [k for k, _ in layers] != kinds:
        raise CheckFailed(f"your model's layers with parameters are {[k for k, _ in layers]}; AlexNet has "
                          "5 Conv2d layers, then 3 Linear layers")
    for (kind, got), row in zip(layers, rows):
        if got != count(row):
            raise CheckFailed(f"your {row[0]} ({kind}) has {num(got)} parameters; the {variant} variant needs "
                              f"{formula(row)} = {num(count(row))}")
    got = sum(p.numel() for p in model.parameters())
    if got != total(variant):
        raise CheckFailed(f"your model has {num(got)} parameters in all; the {variant} variant has "
                          f"{num(total(variant))} (some layer outside conv1-fc8 holds parameters?)")
    ok(f"every layer's parameters match the hand count; total {num(got)} ({variant})")

    side = INPUT_SIDE[variant]
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:])))
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]
    want = [(c, s, s) for c, s in MAPS[variant]]
    model.eval()
    try:
        with no_grad():
            out = model(Tensor(np.random.default_rng(8).normal(size=(1, 3, side, side)).astype(np.float32)))
    except Exception:
        compare_maps(shapes, want, side)  # a wrong map size explains most crashes: say that first
        raise
    finally:
        for h in hooks:
            h.remove()
    if len(shapes) != len(want):
        raise CheckFailed(f"a forward pass ran {len(shapes)} Conv2d/MaxPool2d layers; AlexNet has 8 "
                          "(conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool3)")
    compare_maps(shapes, want, side)
    if tuple(out.shape) != (1, 1000):
        raise CheckFailed(f"a batch of one {side}x{side} image gives output shape {tuple(out.shape)}; "
                          "it should be (1, 1000): one score per class")
    ok(f"a {side}x{side} image goes through " + " -> ".join(f"{c}x{s}x{s}" for c, s in MAPS[variant])
       + " -> 1000 scores")

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ex.show_summary(model)
    text = printed.getvalue()
    if num(total(variant)) not in text or "Conv2d" not in text:
        raise CheckFailed("show_summary(model) should print the summary table (tinygrad_edu.summary): "
                          f"its layers and the total {num(total(variant))}; it printed:\n{text[:400]}")
    ok("show_summary prints the layers and the total")
