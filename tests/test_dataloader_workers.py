"""DataLoader(num_workers=N) with real worker processes (utils/worker.py): the same batches in the
same order as in the main process, get_worker_info and worker_init_fn inside workers, per-worker
seeds that are reproducible under manual_seed, errors carried to the main process, and workers
shut down when the loop ends, breaks or fails."""
import os

import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info


class Probe(Dataset):
    """Each sample says which process and worker made it, and draws one random number there."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        info = get_worker_info()
        if i == 99:
            raise ValueError("bad sample 99")
        return tg.tensor([i, os.getpid(), -1 if info is None else info.id]), tg.rand(1)


class Failing(Probe):
    def __getitem__(self, i):
        if i == 7:
            raise ValueError("bad sample 7")
        return super().__getitem__(i)


def test_same_batches_in_order_from_worker_processes():
    ds = TensorDataset(tg.arange(20), tg.arange(20) * 2)
    serial = [[t.tolist() for t in b] for b in DataLoader(ds, batch_size=3)]
    parallel = [[t.tolist() for t in b] for b in DataLoader(ds, batch_size=3, num_workers=2)]
    assert parallel == serial
    probe = [b[0] for b in DataLoader(Probe(), batch_size=2, num_workers=3)]
    assert [int(i) for b in probe for i in b[:, 0].tolist()] == list(range(12))
    assert {int(p) for b in probe for p in b[:, 1].tolist()} - {os.getpid()}      # other processes
    assert {int(w) for b in probe for w in b[:, 2].tolist()} == {0, 1, 2}         # all three workers
    assert get_worker_info() is None                                              # here: the main process
    singles = [s[0][0].item() for s in DataLoader(Probe(), batch_size=None, num_workers=2)]
    assert singles == list(range(12))


def _draws(seed):
    tg.manual_seed(seed)
    return [b[1].tolist() for b in DataLoader(Probe(), batch_size=3, num_workers=2)]


def test_worker_seeds_are_reproducible_and_distinct():
    a, b, c = _draws(0), _draws(0), _draws(1)
    assert a == b and a != c
    flat = [x for batch in a for row in batch for x in row]
    assert len(set(flat)) == len(flat)            # workers do not repeat each other's draws


def _init(worker_id):
    tg.manual_seed(1000 + worker_id)


def test_worker_init_fn_runs_in_each_worker():
    tg.manual_seed(5)
    first = [b[1].tolist() for b in DataLoader(Probe(), batch_size=6, num_workers=2, worker_init_fn=_init)]
    tg.manual_seed(6)  # a different base seed: worker_init_fn's seeding wins
    second = [b[1].tolist() for b in DataLoader(Probe(), batch_size=6, num_workers=2, worker_init_fn=_init)]
    assert first == second


def test_errors_reach_the_main_process_and_workers_stop():
    it = iter(DataLoader(Failing(), batch_size=2, num_workers=2))
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 1"):
        list(it)
    assert all(not w.is_alive() for w in it._workers)
    it = iter(DataLoader(Probe(), batch_size=2, num_workers=2))
    next(it)
    workers = it._workers
    it._shutdown()                                # what breaking out of the loop leads to
    assert all(not w.is_alive() for w in workers)
