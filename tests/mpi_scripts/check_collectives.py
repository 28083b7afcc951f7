"""Run under ``mpiexec -n N``: every collective of tinygrad_edu.distributed against NumPy.

Each rank's data is a seeded function of its rank, so every rank can compute what every other rank
holds and so the expected result, with NumPy alone. Prints ``collectives ok rank R`` at the end."""
import sys

import numpy as np


def data(rank: int, dtype=np.float64, shape=(3, 4)):
    return np.random.default_rng(100 + rank).normal(size=shape).astype(dtype)


def main():
    import tinygrad_edu as torch
    import tinygrad_edu.distributed as dist
    from tinygrad_edu.distributed import ReduceOp

    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()
    everyone = np.stack([data(i) for i in range(n)])
    expect = {ReduceOp.SUM: everyone.sum(0), ReduceOp.AVG: everyone.mean(0), ReduceOp.PRODUCT: everyone.prod(0),
              ReduceOp.MIN: everyone.min(0), ReduceOp.MAX: everyone.max(0)}
    for op, want in expect.items():
        t = torch.tensor(data(r))
        assert dist.all_reduce(t, op=op) is None
        np.testing.assert_allclose(t.numpy(), want, rtol=1e-12, atol=0, err_msg=f"all_reduce {op}")
    # float32 and int64 keep their dtype; a non-contiguous view is reduced in place too
    t32 = torch.tensor(data(r, np.float32))
    dist.all_reduce(t32)
    assert t32.dtype == torch.float32
    np.testing.assert_allclose(t32.numpy(), everyone.astype(np.float32).sum(0), rtol=1e-5)
    ti = torch.tensor([[r + 1, 10 * r]])
    dist.all_reduce(ti, op=ReduceOp.MAX)
    assert ti.tolist() == [[n, 10 * (n - 1)]] and ti.dtype == torch.int64
    base = torch.tensor(data(r))
    view = base.t()                                  # a transposed view: not C-contiguous
    dist.all_reduce(view)
    np.testing.assert_allclose(view.numpy(), everyone.sum(0).T, rtol=1e-12)
    # async: start, do something else, wait
    t = torch.tensor(data(r))
    work = dist.all_reduce(t, async_op=True)
    assert isinstance(work, dist.Work)
    assert work.wait() is True and work.is_completed()
    np.testing.assert_allclose(t.numpy(), everyone.sum(0), rtol=1e-12)
    # broadcast from the last rank
    t = torch.tensor(data(r))
    dist.broadcast(t, src=n - 1)
    np.testing.assert_array_equal(t.numpy(), data(n - 1))
    # reduce to rank 0: only rank 0 changes
    t = torch.tensor(data(r))
    dist.reduce(t, dst=0, op=ReduceOp.SUM)
    np.testing.assert_allclose(t.numpy(), everyone.sum(0) if r == 0 else data(r), rtol=1e-12)
    # all_gather
    out = [torch.zeros(3, 4, dtype=torch.float64) for _ in range(n)]
    dist.all_gather(out, torch.tensor(data(r)))
    for i in range(n):
        np.testing.assert_array_equal(out[i].numpy(), data(i))
    # gather to the last rank
    dst = n - 1
    lst = [torch.zeros(3, 4, dtype=torch.float64) for _ in range(n)] if r == dst else None
    dist.gather(torch.tensor(data(r)), lst, dst=dst)
    if r == dst:
        for i in range(n):
            np.testing.assert_array_equal(lst[i].numpy(), data(i))
    # scatter from rank 0: rank i gets piece i
    pieces = [torch.tensor(data(50 + i, shape=(5,))) for i in range(n)] if r == 0 else None
    t = torch.zeros(5, dtype=torch.float64)
    dist.scatter(t, pieces, src=0)
    np.testing.assert_array_equal(t.numpy(), data(50 + r, shape=(5,)))
    # objects (metadata) and a barrier
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r, "name": f"r{r}"})
    assert objs == [{"rank": i, "name": f"r{i}"} for i in range(n)]
    dist.barrier()
    # bad arguments: clear errors before any communication
    for call, kind in ((lambda: dist.broadcast(t, src=n), ValueError),
                       (lambda: dist.all_reduce(np.ones(3)), TypeError),
                       (lambda: dist.all_reduce(torch.tensor([1, 2]), op=ReduceOp.AVG), ValueError),
                       (lambda: dist.all_gather([t], t) if n > 1 else dist.all_gather([], t), ValueError)):
        try:
            call()
        except kind:
            pass
        else:
            raise AssertionError(f"expected {kind.__name__}")
    dist.destroy_process_group()
    print(f"collectives ok rank {r} of {n}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
