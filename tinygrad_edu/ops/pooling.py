"""Max, average and adaptive pooling in 1-D, 2-D and 3-D."""
from __future__ import annotations


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    raise NotImplementedError('max_pool1d is not implemented yet')


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    raise NotImplementedError('max_pool2d is not implemented yet')


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    raise NotImplementedError('max_pool3d is not implemented yet')


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    raise NotImplementedError('avg_pool1d is not implemented yet')


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):  # noqa: A002
    raise NotImplementedError('avg_pool2d is not implemented yet')


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):  # noqa: A002
    raise NotImplementedError('avg_pool3d is not implemented yet')


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    raise NotImplementedError('adaptive_avg_pool1d is not implemented yet')


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    raise NotImplementedError('adaptive_avg_pool2d is not implemented yet')


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    raise NotImplementedError('adaptive_avg_pool3d is not implemented yet')


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    raise NotImplementedError('adaptive_max_pool1d is not implemented yet')


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    raise NotImplementedError('adaptive_max_pool2d is not implemented yet')
