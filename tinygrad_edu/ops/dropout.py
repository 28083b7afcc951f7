"""Dropout with inverted scaling: identity when not training."""
from __future__ import annotations


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    raise NotImplementedError('dropout is not implemented yet')


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    raise NotImplementedError('dropout2d is not implemented yet')
