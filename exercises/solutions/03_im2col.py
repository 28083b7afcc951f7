"""Exercise 03 · im2col + one matmul: reference solution.

See ../03_im2col.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 03 --solutions
"""
import numpy as np


def im2col(x: np.ndarray, FH: int, FW: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Every FH x FW window of every image, one window per row: (N*OH*OW, C*FH*FW)."""
    N, C, H, W = x.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
    cols = np.zeros((N, C, FH, FW, OH, OW), dtype=x.dtype)
    for p in range(FH):          # one strided slice per kernel position: FH*FW copies, not OH*OW
        for q in range(FW):
            cols[:, :, p, q] = x[:, :, p:p + stride * OH:stride, q:q + stride * OW:stride]
    # (N, C, FH, FW, OH, OW) -> (N, OH, OW, C, FH, FW): rows (n, i, j), columns (c, p, q)
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, C * FH * FW)


def conv2d_im2col(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Convolution of x (N x C x H x W) with FN filters w (FN x C x FH x FW) plus bias b (FN,)."""
    N, C, H, W = x.shape
    FN, _, FH, FW = w.shape
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
    cols = im2col(x, FH, FW, stride, pad)            # (N*OH*OW, C*FH*FW)
    out = cols @ w.reshape(FN, -1).T + b             # the one matrix product: (N*OH*OW, FN)
    return out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)
