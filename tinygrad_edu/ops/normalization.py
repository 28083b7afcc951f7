"""Batch, layer and local response normalisation."""
from __future__ import annotations


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):  # noqa: A002
    raise NotImplementedError('batch_norm is not implemented yet')


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):  # noqa: A002
    raise NotImplementedError('layer_norm is not implemented yet')


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):  # noqa: A002
    raise NotImplementedError('local_response_norm is not implemented yet')
