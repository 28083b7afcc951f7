"""Collectives: operations every rank calls together, on tensors in place, as in ``torch.distributed``.

    all_reduce  every rank ends with the sum (or avg, max, ...) of everyone's tensor
    broadcast   every rank ends with rank ``src``'s tensor
    all_gather  every rank ends with a list of everyone's tensors
    reduce      rank ``dst`` ends with the sum; the others keep theirs
    gather      rank ``dst`` ends with a list of everyone's tensors
    scatter     rank ``src`` hands piece i of a list to rank i

A NumPy array goes straight into MPI as a buffer (no pickling: mpi4py's uppercase methods read the
array's memory and dtype). A CuPy array is staged through host memory: copied to a NumPy buffer,
communicated, copied back (``TINYGRAD_EDU_CUDA_AWARE_MPI=1`` passes it directly, for an MPI built
with CUDA support). Each call starts a non-blocking MPI operation; ``async_op=True`` returns the
``Work`` handle, otherwise it is waited for at once.
"""
from __future__ import annotations

import enum
import os
import pickle
from typing import Callable, List, Optional

from .. import backend
from ..tensor import Tensor
from .process_group import _default, wait_for


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self):
        return f"<ReduceOp.{self.name}>"


class Work:
    """The handle of a started collective: ``wait()`` blocks (with the group's timeout) until it is
    done and the result is in the tensors; ``is_completed()`` asks without blocking."""

    def __init__(self, requests: list, what: str, finish: Optional[Callable[[], None]] = None):
        self._requests = requests
        self._what = what
        self._finish = finish
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and _default().MPI.Request.Testall(self._requests):
            self._complete()
        return self._done

    def wait(self, timeout=None) -> bool:
        if not self._done:
            seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else timeout
            wait_for(self._requests, self._what, seconds)
            self._complete()
        return True

    def is_success(self) -> bool:
        return self._done

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()


# ------------------------------------------------------------------------------ buffers
def _check_tensor(t, op: str, name: str = "tensor") -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be a Tensor, not {type(t).__name__}")


def _direct(arr) -> bool:
    """Can MPI read and write this array's memory as it is?"""
    if isinstance(arr, backend.np.ndarray):
        return arr.flags.c_contiguous and arr.flags.writeable
    return os.environ.get("TINYGRAD_EDU_CUDA_AWARE_MPI") == "1" and arr.flags.c_contiguous


def _buffer(t: Tensor):
    """A C-contiguous host (or CUDA-aware) array holding ``t``'s values, and how to write it back."""
    arr = t.array
    if _direct(arr):
        return arr, None
    host = backend.np.ascontiguousarray(backend.to_numpy(arr))

    def write_back():
        arr[...] = backend.get_array_module(arr).asarray(host)
    return host, write_back


def _mpi_op(op: ReduceOp, fn: str):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{fn}(): op must be a ReduceOp, got {op!r}")
    MPI = _default().MPI
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]


def _check_avg(t: Tensor, op: ReduceOp, fn: str) -> None:
    if op is ReduceOp.AVG and not t.is_floating_point():
        raise ValueError(f"{fn}(): ReduceOp.AVG needs a floating point tensor, got {t.dtype}")


def _run(requests: list, what: str, finish, async_op: bool):
    work = Work(requests, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def _bump(t: Tensor) -> None:
    t._version[0] += 1              # written in place: autograd's saved-tensor check must see it


def _check_rank(r: int, fn: str, name: str) -> None:
    size = _default().size
    if not isinstance(r, int) or not 0 <= r < size:
        raise ValueError(f"{fn}(): {name}={r!r} is not a rank of this group (0..{size - 1})")


def _check_list(tensors, t: Tensor, fn: str, name: str) -> None:
    size = _default().size
    if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
        raise ValueError(f"{fn}(): {name} must be a list of world_size={size} tensors, got {tensors!r:.80}")
    for i, x in enumerate(tensors):
        _check_tensor(x, fn, f"{name}[{i}]")
        if tuple(x.shape) != tuple(t.shape) or x.dtype != t.dtype:
            raise ValueError(f"{fn}(): {name}[{i}] has shape {list(x.shape)} and dtype {x.dtype}, but the "
                             f"tensor has shape {list(t.shape)} and dtype {t.dtype}")


# ------------------------------------------------------------------------------ the collectives
def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Every rank's ``tensor`` becomes op(all ranks' tensors), elementwise."""
    _check_tensor(tensor, "all_reduce")
    _check_avg(tensor, op, "all_reduce")
    g = _default()
    buf, write_back = _buffer(tensor)
    req = g.comm.Iallreduce(g.MPI.IN_PLACE, buf, op=_mpi_op(op, "all_reduce"))

    def finish():
        if op is ReduceOp.AVG:
            buf[...] /= g.size
        if write_back:
            write_back()
        _bump(tensor)
    return _run([req], "all_reduce", finish, async_op)


def broadcast(tensor: Tensor, src: int = 0, group=None, async_op: bool = False):
    """Every rank's ``tensor`` becomes rank ``src``'s."""
    _check_tensor(tensor, "broadcast")
    _check_rank(src, "broadcast", "src")
    g = _default()
    buf, write_back = _buffer(tensor)
    req = g.comm.Ibcast(buf, root=src)

    def finish():
        if write_back and g.rank != src:
            write_back()
        _bump(tensor)
    return _run([req], "broadcast", finish, async_op)


def reduce(tensor: Tensor, dst: int = 0, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Rank ``dst``'s ``tensor`` becomes op(all ranks' tensors); the others' stay as they were."""
    _check_tensor(tensor, "reduce")
    _check_rank(dst, "reduce", "dst")
    _check_avg(tensor, op, "reduce")
    g = _default()
    buf, write_back = _buffer(tensor)
    send = g.MPI.IN_PLACE if g.rank == dst else buf
    req = g.comm.Ireduce(send, buf if g.rank == dst else None, op=_mpi_op(op, "reduce"), root=dst)

    def finish():
        if g.rank == dst:
            if op is ReduceOp.AVG:
                buf[...] /= g.size
            if write_back:
                write_back()
            _bump(tensor)
    return _run([req], "reduce", finish, async_op)


def _stacked(t: Tensor, n: int):
    return backend.np.empty((n,) + tuple(t.shape), dtype=t.array.dtype)


def _unstack(stacked, tensors: List[Tensor]):
    for x, piece in zip(tensors, stacked):
        x.array[...] = backend.get_array_module(x.array).asarray(piece)
        _bump(x)


def all_gather(tensor_list: List[Tensor], tensor: Tensor, group=None, async_op: bool = False):
    """``tensor_list[i]`` becomes rank i's ``tensor``, on every rank."""
    _check_tensor(tensor, "all_gather")
    _check_list(tensor_list, tensor, "all_gather", "tensor_list")
    g = _default()
    send, _ = _buffer(tensor)
    recv = _stacked(tensor, g.size)
    req = g.comm.Iallgather(send, recv)
    return _run([req], "all_gather", lambda: _unstack(recv, tensor_list), async_op)


def gather(tensor: Tensor, gather_list: Optional[List[Tensor]] = None, dst: int = 0, group=None,
           async_op: bool = False):
    """On rank ``dst``, ``gather_list[i]`` becomes rank i's ``tensor`` (other ranks pass None)."""
    _check_tensor(tensor, "gather")
    _check_rank(dst, "gather", "dst")
    g = _default()
    if g.rank == dst:
        _check_list(gather_list, tensor, "gather", "gather_list")
    elif gather_list:
        raise ValueError(f"gather(): Argument ``gather_list`` must NOT be specified on non-destination ranks "
                         f"(this is rank {g.rank}, dst={dst})")
    send, _ = _buffer(tensor)
    recv = _stacked(tensor, g.size) if g.rank == dst else None
    req = g.comm.Igather(send, recv, root=dst)
    finish = (lambda: _unstack(recv, gather_list)) if g.rank == dst else None
    return _run([req], "gather", finish, async_op)


def scatter(tensor: Tensor, scatter_list: Optional[List[Tensor]] = None, src: int = 0, group=None,
            async_op: bool = False):
    """Rank i's ``tensor`` becomes ``scatter_list[i]`` of rank ``src`` (other ranks pass None)."""
    _check_tensor(tensor, "scatter")
    _check_rank(src, "scatter", "src")
    g = _default()
    send = None
    if g.rank == src:
        _check_list(scatter_list, tensor, "scatter", "scatter_list")
        send = backend.np.stack([backend.to_numpy(x.array) for x in scatter_list])
    elif scatter_list:
        raise ValueError(f"scatter(): Argument ``scatter_list`` must NOT be specified on non-source ranks "
                         f"(this is rank {g.rank}, src={src})")
    buf, write_back = _buffer(tensor)
    req = g.comm.Iscatter(send, buf, root=src)

    def finish():
        if write_back:
            write_back()
        _bump(tensor)
    return _run([req], "scatter", finish, async_op)


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank has called ``barrier``."""
    g = _default()
    return _run([g.comm.Ibarrier()], "barrier", None, async_op)


def all_gather_object(object_list: list, obj, group=None) -> None:
    """``object_list[i]`` becomes rank i's ``obj`` (any picklable object: for small metadata, such
    as parameter names and shapes; tensors go through ``all_gather``, without pickling)."""
    g = _default()
    if not isinstance(object_list, list) or len(object_list) != g.size:
        raise ValueError(f"all_gather_object(): object_list must be a list of world_size={g.size} entries")
    np = backend.np
    data = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
    sizes = np.zeros(g.size, dtype=np.int64)
    wait_for([g.comm.Iallgather(np.array([data.size], dtype=np.int64), sizes)], "all_gather_object")
    recv = np.empty(int(sizes.sum()), dtype=np.uint8)
    wait_for([g.comm.Iallgatherv(data, [recv, sizes.tolist()])], "all_gather_object")
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    for i in range(g.size):
        object_list[i] = pickle.loads(recv[offsets[i]:offsets[i + 1]].tobytes())  # noqa: S301 (our ranks' own data)
