"""tinygrad_edu against PyTorch, measured in the same run on the same machine: ``make bench``.

    python benchmarks/run.py                      # everything on the CPU, medians of 3 rounds
    python benchmarks/run.py --quick              # 1 round, smaller batches (about a minute)
    python benchmarks/run.py --only conv,overhead # some of: alexnet, smallcnn, conv, linear, overhead, memory
    python benchmarks/run.py --device cuda        # AlexNet step at batch 128 on the GPU (CuPy vs CUDA)
    python benchmarks/run.py --markdown           # the table as Markdown (for docs/performance.md)

Both libraries get the same number of threads (``--threads``, default: every core): PyTorch via
``torch.set_num_threads``, NumPy's BLAS via the ``*_NUM_THREADS`` variables (set before NumPy is
imported) and threadpoolctl where installed. Each benchmark alternates the two libraries round by
round, after one untimed warm-up each; the table shows medians with [min-max] and the ratio of
the medians, ours/torch (below 1: we are faster). Without PyTorch, our numbers are printed alone.
See docs/performance.md for results and what they mean.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (sets up sys.path; imports neither NumPy nor PyTorch)

SUITES = ("alexnet", "smallcnn", "conv", "linear", "overhead", "memory")
GPU_DEFAULT = ("alexnet",)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="tinygrad_edu vs PyTorch: speed and memory, same run, same threads")
    p.add_argument("--quick", action="store_true", help="1 round and smaller batches (about a minute)")
    p.add_argument("--only", default=None,
                   help=f"comma-separated subset of {','.join(SUITES)} (default: all on cpu, alexnet on cuda)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="cuda: GPU runs (CuPy for us, CUDA for PyTorch); alexnet uses batch 128")
    p.add_argument("--rounds", "--repeat", type=int, default=None,
                   help="timed rounds per library (default 3, --quick 1)")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="wall time (default), or the process's CPU time: steadier on a busy shared machine, "
                        "best with --threads 1 (CPU only)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads for both libraries")
    p.add_argument("--no-torch", action="store_true", help="time tinygrad_edu alone, even where PyTorch is installed")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--json", metavar="PATH", help="also write the raw per-round numbers to PATH")
    args = p.parse_args(argv)
    only = tuple(args.only.split(",")) if args.only else (GPU_DEFAULT if args.device == "cuda" else SUITES)
    unknown = [s for s in only if s not in SUITES]
    if unknown:
        p.error(f"unknown benchmark(s) {','.join(unknown)}; choose from {','.join(SUITES)}")
    args.only = only
    if args.device == "cuda" and args.clock == "cpu":
        p.error("--clock cpu measures CPU work only; GPU runs need --clock wall")
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    common.limit_threads(args.threads)           # before NumPy loads anywhere
    torch = None if args.no_torch else common.load_torch()
    import tinygrad_edu as tg
    import bench_layers
    import bench_memory
    import bench_models
    import bench_overhead
    threads = common.apply_thread_limits(args.threads, torch)

    if args.device == "cuda":
        if not tg.cuda.is_available():
            try:
                tg.backend.xp_for("cuda")        # raises with the reason (no CuPy, no GPU, ...)
            except RuntimeError as e:
                print(f"--device cuda: {e}", file=sys.stderr)
                return 2
        if torch is not None and not torch.cuda.is_available():
            print("PyTorch is installed without CUDA support: timing tinygrad_edu alone.")
            torch = None
    cfg = common.Config(rounds=args.rounds, quick=args.quick, device=args.device, threads=args.threads,
                        clock=args.clock, torch=torch)

    print(f"tinygrad_edu vs PyTorch, float32, {args.device}, {args.clock} clock, median of {args.rounds} round(s)"
          + (" [--quick]" if args.quick else ""))
    for line in common.machine_lines(threads, torch, args.device):
        print("  " + line)
    if torch is None and not args.no_torch:
        print("  PyTorch is missing: tinygrad_edu's numbers alone (install it with `make install-torch`).")

    suites = {"alexnet": bench_models.alexnet, "smallcnn": bench_models.small_cnn,
              "conv": bench_layers.conv_layers, "linear": bench_layers.linear_layers,
              "overhead": bench_overhead.overhead, "memory": bench_memory.memory}
    results, start = [], time.perf_counter()
    for name in args.only:
        t = time.perf_counter()
        rows = suites[name](cfg)
        print(f"  ... {name}: {time.perf_counter() - t:.0f} s", flush=True)
        results += rows
    print(f"\n{common.format_table(results, markdown=args.markdown)}\n")
    print(f"total {time.perf_counter() - start:.0f} s; load average at the end {common.load_average()}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": common.machine_lines(threads, torch, args.device), "args": vars(args),
                       "results": [dict(vars(r), ratio=r.ratio, ratio_of_mins=r.ratio_of_mins) for r in results]},
                      f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
