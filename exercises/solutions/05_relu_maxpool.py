"""Exercise 05 · ReLU와 Max pooling의 역전파: reference solution.

See ../05_relu_maxpool.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 05 --solutions
"""
import numpy as np

from tinygrad_edu.autograd import Function


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x.array, 0)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x.array > 0)      # slope 1 where x > 0; 0 where x <= 0 (the rule at 0)


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride):
        """x.array is N x C x H x W; return the N x C x OH x OW array of window maxima."""
        a, k, s = x.array, kernel_size, stride
        N, C, H, W = a.shape
        OH, OW = (H - k) // s + 1, (W - k) // s + 1
        out = np.empty((N, C, OH, OW), dtype=a.dtype)
        where = np.empty((N, C, OH, OW), dtype=np.int64)   # index of the max inside each k*k window
        for i in range(OH):
            for j in range(OW):
                window = a[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, C, k * k)
                where[:, :, i, j] = window.argmax(axis=2)   # the FIRST maximum: the tie rule
                out[:, :, i, j] = window.max(axis=2)
        ctx.shape, ctx.k, ctx.s, ctx.where = a.shape, k, s, where
        return out

    @staticmethod
    def backward(ctx, grad):
        """grad.array is N x C x OH x OW; return (dx, None, None) with dx shaped like x."""
        g, k, s = grad.array, ctx.k, ctx.s
        N, C, OH, OW = g.shape
        dx = np.zeros(ctx.shape, dtype=g.dtype)
        n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
        for i in range(OH):
            for j in range(OW):
                p, q = np.divmod(ctx.where[:, :, i, j], k)     # row and column inside the window
                dx[n, c, i * s + p, j * s + q] += g[:, :, i, j]  # += : overlapping windows add up
        return dx, None, None
