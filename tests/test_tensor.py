"""Tensor basics: creation functions, attributes, conversions, repr, and PyTorch's dtype rules.

Written device-agnostically: values are compared on the host (``npy``), and tensors are made on
the default device (``TINYGRAD_EDU_DEVICE``), so the suite runs unchanged on a GPU."""
import itertools
import math
import os

import numpy as np
import pytest

import tinygrad_edu as tg

DEVICE = tg.device(os.environ.get("TINYGRAD_EDU_DEVICE", "cpu") or "cpu")
on_cpu = pytest.mark.skipif(DEVICE.type != "cpu", reason="NumPy memory sharing exists on the CPU only")


def npy(t):
    return np.asarray(t.detach().cpu())


# ----------------------------------------------------------------------------- tensor() and friends
@pytest.mark.parametrize("data, dtype", [
    (1.5, tg.float32), ([1.0, 2.0], tg.float32), ([1, 2.5], tg.float32), (3, tg.int64), ([1, 2], tg.int64),
    (True, tg.bool), ([True, False], tg.bool), ([True, 2], tg.int64), ([[1, 2], [3, 4]], tg.int64),
    (((1.0,), (2.0,)), tg.float32), ([], tg.float32), (np.float64(2.0), tg.float64),
    (np.array([1, 2], dtype=np.int32), tg.int32), (np.array([1.0], dtype=np.float16), tg.float16),
    (np.array([1, 2], dtype=np.int16), tg.int64), (np.arange(3.0), tg.float64),
])
def test_tensor_infers_dtype_like_pytorch(data, dtype):
    t = tg.tensor(data)
    assert t.dtype is dtype
    np.testing.assert_array_equal(npy(t), np.asarray(data))
    assert t.device == DEVICE


def test_tensor_dtype_and_device_arguments():
    t = tg.tensor([1, 2], dtype=tg.float64)
    assert t.dtype is tg.float64 and t.device == DEVICE
    assert tg.tensor([1.5], dtype=tg.int32).tolist() == [1]
    assert tg.tensor([1.0], device="cpu").device == tg.device("cpu")
    assert tg.tensor(2.0, dtype=float).dtype is tg.float32 and tg.tensor(2, dtype=int).dtype is tg.int64
    assert tg.tensor(1, dtype="float64").dtype is tg.float64 and tg.tensor(1, dtype=np.float32).dtype is tg.float32


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = tg.tensor(a)
    a[0] = 99
    assert npy(t)[0] == 1.0
    u = tg.tensor(t)
    with tg.no_grad():
        t.add_(1)
    assert npy(u).tolist() == [1.0, 2.0]


def test_tensor_of_tensors():
    t = tg.tensor([tg.tensor(1.0), tg.tensor(2.0)])
    assert t.tolist() == [1.0, 2.0]
    assert tg.tensor([tg.tensor([1, 2]), tg.tensor([3, 4])]).shape == (2, 2)


def test_legacy_constructor_makes_float():
    assert tg.Tensor([1, 2]).dtype is tg.float32
    assert tg.Tensor().shape == (0,)
    assert tg.Tensor([1.0], requires_grad=True).requires_grad


@on_cpu
def test_as_tensor_and_from_numpy_share_memory():
    a = np.arange(3.0)
    t, u = tg.as_tensor(a), tg.from_numpy(a)
    a[0] = 7.0
    assert npy(t)[0] == 7.0 and npy(u)[0] == 7.0
    with tg.no_grad():
        u.add_(1)
    assert a[1] == 2.0
    assert t.dtype is tg.float64
    assert tg.as_tensor(a, dtype=tg.float32).dtype is tg.float32


def test_from_numpy_refuses_other_things():
    with pytest.raises(TypeError, match="expected np.ndarray"):
        tg.from_numpy([1, 2])


def test_as_tensor_of_a_tensor_is_the_tensor():
    t = tg.ones(2)
    assert tg.as_tensor(t) is t


# ----------------------------------------------------------------------------- filled, ranges, random
def test_filled_creation_functions():
    for fn, value in ((tg.zeros, 0.0), (tg.ones, 1.0)):
        t = fn(2, 3)
        assert t.shape == (2, 3) and t.dtype is tg.float32 and t.device == DEVICE
        assert (npy(t) == value).all()
        assert fn((2, 3)).shape == (2, 3) and fn([4]).shape == (4,) and fn().shape == ()
        assert fn(2, dtype=tg.int64).dtype is tg.int64
    assert tg.empty(3, 1).shape == (3, 1) and tg.empty(2).dtype is tg.float32
    assert tg.full((2,), 1.5).tolist() == [1.5, 1.5] and tg.full((2,), 1.5).dtype is tg.float32
    assert tg.full((2,), 7).dtype is tg.int64 and tg.full((1,), True).dtype is tg.bool
    assert tg.full((2,), 3, dtype=tg.float64).dtype is tg.float64
    assert tg.zeros(2, requires_grad=True).requires_grad


def test_like_functions_follow_their_input():
    x = tg.ones(2, 3, dtype=tg.float64)
    for fn in (tg.zeros_like, tg.ones_like, tg.empty_like, tg.rand_like, tg.randn_like):
        t = fn(x)
        assert t.shape == (2, 3) and t.dtype is tg.float64 and t.device == x.device
    assert (npy(tg.full_like(x, 4)) == 4).all() and tg.full_like(x, 4).dtype is tg.float64
    assert tg.zeros_like(x, dtype=tg.float32).dtype is tg.float32
    assert tg.ones_like(tg.arange(3)).dtype is tg.int64


def test_arange_linspace_eye():
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype is tg.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tg.arange(3, 0, -1).tolist() == [3, 2, 1]
    np.testing.assert_allclose(npy(tg.arange(0, 1, 0.25)), [0, 0.25, 0.5, 0.75])
    assert tg.arange(0, 1, 0.25).dtype is tg.float32 and tg.arange(4.0).dtype is tg.float32
    assert tg.arange(3, dtype=tg.float64).dtype is tg.float64
    assert tg.arange(2, 2).shape == (0,)
    np.testing.assert_allclose(npy(tg.linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1.0])
    assert tg.linspace(0, 1, 5).dtype is tg.float32 and tg.linspace(-1, 1, 1).tolist() == [-1.0]
    np.testing.assert_array_equal(npy(tg.eye(2, 3)), np.eye(2, 3))
    assert tg.eye(3).shape == (3, 3) and tg.eye(2).dtype is tg.float32


def test_random_functions_ranges_and_dtypes():
    tg.manual_seed(0)
    r = tg.rand(1000)
    assert r.dtype is tg.float32 and 0 <= npy(r).min() and npy(r).max() < 1
    n = tg.randn(4000, dtype=tg.float64)
    assert n.dtype is tg.float64 and abs(npy(n).mean()) < 0.1 and abs(npy(n).std() - 1) < 0.1
    i = tg.randint(3, 7, (500,))
    assert i.dtype is tg.int64 and set(npy(i).tolist()) == {3, 4, 5, 6}
    assert tg.randint(10, (3,)).shape == (3,) and tg.randint(10, size=(2, 2)).shape == (2, 2)
    assert sorted(tg.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert tg.rand(2, 3).device == DEVICE and tg.randn((2, 3)).shape == (2, 3)


def test_manual_seed_reproduces_every_draw():
    def draws():
        return [npy(tg.rand(3)), npy(tg.randn(2, 2)), npy(tg.randint(0, 100, (4,))), npy(tg.randperm(6)),
                npy(tg.empty(3).uniform_(-1, 1)), npy(tg.empty(3).normal_())]

    tg.manual_seed(1234)
    a = draws()
    tg.manual_seed(1234)
    b = draws()
    tg.manual_seed(4321)
    c = draws()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any((x != y).any() for x, y in zip(a, c))
    assert tg.default_generator.initial_seed() == 4321


def test_a_separate_generator():
    g1, g2 = tg.Generator().manual_seed(5), tg.Generator().manual_seed(5)
    np.testing.assert_array_equal(npy(tg.rand(4, generator=g1)), npy(tg.rand(4, generator=g2)))


# ----------------------------------------------------------------------------- attributes
def test_shape_size_dim_numel():
    t = tg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tg.Size) and repr(t.shape) == "tinygrad_edu.Size([2, 3, 4])"
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.shape[1:] == (3, 4) and isinstance(t.shape[1:], tg.Size) and t.shape.numel() == 24
    assert t.dim() == 3 and t.ndim == 3 and t.ndimension() == 3
    assert t.numel() == 24 and t.nelement() == 24 and tg.numel(t) == 24
    assert len(t) == 2 and t.element_size() == 4
    assert tg.tensor(1.0).shape == () and tg.tensor(1.0).numel() == 1


def test_dtype_and_device_attributes():
    t = tg.ones(2)
    assert t.dtype is tg.float32 and repr(t.dtype) == "tinygrad_edu.float32"
    assert t.device == DEVICE and t.device == str(DEVICE) and t.is_cuda == (DEVICE.type == "cuda")
    assert t.is_floating_point() and not tg.arange(2).is_floating_point()
    assert t.type() == "tinygrad_edu.float32" and t.double().dtype is tg.float64
    assert t.long().dtype is tg.int64 and t.int().dtype is tg.int32 and t.half().dtype is tg.float16
    assert t.bool().dtype is tg.bool and t.double().float().dtype is tg.float32
    assert t.type_as(tg.arange(2)).dtype is tg.int64 and t.to(tg.ones(1, dtype=tg.float64)).dtype is tg.float64
    assert tg.get_default_dtype() is tg.float32 and tg.is_tensor(t) and not tg.is_tensor(1.0)


def test_transposes():
    m = tg.arange(6).reshape(2, 3)
    assert m.T.shape == (3, 2) and m.T.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert tg.zeros(2, 3, 4).T.shape == (4, 3, 2) and tg.zeros(2, 3, 4).mT.shape == (2, 4, 3)
    assert m.t().shape == (3, 2) and tg.ones(3).T.shape == (3,)


def _version(t):
    return t._version if isinstance(t._version, int) else t._version[0]  # torch's int, our shared list


@pytest.mark.parametrize("make", [
    lambda t: t.view(t.shape), lambda t: t.view(2, 3), lambda t: t.reshape(-1, 3), lambda t: t.view_as(t),
    lambda t: t.squeeze(), lambda t: t.squeeze(0), lambda t: t.transpose(1, 1), lambda t: t.unsqueeze(0),
    lambda t: t.flatten(), lambda t: t.flatten(1, 1), lambda t: t[0].t(), lambda t: t[1:],
    lambda t: t.split(1, dim=1)[0],
], ids=["view-same", "view-sizes", "reshape-inferred", "view_as", "squeeze-none", "squeeze-size2",
        "transpose-same-dim", "unsqueeze", "flatten", "flatten-nothing", "t-of-1d", "slice", "split"])
def test_views_share_memory_and_version_counter_like_pytorch(make):
    """A view is a new tensor (flatten of nothing aside), recorded in the graph, and an in-place
    change through it shows in its base and moves the version counter they share."""
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (tg, torch):
        x = lib.arange(6.0).reshape(2, 3)
        before = _version(x)
        y = make(x)
        y.add_(1)
        w = lib.ones(2, 3, requires_grad=True)
        v = make(w)
        (v * 2).sum().backward()
        seen[lib.__name__] = (y is x, x.tolist(), _version(x) - before, _version(y), v is w, v.is_leaf,
                              w.grad.tolist())
    assert seen["tinygrad_edu"] == seen["torch"]


def test_reshape_that_copies_keeps_its_own_version_counter():
    x = tg.arange(6.0).reshape(2, 3).t()  # not contiguous: reshape(-1) has to copy
    y = x.reshape(-1)
    y.add_(1)
    assert x._version[0] == 0 and y._version[0] == 1 and x.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_item_tolist_numpy_array():
    assert tg.tensor(2.5).item() == 2.5 and isinstance(tg.tensor(3).item(), int)
    assert tg.tensor([[1.5]]).item() == 1.5
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        tg.ones(2).item()
    assert tg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]] and tg.tensor(1.0).tolist() == 1.0
    a = np.asarray(tg.tensor([1.0, 2.0]).cpu())
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    assert np.asarray(tg.tensor([1, 2]), dtype=np.float64).dtype == np.float64
    assert isinstance(tg.tensor([1.0]).cpu().numpy(), np.ndarray)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        tg.ones(1, requires_grad=True).cpu().numpy()
    assert tg.ones(1, requires_grad=True).detach().cpu().numpy().tolist() == [1.0]


@on_cpu
def test_numpy_shares_memory_on_the_cpu():
    t = tg.zeros(2)
    t.numpy()[0] = 5
    assert t.tolist() == [5.0, 0.0]


def test_python_number_conversions():
    assert float(tg.tensor(1.5)) == 1.5 and int(tg.tensor(2.7)) == 2 and bool(tg.tensor(1))
    assert [10, 20, 30][tg.tensor(1)] == 20
    assert f"{tg.tensor(0.5):.2f}" == "0.50"
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with 2 values is ambiguous"):
        bool(tg.ones(2))
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][tg.tensor(1.0)]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tg.tensor(1.0))
    assert [r.tolist() for r in tg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_numpy_arrays_and_scalars_on_either_side():
    t = tg.ones(2)
    assert isinstance(np.float64(2.0) * t, tg.Tensor) and (np.float64(2.0) * t).dtype is tg.float32
    assert isinstance(t + np.float32(1), tg.Tensor)
    r = np.ones(2) + tg.ones(2).cpu()  # an ndarray on the left defers to the tensor
    assert isinstance(r, tg.Tensor) and r.dtype is tg.float64


# ----------------------------------------------------------------------------- repr
@pytest.mark.skipif(DEVICE.type != "cpu", reason="PyTorch's repr on the CPU")
@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([0.1, 0.2]), lambda lib: lib.tensor([1.0, 2.0]), lambda lib: lib.tensor(1.5),
    lambda lib: lib.tensor([[1.0, -2.0], [3.0, 4.5]]), lambda lib: lib.tensor([1e-5, 1.0]),
    lambda lib: lib.tensor([1e10, 1.0]), lambda lib: lib.tensor([float("nan"), 1.0, float("inf")]),
    lambda lib: lib.tensor([True, False]), lambda lib: lib.tensor([1, 2]),
    lambda lib: lib.tensor([1, 2], dtype=lib.int32), lambda lib: lib.tensor([1.5], dtype=lib.float64),
    lambda lib: lib.tensor([]), lambda lib: lib.zeros(2, 0), lambda lib: lib.zeros(0, dtype=lib.int64),
    lambda lib: lib.ones(2, requires_grad=True), lambda lib: lib.ones(2, requires_grad=True) * 2,
    lambda lib: lib.arange(1200.0).reshape(4, 300)[:, :4], lambda lib: lib.tensor([123456.7, 1.0]),
    lambda lib: lib.linspace(-1, 1, 30),
])
def test_repr_matches_pytorch(make):
    torch = pytest.importorskip("torch")
    assert repr(make(tg)) == repr(make(torch)).replace("torch.", "tinygrad_edu.")


# ----------------------------------------------------------------------------- dtype promotion
DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
KINDS = ["dim", "zero_dim"]


def _make(lib, name, kind, value=1):
    shape = (2,) if kind == "dim" else ()
    return lib.full(shape, value, dtype=getattr(lib, name))


@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "eq"])
def test_binary_result_dtype_matches_pytorch(op):
    torch = pytest.importorskip("torch")
    fns = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
           "maximum": lambda a, b: a.maximum(b), "eq": lambda a, b: a == b}
    mismatches = []
    for da, db, ka, kb in itertools.product(DTYPES, DTYPES, KINDS, KINDS):
        theirs = fns[op](_make(torch, da, ka), _make(torch, db, kb)).dtype
        ours = fns[op](_make(tg, da, ka), _make(tg, db, kb))
        if ours.dtype.name != str(theirs).replace("torch.", "") or ours.shape != (2,) * (ka == "dim" or kb == "dim"):
            mismatches.append((da, ka, db, kb, ours.dtype.name, str(theirs)))
    assert not mismatches


@pytest.mark.parametrize("op", ["add", "radd", "sub", "rsub", "mul", "div", "rdiv", "pow"])
@pytest.mark.parametrize("scalar", [True, 2, 2.5])
def test_tensor_and_python_scalar_dtype_matches_pytorch(op, scalar):
    torch = pytest.importorskip("torch")
    fns = {"add": lambda a, s: a + s, "radd": lambda a, s: s + a, "sub": lambda a, s: a - s,
           "rsub": lambda a, s: s - a, "mul": lambda a, s: a * s, "div": lambda a, s: a / s,
           "rdiv": lambda a, s: s / a, "pow": lambda a, s: a ** s}
    mismatches = []
    for name, kind in itertools.product(DTYPES, KINDS):
        try:
            theirs = str(fns[op](_make(torch, name, kind), scalar).dtype).replace("torch.", "")
        except RuntimeError:  # PyTorch refuses (bool subtraction): so do we
            with pytest.raises((RuntimeError, TypeError)):
                fns[op](_make(tg, name, kind), scalar)
            continue
        ours = fns[op](_make(tg, name, kind), scalar).dtype.name
        if ours != theirs:
            mismatches.append((name, kind, ours, theirs))
    assert not mismatches


def test_unary_float_ops_promote_integers_like_pytorch():
    i = tg.tensor([1, 4])
    for fn in (tg.exp, tg.log, tg.sqrt, tg.sin, tg.cos, tg.tanh, tg.sigmoid):
        assert fn(i).dtype is tg.float32
    assert i.sum().dtype is tg.int64 and tg.tensor([True, True]).sum().dtype is tg.int64
    assert tg.tensor([1, 2], dtype=tg.int32).sum().dtype is tg.int64
    assert i.max().dtype is tg.int64 and i.abs().dtype is tg.int64 and (-i).dtype is tg.int64
    assert i.float().mean().dtype is tg.float32 and tg.ones(2, dtype=tg.float16).sum().dtype is tg.float16


def test_float32_stays_float32_with_numpy_scalars_and_reductions():
    x = tg.ones(3, requires_grad=True)
    y = (x * np.float64(2.0) + np.float64(1.0)) ** np.float64(2.0) / np.sqrt(np.float64(3.0))
    y = y.mean() + x.var() + x.std() + x.norm() + x.logsumexp(0)
    assert y.dtype is tg.float32
    y.backward()
    assert x.grad.dtype is tg.float32


def test_float32_gradient_even_from_a_float64_cast():
    x = tg.ones(2, requires_grad=True)
    (x.double() * tg.tensor([1.0, 2.0], dtype=tg.float64)).sum().backward()
    assert x.grad.dtype is tg.float32 and npy(x.grad).tolist() == [1.0, 2.0]
    z = tg.ones(2, requires_grad=True)
    (z * 2).backward(tg.ones(2, dtype=tg.float64))  # a float64 upstream gradient is cast
    assert z.grad.dtype is tg.float32


# ----------------------------------------------------------------------------- misc public API
def test_comparisons_and_logic_give_bool_tensors():
    a, b = tg.tensor([1.0, 2.0, 3.0]), tg.tensor([3.0, 2.0, 1.0])
    assert (a < b).tolist() == [True, False, False] and (a == b).dtype is tg.bool
    assert (a >= 2).tolist() == [False, True, True] and (2 > a).tolist() == [True, False, False]
    assert ((a > 1) & (b > 1)).tolist() == [False, True, False] and (~(a > 1)).tolist() == [True, False, False]
    assert tg.tensor([1.0, float("nan")]).isnan().tolist() == [False, True]
    assert a.equal(a.clone()) and a.allclose(a + 1e-9) and tg.all(a > 0).item() and tg.any(a > 2).item()
    assert (a == None) is False and (a != None) is True and a != "text"  # noqa: E711 (as in PyTorch)


def test_max_min_return_values_and_indices():
    x = tg.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 0.0]])
    v, i = x.max(1)
    assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0] and i.dtype is tg.int64
    r = x.min(0, keepdim=True)
    assert r.values.tolist() == [[1.0, 2.0, 0.0]] and r.indices.tolist() == [[0, 1, 1]]
    assert x.max().item() == 7.0 and x.argmax().item() == 3 and x.argmin(1).tolist() == [0, 2]
    assert tg.max(x, tg.zeros(2, 3)).shape == (2, 3)


def test_math_values():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64)
    np.testing.assert_allclose(npy(x.var()), np.var(npy(x), ddof=1))
    np.testing.assert_allclose(npy(x.std(0, unbiased=False)), np.std(npy(x), 0))
    np.testing.assert_allclose(npy(x.norm()), math.sqrt(30))
    np.testing.assert_allclose(npy(x.norm(1, dim=1)), [3.0, 7.0])
    np.testing.assert_allclose(npy(x.logsumexp(1)), np.log(np.exp(npy(x)).sum(1)))
    np.testing.assert_allclose(npy(x.softmax(1).sum(1)), [1.0, 1.0])
    np.testing.assert_allclose(npy(tg.tensor([1000.0, 0.0]).log_softmax(0)), [0.0, -1000.0])
    np.testing.assert_allclose(npy(tg.tensor([-1000.0, 1000.0]).sigmoid()), [0.0, 1.0])
    np.testing.assert_allclose(npy(tg.tensor([float("-inf"), float("-inf")]).logsumexp(0)), -np.inf)


def test_method_table_is_named_at_the_top_of_tensor_py_and_attached():
    """A reader looking for ``__add__`` or ``sum`` from tensor.py is sent to ops/methods.py, whose
    table holds each name once, and every entry is what ``Tensor`` has."""
    import inspect
    import sys
    tensor_module = sys.modules["tinygrad_edu.tensor"]  # (tinygrad_edu.tensor is the function)
    from tinygrad_edu.ops.methods import METHODS
    assert "ops/methods.py" in tensor_module.__doc__
    assert {"__add__", "sum", "relu", "allclose", "sign"} <= set(METHODS)
    for name, fn in METHODS.items():
        assert getattr(tg.Tensor, name) is fn, name
    source = inspect.getsource(__import__("tinygrad_edu.ops.methods", fromlist=["x"]))
    for name in ("sign", "isnan", "equal", "allclose"):
        assert source.count(f'"{name}":') == 1, name
