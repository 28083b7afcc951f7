"""Run under ``mpiexec -n 2``: DistributedDataParallel against one process on the whole batch.

Every rank also trains the single-process reference itself (rank 0's initial weights, the
concatenated batch), so each can compare without communication. Prints ``ddp ok rank R max_diff D``.
Argument: a path for the rank-0 checkpoint."""
import os
import sys

import numpy as np


def make_model(seed: int, hidden: int = 6):
    import tinygrad_edu as torch
    from tinygrad_edu import nn

    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3 * 4 * 4, hidden), nn.Tanh(), nn.Linear(hidden, 4)).double()


def batch(step: int, n: int, b: int):
    import tinygrad_edu as torch
    rng = np.random.default_rng(step)
    x = torch.tensor(rng.normal(size=(n * b, 1, 8, 8)))
    y = torch.tensor(rng.integers(0, 4, size=n * b))
    return x, y


def main(ckpt: str):
    import tinygrad_edu as torch
    import tinygrad_edu.distributed as dist
    import tinygrad_edu.nn.functional as F
    from tinygrad_edu.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()

    # 1. a different model on one rank is reported at construction, on every rank, naming it
    try:
        DDP(make_model(0, hidden=6 if r == 0 else 7))
    except RuntimeError as e:
        assert "Rank 1" in str(e) and "[6," in str(e) and "[7," in str(e), e
    else:
        raise AssertionError("a shape mismatch across ranks was not detected")

    # 2. construction broadcasts rank 0's weights: each rank starts from its own seed
    model = DDP(make_model(seed=r), bucket_cap_mb=0.0005)          # ~500 bytes: several buckets
    assert len(model._ddp.buckets) >= 3, len(model._ddp.buckets)
    ref = make_model(seed=0)
    for a, b in zip(model.module.parameters(), ref.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert all(k.startswith("module.") for k in model.state_dict())
    assert [k[len("module."):] for k in model.state_dict()] == list(ref.state_dict())

    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    b = 5
    for step in range(6):
        if step == 3:   # gradient accumulation: a micro-batch under no_sync, then a synchronised one
            x, y = batch(100, n, b)
            with model.no_sync():
                F.cross_entropy(model(x[r * b:(r + 1) * b]), y[r * b:(r + 1) * b]).backward()
            g = model.module[0].weight.grad.clone()
            everyone = [torch.zeros_like(g) for _ in range(n)]
            dist.all_gather(everyone, g)
            assert not np.allclose(everyone[0].numpy(), everyone[1].numpy()), "no_sync communicated"
            F.cross_entropy(ref(x), y).backward()
        x, y = batch(step, n, b)
        opt.zero_grad() if step != 3 else None
        F.cross_entropy(model(x[r * b:(r + 1) * b]), y[r * b:(r + 1) * b]).backward()
        opt.step()
        opt_ref.zero_grad() if step != 3 else None
        F.cross_entropy(ref(x), y).backward()
        opt_ref.step()
    diff = max(float(np.abs(a.detach().numpy() - c.detach().numpy()).max()) for a, c in zip(model.module.parameters(), ref.parameters()))
    assert diff < 1e-10, diff
    moved = max(float(np.abs(a.detach().numpy() - c.detach().numpy()).max())
                for a, c in zip(ref.parameters(), make_model(seed=0).parameters()))
    assert moved > 1e-2, moved                              # training really changed the weights

    # 3. rank 0 writes the checkpoint; everyone reads it after the barrier
    if r == 0:
        torch.save(model.state_dict(), ckpt)
    dist.barrier()
    state = torch.load(ckpt)
    fresh = DDP(make_model(seed=1))
    fresh.load_state_dict(state)
    for a, c in zip(fresh.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), c.detach().numpy())

    # 4. a parameter that gets no gradient: PyTorch's error at the next forward
    class WithSpare(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net, self.spare = make_model(seed=0), torch.nn.Linear(2, 2).double()

        def forward(self, x):
            return self.net(x)                               # self.spare is never used
    m2 = DDP(WithSpare())
    x, y = batch(0, n, b)
    F.cross_entropy(m2(x[:b]), y[:b]).backward()
    try:
        m2(x[:b])
    except RuntimeError as e:
        assert "Expected to have finished reduction" in str(e) and "2 of 8" in str(e), e
    else:
        raise AssertionError("an unused parameter was not reported")
    print(f"ddp ok rank {r} max_diff {diff:.1e}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
