"""Where a training step spends its time and memory: the evidence for docs/performance.md.

    python benchmarks/profile_step.py                      # AlexNet, batch 8, every core
    python benchmarks/profile_step.py --batch 32 --top 25
    python benchmarks/profile_step.py --model small_cnn    # the small CNN, batch 64

Prints, for one step after a warm-up:

1. the phases (forward + loss, backward, SGD step + zero_grad) for tinygrad_edu and PyTorch, medians
   of ``--rounds``, alternating, with the ratio per phase;
2. cProfile's top functions by own time (tottime) and the op Functions by cumulative time;
3. a dtype audit: every op output, forward and backward, must be float32 (or an integer index);
4. the gradients the engine copies before storing them in ``.grad`` (``_GradStore.private``);
5. what the graph keeps alive for backward (saved arrays, by op), against the activations.

Items 3-5 look inside the engine (``Function.apply``, ``_GradStore``, ``Node._saved``): this is a
diagnostic that follows the engine's internals, not an API.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


class Step:
    """One training step cut into its phases, so each can be timed or profiled alone."""
    names = ("forward + loss", "backward", "SGD + zero_grad")

    def __init__(self, lib, model, x, y):
        self.lib, self.model, self.x, self.y = lib, model, x, y
        self.opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        self.loss = None

    def forward(self):
        self.loss = self.lib.nn.functional.cross_entropy(self.model(self.x), self.y)

    def backward(self):
        self.loss.backward()
        self.loss = None

    def update(self):
        self.opt.step()
        self.opt.zero_grad()

    @property
    def phases(self):
        return (self.forward, self.backward, self.update)


def time_phases(ours, theirs, rounds: int, clock):
    """Median seconds of each phase, alternating the libraries round by round."""
    names = Step.names
    times = {lib: {n: [] for n in names} for lib in ("ours", "torch")}
    libs = [("ours", ours)] + ([("torch", theirs)] if theirs else [])
    for _, step in libs:     # warm-up
        for fn in step.phases:
            fn()
    for r in range(rounds):
        for lib, step in (libs if r % 2 == 0 else libs[::-1]):
            for name, fn in zip(names, step.phases):
                t = clock()
                fn()
                times[lib][name].append(clock() - t)
    print(f"\n## 1. Phases of one step (median of {rounds}, ms{', CPU time' if clock is time.process_time else ''})")
    print(f"{'phase':<16}{'tinygrad_edu':>14}{'torch':>10}{'ratio':>8}")
    tot = {"ours": 0.0, "torch": 0.0}
    for n in names:
        a = statistics.median(times["ours"][n])
        b = statistics.median(times["torch"][n]) if theirs else float("nan")
        tot["ours"] += a
        tot["torch"] += b
        print(f"{n:<16}{a * 1e3:>14.0f}{b * 1e3:>10.0f}{a / b:>8.2f}")
    print(f"{'total':<16}{tot['ours'] * 1e3:>14.0f}{tot['torch'] * 1e3:>10.0f}{tot['ours'] / tot['torch']:>8.2f}")


def profile_step(step: Step, top: int, clock):
    prof = cProfile.Profile(clock)
    prof.enable()
    for fn in step.phases:
        fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(f"\n## 2a. cProfile of one step: top {top} functions by own time (tottime)")
    print(_trim(out.getvalue()))
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"ops/.*:\d+\((forward|backward)\)", top)
    print(f"## 2b. op Functions by cumulative time (forward and backward methods, top {top})")
    print(_trim(out.getvalue()))


def _trim(report: str) -> str:
    """pstats output without its preamble, paths shortened to the repository."""
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(line.replace(common.ROOT + os.sep, "") for line in lines[start:] if line.strip())


def _layout(arr) -> str:
    return "C-contiguous" if arr.flags.c_contiguous else "F-contiguous" if arr.flags.f_contiguous else "strided"


class Audit:
    """Watches Function.apply (output dtypes) and _GradStore.private (what lands in ``.grad``)."""

    def __init__(self):
        from tinygrad_edu.autograd import engine, function
        self.function, self.engine = function, engine
        self.dtypes = collections.Counter()   # (phase, op, dtype) -> count
        self.stored = []                      # (shape, bytes, copied by the engine?, layout stored)
        self.phase = "forward"

    def __enter__(self):
        import numpy as np
        audit, Function = self, self.function.Function
        self._apply, self._private = Function.__dict__["apply"], self.engine._GradStore.private

        def apply(cls, *args, **kwargs):
            out = audit._apply.__func__(cls, *args, **kwargs)
            for o in (out if isinstance(out, tuple) else (out,)):
                audit.dtypes[(audit.phase, cls.__name__, str(o.array.dtype))] += 1
            return out

        def private(store, g):
            stored = audit._private(store, g)
            copied = not np.may_share_memory(stored.array, g.array)
            audit.stored.append((tuple(g.shape), g.array.nbytes, copied, _layout(g.array), _layout(stored.array)))
            return stored
        Function.apply = classmethod(apply)
        self.engine._GradStore.private = private
        return self

    def __exit__(self, *exc):
        self.function.Function.apply = self._apply
        self.engine._GradStore.private = self._private

    def report(self):
        print("## 3. dtype audit: outputs of every op in one step")
        bad = {k: v for k, v in self.dtypes.items() if k[2] not in ("float32", "int64", "bool")}
        for (phase, op, dt), n in sorted(self.dtypes.items()):
            print(f"  {phase:<10}{op:<22}{dt:<9}x{n}" + ("   <-- not float32" if (phase, op, dt) in bad else ""))
        print("  verdict: " + ("every float output is float32" if not bad else f"{len(bad)} op(s) leave float32"))
        print("\n## 4. gradients landing in .grad: copied by the engine (_GradStore.private)? in which layout?")
        print("  (a .grad that is not C-contiguous slows every elementwise pass over it, e.g. the optimizer's)")
        for shape, nbytes, copied, came, stored in sorted(self.stored, key=lambda c: -c[1]):
            print(f"  {str(list(shape)):<20}{nbytes / 2 ** 20:>8.1f} MiB  arrived {came:<13} "
                  f"{'copied' if copied else 'stored as is':<13} -> .grad {stored}")
        copied = sum(b for _, b, c, _, _ in self.stored if c)
        not_c = sum(b for _, b, _, _, st in self.stored if st != "C-contiguous")
        print(f"  {copied / 2 ** 20:.1f} MiB copied per step; {not_c / 2 ** 20:.1f} MiB of .grad not C-contiguous")


def _buffer(arr):
    """(address, size) of the memory an array views: two views of one buffer give the same key."""
    base = arr
    while getattr(base, "base", None) is not None:
        base = base.base
    return base.__array_interface__["data"][0], base.nbytes


def saved_memory(loss, params):
    """Bytes the graph below ``loss`` keeps for backward, by op (each buffer counted once; the
    parameters, which live anyway, are not counted)."""
    from tinygrad_edu.autograd.function import Node
    seen_nodes, seen_buffers = set(), {_buffer(p.array) for p in params}
    by_op = collections.Counter()
    stack = [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        for kind, item, _ in node._saved or ():
            arr = item if kind in ("out", "array") else getattr(item, "array", None)
            if arr is None or not hasattr(arr, "nbytes"):
                continue
            key = _buffer(arr)
            if key not in seen_buffers:
                seen_buffers.add(key)
                by_op[node.fn.__name__] += key[1]
        kept = getattr(node, "kept", None)    # a Conv's KeptColumns: its im2col matrix, kept for dw
        cols = getattr(kept, "cols", None)
        if cols is not None and _buffer(cols) not in seen_buffers:
            seen_buffers.add(_buffer(cols))
            by_op[f"{node.fn.__name__} (im2col kept)"] += cols.nbytes
        stack.extend(e[0] for e in node.next_functions if e is not None and isinstance(e[0], Node))
    print("\n## 5. memory the graph keeps for backward (saved arrays by op; a shared buffer counted once,"
          " parameters not counted)")
    for op, nbytes in by_op.most_common():
        print(f"  {op:<22}{nbytes / 2 ** 20:>8.1f} MiB")
    print(f"  total {sum(by_op.values()) / 2 ** 20:.1f} MiB in {len(seen_nodes)} nodes")


def main():
    p = argparse.ArgumentParser(description="profile one training step of tinygrad_edu")
    p.add_argument("--model", choices=["alexnet", "small_cnn"], default="alexnet")
    p.add_argument("--batch", type=int, default=None, help="default: 8 for alexnet, 64 for small_cnn")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--clock", choices=list(common.CLOCKS), default="wall",
                   help="cpu: the process's CPU time, steadier on a busy machine (best with --threads 1)")
    args = p.parse_args()
    common.limit_threads(args.threads)
    torch = common.load_torch()
    import tinygrad_edu as tg
    from nets import batch, build_pair
    threads = common.apply_thread_limits(args.threads, torch)
    size, classes = (224, 1000) if args.model == "alexnet" else (32, 10)
    args.batch = args.batch or (8 if args.model == "alexnet" else 64)
    print(f"# One {args.model} training step ({args.clock} clock), batch {args.batch}, 3x{size}x{size}, "
          "float32, SGD(momentum=0.9)")
    for line in common.machine_lines(threads, torch):
        print("  " + line)

    ours, theirs = build_pair(args.model, torch)
    x, y = batch(args.batch, size, classes)
    step = Step(tg, ours, tg.from_numpy(x), tg.from_numpy(y))
    theirs_step = Step(torch, theirs, torch.from_numpy(x), torch.from_numpy(y)) if torch else None
    clock = common.CLOCKS[args.clock]
    time_phases(step, theirs_step, args.rounds, clock)
    del theirs_step, theirs

    profile_step(step, args.top, clock)
    with Audit() as audit:
        for audit.phase, fn in zip(("forward", "backward", "optimizer"), step.phases):
            fn()
    audit.report()

    step.forward()
    saved_memory(step.loss, list(ours.parameters()))
    print(f"\nload average at the end {common.load_average()}")


if __name__ == "__main__":
    main()
