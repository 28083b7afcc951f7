"""Peak memory of an AlexNet training step (batch 8), each library in a fresh process.

Method (the same for both libraries, so the ratio compares like with like):

* each library runs in its own new Python process (``python bench_memory.py --lib ours|torch``),
  so neither sees the other's memory;
* glibc is told to serve every allocation of 64 KiB or more with its own ``mmap``
  (``MALLOC_MMAP_THRESHOLD_``), so freeing an array gives its memory back to the system at once
  and the resident set size (RSS) follows the memory in use;
* after two warm-up steps (the second is a steady-state step: momentum buffers exist, the last
  step's gradients are still held), the kernel's high-water mark is reset (``/proc/self/clear_refs``)
  and one more step runs; the peak RSS of that step is read from ``VmHWM``.

Reported: that peak minus the RSS right after the imports (the model, optimizer state and all the
step's working memory), and minus the RSS just before the step (the step's own working memory).
For tinygrad_edu, ``tracemalloc`` also reports the peak of the NumPy allocations made during one
step (NumPy registers its data buffers with tracemalloc); PyTorch's CPU tensors are invisible to
tracemalloc and PyTorch keeps no CPU allocator statistics, hence RSS for the comparison.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from typing import List

BATCH = {"full": 8, "quick": 4}
TARGET = 1.5


def _proc_status() -> dict:
    """Current and peak RSS in bytes: from /proc on Linux; elsewhere both are the peak so far
    (``getrusage``'s maxrss), which makes the numbers maxrss deltas."""
    try:
        with open("/proc/self/status") as f:
            return {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in f)
                    if k in ("VmRSS", "VmHWM")}
    except OSError:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return {"VmRSS": peak, "VmHWM": peak}


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def worker(lib_name: str, n: int, threads: int) -> dict:
    """Runs inside the fresh process: build, warm up, measure one step."""
    from common import limit_threads
    limit_threads(threads)
    import numpy as np  # noqa: F401 (imported before the baseline, in both workers)
    if lib_name == "torch":
        import torch as lib
        from nets import torch_alexnet
        lib.set_num_threads(threads)
        make = torch_alexnet
    else:
        import tinygrad_edu as lib
        make = lambda lib: lib.models.alexnet()  # noqa: E731
    from nets import batch, training_step
    gc.collect()
    rss_import = _proc_status()["VmRSS"]

    x, y = batch(n, 224, 1000)
    model = make(lib)
    to = lib.from_numpy
    step = training_step(lib, model, to(x), to(y))
    step()
    step()
    gc.collect()
    rss_before = _proc_status()["VmRSS"]
    reset = _reset_peak()
    step()
    peak = _proc_status()["VmHWM"]
    out = {"lib": lib_name, "batch": n, "rss_import": rss_import, "rss_before": rss_before, "peak": peak,
           "method": "VmHWM after clear_refs" if reset else "peak RSS without a reset (maxrss deltas)"}
    if lib_name == "ours":
        import tracemalloc
        gc.collect()
        tracemalloc.start()
        step()
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out


def _run_worker(lib_name: str, n: int, threads: int) -> dict:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--lib", lib_name, "--batch", str(n),
                           "--threads", str(threads)], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory worker for {lib_name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory(mode: str, threads: int, with_torch: bool) -> List:
    """The memory rows: ``mode`` 'full' (batch 8) or 'quick' (batch 4), each library in a fresh process."""
    from common import Result
    n = BATCH[mode]
    ours = _run_worker("ours", n, threads)
    theirs = _run_worker("torch", n, threads) if with_torch else None

    def row(name, key_minus, target=None):
        a = [ours["peak"] - ours[key_minus]]
        b = [theirs["peak"] - theirs[key_minus]] if theirs else None
        return Result("memory", f"alexnet step batch {n}: {name}", a, b, unit="MiB", scale=2.0 ** -20,
                      goal=None if target is None else ("ratio", target))
    total = row("peak RSS above import", "rss_import", TARGET)
    total.notes.append(f"fresh process per library, {ours['method']}, MALLOC_MMAP_THRESHOLD_=65536; "
                       f"tinygrad_edu's tracemalloc peak of one step's NumPy allocations: "
                       f"{ours['tracemalloc_peak'] / 2 ** 20:.0f} MiB")
    if n != 8:
        total.notes.append(f"the target is set for batch 8; batch {n} is the --quick stand-in")
    return [total, row("peak RSS above RSS before the step", "rss_before")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", choices=["ours", "torch"], required=True)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    print(json.dumps(worker(args.lib, args.batch, args.threads)))
