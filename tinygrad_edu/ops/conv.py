"""Convolution in 1-D, 2-D and 3-D, and its transpose: one im2col and one GEMM each.

A conv layer computes the lecture's cross-correlation ``y[f, o] = sum_{c,k} w[f, c, k] x[c, o*S + k]``
(plus a bias per filter) for every filter f and output position o. Three Functions do all the
work, whatever the number of spatial dimensions (see ``kernels/im2col.py`` for the layout):

    Conv            y  = conv(x, w) + b              im2col, then W @ cols
    ConvTranspose   y  = conv_transpose(x, w) + b    W^T @ x, then col2im
    ConvWeightGrad  dw = the weight gradient         dy @ cols^T

and their derivatives are each other, so gradients of any order work:

    Conv:            dx = conv_transpose(dy, w)    dw = weight_grad(x, dy)    db = sum of dy
    ConvTranspose:   dx = conv(dy, w)              dw = weight_grad(dy, x)    db = sum of dy
    ConvWeightGrad:  (x, dy) -> dw, with incoming ddw:  dx = conv_transpose(dy, ddw),  d(dy) = conv(x, ddw)

Why a transposed conv? For a fixed w, conv is linear in x: ``y = A x`` for a big sparse matrix A.
Its input gradient is ``A^T dy``, and applying A^T is exactly what col2im (im2col's transpose)
does. ``conv_transpose`` is that same A^T offered as a layer (for upsampling).
"""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ..kernels.gemm import matmul as gemm   # a @ b, its output blocks over our threads
from ..kernels.gemm import matmul_from_images, matmul_per_image
from ..kernels.im2col import KeptColumns, Window, col2im, contiguous, im2col, to_columns
from .checks import tensor_arg
from .output_size import (check_padding, check_positive, conv_output_size, conv_transpose_output_size,
                          fmt_size, ntuple)


# ----------------------------------------------------------------------------- the three Functions
def _sum_but_channels(g: Tensor) -> Tensor:
    """The bias gradient: dy summed over the batch and every position, one number per channel."""
    return g.sum((0,) + tuple(range(2, g.ndim)))


class Conv(Function):
    """y = conv(x, w) + b;  dx = conv_transpose(dy, w),  dw = weight_grad(x, dy),  db = sum of dy.

    ``x`` (N, C, *S), ``w`` (F, C/groups, *K), ``b`` (F,) or None; ``out_size`` is O per axis.
    """
    @staticmethod
    def forward(ctx, x, w, b, win, groups, out_size):
        ctx.win, ctx.groups = win, groups
        n, f = x.shape[0], w.shape[0]
        cols = im2col(x.array, w.shape[2:], win, out_size, groups)    # (G, C/G * K, N * O)
        ctx.save_for_backward(x, w)
        ctx.kept = KeptColumns(cols, wanted=len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1])
        # W @ cols, one product per image written in place: (N, F, prod(O)), no reordering copy
        y = matmul_per_image(w.array.reshape(groups, f // groups, -1), cols, n)
        if b is not None:
            y += b.array[:, None]                                      # in place, broadcast over N, O
        return y.reshape((n, f) + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors                       # (checks that x and w were not changed)
        need = ctx.needs_input_grad
        dw = ConvWeightGrad.apply(x, g, ctx.win, ctx.groups, w.shape[2:], ctx.kept) if need[1] else None
        dx = ConvTranspose.apply(g, w, None, ctx.win, ctx.groups, x.shape[2:]) if need[0] else None
        db = _sum_but_channels(g) if need[2] else None
        return dx, dw, db, None, None, None


class ConvTranspose(Function):
    """y = conv_transpose(x, w) + b, the adjoint of ``Conv``: each input pixel adds a copy of the
    kernel, scaled by its value, onto the output.  dx = conv(dy, w),  dw = weight_grad(dy, x),
    db = sum of dy.

    ``x`` (N, F, *O), ``w`` (F, C/groups, *K), ``size`` is the output's spatial size S. Stride,
    padding and dilation are those of the conv this one is the transpose of.
    """
    @staticmethod
    def forward(ctx, x, w, b, win, groups, size):
        ctx.save_for_backward(x, w)
        ctx.win, ctx.groups = win, groups
        n, f = x.shape[:2]
        c = w.shape[1] * groups
        wm = w.array.reshape(groups, f // groups, -1).transpose(0, 2, 1)      # (G, C/G * K, F/G)
        # W^T @ x, one product per image, read where x lies (no reordering copy of x)
        cols = matmul_from_images(wm, x.array.reshape(n, f, -1))             # (G, C/G * K, N * O)
        y = col2im(cols, w.shape[2:], win, x.shape[2:], (n, c) + tuple(size))
        if b is not None:
            return y + b.array.reshape((c,) + (1,) * len(size))
        return contiguous(y)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        dx = Conv.apply(g, w, None, ctx.win, ctx.groups, x.shape[2:]) if need[0] else None
        dw = ConvWeightGrad.apply(g, x, ctx.win, ctx.groups, w.shape[2:]) if need[1] else None
        db = _sum_but_channels(g) if need[2] else None
        return dx, dw, db, None, None, None


class ConvWeightGrad(Function):
    """dw[f, c, k] = sum over images n and positions o of dy[n, f, o] * x[n, c, o*S + k*D]:
    every kernel tap collects dy times the pixel it saw. As one GEMM: dw = dy @ cols^T.

    It is bilinear in (x, dy); with incoming ddw:  dx = conv_transpose(dy, ddw),  d(dy) = conv(x, ddw).
    ``kept``, when given, may hold ``im2col(x)`` as the forward conv made it (a cache: no gradient
    flows through it, and the backward below uses x and dy only).
    """
    @staticmethod
    def forward(ctx, x, g, win, groups, kernel, kept=None):
        ctx.save_for_backward(x, g)
        ctx.win, ctx.groups = win, groups
        cols = kept.take() if kept is not None else None
        if cols is None:
            cols = im2col(x.array, kernel, win, g.shape[2:], groups)   # (G, C/G * K, N * O)
        gm = to_columns(g.array, groups, g.ndim - 2)               # (G, F/G, N * O)
        # dw^T = cols @ gm^T, then transposing the small result: BLAS prefers the long N*O axis
        # contiguous in this order
        dw = gemm(cols, gm.transpose(0, 2, 1)).transpose(0, 2, 1)    # (G, F/G, C/G * K)
        return dw.reshape((g.shape[1], x.shape[1] // groups) + tuple(kernel))

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        dx = ConvTranspose.apply(g, gw, None, ctx.win, ctx.groups, x.shape[2:]) if need[0] else None
        dg = Conv.apply(x, gw, None, ctx.win, ctx.groups, g.shape[2:]) if need[1] else None
        return dx, dg, None, None, None, None


# ----------------------------------------------------------------------------- argument checks
def batched(input: Tensor, d: int, op: str):  # noqa: A002
    """``(input with a batch axis, whether one was added)``; PyTorch's message for a wrong rank."""
    tensor_arg(input, op)
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {op}, but got input "
                           f"of size: {list(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == d + 1 else (input, False)


def _check_tensors(x: Tensor, weight, bias, d: int, op: str) -> None:
    tensor_arg(weight, op, "weight", 2)
    if weight.ndim != d + 2:
        raise RuntimeError(f"Expected {d + 2}D weight for {op}, but got weight of size: {list(weight.shape)}")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{op}(): expected a floating point input, but got {x.dtype.name}")
    if weight.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({x.dtype.name}) and weight type ({weight.dtype.name}) should be the same")
    if bias is not None:
        tensor_arg(bias, op, "bias", 3)
        if bias.dtype is not x.dtype:
            raise RuntimeError(f"Input type ({x.dtype.name}) and bias type ({bias.dtype.name}) should be the same")


# how a channels-last input of each rank looks, for the hint below
_CHANNELS_LAST = {1: ("an L x C sequence", "N x L x C"), 2: ("an H x W x C image", "N x H x W x C"),
                  3: ("a D x H x W x C volume", "N x D x H x W x C")}


def _channels_last_hint(x: Tensor, channels: int) -> str:
    """A hint when the channel count sits on the LAST axis: the image was passed H x W x C, as image
    files and matplotlib store it, where convolution wants C x H x W (unit 01's classic mistake)."""
    d = x.ndim - 2
    if x.shape[-1] != channels:
        return ""
    one, many = _CHANNELS_LAST[d]
    single = ", ".join(map(str, (d,) + tuple(range(d))))                 # (2, 0, 1) for an image
    batch = ", ".join(map(str, (0, d + 1) + tuple(range(1, d + 1))))     # (0, 3, 1, 2) for a batch
    return (f"; did you mean to pass it channels-first? For {one} use x.permute({single}) "
            f"(or x.permute({batch}) for a batch {many})")


def _check_groups(weight: Tensor, groups) -> None:
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise TypeError(f"argument 'groups' must be int, not {type(groups).__name__}")
    check_positive((groups,), "groups")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")


def _check_bias(bias, out_channels: int, weight: Tensor, transposed: bool) -> None:
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given {'transposed=1, ' if transposed else ''}weight of size {list(weight.shape)}, "
                           f"expected bias to be 1-dimensional with {out_channels} elements, but got bias of "
                           f"size {list(bias.shape)} instead")


def _conv_padding(padding, kernel, stride, dilation, op: str):
    """Padding as (before, after) per axis from an int, a tuple, 'valid' or 'same'."""
    d = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # the output keeps the input's size when D*(K-1) zeros are added in all; an odd
            # total puts the extra zero after, as PyTorch does
            totals = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    pads = ntuple(padding, d, "padding", op)
    check_padding(pads)
    return tuple((p, p) for p in pads)


# ----------------------------------------------------------------------------- the public functions
def _conv(d: int, op: str, input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    x, unbatched = batched(input, d, op)
    _check_tensors(x, weight, bias, d, op)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, d, "stride", op)
    dilation = ntuple(dilation, d, "dilation", op)
    check_positive(stride, "stride")
    check_positive(dilation, "dilation")
    check_positive(kernel, "kernel size")
    pads = _conv_padding(padding, kernel, stride, dilation, op)
    _check_groups(weight, groups)
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           "channels instead" + _channels_last_hint(x, weight.shape[1] * groups))
    _check_bias(bias, weight.shape[0], weight, False)
    padded = [s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads)]
    span = [dl * (k - 1) + 1 for k, dl in zip(kernel, dilation)]
    if any(p < k for p, k in zip(padded, span)):
        raise RuntimeError(f"Calculated padded input size per channel: {fmt_size(padded)}. Kernel size: "
                           f"{fmt_size(span)}. Kernel size can't be greater than actual input size")
    out_size = tuple(conv_output_size(s, k, st, p, dl)
                     for s, k, st, p, dl in zip(x.shape[2:], kernel, stride, pads, dilation))
    y = Conv.apply(x, weight, bias, Window(stride, pads, dilation), groups, out_size)
    return y.squeeze(0) if unbatched else y


def _conv_transpose(d: int, op: str, input, weight, bias, stride, padding, output_padding,  # noqa: A002
                    groups, dilation):
    x, unbatched = batched(input, d, op)
    _check_tensors(x, weight, bias, d, op)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, d, "stride", op)
    dilation = ntuple(dilation, d, "dilation", op)
    pads = ntuple(padding, d, "padding", op)
    out_pads = ntuple(output_padding, d, "output_padding", op)
    check_positive(stride, "stride")
    check_positive(dilation, "dilation")
    check_positive(kernel, "kernel size")
    check_padding(pads)
    check_padding(out_pads, "output_padding")
    _check_groups(weight, groups)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} channels "
                           "instead" + _channels_last_hint(x, weight.shape[0]))
    if any(op_ >= max(s, dl) for op_, s, dl in zip(out_pads, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(out_pads)}, stride={list(stride)} and dilation={list(dilation)}")
    _check_bias(bias, weight.shape[1] * groups, weight, True)
    size = tuple(conv_transpose_output_size(s, k, st, p, o, dl)
                 for s, k, st, p, o, dl in zip(x.shape[2:], kernel, stride, pads, out_pads, dilation))
    if any(s < 1 for s in size):
        raise RuntimeError(f"Given input size per channel: {fmt_size(x.shape[2:])}. Calculated output size per "
                           f"channel: {fmt_size(size)}. Output size is too small")
    win = Window(stride, tuple((p, p) for p in pads), dilation)
    y = ConvTranspose.apply(x, weight, bias, win, groups, size)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution (cross-correlation) of ``input`` (N, C, L) or (C, L) with ``weight`` (F, C/groups, K)."""
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution of ``input`` (N, C, H, W) or (C, H, W) with ``weight`` (F, C/groups, KH, KW).

    The output has F maps of size ``OH = (H + 2P - D*(KH-1) - 1) // S + 1`` (likewise OW).
    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (output size = input size)."""
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """3-D convolution of ``input`` (N, C, D, H, W) or (C, D, H, W) with ``weight`` (F, C/groups, KD, KH, KW)."""
    return _conv(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """Transposed 1-D convolution; ``weight`` is (C_in, C_out/groups, K)."""
    return _conv_transpose(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """Transposed 2-D convolution (the input gradient of conv2d, as a layer that upsamples):
    ``OH = (H - 1)*S - 2P + D*(KH - 1) + 1 + output_padding``; ``weight`` is (C_in, C_out/groups, KH, KW)."""
    return _conv_transpose(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """Transposed 3-D convolution; ``weight`` is (C_in, C_out/groups, KD, KH, KW)."""
    return _conv_transpose(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "Conv", "ConvTranspose", "ConvWeightGrad", "batched"]
