"""Loss functions, with PyTorch's semantics and ``reduction='mean'|'sum'|'none'``.

Every loss first computes one number per element (or per sample), then ``_reduce`` sums or
averages them. Arguments are checked before any array work, with PyTorch's messages.

Classification losses work on log-probabilities: ``cross_entropy = nll_loss(log_softmax(x))``,
where ``nll_loss`` picks each sample's target log-probability with ``gather``.
"""
from __future__ import annotations

import math
from typing import Optional

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from . import elementwise as E
from .activation import log_softmax, softplus
from .checks import tensor_arg
from .shape import gather

_REDUCTIONS = ("none", "mean", "sum")


# ----------------------------------------------------------------------------- reduction
def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    """The reduction to apply, mapping PyTorch's deprecated ``size_average``/``reduce`` flags onto it."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if (size_average and reduce) else "sum" if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str, total: Optional[float] = None) -> Tensor:
    """'none': the losses as they are; 'sum': their sum; 'mean': their sum divided by ``total``
    (the number of elements unless given: class weights change what a mean is)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean() if total is None else loss.sum() / total


# ----------------------------------------------------------------------------- checks
def _check_tensors(op: str, **named) -> None:
    """Every named argument must be a Tensor (``None`` allowed for optional ones such as ``weight``)."""
    for name, value in named.items():
        if value is None and name not in ("input", "target"):
            continue
        tensor_arg(value, op, name)


def _check_same_shape(input: Tensor, target: Tensor, op: str) -> None:  # noqa: A002
    """Elementwise losses compare input and target element by element. PyTorch broadcasts mismatched
    shapes with a warning, which silently computes the wrong loss (an (N,) input against an (N, 1)
    target gives an N x N table); we refuse instead."""
    if input.shape != target.shape:
        raise ValueError(f"{op}(): input of shape {list(input.shape)} and target of shape "
                         f"{list(target.shape)} differ; they must have the same shape (broadcasting here "
                         "would compare every input with every target). Reshape one to match the other.")


def _check_class_target(input: Tensor, target: Tensor, weight, ignore_index: int) -> None:  # noqa: A002
    """Class-index targets: an integer tensor of shape (N, d1, ...) for input (N, C, d1, ...)."""
    if input.ndim == 0:
        raise ValueError("Expected input to have at least 1 dimension (C) or 2 (N, C), but got a 0-d tensor")
    if target.dtype not in (backend.int64, backend.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte (int64 or uint8), but got "
                           f"{target.dtype.name}; class probabilities need a float target of the input's shape "
                           f"{list(input.shape)}")
    if input.ndim >= 2 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    n_classes = input.shape[1 if input.ndim >= 2 else 0]
    if weight is not None and tuple(weight.shape) != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    t = target.array
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bool(bad.any()):
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")


def _check_label_smoothing(label_smoothing: float) -> None:
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


# ----------------------------------------------------------------------------- classification
def _class_dim(x: Tensor) -> int:
    return 1 if x.ndim >= 2 else 0


def _per_class(w, x: Tensor, dim: int):
    """A (C,) weight array shaped to broadcast against ``x`` along the class dimension."""
    shape = [1] * x.ndim
    shape[dim] = -1
    return w.reshape(shape)


def _nll(logp: Tensor, target: Tensor, weight, ignore_index: int, reduction: str,
         label_smoothing: float = 0.0) -> Tensor:
    """The negative log-likelihood of class indices, optionally label-smoothed (checked inputs).

    Each sample i contributes  -w[t_i] log p_i[t_i]  (0 when t_i == ignore_index). With smoothing
    e the target is (1 - e) one-hot + e/C uniform, adding  e/C * -sum_c w[c] log p_i[c].  'mean'
    divides by the total weight of the non-ignored targets, as PyTorch does.
    """
    xp, dim = logp.xp, _class_dim(logp)
    n_classes = logp.shape[dim]
    w = (weight.array if weight is not None else xp.ones(n_classes)).astype(logp.array.dtype)
    t = target.array.astype(backend.int64.np)
    keep = t != ignore_index
    t = xp.where(keep, t, 0)                                  # any valid index; masked out below
    w_t = w[t] * keep                                         # each sample's weight, 0 if ignored
    picked = gather(logp, dim, Tensor._make(xp.expand_dims(t, dim))).squeeze(dim)
    loss = picked * -w_t                                      # -w[t_i] log p_i[t_i]
    if label_smoothing > 0:
        smooth = -(logp * _per_class(w, logp, dim)).sum(dim) * keep
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)
    return _reduce(loss, reduction, float(w_t.sum()) if reduction == "mean" else None)


def _cross_entropy_probs(input: Tensor, target: Tensor, weight, reduction: str,  # noqa: A002
                         label_smoothing: float) -> Tensor:
    """Cross entropy against class probabilities: -sum_c w[c] q_c log p_c per sample."""
    dim = _class_dim(input)
    n_classes = input.shape[dim]
    if label_smoothing > 0:
        target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
    terms = log_softmax(input, dim) * target
    if weight is not None:
        terms = terms * Tensor._make(_per_class(weight.array.astype(input.array.dtype), input, dim))
    return _reduce(-terms.sum(dim), reduction)


def _is_probability_target(input: Tensor, target: Tensor, ignore_index: int) -> bool:  # noqa: A002
    """Same shape as the input means probabilities (which must then be floating point)."""
    if input.shape != target.shape:
        return False
    if not target.dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {target.dtype.name}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    return True


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction='mean', label_smoothing=0.0):
    """Softmax then negative log-likelihood: ``nll_loss(log_softmax(input, 1), target)``.

    ``input``: logits (C,), (N, C) or (N, C, d1, ...). ``target``: class indices (), (N,) or
    (N, d1, ...), or class probabilities of the input's shape."""
    _check_tensors("cross_entropy", input=input, target=target, weight=weight)
    reduction = _reduction(reduction, size_average, reduce)
    _check_label_smoothing(label_smoothing)
    if _is_probability_target(input, target, ignore_index):
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    _check_class_target(input, target, weight, ignore_index)
    logp = log_softmax(input, _class_dim(input))
    return _nll(logp, target, weight, ignore_index, reduction, label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
             reduction='mean'):
    """-input[i, target[i]] per sample: ``input`` holds log-probabilities (from log_softmax)."""
    _check_tensors("nll_loss", input=input, target=target, weight=weight)
    reduction = _reduction(reduction, size_average, reduce)
    _check_class_target(input, target, weight, ignore_index)
    return _nll(input, target, weight, ignore_index, reduction)


# ----------------------------------------------------------------------------- regression
def mse_loss(input, target, size_average=None, reduce=None, reduction='mean'):  # noqa: A002
    """(x - y)^2 per element."""
    _check_tensors("mse_loss", input=input, target=target)
    reduction = _reduction(reduction, size_average, reduce)
    _check_same_shape(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean'):  # noqa: A002
    """|x - y| per element."""
    _check_tensors("l1_loss", input=input, target=target)
    reduction = _reduction(reduction, size_average, reduce)
    _check_same_shape(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def _huber(d: Tensor, delta: float) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): quadratic near 0, linear far away,
    with matching value and slope at |d| = delta."""
    ad = d.abs()
    return E.where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):  # noqa: A002
    """Huber loss divided by beta: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (l1 at beta=0)."""
    _check_tensors("smooth_l1_loss", input=input, target=target)
    reduction = _reduction(reduction, size_average, reduce)
    _check_same_shape(input, target, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    return _reduce(d.abs() if beta == 0 else _huber(d, beta) / float(beta), reduction)


def huber_loss(input, target, reduction='mean', delta=1.0):  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    _check_tensors("huber_loss", input=input, target=target)
    reduction = _reduction(reduction)
    _check_same_shape(input, target, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _reduce(_huber(input - target, float(delta)), reduction)


# ----------------------------------------------------------------------------- binary
def _clamped_log(xp, a):
    """max(log a, -100) without ever evaluating log 0 (PyTorch clamps BCE's logs at -100)."""
    pos = a > 0
    return xp.where(pos, xp.maximum(xp.log(xp.where(pos, a, 1.0)), -100.0), -100.0).astype(a.dtype, copy=False)


class BinaryCrossEntropy(Function):
    """l = -(t log p + (1 - t) log(1 - p)), both logs clamped at -100;
    dp = dl * (p - t) / max(p (1 - p), 1e-12)   (PyTorch's form, finite at p = 0 and 1),
    dt = dl * (log(1 - p) - log p)               (unclamped, as PyTorch: infinite at p = 0 or 1)."""
    @staticmethod
    def forward(ctx, p, t):
        xp, a, b = p.xp, p.array, t.array
        ctx.save_for_backward(p, t)
        return -(b * _clamped_log(xp, a) + (1 - b) * _clamped_log(xp, 1 - a))

    @staticmethod
    def backward(ctx, g):
        p, t = ctx.saved_tensors
        gp = gt = None
        if ctx.needs_input_grad[0]:
            gp = g * (p - t) / (p * (1 - p)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            gt = g * ((1 - p).log() - p.log())
        return gp, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction='mean'):
    """-(y log p + (1 - y) log(1 - p)) per element, for probabilities p in [0, 1]."""
    _check_tensors("binary_cross_entropy", input=input, target=target, weight=weight)
    reduction = _reduction(reduction, size_average, reduce)
    if input.shape != target.shape:
        raise ValueError(f"Using a target size ({list(target.shape)}) that is different to the input size "
                         f"({list(input.shape)}) is deprecated. Please ensure they have the same size.")
    a = input.array
    if not bool(((a >= 0) & (a <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    p, t = E.operands(input, target, "binary_cross_entropy")
    loss = BinaryCrossEntropy.apply(p, t)
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction='mean', pos_weight=None):
    """BCE on logits x with p = sigmoid(x), computed stably as

        (1 - y) x + lw * log(1 + e^-x),   lw = 1 + (pos_weight - 1) y

    where log(1 + e^-x) is softplus(-x) (never overflows). ``pos_weight`` (one per class, the last
    dimension) weighs the positive examples; ``weight`` rescales each element."""
    _check_tensors("binary_cross_entropy_with_logits", input=input, target=target, weight=weight, pos_weight=pos_weight)
    reduction = _reduction(reduction, size_average, reduce)
    if input.shape != target.shape:
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size "
                         f"({list(input.shape)})")
    log_one_plus = softplus(-input, 1.0, math.inf)
    lw = 1.0 if pos_weight is None else (pos_weight - 1.0) * target + 1.0
    loss = (1.0 - target) * input + lw * log_one_plus
    return _reduce(loss if weight is None else loss * weight, reduction)
