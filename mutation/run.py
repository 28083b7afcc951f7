"""Plant each bug from ``mutants.py`` in a scratch copy of the package, run the tests that should
catch it, and report which bugs the suite caught. ``make mutate``; not part of ``make test``.

    python mutation/run.py                 # every mutant, two at a time
    python mutation/run.py sigmoid conv    # only mutants whose id contains one of these words
    python mutation/run.py --list          # the mutants, one line each

The working tree is never touched: each worker copies ``tinygrad_edu/`` and ``tests/`` into a
temporary folder and patches the copy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from mutants import MUTANTS  # noqa: E402


def _copy_tree(dest: str) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in ("tinygrad_edu", "tests"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(dest, name), ignore=ignore)
    for name in ("setup.cfg", "pyproject.toml"):
        shutil.copy(os.path.join(ROOT, name), dest)


def _run_one(mutant: dict, workdir: str, timeout: float) -> tuple:
    path = os.path.join(workdir, mutant["file"])
    with open(path, encoding="utf-8") as fh:
        original = fh.read()
    if original.count(mutant["find"]) != 1:
        return mutant, "stale", f"`find` occurs {original.count(mutant['find'])} times in {mutant['file']}"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(original.replace(mutant["find"], mutant["replace"]))
    env = dict(os.environ, PYTHONPATH=workdir, CI="true", PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header",
           "-o", "addopts=", *mutant["tests"]]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
        status = "caught" if proc.returncode == 1 else ("survived" if proc.returncode == 0 else "error")
        tail = (proc.stdout.strip().splitlines() or [""])[-1]
    except subprocess.TimeoutExpired:
        status, tail = "caught", f"timed out after {timeout:.0f} s (counts as caught: the run would hang)"
    finally:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(original)
    return mutant, status, f"{tail} [{time.perf_counter() - start:.1f} s]"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("words", nargs="*", help="run only mutants whose id contains one of these")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="mutants run at once (default 2)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant (default 300)")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.words or any(w in m["id"] for w in args.words)]
    if args.list:
        for m in chosen:
            print(f"{m['id']:<40} {m['family']:<12} {m['why']}")
        return 0
    if not chosen:
        print("no mutant matches", args.words)
        return 2
    with tempfile.TemporaryDirectory(prefix="tinygrad_edu_mutate_") as tmp:
        workdirs = []
        for k in range(max(1, args.jobs)):
            d = os.path.join(tmp, f"w{k}")
            os.makedirs(d)
            _copy_tree(d)
            workdirs.append(d)
        free = list(workdirs)
        results = []

        def job(m):
            d = free.pop()
            try:
                return _run_one(m, d, args.timeout)
            finally:
                free.append(d)

        with ThreadPoolExecutor(len(workdirs)) as pool:
            for m, status, detail in pool.map(job, chosen):
                results.append((m, status))
                print(f"{status:<9} {m['id']:<40} {detail}", flush=True)
    caught = sum(s == "caught" for _, s in results)
    print(f"\nmutation score: {caught}/{len(results)} caught ({100 * caught / len(results):.0f}%)")
    bad = [(m, s) for m, s in results if s != "caught"]
    for m, s in bad:
        print(f"  {s}: {m['id']} in {m['file']}: {m['why']}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
