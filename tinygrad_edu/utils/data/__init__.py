"""Datasets and the ``DataLoader``, as in ``torch.utils.data``.

A ``Dataset`` answers two questions: how many samples (``len(ds)``) and what is sample ``i``
(``ds[i]``). A ``DataLoader`` turns it into mini-batches::

    ds = TensorDataset(images, labels)                 # sample i is (images[i], labels[i])
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    for x, y in loader:                                 # x: [64, ...], y: [64]
        ...

Each epoch, a *sampler* yields indices (in order, or a fresh random permutation when
``shuffle=True``), a *batch sampler* groups them ``batch_size`` at a time, the samples are fetched
and ``collate_fn`` (``default_collate``) stacks them into batch tensors.

Shuffling draws its permutation from ``tinygrad_edu``'s default generator (or the ``generator``
you pass), so ``tinygrad_edu.manual_seed(0)`` makes the order of every epoch reproducible.

With ``num_workers=N`` (map-style datasets), N worker processes fetch and collate batches
(``utils/worker.py``), each seeded as PyTorch seeds its workers.
"""
from __future__ import annotations

import bisect
import math
import warnings
from typing import Any, Callable, Generic, Iterable, Iterator, List, Optional, Sequence, TypeVar

from ... import backend
from ...creation import as_tensor, randint, randperm
from ...ops.shape import stack
from ...sampling import multinomial
from ...tensor import Tensor
from ..worker import MultiProcessingIter, get_worker_info as _worker_info

T_co = TypeVar("T_co", covariant=True)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "random_split",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
           "DataLoader", "default_collate", "default_convert", "get_worker_info"]


# ----------------------------------------------------------------------------- datasets
class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A stream of samples: subclasses define ``__iter__`` (no indexing, so no shuffling)."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        raise TypeError("IterableDataset does not support concatenation with +")


class TensorDataset(Dataset):
    """Samples are slices along the first dimension: ``ds[i] == (t[i] for t in tensors)``."""

    def __init__(self, *tensors: Tensor):
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset expects tensors, but argument {i} is {type(t).__name__}")
        sizes = [t.shape[0] if t.ndim > 0 else None for t in tensors]
        if any(s is None for s in sizes) or len(set(sizes)) > 1:
            raise ValueError(f"Size mismatch between tensors: every tensor needs the same first dimension, "
                             f"but got sizes {[s if s is not None else '0-d' for s in sizes]}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0


class ConcatDataset(Dataset):
    """Several datasets one after another (``ds1 + ds2``)."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes: List[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][idx - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> List[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given ``lengths`` (counts, or
    fractions that sum to 1), reproducibly under ``manual_seed`` or a given ``generator``."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):  # hand out the remainder round-robin
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              UserWarning, stacklevel=2)
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input dataset! "
                         f"(sum {sum(lengths)}, dataset length {n})")
    perm = randperm(n, generator=generator, device="cpu").tolist()  # indices live on the host
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out


# ----------------------------------------------------------------------------- samplers
class Sampler(Generic[T_co]):
    """Yields dataset indices (or lists of them, for a batch sampler)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """0, 1, 2, ..., len - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A fresh random permutation each epoch (or ``num_samples`` draws with replacement), drawn
    from ``generator`` or the default generator (``tinygrad_edu.manual_seed``)."""

    def __init__(self, data_source, replacement: bool = False, num_samples: Optional[int] = None,
                 generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            yield from randint(0, n, (self.num_samples,), generator=self.generator, device="cpu").tolist()
            return
        for _ in range(self.num_samples // n):
            yield from randperm(n, generator=self.generator, device="cpu").tolist()
        yield from randperm(n, generator=self.generator, device="cpu").tolist()[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices, in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator, device="cpu").tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler[List[int]]):
    """Groups a sampler's indices into lists of ``batch_size`` (the last one shorter, unless
    ``drop_last``)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch: List[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size


# ----------------------------------------------------------------------------- collation
_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


def default_collate(batch: List[Any]) -> Any:
    """Stack a list of samples into a batch, recursively:

    * tensors -> one tensor with a new first dimension (``stack``); NumPy arrays likewise;
    * Python floats -> a float64 tensor, ints -> an int64 tensor, bools -> a bool tensor;
    * strings -> the list of strings;
    * dicts -> a dict of collated values; tuples/lists -> a list of collated fields (so
      ``for x, y in loader`` works); namedtuples stay namedtuples.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = [tuple(b.shape) for b in batch]
        for i, s in enumerate(shapes):
            if s != shapes[0]:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at "
                                   f"entry 0 and {list(s)} at entry {i}")
        if any(b.requires_grad for b in batch):
            return stack(list(batch), 0)
        return Tensor._make(elem.xp.stack([b.array for b in batch]))
    if backend.is_array(elem):
        if elem.dtype.kind not in "biuf":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return default_collate([Tensor._make(b) for b in batch])
    if backend.is_numpy_scalar(elem):
        if elem.dtype.kind not in "biuf":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return Tensor._make(backend.np.array(batch))
    if isinstance(elem, bool):
        return Tensor._make(backend.np.array(batch, dtype=backend.np.bool_))
    if isinstance(elem, int):
        return Tensor._make(backend.np.array(batch, dtype=backend.np.int64))
    if isinstance(elem, float):
        return Tensor._make(backend.np.array(batch, dtype=backend.np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        try:
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, (list, tuple)):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed  # a list, as in PyTorch
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_COLLATE_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Without batching (``batch_size=None``): NumPy arrays become tensors, containers recursively."""
    if backend.is_array(data) and data.dtype.kind in "biuf":
        return Tensor._make(data)
    if backend.is_numpy_scalar(data) and data.dtype.kind in "biuf":
        return Tensor._make(backend.np.asarray(data))
    if isinstance(data, dict):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


def get_worker_info():
    """In a DataLoader worker process: its id, the number of workers, its seed and dataset
    (``utils/worker.py``); in the main process: ``None``."""
    return _worker_info()


# ----------------------------------------------------------------------------- the loader
class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in mini-batches.

    Args:
        dataset: a ``Dataset`` (``len`` and indexing) or an ``IterableDataset``.
        batch_size: samples per batch (``None``: yield samples one by one, uncollated).
        shuffle: a new random order every epoch (from ``generator`` or the default generator).
        sampler / batch_sampler: your own order of indices / of lists of indices.
        num_workers: load in this many worker processes (``utils/worker.py``; map-style datasets).
        collate_fn: turns a list of samples into a batch (default: ``default_collate``).
        drop_last: drop the last, incomplete batch.
        generator: a ``tinygrad_edu.Generator`` for the shuffling.
    """

    def __init__(self, dataset: Dataset, batch_size: Optional[int] = 1, shuffle: Optional[bool] = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[List[Any]], Any]] = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers: bool = False,
                 pin_memory_device: str = ""):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.multiprocessing_context, self.prefetch_factor = multiprocessing_context, prefetch_factor
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")

        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if batch_size is not None and self._iterable and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_stream()
        if self.num_workers > 0:  # worker processes (utils/worker.py)
            return MultiProcessingIter(self)
        if self.batch_sampler is not None:
            return (self._fetch(indices) for indices in self.batch_sampler)
        return (self.collate_fn(self.dataset[i]) for i in self.sampler)

    def _fetch(self, indices: List[int]):
        ds = self.dataset
        # Fast path: a TensorDataset's batch is one fancy-indexing per tensor, the same numbers
        # default_collate would stack from the single samples.
        if (type(ds) is TensorDataset and self.collate_fn is default_collate
                and not any(t.requires_grad for t in ds.tensors)):
            idx = backend.np.asarray(indices, dtype=backend.np.int64)
            return [Tensor._make(t.array[t.xp.asarray(idx)]) for t in ds.tensors]
        getitems = getattr(ds, "__getitems__", None)
        samples = getitems(indices) if getitems else [ds[i] for i in indices]
        return self.collate_fn(samples)

    def _iter_stream(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: List[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError if the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)


# --- PyTorch breadth (issue 14) ---
class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (with replacement by
    default): oversample rare classes by giving their samples larger weights."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = as_tensor(weights, dtype=backend.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights, self.num_samples, self.replacement, self.generator = w, num_samples, replacement, generator

    def __iter__(self):
        yield from multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator).tolist()

    def __len__(self) -> int:
        return self.num_samples


__all__ += ["WeightedRandomSampler"]

# --- data parallel (issue 16): torch.utils.data.DistributedSampler, defined in .distributed ---
from .distributed import DistributedSampler  # noqa: E402

__all__ += ["DistributedSampler"]
