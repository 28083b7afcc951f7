"""One library in its own fresh process, timing rounds of one case when ``run.py`` asks.

    python benchmarks/worker.py --lib ours|torch --case alexnet-32 --threads 2 [--clock cpu] [--device cuda]

It sets the thread limits before NumPy (or PyTorch) loads, builds the case (``cases.build``), runs
one untimed warm-up, then prints one JSON line ``{"ready": ..., "threads": ...}`` and waits. Each
line ``run`` on stdin times one call of the case and answers with its seconds; ``exit`` (or end of
input) ends it. No ``gc.freeze`` and no ``gc.collect`` around the clock: a user's script runs with
the garbage collector as it comes, and so does this.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (imports neither NumPy nor PyTorch)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lib", choices=["ours", "torch"], required=True)
    p.add_argument("--case", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--clock", choices=list(common.CLOCKS), default="wall")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args(argv)
    common.limit_threads(args.threads)              # before NumPy loads
    if args.lib == "torch":
        import torch as lib
    else:
        import tinygrad_edu as lib
    import cases
    threads = common.apply_thread_limits(args.threads, lib)
    sync = lib.cuda.synchronize if args.device == "cuda" else (lambda: None)
    fn = cases.build(lib, args.case, args.device)
    out = fn()                                       # warm-up: first-touch allocations, BLAS set-up
    if args.lib == "ours" and hasattr(out, "dtype") and out.dtype is not lib.float32:
        raise AssertionError(f"the loss came out as {out.dtype}, not float32: an op upcasts")
    sync()
    clock = common.CLOCKS[args.clock]
    print(json.dumps({"ready": True, "threads": threads}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        t = clock()
        fn()
        sync()
        print(json.dumps({"seconds": clock() - t}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
