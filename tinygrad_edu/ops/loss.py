"""Loss functions, each with reduction='mean'|'sum'|'none'."""
from __future__ import annotations


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean', label_smoothing=0.0):  # noqa: A002
    raise NotImplementedError('cross_entropy is not implemented yet')


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):  # noqa: A002
    raise NotImplementedError('nll_loss is not implemented yet')


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean'):  # noqa: A002
    raise NotImplementedError('mse_loss is not implemented yet')


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean'):  # noqa: A002
    raise NotImplementedError('l1_loss is not implemented yet')


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):  # noqa: A002
    raise NotImplementedError('smooth_l1_loss is not implemented yet')


def huber_loss(input, target, reduction='mean', delta=1.0):  # noqa: A002
    raise NotImplementedError('huber_loss is not implemented yet')


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):  # noqa: A002
    raise NotImplementedError('binary_cross_entropy is not implemented yet')


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None):  # noqa: A002
    raise NotImplementedError('binary_cross_entropy_with_logits is not implemented yet')
