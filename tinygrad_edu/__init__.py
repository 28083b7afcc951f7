"""tinygrad_edu: deep learning from scratch, with PyTorch's names.

    import tinygrad_edu as torch      # most PyTorch programs run after this one change
"""
from __future__ import annotations

from . import backend
from .backend import (bool_ as bool, cuda_is_available, device, dtype, float16, float32, float64,  # noqa: A004
                      int32, int64, manual_seed, uint8, Generator)
from .tensor import Size, Tensor
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from . import autograd
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace,
                       numel, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor,
                       zeros, zeros_like)
from .ops.elementwise import (abs, add, clamp, clone, cos, div, exp, log, maximum, minimum, mul, neg,  # noqa: A004
                              pow, sign, sin, sqrt, sub, where)
from .ops.reduction import (all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, norm,  # noqa: A004
                            std, sum, var)
from .ops.shape import (cat, chunk, flatten, gather, permute, reshape, split, squeeze, stack, transpose,
                        unsqueeze)
from .ops.linalg import matmul
from .ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from . import nn
from .nn.parameter import Parameter
from .utils.summary import count_parameters, summary
from . import models
from . import optim, utils
from .utils.serialization import load, save
from .ops.sorting import argsort, sort, topk
from .ops.scan import cumprod, cumsum, prod
from .ops.comparison import allclose, eq, equal, ge, gt, isclose, isfinite, isinf, isnan, le, lt, ne
from .ops.division import floor_divide, fmod, remainder
from .ops.indexing import masked_fill
from .ops.transformations import flip, roll
from .settings import inference_mode, set_default_dtype
from .kernels.threads import get_num_threads, set_num_threads

clip = clamp
concat = concatenate = cat
mm = bmm = matmul
float = float32  # noqa: A001
double = float64
long = int64
half = float16
default_generator = backend.default_generator


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def get_default_dtype():
    return backend.default_float


class cuda:  # noqa: N801 (PyTorch's namespace)
    """``tinygrad_edu.cuda.is_available()`` as in PyTorch."""
    is_available = staticmethod(cuda_is_available)

    @staticmethod
    def manual_seed(seed: int) -> None:
        manual_seed(seed)

    manual_seed_all = manual_seed

    @staticmethod
    def device_count() -> int:
        return 1 if cuda_is_available() else 0

    @staticmethod
    def synchronize() -> None:
        if cuda_is_available():
            backend.xp_for("cuda").cuda.Device().synchronize()


__version__ = "0.1.0"

# --- PyTorch breadth (issue 14) ---
from .ops.math import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin, asinh,  # noqa: E402
                       atan, atan2, atanh, ceil, cosh, erfc, exp2, expm1, fix, floor, frac, lerp, log1p, log2, log10,
                       logical_and, logical_not, logical_or, logical_xor, reciprocal, round, rsqrt, sinh, square,
                       tan, trunc, numpy_keywords as _numpy_keywords)
from .ops.activation import erf  # noqa: E402
from .ops.indexing import (argwhere, index_add, index_fill, index_select, masked_select, narrow,  # noqa: E402
                           nonzero, scatter, scatter_add, take)
from .ops.construction import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, broadcast_tensors,  # noqa: E402
                               column_stack, diag, diag_embed, diagonal, dstack, hstack, logspace, meshgrid, moveaxis,
                               movedim, repeat_interleave, row_stack, tile, tril, triu, unbind, vstack)
from .ops.reduction import broadcast_to  # noqa: E402
sum, mean, var, std, norm, logsumexp, max, min, amax, amin, argmax, argmin, all, any, prod, cumsum = map(  # noqa: A001
    _numpy_keywords, (sum, mean, var, std, norm, logsumexp, max, min, amax, amin, argmax, argmin, all, any, prod,
                      cumsum))
from .ops.distance import cdist, dist  # noqa: E402
from .sampling import bernoulli, multinomial, normal, poisson, randint_like  # noqa: E402
from . import backends  # noqa: E402,F401
from .autograd import functional as _autograd_functional  # noqa: E402,F401  (autograd.functional)
from .ops.contraction import cross, dot, einsum, ger, inner, kron, mv, outer, tensordot, vdot  # noqa: E402
from . import linalg  # noqa: E402
from .ops.statistics import (bincount, count_nonzero, histc, kthvalue, median, mode, nanmean,  # noqa: E402
                             nanmedian, nansum, quantile, unique, unique_consecutive)
from .utils.dlpack import from_dlpack  # noqa: E402
