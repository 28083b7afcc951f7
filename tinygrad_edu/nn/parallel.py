"""``DistributedDataParallel``: the same model on every rank, each rank a different slice of the
batch, gradients averaged so that every rank takes the same step.

Why averaging is enough: with a loss that is a mean over the batch, the gradient on the whole
batch of ``N * b`` samples is the mean of the gradients on ``N`` slices of ``b``. So if every rank
starts from the same parameters (rank 0's, broadcast at construction) and applies the averaged
gradient, every rank stays identical, and identical to one process training on the whole batch.

How the averaging overlaps backward: parameters are grouped into *buckets* (about
``bucket_cap_mb`` each, in reverse registration order, since backward reaches the last layers
first). A hook on every parameter (``register_post_accumulate_grad_hook``) counts the gradients
that have arrived; when a bucket is full its gradients are copied into one flat buffer and an
all-reduce is *started* (``async_op=True``) while backward goes on with earlier layers. When the
last gradient has arrived, the hook waits for every bucket, divides by the world size and writes
the averages back into ``.grad``.

    model = DistributedDataParallel(Net())      # after dist.init_process_group()
    loss_fn(model(x_local), y_local).backward() # .grad is now the average over all ranks
    optimizer.step()                            # the same step on every rank
"""
from __future__ import annotations

import contextlib
from typing import List, Optional

from .. import distributed as dist
from ..autograd import no_grad
from ..tensor import Tensor
from .module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    """Gradients of a few parameters, all-reduced together as one flat buffer."""

    def __init__(self, params: list):
        self.params = params
        self.offsets = [0]
        for p in params:
            self.offsets.append(self.offsets[-1] + p.numel())
        xp = params[0].xp
        self.flat = Tensor._make(xp.zeros(self.offsets[-1], dtype=params[0].array.dtype))
        self.pending = len(params)
        self.work: Optional[dist.Work] = None

    def start(self) -> None:
        """All its gradients are here: pack them and start the all-reduce (without waiting)."""
        flat = self.flat.array
        for p, lo, hi in zip(self.params, self.offsets, self.offsets[1:]):
            flat[lo:hi] = p.grad.array.reshape(-1)
        self.work = dist.all_reduce(self.flat, op=dist.ReduceOp.AVG, async_op=True)

    def finish(self) -> None:
        """Wait for the all-reduce and write the averaged gradients back into ``.grad``."""
        self.work.wait()
        flat = self.flat.array
        for p, lo, hi in zip(self.params, self.offsets, self.offsets[1:]):
            p.grad.array[...] = flat[lo:hi].reshape(p.grad.array.shape)
        self.work = None
        self.pending = len(self.params)


class DistributedDataParallel(Module):
    """Wrap ``module`` so that backward averages its gradients over all ranks (PyTorch's DDP).

    ``device_ids``, ``output_device`` and ``dim`` are accepted for compatibility (one device per
    process here). ``find_unused_parameters=True`` is not supported: every parameter that requires
    grad must receive a gradient in every synchronised backward."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb: Optional[float] = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel(): module must be an nn.Module, got {type(module).__name__}")
        if find_unused_parameters:
            raise ValueError("DistributedDataParallel(): find_unused_parameters=True is not supported in "
                             "tinygrad_edu; every parameter that requires grad must be used in forward")
        if not dist.is_initialized():
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        object.__setattr__(self, "_ddp", _Reducer(self, cap))

    def forward(self, *args, **kwargs):
        self._ddp.before_forward(self.require_backward_grad_sync)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward only accumulates local gradients (no communication): for gradient
        accumulation over several micro-batches; the first backward after it averages the sum."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


class _Reducer:
    """The bookkeeping behind DDP: the same-model check, the broadcast, the buckets and their hooks."""

    def __init__(self, ddp: DistributedDataParallel, cap_mb: float):
        self.ddp = ddp
        module = ddp.module
        self.check_same_model(module)
        with no_grad():
            works = [dist.broadcast(t, src=0, async_op=True)
                     for t in list(module.parameters()) + list(module.buffers())]
            for w in works:
                w.wait()
        self.params = [p for p in module.parameters() if p.requires_grad]
        self.buckets = self.make_buckets(self.params[::-1], cap_mb * 2 ** 20)
        self.bucket_of = {id(p): b for b in self.buckets for p in b.params}
        self.arrived = 0
        self.sync = True
        self.handles = [p.register_post_accumulate_grad_hook(self.grad_ready) for p in self.params]

    @staticmethod
    def check_same_model(module: Module) -> None:
        """Every rank must hold the same parameter and buffer names, shapes and dtypes."""
        mine = [(name, tuple(t.shape), str(t.dtype))
                for name, t in list(module.named_parameters()) + list(module.named_buffers())]
        everyone: List = [None] * dist.get_world_size()
        dist.all_gather_object(everyone, mine)
        for rank, theirs in enumerate(everyone):
            if theirs == everyone[0]:
                continue
            if len(theirs) != len(everyone[0]):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has "
                                   f"{len(theirs)} params and buffers, while rank 0 has {len(everyone[0])}.")
            for a, b in zip(everyone[0], theirs):
                if a != b:
                    raise RuntimeError(
                        f"DDP expects same model across all ranks, but Rank {rank} has {b[0]} of shape "
                        f"{list(b[1])} ({b[2]}), while rank 0 has {a[0]} of shape {list(a[1])} ({a[2]}).")

    @staticmethod
    def make_buckets(params: list, cap_bytes: float) -> List[_Bucket]:
        """Consecutive parameters of one dtype and device, up to ``cap_bytes`` per bucket."""
        groups: List[list] = []
        size = 0
        for p in params:
            nbytes = p.numel() * p.element_size()
            last = groups[-1][-1] if groups else None
            if (last is None or size + nbytes > cap_bytes or last.dtype != p.dtype or last.device != p.device):
                groups.append([])
                size = 0
            groups[-1].append(p)
            size += nbytes
        return [_Bucket(g) for g in groups]

    def before_forward(self, sync: bool) -> None:
        if self.arrived:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. "
                "This error indicates that your module has parameters that were not used in producing loss "
                f"({len(self.params) - self.arrived} of {len(self.params)} parameters received no gradient). "
                "Make sure all forward outputs participate in calculating loss.")
        self.sync = sync
        buffers = list(self.ddp.module.buffers())
        if self.ddp.broadcast_buffers and buffers and sync:
            with no_grad():
                for t in buffers:                 # rank 0's running statistics, as in PyTorch
                    dist.broadcast(t, src=0)

    def grad_ready(self, param: Tensor) -> None:
        """A parameter's gradient has been accumulated: start its bucket's all-reduce once the bucket
        is full; after the last parameter, wait for them all."""
        if not self.sync:
            return
        bucket = self.bucket_of[id(param)]
        bucket.pending -= 1
        if bucket.pending == 0:
            bucket.start()
        for b in self.buckets:                    # let MPI move the messages already started
            if b.work is not None:
                b.work.is_completed()
        self.arrived += 1
        if self.arrived == len(self.params):
            for b in self.buckets:
                b.finish()
            self.arrived = 0
