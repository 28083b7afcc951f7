"""Make every picture the docs embed: ``python docs/figures/make_all.py`` (or ``make figures``).

    python docs/figures/make_all.py                      # all of them, into docs/images/
    python docs/figures/make_all.py --only unit02 rgb    # those whose module or function name matches
    python docs/figures/make_all.py --fast --out /tmp/f  # shrunken training, elsewhere (the tests)

Everything is seeded, and NumPy's BLAS runs on one thread (a different thread count may add
floating-point numbers in another order), so a rerun draws the same pictures.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # before NumPy is imported

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402, F401  (Agg backend, style, repository on sys.path)

MODULES = ["unit01", "unit02", "unit03", "unit04", "unit06", "unit07", "backprop", "unit09"]


def figure_functions(only=()):
    """(module name, function) for every figure, in order; ``only`` filters by substring."""
    import importlib

    out = []
    for name in MODULES:
        mod = importlib.import_module(name)
        for fn in mod.FIGURES:
            if not only or any(o in name or o in fn.__name__ for o in only):
                out.append((name, fn))
    return out


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(common.IMAGES), help="folder to write to (default: docs/images)")
    parser.add_argument("--fast", action="store_true", help="train less (for tests); pictures are not the docs'")
    parser.add_argument("--only", nargs="*", default=[], help="module or function names (substrings)")
    args = parser.parse_args(argv)
    written = []
    start = time.perf_counter()
    for name, fn in figure_functions(args.only):
        t = time.perf_counter()
        paths = fn(args.out, fast=args.fast)
        written += paths
        print(f"{name}.{fn.__name__:<26} {time.perf_counter() - t:5.1f} s  " + ", ".join(p.name for p in paths))
    print(f"{len(written)} files in {args.out} ({time.perf_counter() - start:.1f} s)")
    return written


if __name__ == "__main__":
    main()
