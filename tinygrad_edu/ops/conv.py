"""Convolution (N-d, via one im2col/col2im + GEMM) and transposed convolution."""
from __future__ import annotations


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    raise NotImplementedError('conv1d is not implemented yet')


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    raise NotImplementedError('conv2d is not implemented yet')


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    raise NotImplementedError('conv3d is not implemented yet')


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    raise NotImplementedError('conv_transpose1d is not implemented yet')


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    raise NotImplementedError('conv_transpose2d is not implemented yet')


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    raise NotImplementedError('conv_transpose3d is not implemented yet')
