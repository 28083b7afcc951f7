"""Elementwise ops. Each states its derivative right where it is defined.

Binary ops broadcast; the engine sums each gradient back to its input's shape, so no op here
has to undo broadcasting itself.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from ..kernels import elementwise as kernels
from ..tensor import Tensor
from .checks import tensor_arg


# ----------------------------------------------------------------------------- operands
def broadcast_shape(a: tuple, b: tuple, op: str = "") -> tuple:
    """The broadcast of two shapes, or PyTorch's error naming the dimension that disagrees."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            dim = max(len(a), len(b)) - i
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {dim}" + (f" (in {op})" if op else ""))
        out.append(x if y == 1 else y)
    return tuple(reversed(out))


def result_dtype(a: Tensor, b: Tensor) -> backend.dtype:
    """PyTorch's promotion: a 0-dim tensor counts like a scalar unless it is of a higher category."""
    da, db = a.dtype, b.dtype
    if da is db:
        return da
    if (a.ndim == 0) != (b.ndim == 0):
        dim_t, zero_t = (b, a) if a.ndim == 0 else (a, b)
        if zero_t.dtype.kind <= dim_t.dtype.kind:
            return dim_t.dtype
        return zero_t.dtype
    return backend.promote(da, db)


def as_operand(x, like: Tensor, op: str) -> Tensor:
    """A Python number or array as a tensor on ``like``'s device with the promoted dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float)) or backend.is_numpy_scalar(x):
        dt = backend.promote_scalar(like.dtype, x)
        return Tensor._make(like.xp.asarray(x, dtype=dt.np))
    if backend.is_array(x):
        return Tensor._make(like.xp.asarray(x))
    raise TypeError(f"{op}(): unsupported operand type {type(x).__name__}; expected a Tensor or a number")


def operands(a, b, op: str):
    """Both operands as tensors of one dtype (cast differentiably where they differ), with shapes
    checked to broadcast."""
    if not isinstance(a, Tensor):
        a = as_operand(a, b, op)
    if not isinstance(b, Tensor):
        b = as_operand(b, a, op)
    if a.array.shape != b.array.shape:
        broadcast_shape(a.array.shape, b.array.shape, op)
    da, db = a.array.dtype, b.array.dtype
    if da is db or da == db:  # the common case, decided without promotion rules
        return a, b
    dt = result_dtype(a, b)
    if a.dtype is not dt:
        a = Cast.apply(a, dt) if a.requires_grad else Tensor._make(a.array.astype(dt.np))
    if b.dtype is not dt:
        b = Cast.apply(b, dt) if b.requires_grad else Tensor._make(b.array.astype(dt.np))
    return a, b


def float_operand(x: Tensor) -> Tensor:
    """Ops like exp and sqrt promote integer input to the default float type, as PyTorch does."""
    return x if x.dtype.is_floating_point else Tensor._make(x.array.astype(backend.default_float.np))


# ----------------------------------------------------------------------------- dtype/device moves
class Cast(Function):
    """y = x as another dtype;  dx = dy cast back."""
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x.dtype
        return x.array.astype(dtype.np)

    @staticmethod
    def backward(ctx, g):
        return Cast.apply(g, ctx.src), None


class ToDevice(Function):
    """y = x on another device;  dx = dy moved back."""
    @staticmethod
    def forward(ctx, x, dev):
        ctx.src = x.device
        return backend.to_device(x.array, dev)

    @staticmethod
    def backward(ctx, g):
        return ToDevice.apply(g, ctx.src), None


class Clone(Function):
    """y = copy of x;  dx = dy."""
    @staticmethod
    def forward(ctx, x):
        return x.array.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ----------------------------------------------------------------------------- arithmetic
class Add(Function):
    """y = a + b;  da = dy, db = dy."""
    @staticmethod
    def forward(ctx, a, b):
        return kernels.add(a.array, b.array)        # a.array + b.array (large ones over our threads)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """y = a - b;  da = dy, db = -dy."""
    @staticmethod
    def forward(ctx, a, b):
        return a.array - b.array

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    """y = a * b;  da = dy * b, db = dy * a."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return kernels.multiply(a.array, b.array)   # a.array * b.array (large ones over our threads)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g * b if need_a else None, g * a if need_b else None


class Div(Function):
    """y = a / b;  da = dy / b, db = -dy * a / b^2."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array / b.array

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Neg(Function):
    """y = -x;  dx = -dy."""
    @staticmethod
    def forward(ctx, x):
        return -x.array

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """y = a ** b;  da = dy * b * a^(b-1), db = dy * y * log(a)."""
    @staticmethod
    def forward(ctx, a, b):
        y = a.array ** b.array
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:  # where b == 0, y is constant 1: 0, not 0 * a^-1 (inf at a == 0)
            ga = where(b == 0, 0.0, g * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:  # where a == 0 (and b >= 0), y is 0 for every b: 0, not 0 * log 0
            gb = where((a == 0) & (b >= 0), 0.0, g * y * a.log())
        return ga, gb


class PowScalar(Function):
    """y = x ** p for a constant p;  dx = dy * p * x^(p-1)."""
    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return (x.array ** p).astype(x.array.dtype, copy=False)  # pow() chose the dtype (bool ** 1 too)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0, None
        return g * p * (x ** (p - 1) if p != 2 else x), None


# ----------------------------------------------------------------------------- unary math
class Sign(Function):
    """y = -1, 0 or 1 by the sign of x;  dx = 0 (the sign is constant on each side of 0)."""
    @staticmethod
    def forward(ctx, x):
        return x.xp.sign(x.array)

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Exp(Function):
    """y = e^x;  dx = dy * y."""
    @staticmethod
    def forward(ctx, x):
        y = x.xp.exp(x.array)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


class Log(Function):
    """y = ln x;  dx = dy / x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / x


class Sqrt(Function):
    """y = sqrt(x);  dx = dy / (2 y)."""
    @staticmethod
    def forward(ctx, x):
        y = x.xp.sqrt(x.array)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g / (y * 2)


class Sin(Function):
    """y = sin x;  dx = dy * cos x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.sin(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.cos()


class Cos(Function):
    """y = cos x;  dx = -dy * sin x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.cos(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return -g * x.sin()


class Abs(Function):
    """y = |x|;  dx = dy * sign(x) (0 at 0)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.abs(x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.xp.sign(x.array)


class Clamp(Function):
    """y = min(max(x, lo), hi);  dx = dy where lo <= x <= hi, else 0 (``Hardtanh`` reuses the forward)."""
    @staticmethod
    def forward(ctx, x, lo, hi):
        a = x.array
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x.xp.clip(a, lo, hi).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        a = x.array
        keep = x.xp.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            keep &= a >= ctx.lo
        if ctx.hi is not None:
            keep &= a <= ctx.hi
        return g * keep, None, None


class Maximum(Function):
    """y = max(a, b);  the gradient goes to the larger input, split evenly on a tie."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.maximum(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        wa = (a.array > b.array) + 0.5 * (a.array == b.array)
        wa = wa.astype(g.array.dtype)
        return g * wa, g * (1 - wa)


class Minimum(Function):
    """y = min(a, b);  the gradient goes to the smaller input, split evenly on a tie."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.minimum(a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        wa = (a.array < b.array) + 0.5 * (a.array == b.array)
        wa = wa.astype(g.array.dtype)
        return g * wa, g * (1 - wa)


class Where(Function):
    """y = a where cond else b;  da = dy where cond, db = dy elsewhere."""
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond.array
        return a.xp.where(cond.array, a.array, b.array)

    @staticmethod
    def backward(ctx, g):
        c = ctx.cond
        return None, g * c, g * ~c


# ----------------------------------------------------------------------------- public functions
def _unary(fn):
    def op(x: Tensor) -> Tensor:
        return fn.apply(float_operand(x))
    op.__name__ = fn.__name__.lower()
    op.__doc__ = fn.__doc__
    return op


exp, log, sqrt, sin, cos = map(_unary, (Exp, Log, Sqrt, Sin, Cos))


def add(a, b, alpha=1) -> Tensor:
    a, b = operands(a, b, "add")
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a, b, alpha=1) -> Tensor:
    if any(isinstance(t, bool) or isinstance(t, Tensor) and t.dtype is backend.bool_ for t in (a, b)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b = operands(a, b, "sub")
    return Sub.apply(a, b if alpha == 1 else b * alpha)


def mul(a, b) -> Tensor:
    return Mul.apply(*operands(a, b, "mul"))


def div(a, b) -> Tensor:
    a, b = operands(a, b, "div")
    if not a.dtype.is_floating_point:  # true division of integers gives floats, as in PyTorch
        a, b = float_operand(a), float_operand(b)
    return Div.apply(a, b)


def pow(a, b) -> Tensor:  # noqa: A001 (PyTorch's name)
    if isinstance(a, Tensor) and isinstance(b, (int, float, backend.np.number)):
        dt = backend.promote_scalar(a.dtype, b)  # int tensor ** 0.5 is float, bool ** 2 is int64
        # a Python number: a NumPy float64 scalar would turn a float32 array into float64
        b = float(b) if isinstance(b, (float, backend.np.floating)) else int(b)
        if dt is not a.dtype:
            a = a.to(dt)
        if b < 0 and not dt.is_floating_point:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(a, b)
    a, b = operands(a, b, "pow")
    return Pow.apply(a, b)


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """The sign of each element (-1, 0 or 1); its gradient is zero."""
    x = tensor_arg(input, "sign")
    if x.dtype is backend.bool_:
        return Tensor._make(x.array.copy())  # the sign of True is True
    return Sign.apply(x)


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A copy that stays in the graph (its gradient flows back to ``input``)."""
    return tensor_arg(input, "clone").clone()


def neg(x: Tensor) -> Tensor:
    if x.dtype is backend.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp.apply(x, min, max)


def maximum(a, b) -> Tensor:
    return Maximum.apply(*operands(a, b, "maximum"))


def minimum(a, b) -> Tensor:
    return Minimum.apply(*operands(a, b, "minimum"))


def where(condition, input, other) -> Tensor:  # noqa: A002
    if not isinstance(condition, Tensor) or condition.dtype is not backend.bool_:
        got = condition.dtype.name if isinstance(condition, Tensor) else type(condition).__name__
        raise TypeError(f"where(): expected condition to be a bool tensor, but got {got}")
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else condition
    a, b = operands(as_operand(input, like, "where"), other, "where")
    broadcast_shape(condition.shape, broadcast_shape(a.shape, b.shape, "where"), "where")
    return Where.apply(condition, a, b)
