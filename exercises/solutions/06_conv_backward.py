"""Exercise 06 · Conv2d의 역전파 (Conv2d backward): reference solution.

See ../06_conv_backward.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 06 --solutions
"""
import numpy as np

from tinygrad_edu.autograd import Function


def im2col(x, FH, FW, stride, pad):
    """(N, C, H, W) -> (N*OH*OW, C*FH*FW): one window per row (given; exercise 03)."""
    N, C, H, W = x.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
    cols = np.zeros((N, C, FH, FW, OH, OW), dtype=x.dtype)
    for p in range(FH):
        for q in range(FW):
            cols[:, :, p, q] = x[:, :, p:p + stride * OH:stride, q:q + stride * OW:stride]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, C * FH * FW)


def col2im(cols, x_shape, FH, FW, stride, pad):
    """The reverse of im2col for gradients: add each row back onto its window (given)."""
    N, C, H, W = x_shape
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
    cols = cols.reshape(N, OH, OW, C, FH, FW).transpose(0, 3, 4, 5, 1, 2)
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for p in range(FH):
        for q in range(FW):
            out[:, :, p:p + stride * OH:stride, q:q + stride * OW:stride] += cols[:, :, p, q]
    return out[:, :, pad:pad + H, pad:pad + W]


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride=1, pad=0):
        """x: N x C x H x W, w: FN x C x FH x FW, b: FN  ->  N x FN x OH x OW (given)."""
        xa, wa = x.array, w.array
        N, C, H, W = xa.shape
        FN, _, FH, FW = wa.shape
        OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
        col = im2col(xa, FH, FW, stride, pad)
        Wm = wa.reshape(FN, -1).T
        ctx.col, ctx.Wm, ctx.x_shape, ctx.w_shape, ctx.stride, ctx.pad = col, Wm, xa.shape, wa.shape, stride, pad
        out = col @ Wm + b.array
        return out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        """grad.array is N x FN x OH x OW; return dx, dw, db, None, None."""
        FN = ctx.w_shape[0]
        dout = grad.array.transpose(0, 2, 3, 1).reshape(-1, FN)   # (N*OH*OW, FN), rows as in col
        db = dout.sum(axis=0)                                      # b was added at every position
        dw = (ctx.col.T @ dout).T.reshape(ctx.w_shape)             # (C*FH*FW, FN) -> transpose -> FN x C x FH x FW
        dcol = dout @ ctx.Wm.T                                     # (N*OH*OW, C*FH*FW)
        dx = col2im(dcol, ctx.x_shape, ctx.w_shape[2], ctx.w_shape[3], ctx.stride, ctx.pad)
        return dx, dw, db, None, None
