"""ops/contraction.py (einsum, tensordot, dot, inner, outer, mv, kron, cross) and tinygrad_edu.linalg:
values, gradients and second derivatives against PyTorch (float64), first and second derivatives
against finite differences, and the errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import leaf

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)
A3 = RNG.standard_normal((3, 3)) + 3 * np.eye(3)       # well conditioned
SPD = A3 @ A3.T + np.eye(3)
BATCH = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
M = RNG.standard_normal((4, 3))


def _lib(functional):
    return tg if functional is F else torch


def _la(functional):
    return _lib(functional).linalg


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("i,j->ij", [(3,), (4,)]), ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("ji", [(2, 3)]),
           ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]), ("i,i->", [(4,), (4,)]), ("ijk,jl->il", [(2, 3, 2), (3, 4)]),
           ("bn,anm,bm->ba", [(2, 3), (4, 3, 2), (2, 2)]), ("...i,i", [(2, 1, 3), (3,)])]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_torch(eq, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    compare_with_torch(lambda F, *xs: _lib(F).einsum(eq, *xs), *arrays)
    check_derivatives(lambda *xs: tg.einsum(eq, *xs), *[leaf(a) for a in arrays])


def test_einsum_trace_forward_and_errors():
    a = RNG.standard_normal((3, 3))
    assert np.isclose(tg.einsum("ii->", tg.tensor(a)).item(), np.trace(a))
    with pytest.raises(ValueError, match="more operands"):
        tg.einsum("ij->i", tg.zeros(2, 2), tg.zeros(2))
    with pytest.raises(RuntimeError, match="number of subscripts"):
        tg.einsum("ijk->i", tg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="expected scalar type"):
        tg.einsum("i,i->", tg.zeros(2), tg.zeros(2, dtype=tg.float64))


def test_products_match_torch():
    a, b, c = RNG.standard_normal(3), RNG.standard_normal(3), RNG.standard_normal((2, 3))
    compare_with_torch(lambda F, x, y: _lib(F).dot(x, y), a, b)
    compare_with_torch(lambda F, x, y: x.vdot(y), a, b)
    compare_with_torch(lambda F, x, y: _lib(F).inner(x, y), c, M)
    compare_with_torch(lambda F, x, y: _lib(F).outer(x, y), a, b[:2])
    compare_with_torch(lambda F, m, v: _lib(F).mv(m, v), M, a)
    compare_with_torch(lambda F, x, y: _lib(F).kron(x, y), c, M[:2, :2])
    compare_with_torch(lambda F, x, y: _lib(F).kron(x, y), a, c)
    compare_with_torch(lambda F, x, y: _lib(F).tensordot(x, y, 1), c, M.T)
    compare_with_torch(lambda F, x, y: _lib(F).tensordot(x, y, ([0, 1], [1, 0])), c, M[:3, :2])
    compare_with_torch(lambda F, x, y: _lib(F).linalg.cross(x, y), c, c[::-1].copy())
    compare_with_torch(lambda F, x, y: _lib(F).cross(x, y, dim=1), c, c * 2 + 1)
    compare_with_torch(lambda F, x, y: _lib(F).linalg.vecdot(x, y), c, c + 1)
    compare_with_torch(lambda F, x, y, z: _lib(F).linalg.multi_dot([x, y, z]), c, M.T, M)
    assert tg.cross(tg.tensor([1.0, 0, 0]), tg.tensor([0.0, 1, 0])).tolist() == [0.0, 0.0, 1.0]  # x × y = z


def test_inverse_det_solve_match_torch():
    compare_with_torch(lambda F, a: _la(F).inv(a), A3)
    compare_with_torch(lambda F, a: _la(F).inv(a), BATCH)
    compare_with_torch(lambda F, a: _la(F).det(a), BATCH)
    compare_with_torch(lambda F, a: _la(F).slogdet(a).logabsdet, A3)
    compare_with_torch(lambda F, a: _la(F).slogdet(a).sign * 1.0, -A3, second_order=False)
    compare_with_torch(lambda F, a, b: _la(F).solve(a, b), A3, M[:3, :2])
    compare_with_torch(lambda F, a, b: _la(F).solve(a, b), BATCH, M[:3, 0].copy())
    compare_with_torch(lambda F, a, b: _la(F).solve(a, b, left=False), A3, M[:2, :])
    check_derivatives(lambda a: tg.linalg.inv(a), leaf(A3))
    check_derivatives(lambda a, b: tg.linalg.solve(a, b), leaf(A3), leaf(M[:3, :2]))
    check_derivatives(lambda a: tg.linalg.det(a), leaf(A3))


def test_decompositions_match_torch():
    compare_with_torch(lambda F, a: _la(F).cholesky(a @ a.mT + _lib(F).eye(3, dtype=a.dtype)), A3)
    compare_with_torch(lambda F, a: _la(F).cholesky(a, upper=True), SPD, second_order=False)
    # eigenvectors are defined up to sign: compare sign-free functions of them
    compare_with_torch(lambda F, a: _la(F).eigh(a + a.mT).eigenvalues, A3)
    compare_with_torch(lambda F, a: _la(F).eigh(a + a.mT).eigenvectors ** 2, A3)
    compare_with_torch(lambda F, a: _la(F).eigvalsh(a), SPD)
    compare_with_torch(lambda F, a: _la(F).qr(a).Q, M)
    compare_with_torch(lambda F, a: _la(F).qr(a).R, M)
    compare_with_torch(lambda F, a: _la(F).svdvals(a), M)
    compare_with_torch(lambda F, a: _la(F).svd(a, full_matrices=False).S, M)
    compare_with_torch(lambda F, a: _la(F).pinv(a), M)
    compare_with_torch(lambda F, a: _la(F).pinv(a), M.T.copy())
    u, s, vh = tg.linalg.svd(tg.tensor(M))
    assert tuple(u.shape) == (4, 4) and tuple(vh.shape) == (3, 3)
    np.testing.assert_allclose((u[:, :3] * s) @ vh, M, atol=1e-12)
    check_derivatives(lambda a: tg.linalg.cholesky(a @ a.mT + tg.eye(3, dtype=tg.float64)), leaf(A3))
    check_derivatives(lambda a: tg.linalg.qr(a).Q * tg.linalg.qr(a).R.sum(), leaf(M))
    check_derivatives(lambda a: tg.linalg.pinv(a), leaf(M))


def test_rank_and_norms_match_torch():
    low = M[:, :2] @ RNG.standard_normal((2, 5))
    for a in (M, low, np.zeros((2, 2))):
        assert tg.linalg.matrix_rank(tg.tensor(a)).item() == torch.linalg.matrix_rank(torch.tensor(a)).item()
    assert tg.linalg.matrix_rank(tg.tensor(low)).dtype is tg.int64
    for ord_ in (None, 1, 2, 3.5, float("inf"), float("-inf"), 0):
        compare_with_torch(lambda F, x: _la(F).vector_norm(x, 2 if ord_ is None else ord_), M, second_order=ord_ != 0)
        compare_with_torch(lambda F, x: _la(F).vector_norm(x, 2 if ord_ is None else ord_, dim=1, keepdim=True), M,
                           second_order=ord_ != 0)
    for ord_ in ("fro", "nuc", 2, -2, 1, -1, float("inf"), float("-inf")):
        compare_with_torch(lambda F, x: _la(F).matrix_norm(x, ord_), M)
        compare_with_torch(lambda F, x: _la(F).norm(x, ord_), M)
        compare_with_torch(lambda F, x: _la(F).matrix_norm(x, ord_, dim=(0, 2), keepdim=True), BATCH)
    compare_with_torch(lambda F, x: _la(F).norm(x), BATCH)
    compare_with_torch(lambda F, x: _la(F).norm(x, dim=1), M)


def test_linalg_errors():
    with pytest.raises(RuntimeError, match="square matrices"):
        tg.linalg.inv(tg.zeros(2, 3))
    with pytest.raises(RuntimeError, match="singular"):
        tg.linalg.inv(tg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="not positive-definite"):
        tg.linalg.cholesky(-tg.eye(2))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        tg.linalg.det(tg.zeros(3))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        tg.linalg.solve(tg.eye(3), tg.zeros(2, 1))
    with pytest.raises(RuntimeError, match="floating point"):
        tg.linalg.inv(tg.eye(2, dtype=tg.int64))
