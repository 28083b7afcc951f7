"""Per-op overhead counted in machine instructions, which no other load on the machine disturbs.

    python benchmarks/op_instructions.py            # tinygrad_edu and (if installed) PyTorch
    python benchmarks/op_instructions.py --lib ours --mode nograd

Runs the ``overhead`` case of ``cases.py`` (chains of 1,000 ``*`` and ``+`` on 16 floats, then
``.sum().backward()``) under valgrind's cachegrind, once with 1 chain and once with 4 after a
warm-up chain, and reports (instructions of 4 - instructions of 1) / 3,000: the instructions of one
recorded op, forward and backward, without the start-up. One thread, fixed hash seed. Needs
valgrind (``apt-get install valgrind``); a run takes about a minute for us, three for PyTorch.
``--mode fwd`` records the graph and drops it without a backward; ``--mode nograd`` runs the chain
under ``no_grad``.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHAIN = """
import sys, numpy as np
lib, mode, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
if lib == "torch":
    import torch as L; L.set_num_threads(1)
else:
    import tinygrad_edu as L
rng = np.random.default_rng(0)
x = L.tensor(rng.standard_normal(16, dtype=np.float32), requires_grad=True)
c = L.tensor(rng.uniform(0.999, 1.001, 16).astype(np.float32))
def chain():
    with (L.no_grad() if mode == "nograd" else L.enable_grad()):
        y = x
        for _ in range(500):
            y = y * c
            y = y + c
    if mode == "full":
        y.sum().backward(); x.grad = None
for _ in range(1 + k):
    chain()
"""


def instructions(lib: str, mode: str, chains: int) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               TINYGRAD_EDU_NUM_THREADS="1", PYTHONPATH=ROOT)
    res = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          sys.executable, "-c", CHAIN, lib, mode, str(chains)],
                         capture_output=True, text=True, env=env)
    found = re.search(r"I\s+refs:\s+([\d,]+)", res.stderr)
    if res.returncode or not found:
        raise RuntimeError(f"valgrind run failed:\n{res.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib", choices=["ours", "torch", "both"], default="both")
    p.add_argument("--mode", choices=["full", "fwd", "nograd"], default="full")
    args = p.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    libs = ["ours", "torch"] if args.lib == "both" else [args.lib]
    if "torch" in libs and subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode:
        libs.remove("torch")
    counts = {}
    for lib in libs:
        counts[lib] = (instructions(lib, args.mode, 4) - instructions(lib, args.mode, 1)) / 3000
        print(f"{lib}: {counts[lib]:,.0f} instructions per op ({args.mode})", flush=True)
    if len(counts) == 2:
        print(f"ours/torch: {counts['ours'] / counts['torch']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
