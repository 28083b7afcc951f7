"""Tensor's operators and math methods: one table, each name once, each entry the op function that
``tinygrad_edu.<name>`` also is (``x.sum()`` is ``tinygrad_edu.sum(x)``, ``a + b`` is
``tinygrad_edu.add(a, b)``). tensor.py attaches the table to ``Tensor`` once the class exists.

To find where ``__add__`` or ``sum`` is computed, look its name up here and follow the module.
"""
from __future__ import annotations

from ..tensor import Tensor
from . import activation as A
from . import comparison as Q
from . import division as D
from . import elementwise as E
from . import indexing as I
from . import linalg as L
from . import reduction as R
from . import scan as C
from . import shape as S
from . import sorting as O
from . import transformations as T
from . import construction as K
from . import contraction as CT
from . import math as MA
from . import statistics as ST
from .. import creation
from .. import sampling as SA
from ..tensor import _wrap_dim as _wrap
from ..utils import dlpack as _DL


def _r(fn):
    """The reflected form of a binary op: ``2 - x`` calls ``x.__rsub__(2)``."""
    return lambda self, other: fn(other, self)


def _comparable(other) -> bool:
    """``t == None`` (or any non-number) is False, as in PyTorch: Python falls back to identity."""
    return isinstance(other, (Tensor, bool, int, float)) or E.backend.is_array(other) or \
        E.backend.is_numpy_scalar(other)


def _new(maker):
    """``x.new_zeros(2, 3)``: a tensor made like ``maker`` with x's dtype and device unless given."""
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return getattr(creation, maker)(*size, dtype=dtype or self.dtype, device=device or self.device,
                                        requires_grad=requires_grad, **kw)
    method.__name__ = "new_" + maker
    return method


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _stride(self, dim=None):
    """Element strides of the array behind this tensor (a tuple, or one dim's)."""
    st = tuple(s // self.array.itemsize for s in self.array.strides)
    return st if dim is None else st[_wrap(dim, self.ndim, "stride")]


def _storage_offset(self) -> int:
    """0: every tensor here owns its array from its first element (views share the array, not an offset)."""
    return 0


METHODS = {
    # arithmetic (ops/elementwise.py, ops/linalg.py, ops/division.py)
    "__add__": E.add, "__radd__": E.add, "__sub__": E.sub, "__rsub__": _r(E.sub),
    "__mul__": E.mul, "__rmul__": E.mul, "__truediv__": E.div, "__rtruediv__": _r(E.div),
    "__pow__": E.pow, "__rpow__": _r(E.pow), "__matmul__": L.matmul, "__rmatmul__": _r(L.matmul),
    "__mod__": D.remainder, "__rmod__": _r(D.remainder),
    "__floordiv__": D.floor_divide, "__rfloordiv__": _r(D.floor_divide),
    "__neg__": E.neg, "__abs__": E.abs, "__pos__": lambda self: self,
    "add": E.add, "sub": E.sub, "subtract": E.sub, "mul": E.mul, "multiply": E.mul, "div": E.div,
    "divide": E.div, "true_divide": E.div, "pow": E.pow, "neg": E.neg, "negative": E.neg, "abs": E.abs,
    "remainder": D.remainder, "fmod": D.fmod, "floor_divide": D.floor_divide,
    "matmul": L.matmul, "mm": L.matmul, "bmm": L.matmul,
    "exp": E.exp, "log": E.log, "sqrt": E.sqrt, "sin": E.sin, "cos": E.cos, "sign": E.sign,
    "clamp": E.clamp, "clip": E.clamp, "maximum": E.maximum, "minimum": E.minimum,
    "where": lambda self, condition, other: E.where(condition, self, other),
    "square": lambda self: self * self, "rsqrt": lambda self: 1 / E.sqrt(self),
    "reciprocal": lambda self: 1 / self,
    # comparisons and tests: bool tensors outside the graph (ops/comparison.py)
    "__lt__": Q.lt, "__le__": Q.le, "__gt__": Q.gt, "__ge__": Q.ge,
    "__eq__": lambda a, b: Q.eq(a, b) if _comparable(b) else NotImplemented,
    "__ne__": lambda a, b: Q.ne(a, b) if _comparable(b) else NotImplemented,
    "lt": Q.lt, "le": Q.le, "gt": Q.gt, "ge": Q.ge, "eq": Q.eq, "ne": Q.ne,
    "__and__": lambda a, b: Q.compare(a, b, "logical_and"), "__or__": lambda a, b: Q.compare(a, b, "logical_or"),
    "__xor__": lambda a, b: Q.compare(a, b, "logical_xor"),
    "__invert__": lambda a: Tensor._make(a.xp.logical_not(a.array) if a.dtype.kind == 0 else ~a.array),
    "logical_not": lambda a: Tensor._make(a.xp.logical_not(a.array)),
    "isnan": Q.isnan, "isinf": Q.isinf, "isfinite": Q.isfinite, "isclose": Q.isclose,
    "allclose": Q.allclose, "equal": Q.equal,
    # reductions (ops/reduction.py, ops/scan.py)
    # (each also takes NumPy's keywords: axis=, keepdims=)
    **{n: MA.numpy_keywords(getattr(R, n)) for n in ("sum", "mean", "var", "std", "norm", "logsumexp", "max",
                                                      "min", "amax", "amin", "argmax", "argmin", "all", "any")},
    "cumsum": MA.numpy_keywords(C.cumsum), "cumprod": C.cumprod, "prod": MA.numpy_keywords(C.prod),
    "expand": R.expand, "expand_as": lambda self, other: R.expand(self, other.shape),
    "broadcast_to": R.broadcast_to,
    # shape and indexing (ops/shape.py, ops/transformations.py, ops/indexing.py)
    "reshape": S.reshape, "view": S.reshape, "view_as": lambda self, other: S.reshape(self, other.shape),
    "reshape_as": lambda self, other: S.reshape(self, other.shape),
    "flatten": S.flatten, "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "permute": S.permute,
    "transpose": S.transpose, "swapaxes": S.transpose, "t": S.t, "repeat": S.repeat,
    "split": S.split, "chunk": S.chunk, "gather": S.gather, "__getitem__": S.getitem,
    "flip": T.flip, "roll": T.roll, "masked_fill": I.masked_fill, "masked_fill_": I.masked_fill_,
    # sorting (ops/sorting.py)
    "sort": O.sort, "argsort": O.argsort, "topk": O.topk,
    # activations (ops/activation.py)
    "relu": A.relu, "sigmoid": A.sigmoid, "tanh": A.tanh, "softmax": A.softmax, "log_softmax": A.log_softmax,
    # math (ops/math.py)
    **{n: getattr(MA, n) for n in ("floor", "ceil", "trunc", "fix", "round", "frac", "log2", "log10", "log1p",
                                   "exp2", "expm1", "erfc", "tan", "asin", "acos", "atan", "sinh", "cosh",
                                   "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
                                   "arctanh", "atan2", "arctan2", "lerp", "logical_and", "logical_or",
                                   "logical_xor")},
    "erf": A.erf,
    # indexing (ops/indexing.py)
    **{n: getattr(I, n) for n in ("scatter", "scatter_add", "scatter_", "scatter_add_", "index_select", "index_add",
                                  "index_add_", "index_fill", "index_fill_", "masked_select", "nonzero", "argwhere",
                                  "take", "narrow")},
    # construction (ops/construction.py)
    **{n: getattr(K, n) for n in ("tril", "triu", "diagonal", "diag", "diag_embed", "tile", "repeat_interleave",
                                  "unbind", "movedim", "moveaxis")},
    "tril_": lambda self, diagonal=0: self._inplace("tril_", K.tril(self, diagonal)),
    "triu_": lambda self, diagonal=0: self._inplace("triu_", K.triu(self, diagonal)),
    "new_zeros": _new("zeros"), "new_ones": _new("ones"), "new_empty": _new("empty"),
    "new_full": _new_full, "new_tensor": _new_tensor, "stride": _stride, "storage_offset": _storage_offset,
    # random fills and samples (sampling.py)
    **{n: getattr(SA, n) for n in ("random_", "bernoulli_", "exponential_", "geometric_", "cauchy_",
                                   "log_normal_", "bernoulli", "multinomial")},
    # products (ops/contraction.py) and statistics (ops/statistics.py)
    **{n: getattr(CT, n) for n in ("dot", "vdot", "inner", "outer", "ger", "mv", "kron", "cross")},
    **{n: getattr(ST, n) for n in ST.__all__},
    "__dlpack__": _DL._dlpack, "__dlpack_device__": _DL._dlpack_device,
}
# in-place forms: x.floor_() is x.floor() written back into x
METHODS.update({name + "_": (lambda fn, op: lambda self, *a, **k: self._inplace(op, fn(self, *a, **k)))(
    METHODS[name], name + "_")
    for name in ("floor", "ceil", "trunc", "round", "frac", "log2", "log10", "log1p", "expm1", "exp2", "tan",
                 "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "lerp", "erf")})


def attach(cls) -> None:
    """Set every entry of ``METHODS`` on ``cls`` (called once, by tensor.py)."""
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
