"""One-hot codes and embeddings: class indices in, rows out (PyTorch's ``nn.functional`` sparse ops).

``embedding`` is ``weight[input]``: the lookup's derivative scatter-adds each gradient back to the
row it came from.
"""
from __future__ import annotations

from typing import Optional

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .checks import tensor_arg
from .elementwise import where


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of shape (*) as int64 rows of shape (*, num_classes): 1 at the index, 0 elsewhere
    (``num_classes=-1``: one more than the largest index)."""
    t = tensor_arg(tensor, "one_hot", "tensor")
    if t.dtype is not backend.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = t.array
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes < 0 or (a.size and int(a.max()) >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = a[..., None] == t.xp.arange(num_classes)
    return Tensor._make(out.astype(backend.int64.np))


class _ScaleGrad(Function):
    """y = x;  dx = dy * scale (a constant array): lets a gradient be reweighted without touching values."""
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.array

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None


def embedding(input: Tensor, weight: Tensor, padding_idx: Optional[int] = None,  # noqa: A002
              max_norm: Optional[float] = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim): the output has shape (*input.shape, dim).

    It is ``weight[input]``, so the gradient of each row is the sum of the gradients of the places
    that row was looked up; rows equal to ``padding_idx`` get none. ``max_norm`` first rescales, in
    place, every looked-up row whose ``norm_type``-norm exceeds it; ``scale_grad_by_freq`` divides
    each row's gradient by how often it occurs in ``input``."""
    idx = tensor_arg(input, "embedding")
    w = tensor_arg(weight, "embedding", "weight")
    if idx.dtype not in (backend.int64, backend.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {idx.dtype.name} instead (while checking arguments for embedding)")
    if w.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = w.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    if sparse:
        raise NotImplementedError("embedding(): sparse=True is not supported in tinygrad_edu (no sparse tensors); "
                                  "use sparse=False")
    a = idx.array
    if backend.get_array_module(a) is not w.xp:
        a = backend.to_device(a, w.device)
    if a.size and (int(a.max()) >= n or int(a.min()) < 0):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(w, a, max_norm, norm_type)
    out = w[Tensor._make(a)]  # the index tensor, moved to weight's device if needed
    if padding_idx is not None:  # same values; the padding positions are cut from the graph
        pad = Tensor._make((a == padding_idx)[..., None])
        out = where(pad, out.detach(), out)
    if scale_grad_by_freq and out.requires_grad:
        xp = w.xp
        counts = xp.bincount(a.reshape(-1), minlength=n)
        out = _ScaleGrad.apply(out, (1.0 / counts[a])[..., None].astype(w.array.dtype))
    return out


def _renorm_rows(w: Tensor, a, max_norm: float, norm_type: float) -> None:
    """Scale, in place and outside the graph, the rows of ``w`` indexed by ``a`` whose norm exceeds
    ``max_norm`` down to norm ``max_norm`` (PyTorch's ``embedding_renorm_``, with its 1e-7)."""
    xp = w.xp
    rows = xp.unique(a.reshape(-1))
    if rows.size == 0:
        return
    vals = w.array[rows]
    norms = (xp.abs(vals) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(vals.dtype)
    with no_grad():
        w[Tensor._make(rows)] = Tensor._make(vals * scale[:, None])


__all__ = ["one_hot", "embedding"]
