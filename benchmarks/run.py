"""tinygrad_edu against PyTorch as a user meets them: ``make bench``.

    python benchmarks/run.py                    # the issue's rows: 1 and 2 threads, scaling, under load
    python benchmarks/run.py --quick            # 2 rounds, smaller cases (a couple of minutes)
    python benchmarks/run.py --only conv,linear # AlexNet's layers alone, at --threads (default: every core)
    python benchmarks/run.py --only memory      # peak memory of the AlexNet step
    python benchmarks/run.py --threads 1 --clock cpu --only steps   # CPU time: steadiest on a busy machine
    python benchmarks/run.py --device cuda      # AlexNet step at batch 128 on the GPU (CuPy vs CUDA)
    python benchmarks/run.py --markdown --json out.json

Each library runs in its own fresh process (``worker.py``), as a user's script would: no
``gc.freeze``, no shared interpreter, its own thread limits set before NumPy or PyTorch loads.
The two processes take turns, one round each, the order flipping every round, so a change in the
machine's load falls on both alike; a waiting process sleeps on its input and uses no CPU. A
cell is the median of the rounds [min-max]; *ours/torch* is the ratio of the medians (what the
targets are judged on).

Suites (``--only``, comma-separated):

* ``steps``: the AlexNet step at batch 32 and 8, the small CNN step at batch 64 and the per-op
  overhead, each at 1 and 2 threads (and at every core, where there are more than 2);
* ``scaling``: our and PyTorch's AlexNet batch-32 step, speed-up from 1 to 2 (and N) threads,
  read off the ``steps`` rounds (it runs ``steps``);
* ``busy``: the AlexNet batch-8 step at 2 threads with one competing busy process (a Python
  ``while True: pass``) against without, in alternating rounds: how much each library slows down;
* ``conv``, ``linear``: AlexNet's layers alone at ``--threads``; ``memory``: peak RSS of the AlexNet
  batch-8 step (``bench_memory.py``).

The default is ``steps,scaling,busy``: every row of the issue's targets in one run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases  # noqa: E402
import common  # noqa: E402  (imports neither NumPy nor PyTorch)

SUITES = ("steps", "scaling", "busy", "conv", "linear", "memory")
DEFAULT = ("steps", "scaling", "busy")
STEP_CASES = {"full": ("alexnet-32", "alexnet-8", "smallcnn-64", "overhead"),
              "quick": ("alexnet-8", "smallcnn-16", "overhead")}
SCALING_CASE = {"full": "alexnet-32", "quick": "alexnet-8"}
BUSY_CASE = {"full": "alexnet-8", "quick": "smallcnn-16"}
TARGETS = {"alexnet-32": 1.3, "alexnet-8": 1.3, "smallcnn-64": 1.5, "overhead": 2.0}   # at 2 threads
SPEEDUP_TARGET = 1.6
TORCH_AVAILABLE = None


class Worker:
    """One library's process for one case: started, warmed up, then timing a round on request."""

    def __init__(self, lib: str, case: str, threads: int, clock: str, device: str):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [common.ROOT, os.environ.get("PYTHONPATH")])))
        self.lib = lib
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "worker.py"), "--lib", lib, "--case", case, "--threads", str(threads),
             "--clock", clock, "--device", device],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.info = self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.lib} worker died (its error is above)")
        return json.loads(line)

    def run(self) -> float:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._answer()["seconds"]

    def close(self) -> None:
        try:
            self.proc.stdin.write("exit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=60)


def torch_available() -> bool:
    global TORCH_AVAILABLE
    if TORCH_AVAILABLE is None:
        TORCH_AVAILABLE = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
    return TORCH_AVAILABLE


class BusyProcess:
    """One competing process that keeps a core busy (``while True: pass``) while it is open."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def measure(case: str, threads: int, args, busy: bool = False):
    """Alternating rounds of ``case`` for both libraries at ``threads``; with ``busy``, every round
    also runs once more beside a busy process. Returns {lib: [seconds]} (and {lib: [seconds]} busy)."""
    libs = ["ours"] + (["torch"] if args.torch else [])
    workers = [Worker(lib, case, threads, args.clock, args.device) for lib in libs]
    quiet, loaded = {w.lib: [] for w in workers}, {w.lib: [] for w in workers}
    try:
        for r in range(args.rounds):
            order = workers if r % 2 == 0 else workers[::-1]
            for w in order:
                quiet[w.lib].append(w.run())
            if busy:
                with BusyProcess():
                    for w in order:
                        loaded[w.lib].append(w.run())
    finally:
        for w in workers:
            w.close()
    if args.verbose:
        print(f"    {case} x{threads}: {workers[0].info['threads']}", flush=True)
    return quiet, loaded


def _row(group, case, times, goal=None, notes=()):
    return common.Result(group, f"{cases.describe(case)}", times["ours"], times.get("torch"),
                         unit="us" if case == "overhead" else "ms", scale=cases.per_round(case), goal=goal,
                         notes=list(notes))


def thread_counts() -> list:
    cores = os.cpu_count() or 1
    return sorted({1, 2, cores})


def suite_steps(args, keep):
    rows = []
    for case in STEP_CASES[args.mode]:
        for n in thread_counts():
            times, _ = measure(case, n, args)
            keep[(case, n)] = times
            goal = ("ratio", TARGETS[case]) if n == 2 and case in TARGETS else None
            notes = []
            if n == 2 and args.quick and case.split("-")[0] in ("alexnet", "smallcnn"):
                notes.append("--quick: a smaller batch than the target's")
            rows.append(_row(f"{n} thread{'s' if n > 1 else ''}", case, times, goal, notes))
            print(f"  ... {case} at {n} thread(s) done ({time.perf_counter() - args.start:.0f} s)", flush=True)
    return rows


def suite_scaling(args, keep):
    case, rows = SCALING_CASE[args.mode], []
    for n in thread_counts()[1:]:
        one, many = keep[(case, 1)], keep[(case, n)]
        speed = {lib: [statistics.median(one[lib]) / statistics.median(many[lib])] for lib in one}
        rows.append(common.Result("scaling", f"{cases.describe(case)}: speed-up from 1 to {n} threads",
                                  speed["ours"], speed.get("torch"), unit="x", scale=1,
                                  goal=("at least", SPEEDUP_TARGET) if n == 2 else None))
    return rows


def suite_busy(args, keep):
    case = BUSY_CASE[args.mode]
    quiet, loaded = measure(case, 2, args, busy=True)
    slow = {lib: [statistics.median(loaded[lib]) / statistics.median(quiet[lib])] for lib in quiet}
    res = common.Result("busy", f"{cases.describe(case)}, 2 threads: slowdown with one competing busy process",
                        slow["ours"], slow.get("torch"), unit="x", scale=1, goal=("no worse", 0))
    res.notes.append("quiet: ours " + ", ".join(f"{t * 1e3:.0f}" for t in quiet["ours"]) + " ms; busy: "
                     + ", ".join(f"{t * 1e3:.0f}" for t in loaded["ours"]) + " ms"
                     + ("; torch quiet " + ", ".join(f"{t * 1e3:.0f}" for t in quiet["torch"]) + ", busy "
                        + ", ".join(f"{t * 1e3:.0f}" for t in loaded["torch"]) if "torch" in quiet else ""))
    return [res]


def suite_layers(names):
    def run(args, keep):
        rows = []
        for case in names:
            times, _ = measure(case, args.threads, args)
            rows.append(_row(f"{args.threads} thread{'s' if args.threads > 1 else ''}", case, times))
        return rows
    return run


def suite_memory(args, keep):
    import bench_memory
    return bench_memory.memory("quick" if args.quick else "full", args.threads, args.torch)


def _cuda_problem() -> str:
    """Why our CUDA path cannot run here ('' when it can): CuPy missing, no GPU, ..."""
    probe = subprocess.run([sys.executable, "-c", "import tinygrad_edu as tg; tg.backend.xp_for('cuda')"],
                           capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=common.ROOT))
    return "" if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["unknown error"])[-1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="tinygrad_edu vs PyTorch, each in its own process, alternating")
    p.add_argument("--quick", action="store_true", help="2 rounds and smaller cases (a couple of minutes)")
    p.add_argument("--only", default=None, help=f"comma-separated subset of {','.join(SUITES)} "
                                                f"(default {','.join(DEFAULT)}; on cuda the AlexNet step)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="cuda: the AlexNet step at batch 128 on the GPU (CuPy for us, CUDA for PyTorch)")
    p.add_argument("--rounds", "--repeat", type=int, default=None,
                   help="timed rounds per library (default 5, --quick 2)")
    p.add_argument("--clock", choices=list(common.CLOCKS), default="wall",
                   help="wall time (default), or each process's CPU time: steadier on a busy machine, with 1 thread")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="threads for the conv/linear/memory suites and on cuda (the steps use 1, 2 and every core)")
    p.add_argument("--no-torch", action="store_true", help="time tinygrad_edu alone, even where PyTorch is installed")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--json", metavar="PATH", help="also write the raw per-round numbers to PATH")
    p.add_argument("--verbose", action="store_true", help="print each worker's thread pools")
    args = p.parse_args(argv)
    args.only = tuple(args.only.split(",")) if args.only else (("cuda",) if args.device == "cuda" else DEFAULT)
    unknown = [s for s in args.only if s not in SUITES + ("cuda",)]
    if unknown:
        p.error(f"unknown suite(s) {','.join(unknown)}; choose from {','.join(SUITES)}")
    if "scaling" in args.only and "steps" not in args.only:
        args.only = ("steps",) + args.only
    if args.device == "cuda" and args.clock == "cpu":
        p.error("--clock cpu measures CPU work only; GPU runs need --clock wall")
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    args.mode = "quick" if args.quick else "full"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.torch = not args.no_torch and torch_available()
    args.start = time.perf_counter()
    print(f"tinygrad_edu vs PyTorch, float32, {args.device}, {args.clock} clock, median of {args.rounds} rounds, "
          "each library in its own process" + (" [--quick]" if args.quick else ""))
    print(f"  cpu: {common.cpu_model()}, {os.cpu_count()} logical cores; load average {common.load_average()}")
    print(f"  python {sys.version.split()[0]}; " + subprocess.run(
        [sys.executable, "-c", "import numpy, tinygrad_edu; print(f'numpy {numpy.__version__}, tinygrad_edu "
         "{tinygrad_edu.__version__}', end='')" + ("; import torch; print(f', torch {torch.__version__}')"
                                                   if args.torch else "")],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=common.ROOT)).stdout.strip())
    if not args.torch and not args.no_torch:
        print("  PyTorch is missing: tinygrad_edu's numbers alone (install it with `make install-torch`).")
    if args.device == "cuda":
        reason = _cuda_problem()
        if reason:
            print(f"--device cuda: {reason}", file=sys.stderr)
            return 2
        torch_cuda = "import torch, sys; sys.exit(not torch.cuda.is_available())"
        if args.torch and subprocess.run([sys.executable, "-c", torch_cuda], capture_output=True).returncode:
            print("  PyTorch is installed without CUDA support: timing tinygrad_edu alone.")
            args.torch = False

    suites = {"steps": suite_steps, "scaling": suite_scaling, "busy": suite_busy,
              "conv": suite_layers(("conv1", "conv2", "conv3", "conv4", "conv5", "pool")),
              "linear": suite_layers(("fc6", "fc7", "fc8")), "memory": suite_memory}
    results, keep = [], {}
    for name in args.only:
        if name == "cuda":
            times, _ = measure("alexnet-128", args.threads, args)
            results.append(_row("cuda", "alexnet-128", times, ("ratio", 2.0)))
            continue
        results += suites[name](args, keep)
    print(f"\n{common.format_table(results, markdown=args.markdown)}\n")
    print(f"total {time.perf_counter() - args.start:.0f} s; load average at the end {common.load_average()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": {k: v for k, v in vars(args).items() if k != "start"},
                       "results": [dict(vars(r), ratio=r.ratio) for r in results]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
