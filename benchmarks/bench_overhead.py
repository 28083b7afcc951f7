"""Per-op overhead: a chain of 1,000 elementwise ops on a 16-element tensor, forward + backward.

The arrays are so small that the arithmetic is free: what is measured is the bookkeeping each op
costs (argument checks, making the output Tensor, recording the graph node, and in backward the
engine's scheduling and one backward Function per op). A round runs the chain ``REPEAT`` times
(a single chain takes only milliseconds, too short to time alone on a busy machine); reported per
op: round time / (1,000 x ``REPEAT``).
"""
from __future__ import annotations

from typing import List

import numpy as np

import tinygrad_edu as tg

from common import Config, Placement, Result, compare

N_OPS = 1000
REPEAT = 10
TARGET = 2.0


def _chain(lib, place):
    to = place.ours if lib is tg else place.theirs
    rng = np.random.default_rng(0)
    x = to(rng.standard_normal(16, dtype=np.float32), requires_grad=True)
    c = to(rng.uniform(0.999, 1.001, 16).astype(np.float32))

    def run():
        for _ in range(REPEAT):
            y = x
            for _ in range(N_OPS // 2):   # alternate a multiply and an add: 1,000 ops
                y = y * c
                y = y + c
            y.sum().backward()
            x.grad = None
    return run


def overhead(cfg: Config) -> List[Result]:
    place = Placement(cfg.device, cfg.torch)
    ours = _chain(tg, place)
    theirs = _chain(cfg.torch, place) if cfg.torch else None
    a, b = compare(cfg, place, ours, theirs)
    return [Result("overhead", f"{N_OPS} mul/add ops on 16 floats, fwd+bwd, per op", a, b,
                   unit="us", scale=1e6 / (N_OPS * REPEAT), target=TARGET if cfg.device == "cpu" else None)]
