"""Variable-length batches for recurrent networks: padding and packing.

A batch of sequences of different lengths can be stored two ways:

* **padded**: one (T, B, *) tensor (or (B, T, *) with ``batch_first``), short sequences filled up
  with ``padding_value``; simple, but an RNN would read the padding as real steps;
* **packed** (``PackedSequence``): only the real steps, time-major. Sequences are ordered by
  decreasing length, so at step t the first ``batch_sizes[t]`` of them are still running, and
  ``data`` holds those rows for t = 0, then for t = 1, ... .

Packing and unpacking are both gathers (``tensor[index]``), so gradients flow through them with
no hand-written backward.
"""
from __future__ import annotations

from typing import List, NamedTuple, Optional, Sequence, Union

from ... import backend, creation
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence"]


class PackedSequence(NamedTuple):
    """The real steps of a batch of sequences, time-major (see the module docstring).

    ``batch_sizes[t]`` is how many sequences have a step t; ``sorted_indices[j]`` is the original
    position of the j-th longest sequence (``None`` when the batch came sorted), and
    ``unsorted_indices`` is its inverse."""
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor] = None
    unsorted_indices: Optional[Tensor] = None

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Move or cast ``data`` (the index tensors stay integer, as in PyTorch)."""
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    # the lengths, in the original batch order (plain ints: they only steer the loops)
    def _lengths(self) -> List[int]:
        sizes = [int(b) for b in self.batch_sizes.tolist()]
        lengths_sorted = [sum(1 for b in sizes if b > j) for j in range(sizes[0])]
        if self.sorted_indices is None:
            return lengths_sorted
        lengths = [0] * len(lengths_sorted)
        for j, original in enumerate(self.sorted_indices.tolist()):
            lengths[original] = lengths_sorted[j]
        return lengths


def _as_lengths(lengths, op: str) -> List[int]:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"{op}: 'lengths' should be a 1D tensor, but got {lengths.ndim}D")
        lengths = lengths.tolist()
    lengths = [int(n) for n in lengths]
    if any(n <= 0 for n in lengths):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    return lengths


def _order(lengths: Sequence[int]) -> List[int]:
    """Indices sorting ``lengths`` in decreasing order (stable, so ties keep their order)."""
    return sorted(range(len(lengths)), key=lambda i: -lengths[i])


def _pack(padded: Tensor, lengths: Sequence[int], sorted_indices: Optional[Sequence[int]]) -> Tensor:
    """The rows of a time-major (T, B, *) tensor that are real steps, in packed order: for each t,
    the sequences still running at t, longest first."""
    order = list(sorted_indices) if sorted_indices is not None else list(range(len(lengths)))
    batch = padded.shape[1]
    rows = [t * batch + b for t in range(max(lengths)) for b in order if lengths[b] > t]
    flat = padded.reshape(padded.shape[0] * batch, *padded.shape[2:])
    return flat[creation.tensor(rows, dtype=backend.int64, device=padded.device)]


def _unpack(data: Tensor, lengths: Sequence[int], sorted_indices: Optional[Sequence[int]], total_length: int,
            padding_value: float) -> Tensor:
    """The reverse of ``_pack``: a (T, B, *) tensor, ``padding_value`` after each sequence's end. Every
    cell gathers either its row of ``data`` or an appended padding row, so it stays differentiable."""
    order = list(sorted_indices) if sorted_indices is not None else list(range(len(lengths)))
    batch = len(lengths)
    where_in_data = {}
    for t in range(max(lengths)):
        for b in order:
            if lengths[b] > t:
                where_in_data[(t, b)] = len(where_in_data)
    pad_row = len(where_in_data)
    rows = [where_in_data.get((t, b), pad_row) for t in range(total_length) for b in range(batch)]
    filler = creation.full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    source = cat([data, filler])
    index = creation.tensor(rows, dtype=backend.int64, device=data.device)
    return source[index].reshape(total_length, batch, *data.shape[1:])


def _batch_sizes(lengths: Sequence[int]) -> Tensor:
    return creation.tensor([sum(1 for n in lengths if n > t) for t in range(max(lengths))],
                           dtype=backend.int64)


def _indices(order: Optional[List[int]]):
    if order is None:
        return None, None
    inverse = [0] * len(order)
    for j, i in enumerate(order):
        inverse[i] = j
    return (creation.tensor(order, dtype=backend.int64), creation.tensor(inverse, dtype=backend.int64))


def pack_padded_sequence(input: Tensor, lengths: Union[Tensor, Sequence[int]], batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) whose b-th sequence has
    ``lengths[b]`` real steps. With ``enforce_sorted`` the lengths must already decrease."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence(): argument 'input' must be Tensor, not {type(input).__name__}")
    lengths = _as_lengths(lengths, "pack_padded_sequence")
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: expected input of at least 2 dimensions, but got {input.ndim}")
    time_major = input.transpose(0, 1) if batch_first else input
    if len(lengths) != time_major.shape[1]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={time_major.shape[1]})")
    if max(lengths) > time_major.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length of {max(lengths)} is longer than the "
                           f"{time_major.shape[0]} time steps of the input")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        order = None
    else:
        order = _order(lengths)
    sorted_indices, unsorted_indices = _indices(order)
    return PackedSequence(_pack(time_major, lengths, order), _batch_sizes(lengths), sorted_indices,
                          unsorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: Optional[int] = None):
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)``, in the original batch order,
    padded to ``total_length`` steps if given (it may not be shorter than the longest sequence)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence(): expected a PackedSequence, but got {type(sequence).__name__}")
    lengths = sequence._lengths()
    longest = max(lengths)
    if total_length is None:
        total_length = longest
    elif total_length < longest:
        raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                         f"got total_length={total_length} and max sequence length being {longest}")
    order = sequence.sorted_indices.tolist() if sequence.sorted_indices is not None else None
    padded = _unpack(sequence.data, lengths, order, total_length, padding_value)
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, creation.tensor(lengths, dtype=backend.int64)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into one (T, B, *) tensor (or (B, T, *)), T the longest L_i,
    filling the rest with ``padding_value`` on the right (or on the left)."""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = sequences[0].shape[1:]
    for s in sequences:
        if s.shape[1:] != trailing:
            raise RuntimeError(f"pad_sequence: every sequence must have trailing shape {list(trailing)}, but got "
                               f"{list(s.shape)}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = creation.full((missing, *trailing), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, fill]) if padding_side == "right" else cat([fill, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence(pad_sequence(sequences), lengths)`` for a list of (L_i, *) tensors."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Union[Tensor, Sequence[int]],
                   batch_first: bool = False) -> List[Tensor]:
    """The reverse of ``pad_sequence``: the list of (L_i, *) tensors, cut at their lengths."""
    lengths = _as_lengths(lengths, "unpad_sequence")
    batch_major = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [batch_major[b, :n] for b, n in enumerate(lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> List[Tensor]:
    """The reverse of ``pack_sequence``: the list of (L_i, *) tensors, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
