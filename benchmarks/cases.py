"""What one timed round does, for either library: ``build(lib, case, device)`` returns a closure.

The same source builds both sides (the APIs match, ``lib`` is ``tinygrad_edu`` or ``torch``), on the
same weights and data, so a round is the same work for both. Cases:

* ``alexnet-N``: one AlexNet training step at batch N (zero_grad, forward on 3x224x224 images,
  cross-entropy, backward, SGD with momentum 0.9), torchvision layout, 61.1 M parameters;
* ``smallcnn-N``: the same step for conv32-relu-pool-conv64-relu-pool-fc256-fc10 on 3x32x32 images;
* ``overhead``: ten chains of 1,000 elementwise ops (alternating ``*`` and ``+``) on a 16-element
  tensor, each followed by ``.sum().backward()``: the bookkeeping per op, not arithmetic;
* ``conv1`` .. ``conv5``, ``pool``, ``fc6`` .. ``fc8``: AlexNet's layers alone, forward + backward
  against a fixed upstream gradient, with the input each sees inside AlexNet at batch 8 (conv1
  computes no input gradient: its input is the image).
"""
from __future__ import annotations

import numpy as np

from nets import batch, build_pair, training_step

OVERHEAD_OPS, OVERHEAD_REPEAT = 1000, 10
LAYER_BATCH = 8
# (name, in channels, out channels, input side, kernel, stride, padding)
CONVS = {"conv1": (3, 64, 224, 11, 4, 2), "conv2": (64, 192, 27, 5, 1, 2), "conv3": (192, 384, 13, 3, 1, 1),
         "conv4": (384, 256, 13, 3, 1, 1), "conv5": (256, 256, 13, 3, 1, 1)}
LINEARS = {"fc6": (9216, 4096), "fc7": (4096, 4096), "fc8": (4096, 1000)}


def describe(case: str) -> str:
    """The row label of a case."""
    name, _, n = case.partition("-")
    if name == "alexnet":
        return f"alexnet step, batch {n}"
    if name == "smallcnn":
        return f"small cnn step, batch {n}"
    if name == "overhead":
        return f"per-op overhead ({OVERHEAD_OPS} mul/add on 16 floats, fwd+bwd), per op"
    if name in CONVS:
        c, f, s, k, st, _ = CONVS[name]
        return f"{name} {k}x{k}/{st} fwd+bwd, batch {LAYER_BATCH}, {c}x{s}x{s} -> {f} channels"
    if name == "pool":
        return f"maxpool 3/2 fwd+bwd, batch {LAYER_BATCH}, 64x55x55"
    fan_in, fan_out = LINEARS[name]
    return f"{name} linear fwd+bwd, batch {LAYER_BATCH}, {fan_in} -> {fan_out}"


def per_round(case: str) -> float:
    """Seconds of a round -> the unit reported (ms, or us per op for the overhead)."""
    return 1e6 / (OVERHEAD_OPS * OVERHEAD_REPEAT) if case == "overhead" else 1e3


def build(lib, case: str, device: str = "cpu"):
    """The closure that one timed round calls, for ``lib``, on ``device``."""
    name, _, n = case.partition("-")
    ours = lib.__name__ == "tinygrad_edu"

    def to(a, requires_grad=False):
        return lib.tensor(a, device=device, requires_grad=requires_grad)

    if name in ("alexnet", "smallcnn"):
        model_ours, model_torch = build_pair("alexnet" if name == "alexnet" else "small_cnn",
                                             None if ours else lib)
        model = (model_ours if ours else model_torch).to(device)
        x, y = batch(int(n), 224 if name == "alexnet" else 32, 1000 if name == "alexnet" else 10)
        return training_step(lib, model, to(x), to(y))
    rng = np.random.default_rng(0)
    if name == "overhead":
        x = to(rng.standard_normal(16, dtype=np.float32), requires_grad=True)
        c = to(rng.uniform(0.999, 1.001, 16).astype(np.float32))

        def chains():
            for _ in range(OVERHEAD_REPEAT):
                y = x
                for _ in range(OVERHEAD_OPS // 2):
                    y = y * c
                    y = y + c
                y.sum().backward()
                x.grad = None
        return chains
    if name == "pool":
        xt = to(rng.standard_normal((LAYER_BATCH, 64, 55, 55), dtype=np.float32), requires_grad=True)
        g = to(rng.standard_normal((LAYER_BATCH, 64, 27, 27), dtype=np.float32))

        def pool():
            lib.nn.functional.max_pool2d(xt, 3, 2).backward(g)
            xt.grad = None
        return pool
    if name in CONVS:
        c, f, s, k, st, p = CONVS[name]
        o = (s + 2 * p - k) // st + 1
        shapes, kwargs, fn = ((LAYER_BATCH, c, s, s), (f, c, k, k), (f,), (LAYER_BATCH, f, o, o)), \
            dict(stride=st, padding=p), "conv2d"
        fan_in = c * k * k
    else:
        fan_in, fan_out = LINEARS[name]
        shapes = ((LAYER_BATCH, fan_in), (fan_out, fan_in), (fan_out,), (LAYER_BATCH, fan_out))
        kwargs, fn = {}, "linear"
    x, w, b, g = (rng.standard_normal(sh, dtype=np.float32) for sh in shapes)
    xt, wt, bt, gt = to(x, name != "conv1"), to(w * np.float32(fan_in ** -0.5), True), to(b, True), to(g)
    op = getattr(lib.nn.functional, fn)

    def layer():
        op(xt, wt, bt, **kwargs).backward(gt)
        xt.grad = wt.grad = bt.grad = None
    return layer
