"""Time AlexNet-sized conv and pool layers, forward + backward, float32, against PyTorch.

Not a test: run ``python benchmarks/conv_layers.py`` (options ``--threads N``, ``--device cuda``).
On the CPU both libraries are limited to the same number of threads (2 by default): PyTorch
through ``torch.set_num_threads``, NumPy's BLAS through the ``*_NUM_THREADS`` variables set below,
before NumPy is imported. Each figure is the best of ``--repeat`` runs after a warm-up.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

THREADS = "2"
if "--threads" in sys.argv:
    THREADS = sys.argv[sys.argv.index("--threads") + 1]
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

# (name, batch, in channels, out channels, size, kernel, stride, padding): AlexNet's conv layers
LAYERS = [
    ("conv1 11x11/4", 8, 3, 64, 224, 11, 4, 2),
    ("conv2 5x5", 8, 64, 192, 27, 5, 1, 2),
    ("conv3 3x3", 8, 192, 384, 13, 3, 1, 1),
    ("conv5 3x3", 8, 256, 256, 13, 3, 1, 1),
]


SYNC = []  # functions that wait for the GPU, so a timing covers the work and not just its launch


def best_of(fn, repeat):
    fn()  # warm up
    times = []
    for _ in range(repeat):
        for sync in SYNC:
            sync()
        t = time.perf_counter()
        fn()
        for sync in SYNC:
            sync()
        times.append(time.perf_counter() - t)
    return min(times)


def ours(x, w, b, stride, padding, device="cpu"):
    xt = tg.tensor(x, requires_grad=True, device=device)
    wt = tg.tensor(w, requires_grad=True, device=device)
    bt = tg.tensor(b, requires_grad=True, device=device)

    def step():
        y = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
        y.backward(tg.ones_like(y))
        assert y.dtype is tg.float32 and wt.grad.dtype is tg.float32
        xt.grad = wt.grad = bt.grad = None
    return step


def theirs(torch, x, w, b, stride, padding, device="cpu"):
    xt = torch.tensor(x, requires_grad=True, device=device)
    wt = torch.tensor(w, requires_grad=True, device=device)
    bt = torch.tensor(b, requires_grad=True, device=device)

    def step():
        y = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
        y.backward(torch.ones_like(y))
        xt.grad = wt.grad = bt.grad = None
    return step


def pool_pair(torch, x, device="cpu"):
    xo = tg.tensor(x, requires_grad=True, device=device)
    xt = torch.tensor(x, requires_grad=True, device=device)

    def ours_():
        y = F.max_pool2d(xo, 3, 2)
        y.backward(tg.ones_like(y))
        xo.grad = None

    def theirs_():
        y = torch.nn.functional.max_pool2d(xt, 3, 2)
        y.backward(torch.ones_like(y))
        xt.grad = None
    return ours_, theirs_


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    dev = args.device
    if dev == "cuda":
        SYNC.extend([tg.cuda.synchronize, torch.cuda.synchronize])
    rng = np.random.default_rng(0)
    where = f"{args.threads} threads" if dev == "cpu" else torch.cuda.get_device_name()
    print(f"float32 forward+backward, best of {args.repeat}, {where}")
    print(f"{'layer':<16}{'tinygrad_edu ms':>16}{'torch ms':>10}{'ratio':>8}")
    for name, n, c, f, s, k, st, p in LAYERS:
        x = rng.standard_normal((n, c, s, s), dtype=np.float32)
        w = rng.standard_normal((f, c, k, k), dtype=np.float32) * 0.05
        b = rng.standard_normal(f, dtype=np.float32)
        a = best_of(ours(x, w, b, st, p, dev), args.repeat)
        t = best_of(theirs(torch, x, w, b, st, p, dev), args.repeat)
        print(f"{name:<16}{a * 1e3:>16.1f}{t * 1e3:>10.1f}{a / t:>8.2f}")
    x = rng.standard_normal((8, 64, 55, 55), dtype=np.float32)
    o, t = (best_of(fn, args.repeat) for fn in pool_pair(torch, x, dev))
    print(f"{'maxpool 3/2':<16}{o * 1e3:>16.1f}{t * 1e3:>10.1f}{o / t:>8.2f}")


if __name__ == "__main__":
    main()
