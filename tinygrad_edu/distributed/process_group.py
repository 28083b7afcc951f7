"""The process group: who am I (rank), how many are we (world size), and how to wait for the others
without ever waiting forever.

MPI starts the same script N times (``mpiexec -n N python script.py``); every copy is a *rank*,
numbered 0..N-1. ``init_process_group`` connects them through mpi4py (imported only here, and only
then, so ``import tinygrad_edu`` never needs MPI).

Failure behaviour, the part that makes a teaching cluster usable:

* every collective is started non-blocking and then *polled* (``wait_for``): while it waits, a rank
  checks for a failure notice from a peer, checks that its peers on the same machine are still alive,
  and gives up after ``timeout`` seconds with a ``DistBackendError`` naming the rank(s) at fault;
* a rank that raises an uncaught exception tells the others (a small message on a private
  communicator), then calls ``MPI.COMM_WORLD.Abort``, which makes ``mpiexec`` end every rank.
"""
from __future__ import annotations

import datetime
import importlib.util
import os
import socket
import sys
import time
from typing import Any, List, Optional

DEFAULT_TIMEOUT = 300.0       # seconds a rank waits for the others before giving up
NOTICE_TAG = 7001             # the tag of failure notices, on their own communicator
GRACE = 1.0                   # seconds a failing rank gives the others to read its notice
PRINT_GRACE = 3.0             # and then to print their own error and end the job themselves
FORWARD_GRACE = 0.5           # a rank's last words get this long to pass through mpiexec
INSTALL_HINT = ("tinygrad_edu.distributed needs mpi4py and an MPI runtime: "
                "pip install 'tinygrad_edu[dist]' (installs mpi4py and MPICH from wheels), "
                "then launch with `mpiexec -n 2 python script.py` or "
                "`python -m tinygrad_edu.distributed.run -n 2 script.py`")


class DistError(RuntimeError):
    """An error of the distributed package (PyTorch's ``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """The communication itself failed: a peer died, raised, or did not arrive in time."""


DistError.__module__ = DistBackendError.__module__ = "tinygrad_edu.distributed"  # as tracebacks show them


class _Group:
    """The one (default) process group: MPI's world, duplicated twice so that our collectives and
    failure notices never mix with a user's own mpi4py messages."""

    def __init__(self, MPI, timeout: float):
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD.Dup()
        self.notices = MPI.COMM_WORLD.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = timeout
        self.failed_peer: Optional[str] = None
        me = (socket.gethostname(), os.getpid())
        self.peers: List[Any] = self.comm.allgather(me)   # (host, pid) of every rank; tiny, once
        self.host = me[0]


_group: Optional[_Group] = None
_previous_hook = None


def is_available() -> bool:
    """True when mpi4py is installed (without importing it: that would start MPI)."""
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):
        return False


def _import_mpi():
    try:
        from mpi4py import MPI  # noqa: PLC0415 (imported on demand: importing it starts MPI)
    except ImportError as e:
        raise RuntimeError(f"{INSTALL_HINT} ({e})") from None
    return MPI


def _seconds(timeout) -> float:
    if timeout is None:
        env = os.environ.get("TINYGRAD_EDU_DIST_TIMEOUT", "").strip()
        return float(env) if env else DEFAULT_TIMEOUT
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and timeout > 0:
        return float(timeout)
    raise TypeError(f"init_process_group(): timeout must be a datetime.timedelta, got {timeout!r}")


def init_process_group(backend: Optional[str] = "mpi", init_method: Optional[str] = None, timeout=None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "",
                       pg_options=None, device_id=None) -> None:
    """Join the ranks that ``mpiexec`` started. ``timeout`` (a ``timedelta``; default 300 s, or
    ``$TINYGRAD_EDU_DIST_TIMEOUT`` seconds) bounds every wait for the other ranks."""
    global _group, _previous_hook
    if _group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend not in (None, "mpi"):
        raise ValueError(f"init_process_group(): backend {backend!r} is not available in tinygrad_edu; "
                         "use backend='mpi' (the only one: it runs on CPUs and across machines)")
    seconds = _seconds(timeout)
    MPI = _import_mpi()
    group = _Group(MPI, seconds)
    for name, given, actual in (("world_size", world_size, group.size), ("rank", rank, group.rank)):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group(): {name}={given} but mpiexec started this process "
                             f"with {name} {actual}")
    _group = group
    _previous_hook = sys.excepthook
    sys.excepthook = _abort_on_uncaught
    run_dir = os.environ.get("TINYGRAD_EDU_RUN_DIR")   # set by tinygrad_edu.distributed.run
    if run_dir and os.path.isdir(run_dir):
        with open(os.path.join(run_dir, f"pid{os.getpid()}"), "w") as f:
            f.write(str(group.rank))


def destroy_process_group(group=None) -> None:
    """Leave the group (MPI itself shuts down when the program ends)."""
    global _group
    g = _default()
    sys.excepthook = _previous_hook or sys.__excepthook__
    g.comm.Free()
    g.notices.Free()
    _group = None


def is_initialized() -> bool:
    return _group is not None


def _default() -> _Group:
    if _group is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _group


def get_rank(group=None) -> int:
    return _default().rank


def get_world_size(group=None) -> int:
    return _default().size


def get_backend(group=None) -> str:
    _default()
    return "mpi"


# ------------------------------------------------------------------------------ waiting, safely
def wait_for(requests: list, what: str, timeout: Optional[float] = None) -> None:
    """Wait until every MPI request completes, but never forever (see the module's docstring)."""
    g = _default()
    MPI = g.MPI
    limit = g.timeout if timeout is None else timeout
    start = last_check = time.monotonic()
    pause = 0.0
    while not MPI.Request.Testall(requests):
        now = time.monotonic()
        if now - last_check > 0.2:
            last_check = now
            check_peers(what)
        if now - start > limit:
            raise DistBackendError(
                f"[rank {g.rank}] {what} did not complete within {limit:g} s: another rank never joined "
                f"it (stuck, or on another machine and dead). Raise the limit with "
                f"init_process_group(timeout=...) or $TINYGRAD_EDU_DIST_TIMEOUT")
        time.sleep(pause)                        # spin first, then back off to at most 1 ms
        pause = min(0.001, pause + 1e-5)


def check_peers(what: str = "waiting") -> None:
    """Raise if a peer sent a failure notice, or if a peer on this machine has died."""
    g = _default()
    status = g.MPI.Status()
    if g.notices.Iprobe(source=g.MPI.ANY_SOURCE, tag=NOTICE_TAG, status=status):
        buf = bytearray(status.Get_count())
        g.notices.Recv([buf, g.MPI.BYTE], source=status.Get_source(), tag=NOTICE_TAG)
        g.failed_peer = buf.decode(errors="replace")
        raise DistBackendError(f"[rank {g.rank}] stopped in {what}: rank {status.Get_source()} failed: "
                               f"{g.failed_peer}")
    for r, (host, pid) in enumerate(g.peers):
        if r != g.rank and host == g.host and not _alive(pid):
            g.failed_peer = f"rank {r} (pid {pid}) died"
            raise DistBackendError(f"[rank {g.rank}] stopped in {what}: rank {r} (pid {pid} on {host}) "
                                   "has died")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:                                         # a zombie (dead, not yet reaped) counts as dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _abort_on_uncaught(etype, value, tb) -> None:
    """``sys.excepthook`` while a group is up: print the error, tell the other ranks, end the job.

    Without this, the other ranks would sit in their next collective until the timeout."""
    hook = _previous_hook or sys.__excepthook__
    hook(etype, value, tb)
    g = _group
    if g is None:
        return
    sys.stderr.write(f"[rank {g.rank}] uncaught {etype.__name__}: ending all {g.size} ranks "
                     "(MPI_Abort)\n")
    sys.stderr.flush()
    if g.failed_peer is None:                    # we are the first to fail: say so to the others
        text = f"{etype.__name__}: {value}".encode()[:2000]
        reqs = [g.notices.Issend([text, g.MPI.BYTE], dest=r, tag=NOTICE_TAG)
                for r in range(g.size) if r != g.rank]
        deadline = time.monotonic() + GRACE      # until read, or the grace period is over
        while not g.MPI.Request.Testall(reqs) and time.monotonic() < deadline:
            time.sleep(0.005)
        # A reader raises, prints its error and ends the job itself (this hook, on its side). Give
        # it time to, even on a loaded machine; a reader that catches the error and goes on is
        # ended when the time is up.
        time.sleep(PRINT_GRACE)
    else:
        # we are such a reader: what we just printed travels through mpiexec, which drops it if
        # the job ends first (the "rank 0 stopped" line went missing now and then)
        time.sleep(FORWARD_GRACE)
    g.MPI.COMM_WORLD.Abort(1)
