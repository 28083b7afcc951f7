"""Devices: names, the default from ``TINYGRAD_EDU_DEVICE``, moving tensors, and clear errors when
CUDA is asked for without a GPU or two devices are mixed in one op.

Tests needing a GPU skip without one; tests of the no-GPU error skip with one."""
import os
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend

HAS_CUDA = tg.cuda.is_available()
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a GPU with CuPy")
needs_no_cuda = pytest.mark.skipif(HAS_CUDA, reason="checks the error shown when no GPU is usable")
DEFAULT = tg.device(os.environ.get("TINYGRAD_EDU_DEVICE", "cpu") or "cpu")


# ----------------------------------------------------------------------------- device names
def test_device_names_parse_like_pytorch():
    assert tg.device("cpu").type == "cpu" and tg.device("cpu").index is None
    assert tg.device("cuda") == tg.device("cuda:0") and tg.device("cuda") == "cuda:0" and tg.device("cuda:0") == "cuda"
    assert str(tg.device("cuda")) == "cuda:0" and repr(tg.device("cuda")) == "device(type='cuda', index=0)"
    assert repr(tg.device("cpu")) == "device(type='cpu')" and tg.device(tg.device("cpu")) == "cpu"
    assert tg.device("cpu") != "cuda" and len({tg.device("cpu"), tg.device("cpu")}) == 1


@pytest.mark.parametrize("name, message", [
    ("tpu", "Expected one of cpu, cuda device type at start of device string: 'tpu'"),
    ("cuda:x", "Invalid device string: 'cuda:x'"),
    ("cuda:1", "tinygrad_edu drives a single GPU, cuda:0"),
])
def test_bad_device_names(name, message):
    with pytest.raises(RuntimeError, match=re.escape(message)):
        tg.device(name)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        tg.ones(2).to(name)


def test_device_must_be_a_string():
    with pytest.raises(TypeError, match="device\\(\\) expected a string like 'cpu' or 'cuda', but got int"):
        tg.device(3)


# ----------------------------------------------------------------------------- the default device
def test_default_device_follows_the_environment(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DEVICE", "cpu")
    assert backend.default_device() == "cpu"
    for t in (tg.zeros(2), tg.tensor([1.0]), tg.tensor(np.ones(2)), tg.arange(3), tg.rand(2), tg.full((1,), 2.0)):
        assert t.device == "cpu" and t.xp is np
    monkeypatch.setenv("TINYGRAD_EDU_DEVICE", "")
    assert backend.default_device() == "cpu"
    monkeypatch.delenv("TINYGRAD_EDU_DEVICE")
    assert backend.default_device() == "cpu"


def test_unknown_default_device_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DEVICE", "gpu")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type at start of device string: 'gpu'"):
        tg.zeros(2)


@needs_no_cuda
def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    message = "CUDA was requested but no usable GPU was found"
    with pytest.raises(RuntimeError, match=message):
        tg.ones(2).cuda()
    with pytest.raises(RuntimeError, match=message):
        tg.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match=message):
        tg.tensor([1.0], device="cuda")
    monkeypatch.setenv("TINYGRAD_EDU_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match=message + ".*use device='cpu'"):
        tg.randn(3)
    assert not tg.cuda.is_available() and tg.cuda.device_count() == 0


@needs_cuda
def test_default_cuda_device(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DEVICE", "cuda")
    for t in (tg.zeros(2), tg.tensor([1.0]), tg.tensor(np.ones(2)), tg.arange(3), tg.randn(2)):
        assert t.device == "cuda" and t.is_cuda
    assert tg.from_numpy(np.ones(2)).device == "cpu"  # shares NumPy's memory: stays on the host


# ----------------------------------------------------------------------------- moving tensors
def test_moving_to_the_same_device_is_free():
    t = tg.ones(2)
    assert t.to(t.device) is t and t.to(str(t.device)) is t
    c = tg.ones(2, device="cpu")
    assert c.cpu() is c and c.to("cpu") is c and c.device == tg.device("cpu")


def test_to_with_device_and_dtype_together():
    t = tg.ones(2, device="cpu").to("cpu", tg.float64)
    assert t.device == "cpu" and t.dtype is tg.float64
    t = tg.ones(2, device="cpu").to(device="cpu", dtype=tg.int32)
    assert t.dtype is tg.int32


def test_xp_and_array_module():
    t = tg.ones(2, device="cpu")
    assert t.xp is np and backend.get_array_module(t.array) is np and backend.device_of(t.array) == "cpu"
    assert isinstance(np.asarray(t), np.ndarray)


@needs_cuda
def test_round_trip_through_the_gpu_keeps_values_dtype_and_gradient():
    x = tg.tensor([1.0, 2.0], device="cpu", requires_grad=True)
    y = x.cuda()
    assert y.device == "cuda" and y.dtype is tg.float32 and y.grad_fn is not None
    z = (y * y).sum().cpu()
    assert z.device == "cpu"
    z.backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        y.detach().numpy()
    assert repr(y.detach()).endswith("device='cuda:0')")


@needs_cuda
@pytest.mark.parametrize("requires_grad", [False, True], ids=["no-grad", "recorded"])
def test_mixing_devices_is_a_clear_error(requires_grad):
    a, b = tg.ones(2, device="cpu", requires_grad=requires_grad), tg.ones(2, device="cuda")
    message = "Expected all tensors to be on the same device, but found at least two devices, cpu and cuda:0"
    for op in (lambda: a + b, lambda: a * b, lambda: tg.cat([a, b]), lambda: a @ b, lambda: tg.maximum(a, b)):
        with pytest.raises(RuntimeError, match=re.escape(message)):
            op()


@needs_cuda
def test_copy_between_devices_and_setitem():
    g = tg.zeros(3, device="cuda")
    g.copy_(tg.tensor([1.0, 2.0, 3.0], device="cpu"))
    g[0] = 5.0
    assert g.device == "cuda" and g.tolist() == [5.0, 2.0, 3.0]


# ----------------------------------------------------------------------------- dtypes
def test_dtype_lookup():
    assert backend.as_dtype(np.float32) is tg.float32 and backend.as_dtype("float64") is tg.float64
    assert backend.as_dtype(float) is tg.float32 and backend.as_dtype(int) is tg.int64
    assert backend.as_dtype(bool) is tg.bool and backend.as_dtype(tg.int32) is tg.int32
    assert backend.as_dtype(np.int8) is tg.int64  # the nearest supported integer type
    assert backend.dtype_of(np.zeros(1, dtype=np.float16)) is tg.float16
    with pytest.raises(TypeError, match="unsupported dtype"):
        backend.as_dtype("complex128")
    assert tg.float is tg.float32 and tg.double is tg.float64 and tg.long is tg.int64 and tg.half is tg.float16
    assert tg.float32.itemsize == 4 and tg.float64.is_floating_point and not tg.int64.is_floating_point


def test_promotion_helpers():
    assert backend.promote(tg.int32, tg.float16) is tg.float16 and backend.promote(tg.uint8, tg.int32) is tg.int32
    assert backend.promote(tg.bool, tg.bool) is tg.bool and backend.promote(tg.float32, tg.float64) is tg.float64
    assert backend.promote_scalar(tg.int32, 2.5) is tg.float32 and backend.promote_scalar(tg.int32, 2) is tg.int32
    assert backend.promote_scalar(tg.bool, 2) is tg.int64 and backend.promote_scalar(tg.float16, 1.5) is tg.float16
    with pytest.raises(TypeError, match="expected a number, got str"):
        backend.scalar_kind("a")


# ----------------------------------------------------------------------------- NumPy's error state
@pytest.mark.parametrize("fallback", [False, True], ids=["numpy2-fast-path", "errstate-fallback"])
def test_quiet_silences_numpy_and_restores_the_users_state(monkeypatch, fallback):
    """``quiet`` (every op's forward, the whole backward pass) gives inf/nan without a warning, and
    leaves the user's own error state as it found it, on both paths: NumPy 2's context variable and
    the public ``errstate`` used where that variable is missing (NumPy 1)."""
    if fallback:
        monkeypatch.setattr(backend, "quiet_on", backend._errstate_on)
        monkeypatch.setattr(backend, "quiet_off", backend._errstate_off)
    elif backend._ERRSTATE is None:
        pytest.skip("this NumPy has no error-state context variable: only the fallback applies")
    one, zero = np.float32(1.0), np.float32(0.0)
    with np.errstate(divide="raise", over="warn", invalid="ignore"):
        user = np.geterr()
        with backend.quiet():
            assert np.geterr() == {"divide": "ignore", "over": "ignore", "under": "ignore", "invalid": "ignore"}
            assert np.isinf(one / zero)
            with backend.quiet():  # nested: the inner block leaves the outer one quiet
                pass
            assert np.geterr()["divide"] == "ignore"
        assert np.geterr() == user
        with pytest.raises(FloatingPointError):  # the user's "raise" is back
            one / zero
        token = backend.quiet_on()
        backend.quiet_off(token)
        assert np.geterr() == user


def test_ops_are_quiet_but_leave_numpy_as_the_user_set_it():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="raise"):
        y = x.log()                      # log 0 = -inf, silently, as in PyTorch
        y.sum().backward()               # d log x = 1/x: inf at 0, silently
        assert np.isneginf(y.detach().numpy()[0]) and np.isinf(x.grad.numpy()[0])
        with pytest.raises(FloatingPointError):
            np.log(np.float32(0.0))      # outside our ops the user's setting holds
