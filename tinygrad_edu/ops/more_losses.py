"""More losses: KL divergence, and the margin losses that compare pairs and triplets
(cosine embedding, margin ranking, triplet margin). Compositions of differentiable ops; the
formula is in each docstring."""
from __future__ import annotations

import warnings

from ..tensor import Tensor
from . import elementwise as E
from .activation import relu
from .distance import cosine_similarity, pairwise_distance
from .loss import _check_tensors, _reduce, _reduction


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
           log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise: target * (log target - input), with 0 where target is 0.
    ``input`` holds log-probabilities; ``log_target=True`` says ``target`` does too.
    'batchmean' divides the sum by the batch size, which is the true KL divergence per sample."""
    _check_tensors("kl_div", input=input, target=target)
    if reduction == "batchmean":
        red = "batchmean"
    else:
        red = _reduction(reduction, size_average, reduce)
    if red == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size. "
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition.",
                      UserWarning, stacklevel=2)
    if log_target:
        loss = E.exp(target) * (target - input)
    else:  # xlogy: 0 * log 0 is 0, and the log never sees 0 (no nan in the gradient)
        pos = target > 0
        safe = E.where(pos, target, 1.0)
        loss = E.where(pos, target * E.log(safe), 0.0) - target * input
    if red == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, red)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y * (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where y = -1."""
    _check_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(input1.shape)}, input2: {list(input2.shape)}, target: {list(target.shape)} ")
    return _reduce(relu(-target * (input1 - input2) + margin), _reduction(reduction, size_average, reduce))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1 (pull together), max(0, cos(x1, x2) - margin) where y = -1 (push apart)."""
    _check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    if input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: input1 and input2 must have the same shape, but got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    if input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise RuntimeError(f"cosine_embedding_loss: expected 1D target for 2D input (or 0D for 1D), got "
                           f"{target.ndim}D target and {input1.ndim}D input")
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)  # PyTorch's epsilon for this loss
    loss = E.where(target == 1, 1 - cos, E.where(target == -1, relu(cos - margin), 0.0))
    return _reduce(loss, _reduction(reduction, size_average, reduce))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm distance: the anchor should be nearer its
    positive than its negative by at least ``margin``. ``swap`` also uses d(p, n) if that is smaller."""
    _check_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = E.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(relu(d_pos - d_neg + margin), _reduction(reduction, size_average, reduce))


__all__ = ["kl_div", "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss"]
