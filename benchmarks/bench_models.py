"""Whole training steps: AlexNet (torchvision layout, 224x224) and a small CIFAR-style CNN.

A step is what a training loop does per batch: zero_grad, forward, cross-entropy, backward, SGD
(lr 0.01, momentum 0.9). Both libraries run the same code (``nets.training_step``) on the same
weights and the same float32 batch.
"""
from __future__ import annotations

import gc
from typing import List

import tinygrad_edu as tg

from common import Config, Placement, Result, compare
from nets import batch, build_pair, training_step

ALEXNET_BATCHES = {"full": (1, 8, 32), "quick": (1, 4), "cuda": (128,)}
ALEXNET_TARGET = 1.2      # the bound for the step at batch 32 (the largest batch measured)
SMALL_CNN_BATCH = {"full": 64, "quick": 16, "cuda": 64}
SMALL_CNN_TARGET = 1.5


def _step_pair(cfg: Config, name: str, n: int, size: int, classes: int):
    """Timed closures for one training step of each library, on cfg's device."""
    place = Placement(cfg.device, cfg.torch)
    ours, theirs = build_pair(name, cfg.torch)
    x, y = batch(n, size, classes)
    step_ours = training_step(tg, place.ours(ours), place.ours(x), place.ours(y))
    step_theirs = (training_step(cfg.torch, place.theirs(theirs), place.theirs(x), place.theirs(y))
                   if theirs is not None else None)
    return step_ours, step_theirs, place


def _warm_up(ours, theirs) -> None:
    """One untimed step each (first-touch allocations, BLAS set-up); ours must stay float32."""
    loss = ours()
    if loss.dtype is not tg.float32:
        raise AssertionError(f"the loss came out as {loss.dtype.name}, not float32: an op upcasts")
    if theirs is not None:
        theirs()


def alexnet(cfg: Config) -> List[Result]:
    """AlexNet training steps; the target applies to the largest batch."""
    batches = ALEXNET_BATCHES[cfg.mode]
    results = []
    for n in batches:
        ours, theirs, place = _step_pair(cfg, "alexnet", n, 224, 1000)
        _warm_up(ours, theirs)
        a, b = compare(cfg, place, ours, theirs, warmup=0)
        target = ALEXNET_TARGET if n == max(batches) and cfg.device == "cpu" else None
        res = Result("alexnet step", f"batch {n}, 3x224x224 ({cfg.device})", a, b, target=target)
        if target and n != 32:
            res.notes.append(f"the target is set for batch 32; batch {n} is the --quick stand-in")
        results.append(res)
        del ours, theirs
        gc.collect()
    return results


def small_cnn(cfg: Config) -> List[Result]:
    n = SMALL_CNN_BATCH[cfg.mode]
    ours, theirs, place = _step_pair(cfg, "small_cnn", n, 32, 10)
    _warm_up(ours, theirs)
    a, b = compare(cfg, place, ours, theirs, warmup=0)
    res = Result("small cnn step", f"batch {n}, 3x32x32 ({cfg.device})", a, b,
                 target=SMALL_CNN_TARGET if cfg.device == "cpu" else None)
    if n != 64:
        res.notes.append(f"the target is set for batch 64; batch {n} is the --quick stand-in")
    return [res]
