"""Exercise 02 · 반복문으로 합성곱 (convolution by loops): reference solution.

See ../02_conv_loops.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 02 --solutions
"""
import numpy as np


def zero_pad(image: np.ndarray, P: int) -> np.ndarray:
    """A (H + 2P) x (W + 2P) copy of the 2-D ``image`` with zeros around it."""
    H, W = image.shape
    out = np.zeros((H + 2 * P, W + 2 * P), dtype=image.dtype)
    out[P:P + H, P:P + W] = image
    return out


def conv2d_loops(image: np.ndarray, kernel: np.ndarray, padding: int = 0, stride: int = 1) -> np.ndarray:
    """The 2-D cross-correlation of ``image`` (H x W) with ``kernel`` (FH x FW)."""
    x = zero_pad(image, padding)
    FH, FW = kernel.shape
    OH = (x.shape[0] - FH) // stride + 1
    OW = (x.shape[1] - FW) // stride + 1
    out = np.zeros((OH, OW))
    for i in range(OH):
        for j in range(OW):
            window = x[i * stride:i * stride + FH, j * stride:j * stride + FW]
            out[i, j] = np.sum(window * kernel)   # the Frobenius inner product
    return out
