"""``tinygrad_edu.linalg``: norms, inverses, determinants, solving, and the decompositions
(Cholesky, QR, symmetric eigen, SVD), with PyTorch's names, batching over leading dims, and
gradients where PyTorch has them. Each Function states its derivative; backwards are written with
differentiable ops (matmul, solve, inv), so second derivatives work too.

    inv      Y = A⁻¹                dA = -Yᵀ G Yᵀ
    det      y = det A              dA = g y A⁻ᵀ
    slogdet  (s, log|det A|)        dA = g A⁻ᵀ
    solve    X = A⁻¹ B              dB = A⁻ᵀ G,  dA = -dB Xᵀ
    cholesky A = L Lᵀ               dA = sym(L⁻ᵀ Φ(Lᵀ G) L⁻¹),  Φ: lower triangle, half diagonal
    eigh     A = V diag(w) Vᵀ       dA = V (diag(gw) + skew(Vᵀ gV) / (w_j - w_i)) Vᵀ
    qr       A = Q R                dA = (gQ + Q copyltu(M)) R⁻ᵀ,  M = R gRᵀ - gQᵀ Q
    svdvals  s                      dA = U diag(gs) Vᵀ  (U, V rebuilt from eigh, so twice differentiable)
    pinv     P = A⁺                 dA = -Pᵀ G Pᵀ + (I - A P) Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - P A)
"""
from __future__ import annotations

from collections import namedtuple
from . import backend
from .autograd.function import Function
from .ops import elementwise as E
from .ops import reduction as R
from .ops.construction import diag_embed, diagonal, tril
from .ops.contraction import cross as _cross
from .ops.distance import _pnorm
from .ops.linalg import matmul
from .ops.transformations import flip
from .tensor import Tensor, _wrap_dim

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "cholesky", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "pinv", "matrix_rank", "cross", "matmul", "vecdot", "multi_dot"]

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("qr", ["Q", "R"])
SVDResult = namedtuple("svd", ["U", "S", "Vh"])


def _mT(x: Tensor) -> Tensor:  # noqa: N802
    return x.transpose(-2, -1)


def _square(a, op: str) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'A' must be Tensor, not {type(a).__name__}")
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as input. Got "
                           f"{a.dtype.name.capitalize()}")
    return a


def _matrix(a, op: str) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'A' must be Tensor, not {type(a).__name__}")
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions.")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as input. Got "
                           f"{a.dtype.name.capitalize()}")
    return a


def _eye_like(a: Tensor) -> Tensor:
    n = a.shape[-1]
    return Tensor._make(a.xp.eye(n, dtype=a.array.dtype))


def _invertible(a: Tensor, op: str):
    """PyTorch's error for a singular matrix, raised before LAPACK's."""
    try:
        return a.xp.linalg.inv(a.array)
    except backend.np.linalg.LinAlgError:
        raise RuntimeError(f"linalg.{op}: The diagonal element 1 is zero, the inversion could not be completed "
                           f"because the input matrix is singular.") from None


# ----------------------------------------------------------------------------- inverse, determinant, solve
class Inv(Function):
    """Y = A⁻¹;  dA = -Yᵀ G Yᵀ."""
    @staticmethod
    def forward(ctx, a):
        y = _invertible(a, "inv")
        ctx.save_for_backward(y)            # the output: backward gets it as a Tensor in the graph
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return -matmul(matmul(_mT(y), g), _mT(y))


class Det(Function):
    """y = det A;  dA = g · y · A⁻ᵀ."""
    @staticmethod
    def forward(ctx, a):
        y = a.xp.asarray(a.xp.linalg.det(a.array))
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, y = ctx.saved_tensors
        return (g * y).unsqueeze(-1).unsqueeze(-1) * _mT(inv(a))


class LogAbsDet(Function):
    """y = log |det A|;  dA = g · A⁻ᵀ."""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.asarray(a.xp.linalg.slogdet(a.array)[1])

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g.unsqueeze(-1).unsqueeze(-1) * _mT(inv(a))


class Solve(Function):
    """X = A⁻¹ B;  dB = A⁻ᵀ G,  dA = -dB Xᵀ."""
    @staticmethod
    def forward(ctx, a, b):
        _invertible(a, "solve")
        x = a.xp.linalg.solve(a.array, b.array)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = solve(_mT(a), g)
        ga = -matmul(gb, _mT(x)) if ctx.needs_input_grad[0] else None
        return ga, gb


def inv(A: Tensor) -> Tensor:  # noqa: N803 (PyTorch's argument name)
    """The inverse matrix (batched over leading dims)."""
    return Inv.apply(_square(A, "inv"))


def det(A: Tensor) -> Tensor:  # noqa: N803
    return Det.apply(_square(A, "det"))


def slogdet(A: Tensor):  # noqa: N803
    """(sign, log|det A|): the determinant without overflow for large matrices."""
    a = _square(A, "slogdet")
    sign = Tensor._make(a.xp.asarray(a.xp.linalg.slogdet(a.array)[0]).astype(a.array.dtype))
    return SlogdetResult(sign, LogAbsDet.apply(a))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """X with A X = B (B a matrix, or a vector when B.ndim == A.ndim - 1); ``left=False``: X A = B."""
    a = _square(A, "solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if not left:
        return _mT(solve(_mT(a), _mT(B)))
    vector = B.ndim == a.ndim - 1 or B.ndim == 1
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    if b.dtype is not a.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{a.dtype.name.capitalize()} and B of type {b.dtype.name.capitalize()} instead")
    lead = E.broadcast_shape(tuple(a.shape[:-2]), tuple(b.shape[:-2]), "linalg.solve")
    a = a if tuple(a.shape[:-2]) == lead else R.broadcast_to(a, lead + tuple(a.shape[-2:]))
    b = b if tuple(b.shape[:-2]) == lead else R.broadcast_to(b, lead + tuple(b.shape[-2:]))
    x = Solve.apply(a, b)
    return x.squeeze(-1) if vector else x


# ----------------------------------------------------------------------------- decompositions
def _phi(x: Tensor) -> Tensor:
    """The lower triangle with the diagonal halved (Cholesky's backward)."""
    return tril(x) - diag_embed(diagonal(x, 0, -2, -1)) * 0.5


class Cholesky(Function):
    """A = L Lᵀ;  dA = sym(L⁻ᵀ Φ(Lᵀ G) L⁻¹), sym(S) = (S + Sᵀ) / 2."""
    @staticmethod
    def forward(ctx, a):
        try:
            low = a.xp.linalg.cholesky(a.array)
        except backend.np.linalg.LinAlgError:
            raise RuntimeError("linalg.cholesky: The factorization could not be completed because the input is "
                               "not positive-definite.") from None
        ctx.save_for_backward(low)
        return low

    @staticmethod
    def backward(ctx, g):
        low, = ctx.saved_tensors
        li = inv(low)
        s = matmul(matmul(_mT(li), _phi(matmul(_mT(low), tril(g)))), li)
        return (s + _mT(s)) * 0.5


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """L lower-triangular with A = L Lᵀ, for symmetric positive-definite A (``upper``: Lᵀ)."""
    low = Cholesky.apply(_square(A, "cholesky"))
    return _mT(low) if upper else low


class Eigh(Function):
    """A = V diag(w) Vᵀ (A symmetric; its lower triangle is read);
    dA = V (diag(gw) + skew(Vᵀ gV) / (w_j - w_i)) Vᵀ, skew(X) = (X - Xᵀ) / 2."""
    @staticmethod
    def forward(ctx, a, uplo):
        w, v = a.xp.linalg.eigh(a.array, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        xp = w.xp
        gap = w.unsqueeze(-2) - w.unsqueeze(-1)                      # w_j - w_i
        off = Tensor._make(~xp.eye(w.shape[-1], dtype=bool))
        vtg = matmul(_mT(v), gv)
        inner = E.where(off, (vtg - _mT(vtg)) * 0.5 / E.where(off, gap, 1.0), 0.0) + diag_embed(gw)
        return matmul(matmul(v, inner), _mT(v)), None


def eigh(A: Tensor, UPLO: str = "L"):  # noqa: N803
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = Eigh.apply(_square(A, "eigh"), UPLO)
    return EighResult(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    return eigh(A, UPLO).eigenvalues


def _copyltu(m: Tensor) -> Tensor:
    """The lower triangle of m mirrored onto the upper one."""
    low = tril(m, -1)
    return low + _mT(low) + diag_embed(diagonal(m, 0, -2, -1))


class QR(Function):
    """A = Q R (reduced, m >= n);  dA = (gQ + Q copyltu(M)) R⁻ᵀ,  M = R gRᵀ - gQᵀ Q."""
    @staticmethod
    def forward(ctx, a, mode):
        q, r = a.xp.linalg.qr(a.array, mode=mode)
        ctx.save_for_backward(q, r)
        ctx.wide = a.shape[-2] < a.shape[-1] or mode == "complete" and a.shape[-2] != a.shape[-1]
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.wide:
            raise NotImplementedError("linalg.qr backward is implemented for m >= n with mode='reduced' only")
        q, r = ctx.saved_tensors
        m = matmul(r, _mT(gr)) - matmul(_mT(gq), q)
        b = gq + matmul(q, _copyltu(m))
        return _mT(solve(r, _mT(b))), None                        # b R⁻ᵀ, as a triangular solve


def qr(A: Tensor, mode: str = "reduced"):  # noqa: N803
    """Q with orthonormal columns and upper-triangular R, A = Q R."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           f"'r', or 'complete'")
    a = _matrix(A, "qr")
    if mode == "r":
        return QRResult(Tensor._make(a.xp.empty((0,), dtype=a.array.dtype)),
                        Tensor._make(a.xp.linalg.qr(a.array, mode="r")))
    q, r = QR.apply(a, mode)
    return QRResult(q, r)


class SVDVals(Function):
    """s = the singular values of A;  dA = U diag(gs) Vᵀ.

    The backward rebuilds U and V with differentiable ops (the eigenvectors of AᵀA, and U = A V / s;
    or the other way round for wide A), so that the second derivative exists too (for distinct,
    non-zero singular values, where it is defined)."""
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.linalg.svd(a.array, compute_uv=False)

    @staticmethod
    def backward(ctx, gs):
        a, = ctx.saved_tensors
        k = min(a.shape[-2:])
        tall = a.shape[-2] >= a.shape[-1]
        gram = matmul(_mT(a), a) if tall else matmul(a, _mT(a))
        w, vecs = eigh(gram)                                         # ascending: reverse to descending
        vecs = flip(vecs, (-1,))[..., :k]
        s = E.sqrt(flip(w, (-1,))[..., :k])
        if tall:
            v, u = vecs, matmul(a, vecs) / s.unsqueeze(-2)
        else:
            u, v = vecs, matmul(_mT(a), vecs) / s.unsqueeze(-2)
        return matmul(u * gs.unsqueeze(-2), _mT(v))


def svdvals(A: Tensor) -> Tensor:  # noqa: N803
    """The singular values, largest first."""
    return SVDVals.apply(_matrix(A, "svdvals"))


def svd(A: Tensor, full_matrices: bool = True):  # noqa: N803
    """U, S, Vh with A = U diag(S) Vh. Gradients flow through S (as ``svdvals``); the gradient through
    U and Vh is not implemented here (it is rarely needed, and unstable for repeated singular values)."""
    a = _matrix(A, "svd")
    u, _, vh = a.xp.linalg.svd(a.array, full_matrices=full_matrices)
    return SVDResult(Tensor._make(u), svdvals(a), Tensor._make(vh))


class PInv(Function):
    """P = A⁺;  dA = -Pᵀ G Pᵀ + (I - A P) Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - P A)  (for A of full rank)."""
    @staticmethod
    def forward(ctx, a, rtol, hermitian):
        p = a.xp.linalg.pinv(a.array, rcond=rtol, hermitian=hermitian)
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        pt, gt = _mT(p), _mT(g)
        i_ap = _eye_like(p) - matmul(a, p)          # (m, m)
        i_pa = _eye_like(a) - matmul(p, a)          # (n, n)
        return (-matmul(matmul(pt, g), pt) + matmul(matmul(matmul(i_ap, gt), p), pt)
                + matmul(matmul(matmul(pt, p), gt), i_pa)), None, None


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The Moore-Penrose pseudo-inverse: singular values below the tolerance are treated as 0."""
    a = _matrix(A, "pinv")
    if atol is not None:
        raise NotImplementedError("linalg.pinv: atol is not implemented in tinygrad_edu; use rtol")
    if rtol is None:
        rtol = max(a.shape[-2:]) * float(a.xp.finfo(a.array.dtype).eps)
    return PInv.apply(a, rtol, hermitian)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The number of singular values above max(atol, rtol · largest singular value)."""
    a = _matrix(A, "matrix_rank")
    s = a.xp.linalg.svd(a.array, compute_uv=False)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else max(a.shape[-2:]) * float(a.xp.finfo(a.array.dtype).eps)
    tol = a.xp.maximum(atol or 0.0, rtol * (s.max(-1, keepdims=True) if s.shape[-1] else 0.0))
    return Tensor._make((s > tol).sum(-1).astype(backend.int64.np))


# ----------------------------------------------------------------------------- norms
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """(sum |x|^ord)^(1/ord) over ``dim`` (all elements by default); ord inf/-inf: max/min |x|, 0: the count
    of non-zeros."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm(): argument 'x' must be Tensor, not {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype.name.capitalize()}")
    if dtype is not None:
        x = x.to(dtype)
    if dim is None:
        flat = x.reshape(-1)
        out = vector_norm(flat, ord, 0)
        return out.reshape(*([1] * x.ndim)) if keepdim else out
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ord == float("-inf"):
        return R.amin(E.abs(x), dims, keepdim)
    return _pnorm(x, ord, dims, keepdim)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: N803
    """'fro' (sqrt of the sum of squares), 'nuc' (sum of singular values), 2/-2 (largest/smallest singular
    value), 1/-1 (largest/smallest column sum of |A|), inf/-inf (row sums)."""
    a = _matrix(A, "matrix_norm")
    if dtype is not None:
        a = a.to(dtype)
    d0, d1 = (_wrap_dim(d, a.ndim, "matrix_norm") for d in dim)
    if ord == "fro":
        return vector_norm(a, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        moved = a.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            out = out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return out
    if ord in (1, -1, float("inf"), float("-inf")):
        sum_dim, pick_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = E.abs(a).sum(sum_dim, keepdim=True)
        out = sums.amax(pick_dim, keepdim=True) if ord > 0 else sums.amin(pick_dim, keepdim=True)
        return out if keepdim else out.squeeze((max(d0, d1))).squeeze(min(d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: N803
    """``vector_norm`` for a vector ord or an int dim, ``matrix_norm`` for a string ord or a pair of dims;
    with neither, the 2-norm of all elements (= the Frobenius norm of a matrix)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.norm(): argument 'A' must be Tensor, not {type(A).__name__}")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or dim is None and ord is not None and A.ndim == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim or (-2, -1), keepdim, dtype=dtype)
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (default: the last)."""
    return _cross(input, other, dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum over ``dim`` of x * y (broadcasting)."""
    return (x * y).sum(dim)


def multi_dot(tensors) -> Tensor:
    """A chain of matrix products (the first and last may be vectors), left to right."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out
