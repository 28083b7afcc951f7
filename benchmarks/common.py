"""What every benchmark shares: thread limits, the timing loop, the result table, machine facts.

Import order matters: ``limit_threads`` must run before NumPy (or PyTorch) is first imported,
because OpenBLAS reads its thread count once, at load time. This module therefore imports
neither at the top.
"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import List, Optional

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


def apply_thread_limits(n: int, lib=None) -> dict:
    """After the imports: enforce ``n`` threads on NumPy's BLAS and on ``lib`` (torch or
    tinygrad_edu, each through its ``set_num_threads``), and report them."""
    info = {"requested": n, "pools": "threadpoolctl not installed: env vars only"}
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(n)   # applies now, to every BLAS/OpenMP pool loaded
    if lib is not None and hasattr(lib, "set_num_threads"):
        lib.set_num_threads(n)               # tinygrad_edu's keeps BLAS to one thread and splits itself
        info[lib.__name__] = f"{lib.get_num_threads()} threads"
    if threadpoolctl is not None:
        info["pools"] = ", ".join(_pool_name(p) for p in threadpoolctl.threadpool_info()) or "none found"
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
             f"{threads['pools']}; torch: {threads.get('torch', 'n/a')}; "
             f"tinygrad_edu: {threads.get('tinygrad_edu', 'n/a')}"]
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


# ----------------------------------------------------------------------------- results
@dataclass
class Result:
    """One row of the table: the times (or sizes) of each round, for us and for PyTorch.

    ``goal`` is the issue's target for the row, judged on the medians: ``("ratio", x)`` means
    ours/torch <= x; ``("at least", x)`` means ours >= x (a speed-up); ``("no worse", 0)`` means
    ours <= theirs (a slowdown)."""
    group: str
    name: str
    ours: List[float]
    theirs: Optional[List[float]] = None     # None: PyTorch was not measured
    unit: str = "ms"
    scale: float = 1e3                       # seconds -> unit
    goal: Optional[tuple] = None
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
        if self.goal is None:
            return ""
        kind, x = self.goal
        ours = statistics.median(self.ours)
        if kind == "at least":
            return f">= {x:g}x: {'met' if ours >= x else 'NOT met'}"
        if self.ratio is None:
            return "n/a (no torch)"
        if kind == "no worse":
            return f"<= torch's: {'met' if self.ratio <= 1 else 'NOT met'}"
        return f"<= {x:g}x: {'met' if self.ratio <= x else 'NOT met'}"


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


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
