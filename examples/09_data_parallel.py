# %% [markdown]
# # Data-parallel training: one model, N processes, one averaged gradient
#
# Unit 06 trained a CNN on the digits in one process. Here the same training runs on N
# processes (*ranks*) at once: every rank holds a full copy of the model, reads its own 1/N of
# each batch, and before every optimizer step the ranks **average their gradients** (an
# *all-reduce*). This is what `torch.nn.parallel.DistributedDataParallel` does, here over MPI.
#
# Run it (the `dist` extra installs MPI: `pip install -e '.[dist]'`):
#
#     mpiexec -n 2 python examples/09_data_parallel.py
#     python -m tinygrad_edu.distributed.run -n 2 examples/09_data_parallel.py   # the same, 1 BLAS thread per rank
#     python examples/09_data_parallel.py --plot     # overlay the runs saved so far (1, 2, 4 ranks)
#
# It prints the gradient identity of section 1, the training curves, the speed-up over one
# process and how closely the N-rank model agrees with one process trained on the same batches.
# Each run saves `08_history_<N>ranks.json` (in the current folder or `$TINYGRAD_EDU_OUT`);
# `--plot` draws `08_curves.png` and `08_throughput.png` from them.
# Tutorial: `docs/08_data_parallel.md`.

# %%
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TINYGRAD_EDU_NUM_THREADS"):
    os.environ.setdefault(_var, "1")      # one BLAS thread per rank, set before NumPy starts

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import REPO_ROOT, banner, fast_mode, out_dir, pyplot, show  # noqa: E402

FAST = fast_mode()
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))  # a plain checkout works without installing the package

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.distributed as dist  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from tinygrad_edu.utils.data import DataLoader  # noqa: E402
from tinygrad_edu.utils.data.distributed import DistributedSampler  # noqa: E402
from tinygrad_edu.utils.datasets import Digits  # noqa: E402

GLOBAL_BATCH = 64                     # samples per optimizer step, over all ranks together
# float64, so that section 3 can show the N-rank run *equal* to one process; in float32 the two
# runs differ by rounding in the last bits, which training amplifies (the lesson gives numbers).
DTYPE = torch.float64
SETTINGS = {"full": dict(channels=(16, 32), epochs=6, lr=0.05),
            "fast": dict(channels=(8, 16), epochs=2, lr=0.05)}


class DigitCNN(nn.Module):
    """Unit 06's model: (conv -> ReLU -> pool) x 2 -> fully connected."""

    def __init__(self, c1: int, c2: int):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.fc = nn.Linear(c2 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


# %% [markdown]
# ## 1. Why averaging gradients is enough
#
# The loss of a batch of B samples is a mean, `L = (1/B) sum_i l_i`, so its gradient is the mean
# of the per-sample gradients. Split the batch into N equal shards of `b = B/N`: the mean over
# the whole batch is the mean of the N shard means. Gradients are linear, so
# `grad L = (1/N) sum_k grad L_k`: **N ranks that each compute the gradient of their shard and
# average them get exactly the gradient of the whole batch**, and so take exactly the same step.
# (With unequal shards the plain average would weigh samples unequally; that is why the sampler
# makes every rank's share the same size.)

# %%
def shards_equal_whole(n_shards: int = 4, batch: int = 64) -> float:
    banner(f"1. The gradient of a batch of {batch} = the average of {n_shards} shard gradients")
    torch.manual_seed(0)
    model = DigitCNN(8, 16).double()
    data = Digits(train=True)
    x, y = data.data[:batch].double(), data.targets[:batch]
    F.cross_entropy(model(x), y).backward()
    whole = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    b = batch // n_shards
    for k in range(n_shards):                       # what N ranks would compute, one after another
        F.cross_entropy(model(x[k * b:(k + 1) * b]), y[k * b:(k + 1) * b]).backward()
    diff = max((p.grad / n_shards - g).abs().max().item() for p, g in zip(model.parameters(), whole))
    print(f"max |grad(whole batch) - mean of {n_shards} shard grads| = {diff:.1e}  (float64 rounding)")
    return diff


# %% [markdown]
# ## 2. Training on N ranks
#
# The three changes to unit 06's loop: `init_process_group`, the `DistributedSampler` (each rank
# reads a different 1/N of the shuffled data, `set_epoch` reshuffles every epoch), and wrapping
# the model in `DDP` (rank 0's weights are copied to every rank; `backward()` averages the
# gradients). The loop itself is unchanged. Every rank works on `64 / N` samples per step, so the
# global batch, and with it the maths of every step, is the same for any N.

# %%
def loaders(train_set, rank: int, world: int):
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=0, drop_last=True)
    return sampler, DataLoader(train_set, batch_size=GLOBAL_BATCH // world, sampler=sampler, drop_last=True)


def evaluate(model, test_set) -> float:
    with torch.no_grad():
        return (model(test_set.data.to(DTYPE)).argmax(1) == test_set.targets).float().mean().item()


def train_ddp(cfg: dict, train_set, test_set):
    rank, world = dist.get_rank(), dist.get_world_size()
    if rank == 0:
        banner(f"2. Training on {world} rank(s): {GLOBAL_BATCH // world} samples per rank per step")
    torch.manual_seed(rank)                         # different on purpose: DDP copies rank 0's weights
    model = DDP(DigitCNN(*cfg["channels"]).to(DTYPE))
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    sampler, loader = loaders(train_set, rank, world)
    history = {"ranks": world, "loss": [], "test_acc": [], "seconds": [], "samples": 0}
    for epoch in range(cfg["epochs"]):
        sampler.set_epoch(epoch)
        dist.barrier()                              # start the clock together
        start = time.perf_counter()
        total = torch.zeros(2, dtype=torch.float64)  # loss sum and sample count on this rank
        for x, y in loader:
            loss = F.cross_entropy(model(x.to(DTYPE)), y)
            optimizer.zero_grad()
            loss.backward()                         # ... and the gradients are averaged over the ranks
            optimizer.step()
            total += torch.tensor([loss.item() * len(y), len(y)], dtype=torch.float64)
        dist.all_reduce(total)                      # over all ranks: the epoch's mean training loss
        history["seconds"].append(time.perf_counter() - start)
        history["samples"] = int(total[1].item())
        history["loss"].append(total[0].item() / total[1].item())
        history["test_acc"].append(evaluate(model.module, test_set))
        if rank == 0:
            print(f"epoch {epoch + 1}/{cfg['epochs']}  train loss {history['loss'][-1]:.4f}  "
                  f"test accuracy {history['test_acc'][-1]:6.1%}  ({history['seconds'][-1]:.2f} s)")
    return model, history


# %% [markdown]
# ## 3. The same training in one process, and the speed-up
#
# Rank 0 now replays the run alone: the same initial weights, and at every step the
# concatenation of the N ranks' shards, as one batch of 64. By section 1 its weights must match
# the N-rank model's up to rounding. Its time over the N-rank time is the speed-up.

# %%
def one_process_replay(cfg: dict, train_set, world: int):
    torch.manual_seed(0)
    model = DigitCNN(*cfg["channels"]).to(DTYPE)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    pairs = [loaders(train_set, r, world) for r in range(world)]
    seconds = []
    for epoch in range(cfg["epochs"]):
        start = time.perf_counter()
        for sampler, _ in pairs:
            sampler.set_epoch(epoch)
        for shards in zip(*(loader for _, loader in pairs)):
            x = torch.cat([x for x, _ in shards])
            y = torch.cat([y for _, y in shards])
            optimizer.zero_grad()
            F.cross_entropy(model(x.to(DTYPE)), y).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return model, seconds


def allreduce_cost(model, repeats: int = 50) -> dict:
    """What one step's communication costs: an all-reduce of as many numbers as the model has."""
    n = sum(p.numel() for p in model.parameters())
    grads = torch.zeros(n, dtype=DTYPE)
    dist.barrier()
    start = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(grads)
    seconds = (time.perf_counter() - start) / repeats
    world, nbytes = dist.get_world_size(), n * grads.element_size()
    sent = 2 * (world - 1) / world * nbytes         # a ring all-reduce: what each rank sends per step
    if dist.get_rank() == 0:
        print(f"one all-reduce of the {n:,} gradients ({nbytes / 1e3:.1f} kB): {seconds * 1e6:.0f} us; "
              f"each rank sends 2(N-1)/N x {nbytes / 1e3:.1f} kB = {sent / 1e3:.1f} kB per step")
    return {"params": n, "allreduce_s": seconds, "bytes_sent_per_step": sent}


def steady(seconds: list) -> float:
    """Seconds per epoch, leaving out the first (warm-up) epoch when there are more."""
    rest = seconds[1:] or seconds
    return sorted(rest)[len(rest) // 2]


LOAD_BEFORE = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")   # how busy the machine was


def main(fast=None) -> dict:
    cfg = SETTINGS["fast" if (FAST if fast is None else fast) else "full"]
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    result = {"ranks": world, "shard_diff": shards_equal_whole() if rank == 0 else None}
    train_set, test_set = Digits(train=True), Digits(train=False)
    model, history = train_ddp(cfg, train_set, test_set)
    history.update(allreduce_cost(model))
    if rank == 0:
        banner("3. One process on the same batches")
        alone, seconds = one_process_replay(cfg, train_set, world)
        agree = max((p.detach() - q.detach()).abs().max().item()
                    for p, q in zip(alone.parameters(), model.module.parameters()))
        t_one, t_n = steady(seconds), steady(history["seconds"])
        history.update(one_process_seconds=seconds, cores=os.cpu_count(), load=LOAD_BEFORE, max_param_diff=agree, speedup=t_one / t_n,
                       samples_per_s=history["samples"] / t_n)
        print(f"agreement with one process: max |weight difference| = {agree:.1e} (float64 rounding)")
        print(f"one process: {t_one:.2f} s per epoch; {world} ranks: {t_n:.2f} s per epoch; "
              f"speed-up {t_one / t_n:.2f}x on {world} rank(s), 1 BLAS thread each "
              f"({history['samples_per_s']:.0f} samples/s)")
        path = out_dir() / f"08_history_{world}ranks.json"
        path.write_text(json.dumps(history, indent=1))
        print(f"history written to {path}")
        torch.save(model.state_dict(), str(out_dir() / "08_ddp_checkpoint.pt"))   # rank 0 only
        result.update(history)
    dist.barrier()                                  # nobody leaves before the checkpoint is written
    dist.destroy_process_group()
    return result


# %% [markdown]
# ## 4. Overlaying 1, 2 and 4 ranks
#
# `--plot` reads the histories saved by runs on different rank counts. The loss curves lie on
# top of each other (the same global batch, so the same steps up to which samples fall into
# which batch), while the time per epoch changes with the number of ranks and cores.

# %%
def plot(folder=None) -> list:
    folder = out_dir() if folder is None else folder
    runs = sorted((json.loads(p.read_text()) for p in folder.glob("08_history_*ranks.json")), key=lambda h: h["ranks"])
    if not runs:
        print(f"no 08_history_*ranks.json in {folder}: run with mpiexec -n N first")
        return []
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    styles = ["o-", "s--", "^:", "v-."]             # the runs coincide: draw each one visibly
    for h, style in zip(runs, styles * 2):
        epochs = range(1, len(h["loss"]) + 1)
        width = 2 + 2 * (len(runs) - runs.index(h))  # thick under thin
        ax1.plot(epochs, h["loss"], style, lw=width, alpha=0.7, label=f"{h['ranks']} rank(s)")
        ax2.plot(epochs, [100 * a for a in h["test_acc"]], style, lw=width, alpha=0.7, label=f"{h['ranks']} rank(s)")
    ax1.set(xlabel="epoch", ylabel="training loss", yscale="log", title="loss (global batch 64)")
    ax2.set(xlabel="epoch", ylabel="test accuracy (%)", title="held-out accuracy")
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle("the same digit CNN on 1, 2 and 4 ranks: the curves lie on top of each other")
    curves = show(fig, "08_curves.png")
    fig, ax = plt.subplots(figsize=(5, 4))
    ranks = [h["ranks"] for h in runs]
    base = runs[0]["samples_per_s"] / runs[0]["ranks"] if runs[0]["ranks"] == 1 else None
    ax.bar([str(r) for r in ranks], [h["samples_per_s"] for h in runs], color="tab:blue", label="measured")
    if base:
        ax.plot([str(r) for r in ranks], [base * r for r in ranks], "k--o", label="ideal (N x one rank)")
    machine = f"{runs[0]['cores']} cores, load average {runs[0]['load']:.0f} before the run"
    ax.set(xlabel="ranks (1 BLAS thread each)", ylabel="training samples / s", title=f"throughput\n({machine})")
    ax.legend()
    throughput = show(fig, "08_throughput.png")
    for h in runs:
        print(f"{h['ranks']} rank(s): {h['samples_per_s']:.0f} samples/s, speed-up {h['speedup']:.2f}x, "
              f"final test accuracy {h['test_acc'][-1]:.1%}, agreement {h['max_param_diff']:.1e}")
    return [str(curves), str(throughput)]


if __name__ == "__main__":
    if "--plot" in sys.argv[1:]:
        plot()
    else:
        main()
