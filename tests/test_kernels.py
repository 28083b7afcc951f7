"""Every fast kernel in ``tinygrad_edu/kernels/`` against its plain ``*_reference``, on random inputs.

Where the fast kernel does the same arithmetic in the same order (copies, the same additions, the
optimizer rules), the results must be bit-identical; the threaded kernels are run with 1, 2 and 3
threads. The conv's kept im2col columns and the thread pool itself are tested here too.
"""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import optim
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.kernels import elementwise as kelem
from tinygrad_edu.kernels import gemm as kgemm
from tinygrad_edu.kernels import im2col as kim2col
from tinygrad_edu.kernels import optim as koptim
from tinygrad_edu.kernels import pooling as kpool
from tinygrad_edu.kernels import threads as kthreads
from tinygrad_edu.kernels.im2col import Window

TOL = dict(eps=1e-6, atol=1e-5, rtol=1e-3)


def _out_size(size, kernel, win):
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, (lo, hi), d in zip(size, kernel, win.stride, win.padding, win.dilation))


@pytest.fixture(params=[1, 2, 3])
def threads(request, monkeypatch):
    """Run the threaded kernels with 1, 2 and 3 threads, splitting even small inputs."""
    monkeypatch.setattr(kthreads, "PARALLEL_MIN", 1)
    kthreads.set_num_threads(request.param)
    yield request.param
    kthreads.reset_num_threads()


# (x shape, kernel, stride, padding (before, after) per axis, dilation, groups)
CONV_CASES = [
    ((2, 3, 9), (3,), (1,), ((0, 0),), (1,), 1),                           # 1-D
    ((1, 4, 10), (2,), (3,), ((1, 2),), (2,), 2),                          # 1-D, strided, dilated, grouped
    ((2, 3, 6, 7), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),           # 2-D 'same'
    ((2, 4, 7, 8), (3, 2), (2, 1), ((0, 1), (2, 0)), (1, 2), 2),           # 2-D, uneven padding, groups
    ((1, 6, 5, 5), (1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1), 3),           # 1x1, strided, 3 groups
    ((2, 2, 4, 5, 6), (2, 3, 2), (1, 2, 1), ((1, 0), (1, 1), (0, 0)), (1, 1, 2), 1),   # 3-D
]


# ----------------------------------------------------------------------------- im2col / col2im
@pytest.mark.parametrize("shape,kernel,stride,padding,dilation,groups", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_is_bit_identical_to_its_reference(shape, kernel, stride, padding, dilation, groups, dtype, threads):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    win = Window(stride, padding, dilation)
    out = _out_size(shape[2:], kernel, win)
    fast = kim2col.im2col(x, kernel, win, out, groups)
    ref = kim2col.im2col_reference(x, kernel, win, out, groups)
    assert fast.shape == ref.shape == (groups, shape[1] // groups * int(np.prod(kernel)), shape[0] * int(np.prod(out)))
    np.testing.assert_array_equal(fast, ref)


@pytest.mark.parametrize("shape,kernel,stride,padding,dilation,groups", CONV_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_col2im_is_bit_identical_to_its_reference(shape, kernel, stride, padding, dilation, groups, seed, threads):
    win = Window(stride, padding, dilation)
    out = _out_size(shape[2:], kernel, win)
    rows = shape[1] // groups * int(np.prod(kernel))
    cols = np.random.default_rng(seed).standard_normal((groups, rows, shape[0] * int(np.prod(out))))
    fast = kim2col.col2im(cols, kernel, win, out, shape)
    ref = kim2col.col2im_reference(cols, kernel, win, out, shape)
    assert fast.shape == ref.shape == shape
    np.testing.assert_array_equal(fast, ref)


def test_col2im_is_the_adjoint_of_im2col():
    """<im2col(x), c> = <x, col2im(c)>: col2im is im2col's transpose, as conv's backward needs."""
    shape, kernel, stride, padding, dilation, groups = CONV_CASES[3]
    rng = np.random.default_rng(3)
    win = Window(stride, padding, dilation)
    out = _out_size(shape[2:], kernel, win)
    x = rng.standard_normal(shape)
    c = rng.standard_normal(kim2col.im2col(x, kernel, win, out, groups).shape)
    lhs = float((kim2col.im2col(x, kernel, win, out, groups) * c).sum())
    rhs = float((x * kim2col.col2im(c, kernel, win, out, shape)).sum())
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))


@pytest.mark.parametrize("shape,axes", [((3, 4, 5, 6), (1, 0, 2, 3)), ((1, 5, 4, 3), (0, 1, 3, 2)),
                                        ((2, 3, 4), (0, 2, 1))])
def test_contiguous_copy_is_bit_identical_and_c_ordered(shape, axes, threads):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32).transpose(axes)
    fast = kim2col.contiguous(a)
    assert fast.flags.c_contiguous and fast.shape == a.shape
    np.testing.assert_array_equal(fast, np.ascontiguousarray(a))
    assert kim2col.contiguous(fast) is fast                   # already in order: no copy


# ----------------------------------------------------------------------------- elementwise
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_pieces_are_bit_identical_to_one_call(dtype, threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 7)).astype(dtype)
    x[0, 0, :3] = [np.nan, -0.0, np.inf]
    y = rng.standard_normal((3, 5, 7)).astype(dtype)
    for name, args in [("maximum", (x, 0)), ("multiply", (x, y)), ("add", (x, 2.5)), ("less_equal", (x, 0))]:
        fast, ref = kelem.ufunc(name, *args), kelem.ufunc_reference(name, *args)
        assert fast.dtype == ref.dtype and fast.shape == ref.shape
        np.testing.assert_array_equal(fast, ref)
    np.testing.assert_array_equal(kelem.ufunc("add", x, y[0]), x + y[0])        # broadcasting: one call
    for fast, ref in [(kelem.multiply(x, y), x * y), (kelem.add(x, y), x + y), (kelem.multiply(x, 2.0), x * 2.0),
                      (kelem.add(x, y[0]), x + y[0])]:                          # (Mul's and Add's forward)
        assert fast.dtype == ref.dtype
        np.testing.assert_array_equal(fast, ref)
    relu = kelem.ufunc("maximum", x, 0)
    for out_dtype in (dtype, np.float32):
        fast, ref = kelem.relu_slope(relu, out_dtype), kelem.relu_slope_reference(relu, out_dtype)
        assert fast.dtype == ref.dtype == out_dtype
        np.testing.assert_array_equal(fast, ref)
    assert kelem.relu_slope(relu, dtype)[0, 0, 0] == 1                          # a NaN passes its gradient on


def test_relu_through_split_kernels_matches_pytorch(threads):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((4, 3, 5))
    a[0, 0, 0] = 0.0
    outs = []
    for lib in (tg, torch):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.functional.relu(x)
        (y * y * 3).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-15, atol=0)


# ----------------------------------------------------------------------------- matrix products
GEMM_CASES = [
    ((7, 5), (5, 9)),              # wider than tall: split by columns
    ((9, 5), (5, 7)),              # taller than wide: split by rows
    ((2, 6, 4), (4, 10)),          # a batch against one matrix (broadcast)
    ((3, 1, 8, 4), (2, 4, 5)),     # batch axes broadcast both ways
    ((3, 40), (40, 2)),            # a small output from long sums (a weight gradient): split the sums
    ((2, 3, 30), (30, 2)),         # the same, batched
]


@pytest.mark.parametrize("sa,sb", GEMM_CASES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_gemm_blocks_match_one_blas_call(sa, sb, order, threads, monkeypatch):
    """Each block is its own BLAS call, which may round differently from one call over the whole
    product (BLAS's own threads do the same): one thread is bit-identical, more agree to rounding."""
    monkeypatch.setattr(kgemm, "GEMM_MIN", 1)
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    if order == "F":
        b = np.asfortranarray(b) if b.ndim == 2 else b.transpose(0, 2, 1).copy().transpose(0, 2, 1)
    fast, ref = kgemm.matmul(a, b), kgemm.matmul_reference(a, b)
    assert fast.shape == ref.shape and fast.dtype == ref.dtype and fast.flags.c_contiguous
    if threads == 1:
        np.testing.assert_array_equal(fast, ref)
    np.testing.assert_allclose(fast, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("groups,f,r,n,p", [(1, 4, 6, 3, 5), (2, 6, 4, 3, 7), (1, 3, 5, 1, 4)])
def test_conv_product_per_image_matches_one_product_and_a_copy(groups, f, r, n, p, threads, monkeypatch):
    """``matmul_per_image`` writes each image's product in place; the reference makes one product
    and reorders it. Per-image BLAS calls may round differently: one thread agrees to rounding too."""
    monkeypatch.setattr(kgemm, "GEMM_MIN", 1)
    rng = np.random.default_rng(3)
    w = rng.standard_normal((groups, f, r)).astype(np.float32)
    cols = rng.standard_normal((groups, r, n * p)).astype(np.float32)
    fast, ref = kgemm.matmul_per_image(w, cols, n), kgemm.matmul_per_image_reference(w, cols, n)
    assert fast.shape == ref.shape == (n, groups * f, p) and fast.flags.c_contiguous and fast.dtype == ref.dtype
    np.testing.assert_allclose(fast, ref, rtol=1e-5, atol=1e-5)
    exact = np.einsum("gfr,grnp->ngfp", w.astype(np.float64), cols.astype(np.float64).reshape(groups, r, n, p))
    np.testing.assert_allclose(fast, exact.reshape(n, groups * f, p), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("groups,f,r,n,p", [(1, 4, 6, 3, 5), (2, 6, 4, 3, 7), (1, 3, 5, 1, 4)])
def test_conv_product_from_images_matches_a_copy_and_one_product(groups, f, r, n, p, threads, monkeypatch):
    monkeypatch.setattr(kgemm, "GEMM_MIN", 1)
    rng = np.random.default_rng(4)
    w = rng.standard_normal((groups, r, f)).astype(np.float32)
    x = rng.standard_normal((n, groups * f, p)).astype(np.float32)
    fast, ref = kgemm.matmul_from_images(w, x), kgemm.matmul_from_images_reference(w, x)
    assert fast.shape == ref.shape == (groups, r, n * p) and fast.dtype == ref.dtype
    np.testing.assert_allclose(fast, ref, rtol=1e-5, atol=1e-5)
    exact = np.einsum("grf,ngfp->grnp", w.astype(np.float64), x.astype(np.float64).reshape(n, groups, f, p))
    np.testing.assert_allclose(fast, exact.reshape(groups, r, n * p), rtol=1e-5, atol=1e-5)


def test_gemm_splits_large_products_over_the_pool_and_leaves_the_rest_to_numpy(monkeypatch):
    calls, real = [], kgemm.run_split

    def counted(fn, n, *args, **kwargs):
        calls.append(n)
        return real(fn, n, *args, **kwargs)
    monkeypatch.setattr(kgemm, "run_split", counted)
    kthreads.set_num_threads(2)
    try:
        a, b = np.ones((300, 200), np.float32), np.ones((200, 100), np.float32)
        np.testing.assert_array_equal(kgemm.matmul(a, b), np.full((300, 100), 200, np.float32))
        assert calls == [300]                                  # rows: the longer output axis
        np.testing.assert_array_equal(kgemm.matmul(np.arange(3.0), np.ones((3, 2))), [3.0, 3.0])  # 1-D: plain @
        assert kgemm.matmul(np.ones((4, 4), np.int64), np.ones((4, 4), np.int64)).dtype == np.int64
        assert calls == [300]                                  # small products: plain @
        a, b = np.ones((20, 30000), np.float32), np.ones((30000, 10), np.float32)
        np.testing.assert_array_equal(kgemm.matmul(a, b), np.full((20, 10), 30000, np.float32))
        assert calls == [300, 30000]                           # a small output: split along the sums
    finally:
        kthreads.reset_num_threads()


def test_conv_and_linear_through_split_gemms_match_pytorch(threads, monkeypatch):
    """The ops' results with every product and copy split over 1, 2, 3 threads."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(kgemm, "GEMM_MIN", 1)
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 3, 9, 9)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    lw, lb = rng.standard_normal((6, 4 * 7 * 7)), rng.standard_normal(6)
    outs = []
    for lib in (tg, torch):
        xt, wt, bt, lwt, lbt = (lib.tensor(a, requires_grad=True) for a in (x, w, b, lw, lb))
        y = lib.nn.functional.conv2d(xt, wt, bt, stride=1, padding=0)
        z = lib.nn.functional.linear(y.flatten(1), lwt, lbt)
        (z * z).sum().backward()
        outs.append([t.detach().numpy() for t in (z, xt.grad, wt.grad, bt.grad, lwt.grad, lbt.grad)])
    for mine, theirs in zip(*outs):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------- the columns a conv keeps
@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(dilation=2, groups=2)])
def test_conv_with_kept_columns_gradcheck_and_gradgradcheck(kw):
    x, w, b = _leaf((2, 4, 6, 6), 0), _leaf((4, 4 // kw.get("groups", 1), 3, 3), 1), _leaf((4,), 2)
    y = F.conv2d(x, w, b, **kw)
    assert y.grad_fn.kept.cols is not None                   # the columns are kept for backward
    fn = lambda x, w, b: F.conv2d(x, w, b, **kw)        # noqa: E731
    assert gradcheck(fn, [x, w, b], **TOL)
    tg.manual_seed(0)
    assert gradgradcheck(fn, [x, w, b], **TOL)


def test_conv_kept_columns_give_the_same_weight_gradient(monkeypatch):
    x, w = _leaf((2, 3, 7, 7), 0), _leaf((5, 3, 3, 3), 1)
    y = F.conv2d(x, w, stride=2)
    y.square().sum().backward(retain_graph=True)
    kept = w.grad.numpy(force=True)
    assert y.grad_fn.kept.cols is None                        # handed to the first backward, then dropped
    w.grad = None
    y.square().sum().backward()                               # a second backward makes them again
    np.testing.assert_array_equal(w.grad.numpy(force=True), kept)
    w.grad = None
    monkeypatch.setattr(kim2col, "KEEP_COLUMNS", 0)
    y = F.conv2d(x, w, stride=2)
    assert y.grad_fn.kept.cols is None                        # too big to keep: made again in backward
    y.square().sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(force=True), kept)


def test_conv_keeps_no_columns_when_the_weight_needs_no_gradient():
    x = _leaf((1, 2, 5, 5), 0)
    w = tg.tensor(np.ones((3, 2, 3, 3)))
    assert F.conv2d(x, w).grad_fn.kept.cols is None


# ----------------------------------------------------------------------------- max pooling
# (x shape, kernel, stride, padding (before, after) per axis, dilation)
POOL_CASES = [
    ((3, 2, 11), (3,), (2,), ((1, 1),), (1,)),                             # 1-D, overlapping windows
    ((3, 2, 7, 7), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),              # AlexNet's kind of pool
    ((1, 5, 6, 7), (2, 2), (2, 2), ((0, 1), (0, 0)), (1, 1)),              # one image: split by channels; ceil_mode
    ((3, 2, 6, 6), (2, 3), (1, 2), ((1, 0), (1, 1)), (2, 1)),              # dilated, uneven padding
    ((2, 3, 1, 5), (2, 2), (1, 1), ((2, 2), (0, 0)), (3, 1)),              # windows of padding only
    ((3, 2, 4, 5, 4), (2, 2, 2), (2, 1, 2), ((0, 0), (1, 1), (1, 0)), (1, 1, 1)),   # 3-D
    ((3, 2, 6, 8), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),              # MaxPool2d(2): windows tile
    ((2, 3, 7, 9), (2, 3), (3, 3), ((0, 0), (0, 0)), (1, 1)),              # apart, some pixels in none
    ((2, 2, 9, 9), (2, 2), (4, 3), ((0, 0), (0, 0)), (2, 1)),              # apart, dilated
]


def _pool_input(shape, seed, kind):
    rng = np.random.default_rng(seed)
    if kind == "ties":
        return rng.integers(0, 3, shape).astype(np.float32)              # many ties
    x = rng.standard_normal(shape)
    if kind == "nan":
        x[rng.random(shape) < 0.1] = np.nan
    return x


@pytest.mark.parametrize("shape,kernel,stride,padding,dilation", POOL_CASES)
@pytest.mark.parametrize("kind", ["ties", "random", "nan"])
def test_max_pool_winners_are_bit_identical_to_their_reference(shape, kernel, stride, padding, dilation, kind,
                                                                threads):
    x = _pool_input(shape, 7, kind)
    win = Window(stride, padding, dilation)
    out = _out_size(shape[2:], kernel, win)
    best, tap = kpool.max_pool_winners(x, kernel, win, out)
    ref_best, ref_tap = kpool.max_pool_winners_reference(x, kernel, win, out)
    np.testing.assert_array_equal(best, ref_best)
    np.testing.assert_array_equal(tap, ref_tap)
    np.testing.assert_array_equal(kpool.winner_index(tap, shape, kernel, win),
                                  kpool.winner_index_reference(ref_tap, shape, kernel, win))
    if shape == POOL_CASES[4][0]:
        assert (tap == -1).any()                                          # the padding-only windows


@pytest.mark.parametrize("shape,kernel,stride,padding,dilation", POOL_CASES)
@pytest.mark.parametrize("grads", ["finite", "with inf"])
def test_max_pool_scatter_is_bit_identical_to_its_reference(shape, kernel, stride, padding, dilation, grads,
                                                             threads):
    rng = np.random.default_rng(11)
    x = _pool_input(shape, 5, "ties")
    win = Window(stride, padding, dilation)
    out = _out_size(shape[2:], kernel, win)
    _, tap = kpool.max_pool_winners_reference(x, kernel, win, out)
    g = rng.standard_normal(tap.shape).astype(np.float32)
    if grads == "with inf":
        g.flat[::7] = np.inf                                               # inf * 0 must not make NaN
    fast = kpool.max_pool_scatter(g, tap, kernel, win, shape[2:])
    ref = kpool.max_pool_scatter_reference(g, tap, kernel, win, shape[2:])
    np.testing.assert_array_equal(fast, ref)
    assert np.isnan(fast).sum() == 0
    assert not np.signbit(fast[fast == 0]).any()     # no -0.0 (a negative g times "lost"), as in a sum


def test_max_pool_split_over_threads_gives_identical_values_and_grads(monkeypatch):
    """Through the public op: forcing the split on a small input changes nothing, bit for bit."""
    a = np.random.default_rng(0).standard_normal((3, 4, 9, 9)).astype(np.float32)

    def run():
        x = tg.tensor(a, requires_grad=True)
        y = F.max_pool2d(x, 3, stride=2)
        (y * y).sum().backward()
        return y.detach().cpu().numpy(), x.grad.cpu().numpy()

    y0, g0 = run()
    monkeypatch.setattr(kthreads, "PARALLEL_MIN", 1)
    kthreads.set_num_threads(2)
    try:
        y1, g1 = run()
    finally:
        kthreads.reset_num_threads()
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(g0, g1)


# ----------------------------------------------------------------------------- the thread pool
@pytest.mark.parametrize("length", [1, 2, 5, 7])
def test_run_split_covers_the_range_once_in_pieces_on_several_threads(length, threads):
    seen, idents = [], set()
    lock = threading.Lock()

    def fn(lo, hi):
        with lock:
            seen.append((lo, hi))
            idents.add(threading.get_ident())

    kthreads.run_split(fn, length, work=10, array=np.zeros(1))
    assert sorted(i for lo, hi in seen for i in range(lo, hi)) == list(range(length))
    assert len(seen) == min(threads, length) and all(lo < hi for lo, hi in seen)
    assert (len(idents) > 1) == (min(threads, length) > 1)     # pieces after the first go to the pool


def test_run_split_stays_on_one_thread_for_small_work_and_reraises_errors(monkeypatch):
    seen = []
    kthreads.run_split(lambda lo, hi: seen.append((lo, hi)), 8, work=10, array=np.zeros(1))
    assert seen == [(0, 8)]                                   # less than PARALLEL_MIN: one piece
    monkeypatch.setattr(kthreads, "PARALLEL_MIN", 1)
    kthreads.set_num_threads(2)
    try:
        def fail_late(lo, hi):
            if lo > 0:
                raise ValueError("piece failed")
        with pytest.raises(ValueError, match="piece failed"):
            kthreads.run_split(fail_late, 4, work=10, array=np.zeros(1))
    finally:
        kthreads.reset_num_threads()


def test_num_threads_comes_from_the_setting_then_the_environment(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_NUM_THREADS", "1")
    assert kthreads.num_threads() == 1
    kthreads.set_num_threads(3)
    try:
        assert kthreads.num_threads() == 3
    finally:
        kthreads.reset_num_threads()
    for bad in (1.5, True, "2", None):
        with pytest.raises(TypeError, match="must be int"):
            kthreads.set_num_threads(bad)
    for bad in (0, -1):
        with pytest.raises(RuntimeError, match="Expected positive number of threads"):
            kthreads.set_num_threads(bad)


def test_public_thread_api_as_in_pytorch(monkeypatch):
    monkeypatch.delenv("TINYGRAD_EDU_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    assert tg.get_num_threads() == 5                      # the environment's choice
    monkeypatch.setenv("TINYGRAD_EDU_NUM_THREADS", "4")
    assert tg.get_num_threads() == 4                      # ours first
    tg.set_num_threads(2)
    try:
        assert tg.get_num_threads() == 2                  # then set_num_threads, over both
    finally:
        kthreads.reset_num_threads()
    assert tg.get_num_threads() == 4


def test_blas_is_kept_to_one_thread_while_our_pool_splits_work():
    """One pool owns the cores: with threadpoolctl, BLAS runs single-threaded and our pool splits."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    kthreads.set_num_threads(2)
    try:
        assert kthreads.threads_for(1 << 30, np.zeros(1)) == 2
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
        assert kthreads.threads_for(1 << 30, [0.0]) == 1          # not a NumPy array: one piece
        assert kthreads.threads_for(10, np.zeros(1)) == 1         # too little work: one piece
    finally:
        kthreads.reset_num_threads()


def test_without_threadpoolctl_nothing_is_split_unless_blas_is_single_threaded(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("no threadpoolctl")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    monkeypatch.setattr(kthreads, "_blas_single", None)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    kthreads.set_num_threads(2)
    try:
        assert kthreads.threads_for(1 << 30, np.zeros(1)) == 1    # BLAS may be threaded: stay out
        monkeypatch.setattr(kthreads, "_blas_single", None)
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
        assert kthreads.threads_for(1 << 30, np.zeros(1)) == 2    # BLAS on one thread: split
    finally:
        kthreads.reset_num_threads()


# ----------------------------------------------------------------------------- optimizer updates
def _leaf(shape, seed):
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=tg.float64, requires_grad=True)


SGD_RULES = [
    dict(momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False),
    dict(momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=False, maximize=False),
    dict(momentum=0.9, dampening=0.3, weight_decay=0.0, nesterov=False, maximize=True),
    dict(momentum=0.9, dampening=0.0, weight_decay=0.1, nesterov=True, maximize=False),
    dict(momentum=0.5, dampening=0.0, weight_decay=0.1, nesterov=True, maximize=True),
]
ADAM_RULES = [
    dict(weight_decay=0.0, decoupled_weight_decay=False, amsgrad=False, maximize=False),
    dict(weight_decay=0.1, decoupled_weight_decay=False, amsgrad=True, maximize=False),
    dict(weight_decay=0.0, decoupled_weight_decay=False, amsgrad=False, maximize=True),
    dict(weight_decay=0.01, decoupled_weight_decay=True, amsgrad=False, maximize=False),
    dict(weight_decay=0.01, decoupled_weight_decay=True, amsgrad=True, maximize=True),
]
LAYOUTS = ["C", "F grad", "F param", "sliced"]


def _arrays(layout, dtype, rng, shape=(37, 23)):
    """θ and three gradients in the given layout; "sliced" makes PIECE small so many slices are walked."""
    theta = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(3)]
    if layout == "F grad":
        grads = [np.asfortranarray(g) for g in grads]
    if layout == "F param":
        theta = np.asfortranarray(theta)
    return theta, grads


@pytest.mark.parametrize("rule", SGD_RULES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_update_is_bit_identical_to_its_reference(rule, layout, dtype, monkeypatch, threads):
    if layout == "sliced":
        monkeypatch.setattr(koptim, "PIECE", 100)            # 9 slices, the last one short
    theta, grads = _arrays(layout, dtype, np.random.default_rng(1))
    ref_theta, ref_b, b = theta.copy(), None, None
    for g in grads:                                         # the first step (b made) and later ones
        b = koptim.sgd_update_(theta, g, b, lr=0.1, **rule)
        ref_theta, ref_b = koptim.sgd_update_reference(ref_theta, g, ref_b, lr=0.1, **rule)
        np.testing.assert_array_equal(theta, ref_theta)
        np.testing.assert_array_equal(b, ref_b)
    assert theta.dtype == dtype and (b is None) == (rule["momentum"] == 0)


@pytest.mark.parametrize("rule", ADAM_RULES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_update_is_bit_identical_to_its_reference(rule, layout, dtype, monkeypatch, threads):
    if layout == "sliced":
        monkeypatch.setattr(koptim, "PIECE", 100)
    theta, grads = _arrays(layout, dtype, np.random.default_rng(2))
    m, v, v_max = (np.zeros_like(theta) for _ in range(3))
    ref = (theta.copy(), m.copy(), v.copy(), v_max.copy() if rule["amsgrad"] else None)
    hyper = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, **rule)
    for t, g in enumerate(grads, 1):
        koptim.adam_update_(theta, g, m, v, v_max if rule["amsgrad"] else None, step=t, **hyper)
        ref = koptim.adam_update_reference(*ref[:1], g, *ref[1:], step=t, **hyper)
        for fast, slow in zip((theta, m, v), ref[:3]):
            np.testing.assert_array_equal(fast, slow)
        if rule["amsgrad"]:
            np.testing.assert_array_equal(v_max, ref[3])


@pytest.mark.parametrize("weight", [0.0, 0.1, 0.4999, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("with_tmp", [False, True])
def test_lerp_is_bit_identical_to_its_reference(weight, with_tmp):
    rng = np.random.default_rng(4)
    start, end = rng.standard_normal(50).astype(np.float32), rng.standard_normal(50).astype(np.float32)
    expected = koptim.lerp_reference(start, end, weight)
    koptim.lerp_(start, end, weight, tmp=np.empty_like(start) if with_tmp else None)
    np.testing.assert_array_equal(start, expected)
    if weight == 1.0:
        np.testing.assert_array_equal(start, end)             # the second branch lands on end exactly


def test_a_gradient_of_the_wrong_shape_is_refused_before_any_update():
    theta = np.ones((2, 3))
    with pytest.raises(RuntimeError, match=r"the gradient of a parameter has shape \[3, 2\], but the "
                                           r"parameter has shape \[2, 3\]"):
        koptim.sgd_update_(theta, np.ones((3, 2)), None, lr=0.1, momentum=0.9, dampening=0, weight_decay=0,
                           nesterov=False, maximize=False)
    assert (theta == 1).all()


OPTIMIZERS = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3, maximize=True)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    (optim.Adam, dict(lr=0.01, maximize=True)),
    (optim.AdamW, dict(lr=0.01)),
]


def _run(cls, kw, grads, order="C", piece=None, monkeypatch=None):
    if piece is not None:
        monkeypatch.setattr(koptim, "PIECE", piece)
    p = tg.tensor(np.arange(35.0).reshape(5, 7) / 10, dtype=tg.float64, requires_grad=True)
    opt = cls([p], **kw)
    for g in grads:
        p.grad = tg.Tensor._make(np.asarray(g, order=order))
        opt.step()
    return p.numpy(force=True)


@pytest.mark.parametrize("cls,kw", OPTIMIZERS)
def test_optimizer_pieces_and_layouts_give_the_same_numbers(cls, kw, monkeypatch):
    grads = [np.random.default_rng(i).standard_normal((5, 7)) for i in range(3)]
    whole = _run(cls, kw, grads)
    np.testing.assert_array_equal(_run(cls, kw, grads, piece=4, monkeypatch=monkeypatch), whole)  # 9 slices
    np.testing.assert_array_equal(_run(cls, kw, grads, order="F"), whole)   # a transposed .grad


def test_optimizer_step_makes_no_parameter_sized_temporaries():
    import tracemalloc
    p = tg.zeros(1 << 22, requires_grad=True)          # 16 MiB (each thread keeps a 4 MiB scratch buffer)
    p.grad = tg.ones(1 << 22)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()                                         # allocates the momentum buffer
    tracemalloc.start()
    opt.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < (1 << 22) * 4 // 2, peak


def test_state_loaded_in_another_memory_order_still_gives_the_same_numbers():
    """A checkpoint's state in C order for a parameter stored in F order: loaded in the parameter's
    order, so the in-place updates keep walking slices and give the numbers of an unbroken run."""
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal((6, 4)) for _ in range(4)]

    def param():
        return tg.Tensor._make(np.asfortranarray(np.arange(24.0).reshape(6, 4) / 7), requires_grad=True)

    p = param()
    opt = optim.Adam([p], lr=0.01, amsgrad=True)
    for g in grads:
        p.grad = tg.Tensor._make(g)
        opt.step()
    unbroken = p.numpy(force=True)

    q = param()
    first = optim.Adam([q], lr=0.01, amsgrad=True)
    for g in grads[:2]:
        q.grad = tg.Tensor._make(g)
        first.step()
    saved = first.state_dict()
    for s in saved["state"].values():                  # as if saved by a program that stored C order
        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            s[k] = tg.Tensor._make(np.ascontiguousarray(s[k].array))
    second = optim.Adam([q], lr=0.01, amsgrad=True)
    second.load_state_dict(saved)
    assert all(second.state[q][k].array.flags.f_contiguous for k in ("exp_avg", "exp_avg_sq"))
    for g in grads[2:]:
        q.grad = tg.Tensor._make(g)
        second.step()
    np.testing.assert_array_equal(q.numpy(force=True), unbroken)


def test_kernels_reach_arrays_only_through_backend():
    """No kernel module imports numpy or cupy itself (``backend`` is the one door)."""
    import pathlib
    import re
    folder = pathlib.Path(kim2col.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(numpy|cupy)", text, re.M), path.name


def test_every_fast_kernel_has_a_reference():
    pairs = [(kim2col, "im2col"), (kim2col, "col2im"), (kpool, "max_pool_winners"), (kpool, "max_pool_scatter"),
             (koptim, "lerp_"), (koptim, "sgd_update_"), (koptim, "adam_update_"), (kgemm, "matmul_per_image"),
             (kgemm, "matmul_from_images")]
    for module, name in pairs:
        assert callable(getattr(module, name)) and callable(getattr(module, name.rstrip("_") + "_reference"))



# ----------------------------------------------------------------------------- memory kept for reuse
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
@pytest.mark.parametrize("env, changed", [({}, True), ({"TINYGRAD_EDU_MALLOC": "default"}, False),
                                          ({"MALLOC_ARENA_MAX": "2"}, False)])
def test_malloc_keeps_freed_memory_unless_the_user_chose(env, changed):
    """On import, glibc is told to keep freed blocks for reuse (kernels/memory.py); a user's own
    choice (our variable, any MALLOC_* variable, a preloaded allocator) leaves malloc alone."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("MALLOC_") and k not in ("LD_PRELOAD", "TINYGRAD_EDU_MALLOC")}
    code = "import tinygrad_edu.kernels.memory as m; print(m.kept)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**clean, **env},
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(changed)
