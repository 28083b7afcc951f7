"""AlexNet's layers one at a time, forward + backward, float32: the five convs and a max pool
(``--only conv``), the three Linear layers (``--only linear``).

Each layer sees the input it gets inside AlexNet (torchvision layout, 224x224 images) and gets a
fixed random upstream gradient. As in the real network, conv1's input is the image, so only its
weight and bias gradients are computed; every other layer computes all three gradients.
"""
from __future__ import annotations

from typing import List

import numpy as np

import tinygrad_edu as tg

from common import Config, Placement, Result, compare

# (name, in channels, out channels, input side, kernel, stride, padding)
CONVS = [
    ("conv1 11x11/4", 3, 64, 224, 11, 4, 2),
    ("conv2 5x5", 64, 192, 27, 5, 1, 2),
    ("conv3 3x3", 192, 384, 13, 3, 1, 1),
    ("conv4 3x3", 384, 256, 13, 3, 1, 1),
    ("conv5 3x3", 256, 256, 13, 3, 1, 1),
]
LINEARS = [("fc6", 9216, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)]
BATCH = {"full": 8, "quick": 2, "cuda": 8}
TARGET = 1.3   # for each conv layer; the issue sets none for the Linear layers


def _layer_closure(lib, place, fn, x, w, b, g, input_grad: bool = True, **kwargs):
    """forward + backward of ``F.<fn>(x, w, b, **kwargs)`` on ``lib``'s tensors (then the
    gradients are dropped, as zero_grad would)."""
    to = place.ours if lib is tg else place.theirs
    xt, wt, bt, gt = to(x, requires_grad=input_grad), to(w, True), to(b, True), to(g)
    op = getattr(lib.nn.functional, fn)

    def run():
        op(xt, wt, bt, **kwargs).backward(gt)
        xt.grad = wt.grad = bt.grad = None
    return run


def _pool_closure(lib, place, x, g):
    to = place.ours if lib is tg else place.theirs
    xt, gt = to(x, requires_grad=True), to(g)
    max_pool2d = lib.nn.functional.max_pool2d

    def run():
        max_pool2d(xt, 3, 2).backward(gt)
        xt.grad = None
    return run


def conv_layers(cfg: Config) -> List[Result]:
    torch, place, n = cfg.torch, Placement(cfg.device, cfg.torch), BATCH[cfg.mode]
    rng = np.random.default_rng(0)
    results = []
    for name, c, f, s, k, st, p in CONVS:
        o = (s + 2 * p - k) // st + 1
        x = rng.standard_normal((n, c, s, s), dtype=np.float32)
        w = rng.standard_normal((f, c, k, k), dtype=np.float32) * np.float32(1 / np.sqrt(c * k * k))
        b = rng.standard_normal(f, dtype=np.float32)
        g = rng.standard_normal((n, f, o, o), dtype=np.float32)
        input_grad = name != "conv1 11x11/4"
        args = ("conv2d", x, w, b, g, input_grad)
        ours = _layer_closure(tg, place, *args, stride=st, padding=p)
        theirs = _layer_closure(torch, place, *args, stride=st, padding=p) if torch else None
        a, t = compare(cfg, place, ours, theirs)
        results.append(Result("conv fwd+bwd", f"{name}, batch {n}, {c}x{s}x{s} -> {f}x{o}x{o}", a, t,
                              target=TARGET if cfg.device == "cpu" else None))
    x = rng.standard_normal((n, 64, 55, 55), dtype=np.float32)
    g = rng.standard_normal((n, 64, 27, 27), dtype=np.float32)
    ours = _pool_closure(tg, place, x, g)
    theirs = _pool_closure(torch, place, x, g) if torch else None
    a, t = compare(cfg, place, ours, theirs)
    results.append(Result("pool fwd+bwd", f"maxpool 3/2, batch {n}, 64x55x55", a, t))
    if n != 8:
        results[0].notes.append(f"the conv target is set for batch 8; batch {n} is the --quick stand-in")
    return results


def linear_layers(cfg: Config) -> List[Result]:
    torch, place, n = cfg.torch, Placement(cfg.device, cfg.torch), BATCH[cfg.mode]
    rng = np.random.default_rng(0)
    results = []
    for name, fan_in, fan_out in LINEARS:
        x = rng.standard_normal((n, fan_in), dtype=np.float32)
        w = rng.standard_normal((fan_out, fan_in), dtype=np.float32) * np.float32(1 / np.sqrt(fan_in))
        b = rng.standard_normal(fan_out, dtype=np.float32)
        g = rng.standard_normal((n, fan_out), dtype=np.float32)
        ours = _layer_closure(tg, place, "linear", x, w, b, g)
        theirs = _layer_closure(torch, place, "linear", x, w, b, g) if torch else None
        a, t = compare(cfg, place, ours, theirs)
        results.append(Result("linear fwd+bwd", f"{name}, batch {n}, {fan_in} -> {fan_out}", a, t))
    return results
