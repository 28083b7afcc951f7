"""Convolution and transposed convolution: derivatives (first and second order) over drawn
configurations, agreement with PyTorch, dtype discipline, and every argument check."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck

from op_checks import compare_with_torch
from strategies import leaf, seeds

CONV = {1: "conv1d", 2: "conv2d", 3: "conv3d"}
CONV_T = {1: "conv_transpose1d", 2: "conv_transpose2d", 3: "conv_transpose3d"}


# ----------------------------------------------------------------------------- drawn configurations
@st.composite
def conv_configs(draw, transposed=False, tiny=True):
    """A conv (or transposed conv) with its input shape: 1-D to 3-D, groups, stride, padding,
    dilation, odd sizes, batch 1 to 3. ``tiny`` keeps tensors small enough for finite differences
    (a few dozen elements); otherwise shapes grow for the comparison with PyTorch."""
    d = draw(st.integers(1, 3))
    one = tiny and d == 3  # 3-D volumes grow fast: keep them to one channel per group, one image
    groups = draw(st.integers(1, 2))
    cin = groups * draw(st.integers(1, 1 if one else 2 if tiny else 3))
    cout = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 2 if d == 3 else 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    batch = 1 if one else draw(st.integers(1, 2 if tiny else 3))
    grow = 1 if one else 3 if tiny else 5
    cfg = dict(d=d, groups=groups, stride=stride, dilation=dilation, bias=draw(st.booleans()))
    if transposed:
        padding = tuple(draw(st.integers(0, (dl * (k - 1)) // 2)) for k, dl in zip(kernel, dilation))
        out_pad = tuple(draw(st.integers(0, max(s, dl) - 1)) for s, dl in zip(stride, dilation))
        size = tuple(draw(st.integers(1, grow)) for _ in range(d))
        cfg.update(padding=padding, output_padding=out_pad, x=(batch, cin) + size,
                   w=(cin, cout // groups) + kernel, b=(cout // groups * groups,))
    else:
        padding = tuple(draw(st.integers(0, 1 if one else 2)) for _ in range(d))
        # a padded side at least as long as the dilated kernel, plus a few (odd sizes included)
        size = tuple(max(1, dl * (k - 1) + 1 - 2 * p + draw(st.integers(0, grow)))
                     for k, dl, p in zip(kernel, dilation, padding))
        cfg.update(padding=padding, x=(batch, cin) + size, w=(cout, cin // groups) + kernel, b=(cout,))
    return cfg


def _fn(cfg, transposed):
    """``fn(x, w, b)`` running the drawn op, for gradcheck (b may be None)."""
    name = (CONV_T if transposed else CONV)[cfg["d"]]
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    if transposed:
        kw["output_padding"] = cfg["output_padding"]

    def fn(x, w, b=None):
        return getattr(F, name)(x, w, b, **kw)
    return fn, name, kw


def _leaves(cfg, seed):
    rng = np.random.default_rng(seed)
    xs = [leaf(rng.uniform(-1, 1, cfg["x"])), leaf(rng.uniform(-1, 1, cfg["w"]))]
    if cfg["bias"]:
        xs.append(leaf(rng.uniform(-1, 1, cfg["b"])))
    return xs


# ----------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "conv_transpose"])
@given(data=st.data(), seed=seeds)
def test_gradcheck(transposed, data, seed):
    cfg = data.draw(conv_configs(transposed))
    fn, _, _ = _fn(cfg, transposed)
    assert gradcheck(fn, _leaves(cfg, seed))


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "conv_transpose"])
@given(data=st.data(), seed=seeds)
def test_gradgradcheck(transposed, data, seed):
    """Second derivatives: this exercises ConvTranspose, Conv and ConvWeightGrad as each other's
    backward (the weight gradient's own backward included)."""
    cfg = data.draw(conv_configs(transposed))
    fn, _, _ = _fn(cfg, transposed)
    tg.manual_seed(seed)
    assert gradgradcheck(fn, _leaves(cfg, seed))


def test_third_derivative_exists():
    """Every backward is made of differentiable ops, so even a third derivative runs."""
    x = leaf(np.linspace(-1, 1, 9).reshape(1, 1, 9))
    w = leaf(np.array([[[0.5, -1.0, 2.0]]]))
    y = (F.conv1d(x, w, padding=1) ** 2).sum()
    (gw,) = tg.autograd.grad(y, [w], create_graph=True)
    (gx,) = tg.autograd.grad(gw.sum(), [x], create_graph=True)
    (gww,) = tg.autograd.grad((gx * gx).sum(), [w])
    assert gww.shape == w.shape and np.isfinite(gww.numpy()).all()


# ----------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "conv_transpose"])
@given(data=st.data(), seed=seeds)
@settings(max_examples=25)
def test_matches_torch(transposed, data, seed):
    """Values, gradients of input/weight/bias and second derivatives, float64, to ~1e-10."""
    cfg = data.draw(conv_configs(transposed, tiny=False))
    _, name, kw = _fn(cfg, transposed)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(cfg["x"]), rng.standard_normal(cfg["w"])]
    if cfg["bias"]:
        arrays.append(rng.standard_normal(cfg["b"]))
    compare_with_torch(lambda F_, *t: getattr(F_, name)(*t, **kw), *arrays, seed=seed)


@pytest.mark.parametrize("kernel, dilation", [(3, 1), (4, 1), (2, 3), ((2, 3), (1, 2))])
def test_same_and_valid_padding_match_torch(kernel, dilation):
    """'same' keeps the size, padding an even total unevenly (the extra zero after), as PyTorch."""
    rng = np.random.default_rng(1)
    k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3) + k), rng.standard_normal(4)
    for padding in ("same", "valid"):
        compare_with_torch(lambda F_, *t: F_.conv2d(*t, padding=padding, dilation=dilation), x, w, b)
    assert F.conv2d(tg.tensor(x), tg.tensor(w), padding="same", dilation=dilation).shape == (2, 4, 7, 6)


def test_alexnet_first_layer_matches_torch():
    """11x11 kernels, stride 4, padding 2: AlexNet's conv1 on a small batch."""
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((1, 3, 31, 31)), rng.standard_normal((4, 3, 11, 11)), rng.standard_normal(4)
    compare_with_torch(lambda F_, *t: F_.conv2d(*t, stride=4, padding=2), x, w, b, second_order=False)


# ----------------------------------------------------------------------------- shapes and dtypes
@pytest.mark.parametrize("d", [1, 2, 3])
def test_unbatched_input_matches_batched(d):
    rng = np.random.default_rng(d)
    x = rng.standard_normal((2,) + (5,) * d)
    w = rng.standard_normal((3, 2) + (2,) * d)
    wt = rng.standard_normal((2, 3) + (2,) * d)
    for name, weight in ((CONV[d], w), (CONV_T[d], wt)):
        fn = getattr(F, name)
        one = fn(tg.tensor(x), tg.tensor(weight), stride=2)
        many = fn(tg.tensor(x[None]), tg.tensor(weight), stride=2)
        assert one.shape == many.shape[1:]
        np.testing.assert_array_equal(one.numpy(), many.numpy()[0])


@pytest.mark.parametrize("transposed", [False, True])
def test_float32_stays_float32_through_double_backward(transposed):
    rng = np.random.default_rng(0)
    shapes = ((2, 4, 6, 6), (4, 3, 3, 3), (6,)) if transposed else ((2, 4, 6, 6), (6, 2, 3, 3), (6,))
    x, w, b = (tg.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes)
    fn = F.conv_transpose2d if transposed else F.conv2d
    y = fn(x, w, b, stride=2, padding=1, groups=2)
    assert y.dtype is tg.float32
    grads = tg.autograd.grad((y * y).sum(), [x, w, b], create_graph=True)
    assert all(g.dtype is tg.float32 for g in grads)
    second = tg.autograd.grad(sum((g * g).sum() for g in grads), [x, w, b])
    assert all(g.dtype is tg.float32 for g in second)


def test_transposed_conv_is_the_input_gradient_of_conv():
    """<conv(x, w), y> = <x, conv_transpose(y, w)>: the adjoint identity behind dx."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 2))
    kw = dict(stride=(2, 3), padding=(1, 0), dilation=(1, 2), groups=2)
    y = F.conv2d(tg.tensor(x), tg.tensor(w), **kw)
    v = rng.standard_normal(tuple(y.shape))
    back = F.conv_transpose2d(tg.tensor(v), tg.tensor(w), output_padding=(0, 2), **kw)
    assert back.shape == x.shape
    assert np.isclose((y.numpy() * v).sum(), (x * back.numpy()).sum(), rtol=1e-12)


def test_gradient_of_a_leaf_that_is_also_the_kernel():
    """The same tensor as input and weight: both gradient paths add up (checked numerically)."""
    a = leaf(np.linspace(-1, 1, 4).reshape(1, 1, 4))
    assert gradcheck(lambda t: F.conv1d(t, t, padding=3), [a])


# ----------------------------------------------------------------------------- argument checks
def _t(*shape, dtype=tg.float32):
    return tg.zeros(*shape, dtype=dtype)


ERRORS = [
    (lambda: F.conv2d(_t(10, 10), _t(8, 3, 3, 3)),
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[10, 10\]"),
    (lambda: F.conv1d(_t(1, 3, 5, 5), _t(8, 3, 3)),
     r"Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d, but got input of size: \[1, 3, 5, 5\]"),
    (lambda: F.conv3d(_t(3, 5, 5), _t(8, 3, 3, 3, 3)),
     r"Expected 4D \(unbatched\) or 5D \(batched\) input to conv3d"),
    (lambda: F.conv2d(_t(1, 4, 10, 10), _t(8, 3, 3, 3)),
     r"Given groups=1, weight of size \[8, 3, 3, 3\], expected input\[1, 4, 10, 10\] to have 3 channels, "
     r"but got 4 channels instead"),
    (lambda: F.conv2d(_t(4, 10, 10), _t(8, 3, 3, 3)),  # unbatched: shown with its batch of 1
     r"expected input\[1, 4, 10, 10\] to have 3 channels, but got 4 channels instead"),
    (lambda: F.conv2d(_t(1, 3, 4, 4), _t(8, 3, 5, 5)),
     r"Calculated padded input size per channel: \(4 x 4\)\. Kernel size: \(5 x 5\)\. Kernel size can't be "
     r"greater than actual input size"),
    (lambda: F.conv2d(_t(1, 3, 4, 4), _t(8, 3, 3, 3), dilation=2),  # the dilated kernel spans 5
     r"padded input size per channel: \(4 x 4\)\. Kernel size: \(5 x 5\)"),
    (lambda: F.conv1d(_t(1, 3, 2), _t(8, 3, 5), padding=1),
     r"Calculated padded input size per channel: \(4\)\. Kernel size: \(5\)"),
    (lambda: F.conv2d(_t(1, 6, 10, 10), _t(8, 2, 3, 3), groups=3),
     r"Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size "
     r"\[8, 2, 3, 3\] instead"),
    (lambda: F.conv2d(_t(1, 4, 10, 10), _t(6, 2, 3, 3), groups=3),  # groups does not divide channels
     r"Given groups=3, weight of size \[6, 2, 3, 3\], expected input\[1, 4, 10, 10\] to have 6 channels"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), groups=0), r"non-positive groups is not supported"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), stride=0), r"non-positive stride is not supported"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), stride=(1, -1)), r"non-positive stride is not supported"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), dilation=0),
     r"dilation should be greater than zero, but got \[0, 0\]"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 0, 3)),
     r"kernel size should be greater than zero, but got \[0, 3\]"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), padding=-1), r"negative padding is not supported"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), padding="same", stride=2),
     r"padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(6, 3, 3, 3), padding="full"), r"Invalid padding string: 'full'"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(8, 3, 3, 3), _t(7)),
     r"Given weight of size \[8, 3, 3, 3\], expected bias to be 1-dimensional with 8 elements, but got bias of "
     r"size \[7\] instead"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(8, 3, 3, 3), _t(8, 1)),
     r"expected bias to be 1-dimensional with 8 elements, but got bias of size \[8, 1\]"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(8, 3, 3)), r"Expected 4D weight for conv2d, but got weight of size"),
    (lambda: F.conv2d(_t(1, 3, 10, 10, dtype=tg.float64), _t(8, 3, 3, 3)),
     r"Input type \(float64\) and weight type \(float32\) should be the same"),
    (lambda: F.conv2d(_t(1, 3, 10, 10), _t(8, 3, 3, 3), _t(8, dtype=tg.float64)),
     r"Input type \(float32\) and bias type \(float64\) should be the same"),
    (lambda: F.conv2d(_t(1, 3, 10, 10, dtype=tg.int64), _t(8, 3, 3, 3, dtype=tg.int64)),
     r"expected a floating point input, but got int64"),
    (lambda: F.conv_transpose2d(_t(10, 10), _t(4, 8, 3, 3)),
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv_transpose2d, but got input of size: \[10, 10\]"),
    (lambda: F.conv_transpose2d(_t(1, 4, 10, 10), _t(3, 8, 3, 3)),
     r"Given transposed=1, weight of size \[3, 8, 3, 3\], expected input\[1, 4, 10, 10\] to have 3 channels, "
     r"but got 4 channels instead"),
    (lambda: F.conv_transpose2d(_t(1, 4, 10, 10), _t(4, 8, 3, 3), groups=3),
     r"Given groups=3, expected weight to be divisible by 3 at dimension 0"),
    (lambda: F.conv_transpose2d(_t(1, 4, 10, 10), _t(4, 8, 3, 3), stride=2, output_padding=2),
     r"output padding must be smaller than either stride or dilation"),
    (lambda: F.conv_transpose2d(_t(1, 4, 2, 2), _t(4, 8, 3, 3), padding=3),
     r"Given input size per channel: \(2 x 2\)\. Calculated output size per channel: \(-2 x -2\)\. Output size "
     r"is too small"),
    (lambda: F.conv_transpose2d(_t(1, 4, 2, 2), _t(4, 8, 3, 3), padding=-1), r"negative padding is not supported"),
    (lambda: F.conv_transpose2d(_t(1, 4, 2, 2), _t(4, 8, 3, 3), stride=0), r"non-positive stride is not supported"),
    (lambda: F.conv_transpose2d(_t(1, 4, 2, 2), _t(4, 8, 3, 3), _t(4)),
     r"Given transposed=1, weight of size \[4, 8, 3, 3\], expected bias to be 1-dimensional with 8 elements"),
]


@pytest.mark.parametrize("call, message", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_error_messages(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_checks_run_before_any_array_work(monkeypatch):
    """A bad call fails in our checks, never inside im2col."""
    from tinygrad_edu.ops import conv
    monkeypatch.setattr(conv, "im2col", lambda *a, **k: pytest.fail("im2col ran before the checks"))
    for call, message in ERRORS:
        with pytest.raises(RuntimeError, match=message):
            call()


def test_bad_argument_types():
    with pytest.raises(TypeError, match="argument 'stride' must be an int or a tuple of 2 ints"):
        F.conv2d(_t(1, 3, 5, 5), _t(2, 3, 3, 3), stride=(1, 2, 3))
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor"):
        F.conv2d(np.zeros((1, 3, 5, 5)), _t(2, 3, 3, 3))


# ----------------------------------------------------------------------------- on the GPU
def run_on(device, fn, arrays):
    """Output, gradients and second-order gradients of ``fn`` on ``device``, as NumPy arrays."""
    ts = [tg.tensor(a, device=device, requires_grad=True) for a in arrays]
    y = fn(*ts)
    grads = tg.autograd.grad((y * y).sum(), ts, create_graph=True)
    second = tg.autograd.grad(sum((g * g).sum() for g in grads), ts, allow_unused=True)
    return [t.detach().cpu().numpy() for t in (y, *grads, *second) if t is not None]


needs_cuda = pytest.mark.skipif(not tg.cuda.is_available(), reason="needs a CUDA GPU and CuPy")


@needs_cuda
@pytest.mark.parametrize("name, shapes, kw", [
    ("conv1d", [(2, 4, 9), (6, 2, 3), (6,)], dict(stride=2, padding=1, groups=2)),
    ("conv2d", [(2, 3, 9, 8), (4, 3, 3, 2), (4,)], dict(stride=(2, 1), padding="valid", dilation=(1, 2))),
    ("conv2d", [(3, 9, 8), (4, 3, 4, 4), (4,)], dict(padding="same")),
    ("conv3d", [(1, 2, 5, 4, 5), (2, 2, 2, 3, 2), (2,)], dict(stride=(1, 2, 1), padding=1)),
    ("conv_transpose2d", [(2, 4, 5, 4), (4, 3, 3, 2), (6,)],
     dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))),
    ("conv_transpose3d", [(1, 2, 3, 2, 3), (2, 2, 2, 3, 2), (2,)], dict(stride=2, padding=1)),
])
def test_cuda_matches_cpu(name, shapes, kw):
    """The same code on CuPy: values, gradients and second derivatives as on the CPU."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    fn = lambda *t: getattr(F, name)(*t, **kw)  # noqa: E731
    for ours, cpu in zip(run_on("cuda", fn, arrays), run_on("cpu", fn, arrays)):
        np.testing.assert_allclose(ours, cpu, rtol=1e-10, atol=1e-10)
    x = tg.tensor(arrays[0].astype(np.float32), device="cuda")
    w = tg.tensor(arrays[1].astype(np.float32), device="cuda")
    y = getattr(F, name)(x, w, **kw)
    assert y.dtype is tg.float32 and y.device == tg.device("cuda")
