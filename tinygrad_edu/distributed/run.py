"""A small torchrun-like launcher: ``python -m tinygrad_edu.distributed.run -n 4 train.py --lr 0.1``.

It only builds and runs the ``mpiexec`` command (the one beside this Python, as the ``dist`` extra
installs it, else the one on ``PATH``), adding what a teaching run needs:

* one BLAS thread per rank (``OMP_NUM_THREADS=1`` and friends, unless already set), so N ranks
  on N cores do not fight over them;
* ``--timeout S``: how long a rank waits for the others before it stops with an error;
* ``--hostfile F``: run across machines (one host name per line, ``host:slots`` to give counts);
* when a rank is killed, ``mpiexec`` says which *process id* died; the launcher says which *rank*
  that was (each rank leaves its pid in a temporary folder at ``init_process_group``).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

from .process_group import INSTALL_HINT

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TINYGRAD_EDU_NUM_THREADS")


def find_mpiexec() -> str:
    """The ``mpiexec`` beside ``sys.executable`` (a venv with the ``dist`` extra), else on PATH."""
    here = Path(sys.executable).parent / "mpiexec"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("mpiexec")
    if found is None:
        raise FileNotFoundError(f"no mpiexec found beside {sys.executable} or on PATH. {INSTALL_HINT}")
    return found


def build_command(nproc: int, script: str, script_args: List[str], hostfile: Optional[str] = None,
                  mpiexec: Optional[str] = None) -> List[str]:
    if not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"run: -n must be a positive number of ranks, got {nproc!r}")
    cmd = [mpiexec or find_mpiexec(), "-n", str(nproc)]
    if hostfile:
        cmd += ["-f", hostfile]
    return cmd + [sys.executable, script] + list(script_args)


def launch(nproc: int, script: str, script_args: List[str] = (), hostfile: Optional[str] = None,
           timeout: Optional[float] = None, threads: int = 1) -> int:
    """Run the job; forward its output; return mpiexec's exit status."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env.setdefault(var, str(threads))
    if timeout is not None:
        env["TINYGRAD_EDU_DIST_TIMEOUT"] = str(timeout)
    with tempfile.TemporaryDirectory(prefix="tinygrad_edu_run_") as run_dir:
        env["TINYGRAD_EDU_RUN_DIR"] = run_dir
        cmd = build_command(nproc, script, list(script_args), hostfile)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, bufsize=1)
        dead = None
        for line in proc.stdout:                 # pass it on, and note the pid mpiexec says died
            sys.stdout.write(line)
            sys.stdout.flush()
            m = re.search(r"PID (\d+) RUNNING AT (\S+)", line)
            dead = dead or (m and (int(m.group(1)), m.group(2)))
        rc = proc.wait()
        if rc != 0 and dead:
            pid, host = dead
            rank_file = Path(run_dir) / f"pid{pid}"
            who = f"rank {rank_file.read_text()}" if rank_file.is_file() else "a rank"
            sys.stderr.write(f"tinygrad_edu.distributed.run: {who} (pid {pid} on {host}) died and ended the "
                             f"job (exit status {rc}); mpiexec stopped the other ranks\n")
    return rc


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.distributed.run",
                                     description="Run a script on N ranks with mpiexec.")
    parser.add_argument("-n", "--nproc-per-node", "--np", dest="n", type=int, default=2, help="number of ranks")
    parser.add_argument("--hostfile", help="MPI host file: run across machines")
    parser.add_argument("--timeout", type=float, help="seconds a rank waits for the others (default 300)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads per rank (default 1)")
    parser.add_argument("script")
    parser.add_argument("script_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    return launch(args.n, args.script, args.script_args, args.hostfile, args.timeout, args.threads)


if __name__ == "__main__":
    sys.exit(main())
