"""What every benchmark shares: thread limits, the timing loop, the result table, machine facts.

Import order matters: ``limit_threads`` must run before NumPy (or PyTorch) is first imported,
because OpenBLAS reads its thread count once, at load time. This module therefore imports
neither at the top.
"""
from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, ROOT)

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


# ----------------------------------------------------------------------------- threads
def limit_threads(n: int) -> None:
    """Give NumPy's BLAS ``n`` threads: environment variables now (before NumPy loads), and
    threadpoolctl afterwards where it is installed (it reaches an already loaded BLAS too)."""
    for var in _THREAD_VARS:
        os.environ[var] = str(n)


def apply_thread_limits(n: int, torch=None) -> dict:
    """After the imports: enforce ``n`` threads on NumPy's BLAS and on PyTorch, and report them."""
    info = {"requested": n, "pools": "threadpoolctl not installed: env vars only"}
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(n)   # applies now, to every BLAS/OpenMP pool loaded
        info["pools"] = ", ".join(_pool_name(p) for p in threadpoolctl.threadpool_info()) or "none found"
    if torch is not None:
        torch.set_num_threads(n)
        info["torch"] = f"{torch.get_num_threads()} threads"
    return info


def _pool_name(pool: dict) -> str:
    version = pool.get("version") or ""
    return f"{pool['internal_api']} {version}".strip() + f" ({pool['num_threads']} threads)"


def load_torch():
    """PyTorch, or None when it is not installed (the benchmarks then report our numbers alone)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


# ----------------------------------------------------------------------------- machine facts
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return "/".join(f"{v:.2f}" for v in os.getloadavg()) + " (1/5/15 min)"
    except OSError:
        return "n/a"


def machine_lines(threads: dict, torch=None, device: str = "cpu") -> List[str]:
    import numpy as np
    import tinygrad_edu
    lines = [f"cpu: {cpu_model()}, {os.cpu_count()} logical cores; load average {load_average()}",
             f"python {platform.python_version()}, numpy {np.__version__}, tinygrad_edu {tinygrad_edu.__version__}, "
             f"torch {torch.__version__ if torch is not None else 'not installed'}",
             f"threads: {threads['requested']} requested; thread pools (NumPy's BLAS, PyTorch's OpenMP): "
             f"{threads['pools']}; torch: {threads.get('torch', 'n/a')}"]
    if device == "cuda":
        lines.append(f"gpu: {gpu_name(torch)}")
    return lines


def gpu_name(torch=None) -> str:
    try:
        import cupy
        props = cupy.cuda.runtime.getDeviceProperties(0)
        return props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    except Exception:  # noqa: BLE001 (any failure just means we cannot name it)
        if torch is not None and torch.cuda.is_available():
            return torch.cuda.get_device_name()
    return "unknown"


# ----------------------------------------------------------------------------- timing
@dataclass
class Result:
    """One row of the table: the times (or sizes) of each round, for us and for PyTorch."""
    group: str
    name: str
    ours: List[float]
    theirs: Optional[List[float]] = None     # None: PyTorch was not measured
    unit: str = "ms"
    scale: float = 1e3                       # seconds -> unit
    target: Optional[float] = None           # the bound on ours/torch, if any
    notes: List[str] = field(default_factory=list)

    @property
    def ratio(self) -> Optional[float]:
        if not self.theirs:
            return None
        return statistics.median(self.ours) / statistics.median(self.theirs)

    @property
    def ratio_of_mins(self) -> Optional[float]:
        """min(ours) / min(theirs): the least disturbed round of each, steadier on a busy machine."""
        if not self.theirs:
            return None
        return min(self.ours) / min(self.theirs)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        if self.ratio is None:
            return f"<= {self.target:g}x: n/a"
        return f"<= {self.target:g}x: {'met' if self.ratio <= self.target else 'NOT met'}"


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _timed(fn: Callable[[], object], sync: Sequence[Callable[[], None]], clock: Callable[[], float]) -> float:
    gc.collect()  # collect outside the timed region, for both libraries alike
    # Freeze what exists now (both libraries' modules: torch alone brings ~170k objects) so a
    # collection triggered inside the timed call scans only what that call creates, as it would in
    # a program that imports just one of the two.
    gc.freeze()
    try:
        for s in sync:
            s()
        t = clock()
        fn()
        for s in sync:
            s()
        return clock() - t
    finally:
        gc.unfreeze()


def compare(cfg: "Config", place: "Placement", ours: Callable[[], object],
            theirs: Optional[Callable[[], object]], warmup: int = 1):
    """Time ``ours`` and ``theirs`` alternately, ``cfg.rounds`` times each, after ``warmup`` calls each.

    The order flips every round (ours first, then theirs first), so a slow drift in the machine's
    load (other jobs starting or stopping) falls on both sides alike. Returns two lists of seconds
    (the second None without ``theirs``), read from ``cfg.clock``: wall time, or the process's CPU
    time (all its threads), which other jobs on a shared machine disturb far less.
    """
    clock = CLOCKS[cfg.clock]
    for _ in range(warmup):
        ours()
        if theirs is not None:
            theirs()
    a, b = [], []
    for r in range(cfg.rounds):
        pair = [(ours, place.sync_ours, a)] + ([(theirs, place.sync_theirs, b)] if theirs is not None else [])
        for fn, sync, out in (pair if r % 2 == 0 else pair[::-1]):
            out.append(_timed(fn, sync, clock))
    return a, (b if theirs is not None else None)


# ----------------------------------------------------------------------------- the table
def _cell(values: Optional[List[float]], scale: float) -> str:
    if not values:
        return "-"
    med = statistics.median(values) * scale
    if len(values) == 1:
        return _num(med)
    return f"{_num(med)} [{_num(min(values) * scale)}-{_num(max(values) * scale)}]"


def _ratio(v: Optional[float]) -> str:
    return "-" if v is None else f"{v:.2f}"


def _num(v: float) -> str:
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def format_table(results: List[Result], markdown: bool = False) -> str:
    """The one place results are laid out: median [min-max] per side, the ratio of the medians
    (and of the minima), and the issue's target judged on the ratio of the medians."""
    header = ["benchmark", "unit", "tinygrad_edu", "torch", "ours/torch", "(of mins)", "target (median ratio)"]
    rows = [[f"{r.group}: {r.name}", r.unit, _cell(r.ours, r.scale), _cell(r.theirs, r.scale),
             _ratio(r.ratio), _ratio(r.ratio_of_mins) if len(r.ours) > 1 else "", r.verdict] for r in results]
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        widths = [max(len(x[i]) for x in [header] + rows) for i in range(len(header))]
        fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
        out = [fmt.format(*header), "  ".join("-" * w for w in widths)]
        out += [fmt.format(*row) for row in rows]
    notes = [f"{r.group}: {r.name}: {n}" for r in results for n in r.notes]
    if notes:
        out += [""] + [("* " if markdown else "  note: ") + n for n in notes]
    return "\n".join(out)


@dataclass
class Config:
    """What run.py was asked for, handed to every benchmark."""
    rounds: int = 3
    quick: bool = False
    device: str = "cpu"
    threads: int = 1
    clock: str = "wall"        # "wall" or "cpu" (see compare)
    torch: Any = None          # the torch module, or None when it is not installed

    @property
    def mode(self) -> str:
        """Which sizes to use: 'full', 'quick' (smaller batches) or 'cuda' (bigger ones)."""
        return "cuda" if self.device == "cuda" else "quick" if self.quick else "full"


class Placement:
    """Puts arrays and models on the benchmark's device for each library, and knows how to wait
    for that device: GPU work is asynchronous, so a clock may only be read after a synchronize."""

    def __init__(self, device: str, torch=None):
        import tinygrad_edu as tg
        self.device, self.torch, self.tg = device, torch, tg
        self.sync_ours = (tg.cuda.synchronize,) if device == "cuda" else ()
        self.sync_theirs = (torch.cuda.synchronize,) if device == "cuda" and torch is not None else ()

    def ours(self, obj, requires_grad: bool = False):
        """A NumPy array as a tinygrad_edu tensor, or a tinygrad_edu module, on the device."""
        if isinstance(obj, self.tg.nn.Module):
            return obj.to(self.device)
        return self.tg.tensor(obj, device=self.device, requires_grad=requires_grad)

    def theirs(self, obj, requires_grad: bool = False):
        """The same for PyTorch (None when PyTorch is not installed)."""
        if self.torch is None:
            return None
        if isinstance(obj, self.torch.nn.Module):
            return obj.to(self.device)
        return self.torch.tensor(obj, device=self.device, requires_grad=requires_grad)
