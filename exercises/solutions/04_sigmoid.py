"""Exercise 04 · Sigmoid Function과 역전파: reference solution.

See ../04_sigmoid.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 04 --solutions
"""
import numpy as np

from tinygrad_edu.autograd import Function


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        """x is a Tensor; compute on x.array and return a NumPy array."""
        y = 1.0 / (1.0 + np.exp(-x.array))
        ctx.save_for_backward(y)          # backward needs only the output
        return y

    @staticmethod
    def backward(ctx, grad):
        """grad is d loss / d y (a Tensor); return d loss / d x."""
        y, = ctx.saved_tensors
        return grad * y * (1 - y)         # dy/dx = y (1 - y), times the incoming gradient


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    """d sigmoid / dx at every element of x."""
    y = 1.0 / (1.0 + np.exp(-x))
    return y * (1 - y)


def largest_derivative():
    """(x, value) where sigmoid's derivative is largest: scan a grid, or reason it out."""
    # y (1 - y) is a parabola in y with its top at y = 1/2, i.e. x = 0, where it is 1/2 * 1/2 = 0.25.
    grid = np.linspace(-10, 10, 20001)
    d = sigmoid_derivative(grid)
    return float(grid[d.argmax()]), float(d.max())
