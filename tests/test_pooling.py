"""Max, average and adaptive pooling: derivatives (first and second order) over drawn
configurations, agreement with PyTorch (values, indices, gradients), the tie rule, and every
argument check. Max pooling is tested on values with no ties (``strategies.distinct``), so the
finite differences never straddle a change of winner."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.ops.output_size import conv_output_size

from op_checks import compare_with_torch
from strategies import distinct, leaf, seeds

MAX = {1: "max_pool1d", 2: "max_pool2d", 3: "max_pool3d"}
AVG = {1: "avg_pool1d", 2: "avg_pool2d", 3: "avg_pool3d"}
ADAPTIVE_AVG = {1: "adaptive_avg_pool1d", 2: "adaptive_avg_pool2d", 3: "adaptive_avg_pool3d"}
ADAPTIVE_MAX = {1: "adaptive_max_pool1d", 2: "adaptive_max_pool2d"}


# ----------------------------------------------------------------------------- drawn configurations
def _some_window_is_only_padding(size, k, s, p, dl, out):
    return any(not any(0 <= o * s - p + j * dl < size for j in range(k)) for o in range(out))


@st.composite
def pool_configs(draw, kind, tiny=True):
    """A pool and its input shape: 1-D to 3-D, kernel, stride (None: the kernel), padding up to
    half the (dilated) kernel, ceil_mode, odd sizes, batch and channels 1 or 2."""
    d = draw(st.integers(1, 3))
    kmax = 2 if d == 3 else 3
    kernel = tuple(draw(st.integers(1, kmax)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d)) if kind == "max" else (1,) * d
    stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * d)))
    # we allow half the dilated kernel; PyTorch's CPU kernels only half the kernel itself
    padding = tuple(draw(st.integers(0, (dl * (k - 1) + 1) // 2 if tiny else k // 2))
                    for k, dl in zip(kernel, dilation))
    grow = (1 if d == 3 else 3) if tiny else 5
    # PyTorch's 3-D pools want the input itself as large as the kernel, padding aside
    size = tuple(max(1, dl * (k - 1) + 1 - (0 if d == 3 and not tiny else 2 * p) + draw(st.integers(0, grow)))
                 for k, dl, p in zip(kernel, dilation, padding))
    lead = (1, 1) if d == 3 and tiny else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    ceil_mode = draw(st.booleans())
    st_ = stride or kernel
    outs = [conv_output_size(*a, ceil_mode=ceil_mode) for a in zip(size, kernel, st_, padding, dilation)]
    assume(not any(_some_window_is_only_padding(*a) for a in zip(size, kernel, st_, padding, dilation, outs)))
    kw = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    if kind == "max":
        kw["dilation"] = dilation
    else:
        kw["count_include_pad"] = draw(st.booleans())
        if d > 1 and draw(st.booleans()):
            kw["divisor_override"] = draw(st.integers(1, 5))
    name = (MAX if kind == "max" else AVG)[d]
    return name, lead + size, kw


@st.composite
def adaptive_configs(draw, kind, tiny=True):
    """An adaptive pool: any input size, any output size (larger than the input too), None kept."""
    d = draw(st.integers(1, 2 if kind == "max" else 3))
    top = (2 if d == 3 else 5) if tiny else 7
    size = tuple(draw(st.integers(1, top)) for _ in range(d))
    sides = st.one_of(st.none(), st.integers(1, top)) if d > 1 else st.integers(1, top)  # (as PyTorch)
    out = tuple(draw(sides) for _ in range(d))
    lead = (1, 1) if d == 3 and tiny else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_size = out[0] if d == 1 and draw(st.booleans()) else out
    name = (ADAPTIVE_MAX if kind == "max" else ADAPTIVE_AVG)[d]
    if draw(st.booleans()):
        lead = lead[1:]  # unbatched
    return name, lead + size, dict(output_size=output_size)


def _pool(name, kw):
    return lambda x: getattr(F, name)(x, **kw)


KINDS = ["max", "avg"]


# ----------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), seed=seeds)
def test_pool_gradcheck(kind, data, seed):
    name, shape, kw = data.draw(pool_configs(kind))
    assert gradcheck(_pool(name, kw), [leaf(distinct(shape, seed))])


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), seed=seeds)
def test_pool_gradgradcheck(kind, data, seed):
    """Max: its backward is a scatter, whose backward is a gather. Avg: conv_transpose, then conv."""
    name, shape, kw = data.draw(pool_configs(kind))
    tg.manual_seed(seed)
    assert gradgradcheck(_pool(name, kw), [leaf(distinct(shape, seed))])


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), seed=seeds)
def test_adaptive_gradcheck_and_gradgradcheck(kind, data, seed):
    name, shape, kw = data.draw(adaptive_configs(kind))
    x = leaf(distinct(shape, seed))
    assert gradcheck(_pool(name, kw), [x])
    tg.manual_seed(seed)
    assert gradgradcheck(_pool(name, kw), [x])


# ----------------------------------------------------------------------------- against PyTorch
def _assert_same_indices(name, shape, kw, x):
    torch = pytest.importorskip("torch")
    y, idx = getattr(F, name)(tg.tensor(x), **kw, return_indices=True)
    ty, tidx = getattr(torch.nn.functional, name)(torch.tensor(x), **kw, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())  # (NaNs compare equal here)
    assert idx.dtype is tg.int64


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), seed=seeds)
def test_pool_matches_torch(kind, data, seed):
    """Values, gradients and second derivatives in float64; for max pooling the indices too."""
    name, shape, kw = data.draw(pool_configs(kind, tiny=False))
    x = distinct(shape, seed)
    compare_with_torch(lambda F_, t: getattr(F_, name)(t, **kw), x, seed=seed)
    if kind == "max":
        _assert_same_indices(name, shape, kw, x)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), seed=seeds)
def test_adaptive_matches_torch(kind, data, seed):
    name, shape, kw = data.draw(adaptive_configs(kind, tiny=False))
    x = distinct(shape, seed)
    compare_with_torch(lambda F_, t: getattr(F_, name)(t, **kw), x, seed=seed)
    if kind == "max":
        _assert_same_indices(name, shape, kw, x)


# ----------------------------------------------------------------------------- max pooling's rules
def test_ties_go_to_the_first_maximum_in_window_order():
    """On ties the first maximal element in row-major window order wins (PyTorch's CPU rule): it
    gets the whole gradient and its index is returned."""
    x = tg.tensor([[[[1.0, 3.0, 3.0],
                     [3.0, 0.0, 3.0],
                     [3.0, 3.0, 2.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert idx.tolist() == [[[[1, 1], [3, 5]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0, 2, 0], [1, 0, 1], [0, 0, 0]]]]
    torch = pytest.importorskip("torch")
    _, tidx = torch.nn.functional.max_pool2d(torch.tensor(x.detach().numpy()), 2, stride=1, return_indices=True)
    assert tidx.tolist() == idx.tolist()


def test_ties_in_1d_with_padding_match_torch():
    x = np.ones((1, 1, 5))
    for kw in (dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, stride=1, dilation=2)):
        _assert_same_indices("max_pool1d", x.shape, kw, x)


def test_nan_propagates_as_in_torch():
    """A NaN in a window wins it (the last NaN, as PyTorch's kernel picks), so NaN shows up."""
    x = np.array([[[np.nan, 1.0, np.nan, 2.0, 0.5]]])
    _assert_same_indices("max_pool1d", x.shape, dict(kernel_size=3, stride=1, padding=1), x)


def test_overlapping_windows_add_up_the_gradient():
    """A pixel that wins two overlapping windows gets both gradients (scatter-add)."""
    x = tg.tensor([[[0.0, 5.0, 1.0, 2.0]]], requires_grad=True)
    F.max_pool1d(x, 2, stride=1).sum().backward()
    assert x.grad.tolist() == [[[0, 2, 0, 1]]]


def test_windows_only_in_padding_give_minus_infinity_as_torch():
    torch = pytest.importorskip("torch")
    x = tg.tensor([[[5.0]]], requires_grad=True)
    y = F.max_pool1d(x, 2, stride=1, padding=1, dilation=2)
    t = torch.nn.functional.max_pool1d(torch.tensor([[[5.0]]]), 2, stride=1, padding=1, dilation=2)
    assert y.tolist() == t.tolist() == [[[float("-inf")]]]


# ----------------------------------------------------------------------------- shapes and dtypes
@pytest.mark.parametrize("call", [
    lambda x: F.max_pool2d(x, 3, 2, 1),
    lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True)[0],
    lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 3, 2, ceil_mode=True, divisor_override=4),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda x: F.adaptive_max_pool2d(x, 3),
])
def test_float32_stays_float32_through_double_backward(call):
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32), requires_grad=True)
    y = call(x)
    assert y.dtype is tg.float32
    (g,) = tg.autograd.grad((y * y).sum(), [x], create_graph=True)
    assert g.dtype is tg.float32
    (gg,) = tg.autograd.grad((g * g).sum(), [x])
    assert gg.dtype is tg.float32


@pytest.mark.parametrize("d", [1, 2, 3])
def test_unbatched_matches_batched(d):
    x = distinct((2,) + (5,) * d, seed=d)
    calls = [lambda t: getattr(F, MAX[d])(t, 2, 1, 1), lambda t: getattr(F, AVG[d])(t, 3, 2, 1),
             lambda t: getattr(F, ADAPTIVE_AVG[d])(t, 3)]
    if d < 3:
        calls.append(lambda t: getattr(F, ADAPTIVE_MAX[d])(t, 3))
    for call in calls:
        one, many = call(tg.tensor(x)), call(tg.tensor(x[None]))
        np.testing.assert_array_equal(one.numpy(), many.numpy()[0])


def test_alexnet_pools():
    """AlexNet's 3x3/2 max pools take 55 -> 27 -> 13 -> 6; its adaptive avg pool keeps 6x6."""
    x = tg.zeros(1, 2, 55, 55)
    for size in (27, 13, 6):
        x = F.max_pool2d(x, 3, 2)
        assert x.shape == (1, 2, size, size)
    assert F.adaptive_avg_pool2d(x, (6, 6)).shape == (1, 2, 6, 6)
    assert F.adaptive_avg_pool2d(tg.zeros(1, 2, 13, 13), (6, 6)).shape == (1, 2, 6, 6)


# ----------------------------------------------------------------------------- argument checks
def _t(*shape, dtype=tg.float32):
    return tg.zeros(*shape, dtype=dtype)


ERRORS = [
    (lambda: F.max_pool2d(_t(1, 3, 10, 10), 3, padding=2),
     r"pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: F.max_pool2d(_t(1, 3, 10, 10), 3, padding=(0, 3), dilation=2),
     r"pad should be at most half of effective kernel size, but got pad=3, kernel_size=3 and dilation=2"),
    (lambda: F.avg_pool2d(_t(1, 3, 10, 10), 3, padding=2),
     r"pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: F.max_pool1d(_t(1, 3, 10), 3, padding=2), r"pad should be at most half of effective kernel size"),
    (lambda: F.max_pool3d(_t(1, 1, 5, 5, 5), 3, padding=2), r"pad should be at most half of effective kernel size"),
    (lambda: F.max_pool2d(_t(10), 3),
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to max_pool2d, but got input of size: \[10\]"),
    (lambda: F.max_pool1d(_t(1, 3, 10, 10), 3),
     r"Expected 2D \(unbatched\) or 3D \(batched\) input to max_pool1d, but got input of size: \[1, 3, 10, 10\]"),
    (lambda: F.avg_pool3d(_t(3, 10, 10), 3), r"Expected 4D \(unbatched\) or 5D \(batched\) input to avg_pool3d"),
    (lambda: F.max_pool2d(_t(1, 3, 2, 2), 3),
     r"Given input size: \(3x2x2\)\. Calculated output size: \(3x0x0\)\. Output size is too small"),
    (lambda: F.avg_pool2d(_t(1, 3, 2, 2), 3), r"Output size is too small"),
    (lambda: F.max_pool2d(_t(1, 3, 10, 10), 0), r"kernel size should be greater than zero, but got \[0, 0\]"),
    (lambda: F.max_pool2d(_t(1, 3, 10, 10), 3, stride=0), r"non-positive stride is not supported"),
    (lambda: F.avg_pool1d(_t(1, 3, 10), 3, stride=-1), r"non-positive stride is not supported"),
    (lambda: F.max_pool2d(_t(1, 3, 10, 10), 3, dilation=0), r"dilation should be greater than zero, but got \[0, 0\]"),
    (lambda: F.max_pool2d(_t(1, 3, 10, 10), 3, padding=-1), r"negative padding is not supported"),
    (lambda: F.avg_pool2d(_t(1, 3, 10, 10), 3, divisor_override=0), r"divisor must be not zero"),
    (lambda: F.max_pool2d(_t(1, 3, 10, 10, dtype=tg.int64), 2), r"expected a floating point input, but got int64"),
    (lambda: F.adaptive_avg_pool2d(_t(10), 3), r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[10\]"),
    (lambda: F.adaptive_max_pool1d(_t(10), 3), r"adaptive_max_pool1d\(\): Expected 2D or 3D tensor, but got \[10\]"),
    (lambda: F.adaptive_avg_pool3d(_t(1, 10, 10), 3), r"adaptive_avg_pool3d\(\): Expected 4D or 5D tensor"),
    (lambda: F.adaptive_avg_pool2d(_t(1, 3, 10, 10), -1),
     r"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0"),
    (lambda: F.adaptive_avg_pool2d(_t(1, 3, 10, 10), (3, 3, 3)), r"adaptive_avg_pool2d: output_size must be 2"),
    (lambda: F.adaptive_max_pool2d(_t(1, 3, 0, 10), 3),
     r"Expected input to have non-zero size for non-batch dimensions, but input has sizes \[1, 3, 0, 10\] with "
     r"dimension 2 being empty"),
]


@pytest.mark.parametrize("call, message", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_error_messages(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_bad_kernel_size_type():
    with pytest.raises(TypeError, match="argument 'kernel_size' must be an int or a tuple of 2 ints"):
        F.max_pool2d(_t(1, 1, 4, 4), (2, 2, 2))


# ----------------------------------------------------------------------------- on the GPU
needs_cuda = pytest.mark.skipif(not tg.cuda.is_available(), reason="needs a CUDA GPU and CuPy")


@needs_cuda
@pytest.mark.parametrize("name, shape, kw", [
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1),
                                      ceil_mode=True, return_indices=True)),
    ("max_pool3d", (1, 2, 5, 4, 5), dict(kernel_size=2, stride=1, padding=1, return_indices=True)),
    ("max_pool1d", (1, 1, 1), dict(kernel_size=2, stride=1, padding=1, dilation=2, return_indices=True)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool3d", (1, 2, 5, 4, 5), dict(kernel_size=2, stride=2, padding=1, divisor_override=3)),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), dict(output_size=(3, None))),
    ("adaptive_max_pool2d", (2, 3, 7, 6), dict(output_size=(3, 4), return_indices=True)),
])
def test_cuda_matches_cpu(name, shape, kw):
    """The same code on CuPy: values, indices, gradients and second derivatives as on the CPU."""
    for ours, cpu in zip(run_on("cuda", name, shape, kw), run_on("cpu", name, shape, kw)):
        np.testing.assert_allclose(ours, cpu, rtol=1e-10, atol=1e-10)


def run_on(device, name, shape, kw):
    """Output, gradient, second-order gradient (and indices) of a pool on ``device``, as arrays."""
    t = tg.tensor(distinct(shape, seed=0), device=device, requires_grad=True)
    out = getattr(F, name)(t, **kw)
    y, idx = out if kw.get("return_indices") else (out, None)
    finite = tg.where(tg.tensor(np.isfinite(y.detach().cpu().numpy()), device=device), y, 0.0)
    (g,) = tg.autograd.grad((finite * finite).sum(), [t], create_graph=True)
    (gg,) = tg.autograd.grad((g * g).sum(), [t], allow_unused=True)
    return [a.detach().cpu().numpy() for a in (y, g, gg, idx) if a is not None]
