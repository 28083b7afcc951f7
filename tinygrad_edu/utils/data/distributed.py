"""``DistributedSampler``: each rank reads its own share of the dataset, as in
``torch.utils.data.distributed``.

Every rank draws the *same* permutation (seeded with ``seed + epoch``, so call ``set_epoch(e)``
at the start of each epoch for a new order), pads it by repeating its first indices until its
length divides by the number of ranks (or drops the tail, with ``drop_last=True``), and keeps every
``num_replicas``-th index starting at its ``rank``. So the shares are disjoint, equally long, and
together cover the dataset::

    10 samples, 3 ranks, no shuffle: 0 1 2 3 4 5 6 7 8 9 + padding 0 1
        rank 0: 0 3 6 9    rank 1: 1 4 7 0    rank 2: 2 5 8 1
"""
from __future__ import annotations

import math
from typing import Iterator, Optional

from ... import distributed as dist
from ...backend import Generator
from ...creation import randperm
from . import Dataset, Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """The indices of this rank's share of ``dataset`` (``num_replicas`` and ``rank`` default to the
    process group's world size and rank)."""

    def __init__(self, dataset: Dataset, num_replicas: Optional[int] = None, rank: Optional[int] = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                raise RuntimeError("Requires distributed package to be available: call "
                                   "tinygrad_edu.distributed.init_process_group() first, or pass "
                                   "num_replicas and rank")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"num_replicas should be a positive integer, but got num_replicas={num_replicas}")
        if not isinstance(rank, int) or rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)   # drop the tail
        else:
            self.num_samples = math.ceil(n / num_replicas)                    # pad
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:                        # the same order on every rank: the seed is shared
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding = self.total_size - n
            if padding <= n:                    # repeat the first indices
                indices += indices[:padding]
            else:                               # fewer samples than ranks: repeat the whole list
                indices += (indices * math.ceil(padding / n))[:padding]
        assert len(indices) == self.total_size
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use a new order in epoch ``epoch`` (the same on every rank)."""
        self.epoch = epoch
