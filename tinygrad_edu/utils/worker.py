"""``DataLoader(num_workers=N)``: load batches in N worker processes while the main process trains.

The main process hands out lists of indices (one batch each) round-robin to the workers, keeps
``prefetch_factor`` batches per worker in flight, and yields the results in the sampler's order.
As in PyTorch:

* each epoch draws one ``base_seed`` from the loader's generator; worker ``i`` seeds the default
  generator (and Python's ``random``) with ``base_seed + i``, so random augmentations differ between
  workers and are reproducible under ``manual_seed``;
* inside a worker, ``get_worker_info()`` returns its id, the number of workers, its seed and its
  copy of the dataset, and ``worker_init_fn(worker_id)`` runs first;
* an exception in a worker is re-raised in the main process with the worker's traceback, and the
  workers are shut down when the loop ends, fails or is interrupted (or the iterator is dropped).

Map-style datasets only: an ``IterableDataset`` is still read in the main process.
"""
from __future__ import annotations

import multiprocessing
import queue
import random
import traceback
from dataclasses import dataclass
from typing import Any, Optional

from .. import backend


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: Optional[WorkerInfo] = None


def get_worker_info() -> Optional[WorkerInfo]:
    """In a DataLoader worker process: its ``WorkerInfo``; in the main process: ``None``."""
    return _worker_info


class _WorkerError:
    """An exception raised in a worker, carried to the main process as text."""

    def __init__(self, worker_id: int, exc: BaseException):
        self.exc_type = type(exc)
        self.message = f"Caught {type(exc).__name__} in DataLoader worker process {worker_id}.\n" + \
            "Original " + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        try:
            err = self.exc_type(self.message)
        except Exception:  # an exception class that needs other arguments
            err = RuntimeError(self.message)
        raise err


def _worker_loop(worker_id, loader_fetch, dataset, index_queue, result_queue, seed, num_workers, init_fn):
    global _worker_info
    backend.default_generator.manual_seed(seed)
    random.seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as exc:  # noqa: BLE001 (every error goes back to the main process)
        result_queue.put((None, _WorkerError(worker_id, exc)))
        return
    while True:
        try:
            task = index_queue.get()
        except (KeyboardInterrupt, EOFError):
            return
        if task is None:                       # the main process is done
            return
        batch_id, indices = task
        try:
            data = loader_fetch(indices)
        except Exception as exc:  # noqa: BLE001
            data = _WorkerError(worker_id, exc)
        result_queue.put((batch_id, data))


class MultiProcessingIter:
    """One epoch of a DataLoader with worker processes (see the module docstring)."""

    def __init__(self, loader):
        self._loader = loader
        n = loader.num_workers
        gen = loader.generator or backend.default_generator
        base_seed = int(gen.rng(backend.np).integers(0, 2 ** 62))
        method = loader.multiprocessing_context or ("fork" if "fork" in multiprocessing.get_all_start_methods()
                                                    else "spawn")
        ctx = multiprocessing.get_context(method) if isinstance(method, str) else method
        self._result_queue = ctx.Queue()
        self._index_queues, self._workers = [], []
        for i in range(n):
            q = ctx.Queue()
            w = ctx.Process(target=_worker_loop, daemon=True,
                            args=(i, loader._fetch, loader.dataset, q, self._result_queue, base_seed + i, n,
                                  loader.worker_init_fn))
            w.start()
            self._index_queues.append(q)
            self._workers.append(w)
        self._batches = iter(loader.batch_sampler if loader.batch_sampler is not None
                             else ([i] for i in loader.sampler))
        self._unbatched = loader.batch_sampler is None
        self._sent = self._next_out = 0
        self._waiting: dict = {}
        self._timeout = loader.timeout or None
        self._shut = False
        for _ in range((loader.prefetch_factor or 2) * n):
            self._send()

    def _send(self) -> None:
        indices = next(self._batches, None)
        if indices is None:
            return
        self._index_queues[self._sent % len(self._workers)].put((self._sent, list(indices)))
        self._sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        try:
            if self._next_out >= self._sent:
                self._shutdown()
                raise StopIteration
            while self._next_out not in self._waiting:
                try:
                    batch_id, data = self._result_queue.get(timeout=self._timeout or 5.0)
                except queue.Empty:
                    dead = [w.pid for w in self._workers if not w.is_alive()]
                    if dead:
                        raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited "
                                           f"unexpectedly") from None
                    if self._timeout:
                        raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
                    continue
                if isinstance(data, _WorkerError):
                    data.reraise()
                self._waiting[batch_id] = data
            data = self._waiting.pop(self._next_out)
            self._next_out += 1
            self._send()
            return data[0] if self._unbatched and isinstance(data, list) and len(data) == 1 else data
        except BaseException:
            self._shutdown()
            raise

    def _shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        for q in self._index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.join(timeout=2.0)
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        for q in self._index_queues + [self._result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        self._shutdown()
