"""Matrix multiplication: the GEMM everything heavy (linear layers, convolution) ends in."""
from __future__ import annotations

from ..autograd.function import Function
from ..kernels.gemm import matmul as gemm   # a @ b, its output blocks over our threads
from ..tensor import Tensor
from .checks import tensor_arg
from .elementwise import broadcast_shape


class MatMul(Function):
    """Y = A @ B (batched, broadcasting over leading dims);  dA = dY @ B^T,  dB = A^T @ dY."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return gemm(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g @ b.mT if ctx.needs_input_grad[0] else None
        gb = a.mT @ g if ctx.needs_input_grad[1] else None
        return ga, gb


def _fmt(shape):
    return "x".join(str(s) for s in shape)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with NumPy's rules for 1-D operands; shapes are checked before any work."""
    tensor_arg(a, "matmul")
    tensor_arg(b, "matmul", "other", 2)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:  # PyTorch does not promote here: a silent float64 would double the cost
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name} "
                           "(convert one with .to(dtype))")
    if a.ndim == 1 and b.ndim == 1:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                               f"to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} "
                               "elements respectively")
    elif a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        sa = a.shape if a.ndim > 1 else (1,) + tuple(a.shape)
        sb = b.shape if b.ndim > 1 else tuple(b.shape) + (1,)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(sa[-2:])} and {_fmt(sb[-2:])})"
                           + (f" (batched shapes {list(a.shape)} and {list(b.shape)})" if a.ndim > 2 or b.ndim > 2 else ""))
    if a.ndim > 2 and b.ndim > 2:
        broadcast_shape(a.shape[:-2], b.shape[:-2], "matmul")
    a2 = a if a.ndim > 1 else a.unsqueeze(0)
    b2 = b if b.ndim > 1 else b.unsqueeze(-1)
    y = MatMul.apply(a2, b2)
    if a.ndim == 1:
        y = y.squeeze(-2)
    if b.ndim == 1:
        y = y.squeeze(-1)
    return y


class Linear(Function):
    """y = x W^T + b, the fully connected layer as ONE op (one GEMM forward, three backward).

    ``x`` (..., in), ``W`` (out, in), ``b`` (out,) or None. Flatten the leading dims of x and dy
    into rows, X (M, in) and dY (M, out); then y_mi = sum_j x_mj W_ij + b_i gives

        dx = dY @ W          (M, out) @ (out, in):  dy/dx_mj = W_ij
        dW = dY^T @ X        (out, M) @ (M, in):    dy_mi/dW_ij = x_mj, summed over the rows m
        db = dY summed over the rows

    Written as ``matmul(x, W.t()) + b`` the weight gradient would be computed for ``W.t()`` and
    reach ``W.grad`` transposed (F-ordered), and every optimizer pass over it would then mix two
    memory orders (4-5x slower for AlexNet's fc6). Here dW comes out of one GEMM in W's own
    C order. The backward is Tensor ops (reshape, matmul, sum), so it is differentiable again.
    """
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        xa = x.array
        rows = xa.reshape(-1, xa.shape[-1])            # (M, in); a view when x is contiguous
        y = gemm(rows, w.array.T)                      # (M, out): one GEMM, a fresh C-ordered array
        if b is not None:
            y += b.array                               # in place on the fresh output: no temporary
        return y.reshape(xa.shape[:-1] + (w.shape[0],))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        g2 = g.reshape(-1, w.shape[0])                 # dY (M, out)
        gx = (g2 @ w).reshape(x.shape) if need[0] else None           # dY @ W
        gw = g2.mT @ x.reshape(-1, w.shape[1]) if need[1] else None   # dY^T @ X, C-ordered (out, in)
        gb = g2.sum(0) if need[2] else None                           # sum over the rows
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:  # noqa: A002
    """y = x W^T + b, the fully connected layer (W has shape (out_features, in_features))."""
    tensor_arg(input, "linear")
    tensor_arg(weight, "linear", "weight", 2)
    if bias is not None:
        tensor_arg(bias, "linear", "bias", 3)
    # PyTorch says "m1 and m2" here; a student needs to know which operand is which
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype is not input.dtype:
            raise RuntimeError(f"linear(): input is {input.dtype.name} but {name} is {t.dtype.name}; they must have "
                               "the same dtype (use .float() or .double())")
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        rows = input.numel() // input.shape[-1] if input.ndim and input.shape[-1] else 0
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1] if input.ndim else 0} "
                           f"and {weight.shape[-1]}x{weight.shape[0]}) (linear: input of shape {list(input.shape)}, "
                           f"weight of shape {list(weight.shape)})")
    fused = (weight.ndim == 2 and input.dtype.is_floating_point
             and (bias is None or tuple(bias.shape) in ((weight.shape[0],), (1,), ())))
    if fused:
        return Linear.apply(input, weight, bias)
    # the general path (a 1-D weight, a bias that broadcasts further, integer tensors)
    y = matmul(input, weight.t())
    return y if bias is None else y + bias
