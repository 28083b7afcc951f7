"""``F.unfold`` (im2col as a user-facing op) and ``F.fold`` (col2im), each the other's derivative.

    unfold: (N, C, H, W) -> (N, C*KH*KW, L)   column l holds the window at output position l
    fold:   (N, C*KH*KW, L) -> (N, C, H, W)   every column entry added back onto its pixel

These are the two halves of convolution-as-a-matrix-product (kernels/im2col.py): ``conv2d(x, w)`` equals
``w.view(F, -1) @ F.unfold(x, k)`` reshaped. Because fold *adds* where windows overlap, it is the
adjoint (transpose) of unfold, not its inverse: ``fold(unfold(x))`` multiplies each pixel by the number
of windows that contain it.
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..tensor import Tensor
from .checks import tensor_arg
from ..kernels import im2col
from .output_size import conv_output_size, ntuple


class Unfold(Function):
    """y[n, (c, k), l] = x_padded[n, c, o_l*stride + k*dilation];  dx = fold(dy)."""
    @staticmethod
    def forward(ctx, x, kernel, win, out):
        ctx.kernel, ctx.win, ctx.out, ctx.size = kernel, win, out, tuple(x.shape[2:])
        n, c = x.shape[:2]
        cols = im2col.windows(x.array, kernel, win, out)          # (N, C, *K, *O), a strided view
        return cols.reshape(n, c * math.prod(kernel), math.prod(out))

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, ctx.kernel, ctx.win, ctx.out, ctx.size), None, None, None


class Fold(Function):
    """y = the columns of x summed back onto the pixels they came from (col2im);  dx = unfold(dy)."""
    @staticmethod
    def forward(ctx, x, kernel, win, out, size):
        ctx.kernel, ctx.win, ctx.out = kernel, win, out
        n, ck = x.shape[:2]
        cols = x.array.reshape((n, ck // math.prod(kernel)) + tuple(kernel) + tuple(out))
        return im2col.fold(cols, win, size)

    @staticmethod
    def backward(ctx, g):
        return Unfold.apply(g, ctx.kernel, ctx.win, ctx.out), None, None, None, None


def _window(op, kernel_size, dilation, padding, stride):
    kernel = ntuple(kernel_size, 2, "kernel_size", op)
    dil, pad, st = (ntuple(v, 2, name, op) for v, name in ((dilation, "dilation"), (padding, "padding"),
                                                             (stride, "stride")))
    for name, v, low in (("kernel_size", kernel, 1), ("dilation", dil, 1), ("stride", st, 1), ("padding", pad, 0)):
        if any(e < low for e in v):
            raise RuntimeError(f"{op}(): {name} should be {'greater than zero' if low else 'non-negative'}, but got "
                               f"{name}: {v}")
    return kernel, im2col.Window(st, tuple((p, p) for p in pad), dil)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Every ``kernel_size`` window of a (N, C, H, W) or (C, H, W) input as a column: (N, C*KH*KW, L)."""
    tensor_arg(input, "unfold")
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    kernel, win = _window("unfold", kernel_size, dilation, padding, stride)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    out = tuple(conv_output_size(s, k, st, p, d) for s, k, st, (p, _), d in
                zip(x.shape[2:], kernel, win.stride, win.padding, win.dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"unfold(): the kernel {kernel} with dilation {win.dilation} does not fit the padded "
                           f"input of spatial size {tuple(x.shape[2:])} (the output would be {out})")
    y = Unfold.apply(x, kernel, win, out)
    return y if input.ndim == 4 else y.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """The columns of a (N, C*KH*KW, L) or (C*KH*KW, L) input summed into an image of ``output_size``."""
    tensor_arg(input, "fold")
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.ndim}D)")
    size = ntuple(output_size, 2, "output_size", "fold")
    kernel, win = _window("fold", kernel_size, dilation, padding, stride)
    x = input if input.ndim == 3 else input.unsqueeze(0)
    k = math.prod(kernel)
    if x.shape[1] % k:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={x.shape[1]} and kernel_size={kernel}")
    out = tuple(conv_output_size(s, kk, st, p, d) for s, kk, st, (p, _), d in
                zip(size, kernel, win.stride, win.padding, win.dilation))
    if math.prod(out) != x.shape[2]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={win.dilation}, "
                           f"padding={tuple(p for p, _ in win.padding)}, stride={win.stride}, expected size of "
                           f"input's dimension 2 to match the calculated number of sliding blocks "
                           f"{' * '.join(map(str, out))} = {math.prod(out)}, but got input.size(2)={x.shape[2]}.")
    y = Fold.apply(x, kernel, win, out, size)
    return y if input.ndim == 3 else y.squeeze(0)
