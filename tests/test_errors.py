"""The bad-input catalogue: wrong calls across the public API, and what each must raise.

Every row is ``(id, call, exception type, message regex)``. For each one we check three things:

1. the exception has the expected type and its message matches the regex: it names the argument,
   what it got and what was expected (PyTorch's wording where PyTorch has one);
2. it was raised by our own code: the innermost frame of the traceback lies inside
   ``tinygrad_edu``, no NumPy/CuPy frame is on the stack between the call and the raise, and it is
   not a translation of an exception that NumPy raised first (``__context__``/``__cause__``);
3. it was raised *before any array work* (DESIGN.md, "check at the boundary"): while the call ran,
   no op's ``forward`` ran (no ``Function.apply``), no NumPy function written in Python was
   entered and no ndarray method or NumPy builtin was called. Rows whose check must look at the
   values (a class index out of range, a probability outside [0, 1]) say ``array_ok=True``.

Every input a row needs is built once, at import, so the call under test does nothing but the
wrong call. Rows the library still fails are marked ``xfail(strict=True)`` with the reason: the
suite stays green, and fixing the gap turns the row into an XPASS failure, a reminder to drop the
mark.
"""
from __future__ import annotations

import io
import os
import pickle
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu import models, optim
from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.utils import data

PKG_DIR = os.path.dirname(os.path.abspath(tg.__file__)) + os.sep
OPS_DIR = os.path.join(PKG_DIR, "ops") + os.sep
FUNCTION_PY = os.path.join(PKG_DIR, "autograd", "function.py")
_ARRAY_LIBS = ("numpy", "cupy", "cupyx")


def _lib_dir(name):
    try:
        mod = __import__(name)
    except Exception:  # noqa: BLE001 (cupy missing or without a GPU)
        return None
    return os.path.dirname(os.path.abspath(mod.__file__)) + os.sep


ARRAY_LIB_DIRS = tuple(d for d in (_lib_dir(n) for n in _ARRAY_LIBS) if d)
HAS_GPU = tg.cuda.is_available()


# ----------------------------------------------------------------------------- the checks
def _in_array_lib(filename: str) -> bool:
    return any(os.path.abspath(filename).startswith(d) for d in ARRAY_LIB_DIRS)


def _tb_files(tb):
    files = []
    while tb is not None:
        files.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    return files


def assert_raised_by_us(exc: BaseException) -> None:
    """The innermost frame is ours and no NumPy/CuPy frame lies between the call and the raise;
    nor is the error a re-raise of an exception that came out of NumPy/CuPy."""
    files = _tb_files(exc.__traceback__)
    assert files, "exception without a traceback"
    here = os.path.abspath(__file__)
    below = files[files.index(here) + 1:] if here in files else files  # frames under the test's call
    assert below and os.path.abspath(below[-1]).startswith(PKG_DIR), (
        f"raised outside tinygrad_edu, in {below[-1] if below else '?'}:\n" + "\n".join(below))
    lib = [f for f in below if _in_array_lib(f)]
    assert not lib, "a NumPy/CuPy frame is on the stack below the call:\n" + "\n".join(below)
    seen = set()
    inner = exc.__cause__ or exc.__context__
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        assert not any(_in_array_lib(f) for f in _tb_files(inner.__traceback__)), (
            f"the error translates an exception raised inside NumPy/CuPy: {type(inner).__name__}: {inner}")
        inner = inner.__cause__ or inner.__context__


class ArrayWorkSpy:
    """A profiler that notes the first sign of array work while the call under test runs."""

    def __init__(self):
        self.work = None

    def __call__(self, frame, event, arg):
        if self.work is not None:
            return
        if event == "call":
            code = frame.f_code
            fname = code.co_filename
            if fname == FUNCTION_PY and code.co_name == "apply":
                self.work = f"Function.apply (an op ran), from line {frame.f_back.f_lineno} of " \
                            f"{frame.f_back.f_code.co_filename}"
            elif code.co_name == "forward" and fname.startswith(OPS_DIR):
                self.work = f"an op's forward ran ({fname}:{code.co_firstlineno})"
            elif _in_array_lib(fname):
                self.work = f"NumPy/CuPy Python code ran: {code.co_name} in {fname}"
        elif event == "c_call":
            owner = getattr(arg, "__self__", None)
            module = getattr(arg, "__module__", None) or ""
            if isinstance(owner, (np.ndarray, np.generic)) or module.split(".")[0] in _ARRAY_LIBS:
                self.work = f"array call {getattr(arg, '__qualname__', arg)!r}"
            elif owner is not None and type(owner).__module__.split(".")[0] in _ARRAY_LIBS:
                self.work = f"array call {getattr(arg, '__qualname__', arg)!r}"


def run_case(call, exc_type, pattern, array_ok=False):
    spy = ArrayWorkSpy()
    old = sys.getprofile()
    sys.setprofile(spy)
    try:
        with pytest.raises(exc_type, match=pattern) as info:
            call()
    finally:
        sys.setprofile(old)
    assert_raised_by_us(info.value)
    if not array_ok:
        assert spy.work is None, f"array work before the error was raised: {spy.work}"
    return info.value


# ----------------------------------------------------------------------------- inputs, built once
tg.manual_seed(0)
X = tg.randn(2, 3)                     # a plain (2, 3) float32 matrix
X64 = tg.randn(3, 2, dtype=tg.float64)
XG = tg.randn(2, 3, requires_grad=True)
YG = XG * 2.0                          # a non-scalar result in the graph
X_ROW = X[:1]                          # (1, 3)
X_VEC = X[0]                           # (3,)
X_SUM = X.sum()                        # a scalar that does not require grad
INTS = tg.tensor([1, 2])
DIGITS_28 = tg.zeros(1, 1, 28, 28)
IDX_BAD_RANK = tg.tensor([0, 1])
IDX = tg.tensor([[0], [1]])
IMG = tg.randn(1, 3, 8, 8)             # (N, C, H, W)
IMG4 = tg.randn(1, 4, 8, 8)
SMALL = tg.randn(1, 1, 3, 3)
SMALL_2D = tg.randn(3, 3)
IMG_4x4 = tg.randn(1, 3, 4, 4)
IMG_2x2 = tg.randn(1, 3, 2, 2)
W3 = tg.randn(2, 3, 3, 3)              # conv weight: 2 filters over 3 channels
W5 = tg.randn(2, 3, 5, 5)
W_RANK3 = tg.randn(2, 3, 3)
LOGITS = tg.randn(4, 3)
TARGET = tg.tensor([0, 2, 1, 0])
TARGET_OOR = tg.tensor([0, 5, 1, 0])
TARGET_FLOAT = tg.tensor([0.0, 2.0, 1.0, 0.0])
TARGET_SHORT = tg.tensor([0, 2, 1])
TARGET_2D = tg.tensor([[0, 1], [1, 0], [2, 2], [0, 0]])
PROBS = tg.rand(4, 3)
PROBS_BAD = tg.tensor([0.5, 1.5, -0.2])
PROBS_TGT = tg.tensor([0.0, 1.0, 1.0])
WEIGHT2 = tg.ones(2)
SCALAR = tg.tensor(1.5)
LIN = nn.Linear(4, 2)
CONV = nn.Conv2d(3, 8, 3)
POOL = nn.MaxPool2d(5)
BN2 = nn.BatchNorm2d(3)
BN1 = nn.BatchNorm1d(3)
LN = nn.LayerNorm(4)
LENET = models.lenet5()
PARAMS = list(LIN.parameters())
SGD = optim.SGD(PARAMS, lr=0.1)
SGD_STATE = SGD.state_dict()
DS = data.TensorDataset(tg.randn(4, 2), tg.arange(4))
SAMPLER = data.SequentialSampler(DS)
GOOD_STATE = {k: v.clone() for k, v in LIN.state_dict().items()}
STATE_MISSING = {"weight": GOOD_STATE["weight"]}
STATE_UNEXPECTED = {**GOOD_STATE, "extra.weight": tg.zeros(1)}
STATE_SHAPE = {"weight": tg.zeros(3, 3), "bias": GOOD_STATE["bias"]}
PICKLE_BYTES = pickle.dumps({"weight": [1.0, 2.0]})
ARRAY = np.zeros(2)


def _lambda_lr(epoch):
    return 1.0


def _new_sgd():
    """A fresh optimizer (pure Python: the parameters are reused, no arrays are made)."""
    return optim.SGD(PARAMS, lr=0.1)


class _CountingIterable:
    """Not a Dataset and no __len__: a DataLoader over it must fail only when iterated."""


# ----------------------------------------------------------------------------- the catalogue
# (id, call, exception, message regex, options); options: array_ok, xfail (reason), skip_gpu
CASES = [
    # --- making tensors: ragged, non-numeric, bad sizes, dtypes and devices
    ("tensor-ragged", lambda: tg.tensor([[1.0, 2.0], [3.0]]), ValueError,
     r"tensor\(\): expected a sequence of equal-length rows, but data\[0\] has shape \[2\] and data\[1\] has "
     r"shape \[1\]"),
    ("tensor-ragged-deep", lambda: tg.tensor([[[1], [2]], [[3], [4, 5]]]), ValueError,
     r"data\[1\]\[0\] has shape \[1\] and data\[1\]\[1\] has shape \[2\]"),
    ("tensor-string", lambda: tg.tensor(["a", "b"]), TypeError,
     r"tensor\(\): could not infer a number from data\[0\] of type str; expected a number"),
    ("tensor-none-element", lambda: tg.tensor([1.0, None]), TypeError,
     r"could not infer a number from data\[1\] of type NoneType"),
    ("tensor-dict", lambda: tg.tensor({"a": 1}), TypeError, r"from data of type dict; expected a number"),
    ("zeros-unknown-dtype", lambda: tg.zeros(2, dtype="complex64"), TypeError,
     r"unsupported dtype 'complex64': tinygrad_edu supports bool, uint8, int32, int64, float16"),
    ("tensor-unknown-dtype", lambda: tg.tensor([1.0], dtype="complex64"), TypeError,
     r"unsupported dtype 'complex64'"),
    ("zeros-negative-size", lambda: tg.zeros(2, -1), RuntimeError,
     r"zeros\(\): trying to create tensor with negative dimension -1: \[2, -1\]"),
    ("ones-float-size", lambda: tg.ones(2.5), TypeError,
     r"ones\(\): argument 'size' must be a tuple of ints, but found element of type float"),
    ("randn-str-size", lambda: tg.randn(2, "3"), TypeError,
     r"randn\(\): argument 'size' must be a tuple of ints, but found element of type str"),
    ("full-negative-size", lambda: tg.full((3, -2), 1.0), RuntimeError, r"negative dimension -2: \[3, -2\]"),
    ("arange-zero-step", lambda: tg.arange(0, 5, 0), RuntimeError, r"arange\(\): step must be nonzero"),
    ("arange-wrong-direction", lambda: tg.arange(5, 0, 1), RuntimeError,
     r"upper bound and larger bound inconsistent with step sign \(start=5, end=0, step=1\)"),
    ("linspace-negative-steps", lambda: tg.linspace(0, 1, -1), RuntimeError,
     r"linspace\(\): number of steps must be non-negative, but got -1"),
    ("eye-negative", lambda: tg.eye(-2), RuntimeError, r"eye\(\): n and m must be non-negative, but got n=-2"),
    ("requires-grad-int", lambda: INTS.requires_grad_(), RuntimeError,
     r"Only Tensors of floating point dtype can require gradients \(got int64\)"),
    # --- devices
    ("device-unknown", lambda: tg.zeros(2, device="tpu"), RuntimeError,
     r"Expected one of cpu, cuda device type at start of device string: 'tpu'"),
    ("device-not-a-string", lambda: tg.device(3), TypeError,
     r"device\(\) expected a string like 'cpu' or 'cuda', but got int"),
    ("device-second-gpu", lambda: X.to("cuda:1"), RuntimeError,
     r"Invalid device 'cuda:1': tinygrad_edu drives a single GPU, cuda:0"),
    ("device-bad-index", lambda: tg.device("cuda:x"), RuntimeError, r"Invalid device string: 'cuda:x'"),
    ("cuda-tensor-without-gpu", lambda: tg.zeros(2, device="cuda"), RuntimeError,
     r"CUDA was requested but no usable GPU was found .* or use device='cpu'", dict(skip_gpu=True)),
    ("cuda-move-without-gpu", lambda: X.cuda(), RuntimeError, r"CUDA was requested but no usable GPU was found",
     dict(skip_gpu=True)),
    # --- dim out of range, in every op that takes one (X is 2-D: valid dims are -2..1)
    ("sum-dim", lambda: X.sum(2), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\) in sum\(\)"),
    ("sum-dim-float", lambda: tg.sum(X, 1.5), TypeError, r"sum\(\): dim must be an int, but got float"),
    ("sum-dim-repeated", lambda: X.sum((0, 0)), RuntimeError, r"sum\(\): dim \[0, 0\] appears multiple times"),
    ("mean-dim", lambda: X.mean(-3), IndexError, r"range of \[-2, 1\], but got -3\) in mean\(\)"),
    ("max-dim", lambda: X.max(2), IndexError, r"range of \[-2, 1\], but got 2\) in max\(\)"),
    ("min-dim", lambda: tg.min(X, dim=5), IndexError, r"range of \[-2, 1\], but got 5\) in min\(\)"),
    ("argmax-dim", lambda: X.argmax(2), IndexError, r"range of \[-2, 1\], but got 2\) in argmax\(\)"),
    ("argmin-dim", lambda: tg.argmin(X, -3), IndexError, r"range of \[-2, 1\], but got -3\) in argmin\(\)"),
    ("amax-dim", lambda: tg.amax(X, 2), IndexError, r"but got 2\) in amax\(\)"),
    ("softmax-dim", lambda: F.softmax(X, dim=2), IndexError, r"range of \[-2, 1\], but got 2\) in softmax\(\)"),
    ("log-softmax-dim", lambda: F.log_softmax(X, dim=-3), IndexError, r"but got -3\) in log_softmax\(\)"),
    ("softmax-dim-float", lambda: F.softmax(X, dim=1.0), TypeError, r"softmax\(\): dim must be an int, but got float"),
    ("squeeze-dim", lambda: X.squeeze(3), IndexError, r"but got 3\) in squeeze\(\)"),
    ("unsqueeze-dim", lambda: X.unsqueeze(4), IndexError,
     r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 4\) in unsqueeze\(\)"),
    ("unsqueeze-dim-float", lambda: X.unsqueeze(1.5), TypeError, r"unsqueeze\(\): dim must be an int, but got float"),
    ("transpose-dim", lambda: X.transpose(0, 2), IndexError, r"but got 2\) in transpose\(\)"),
    ("cat-dim", lambda: tg.cat([X, X], dim=2), IndexError, r"but got 2\) in cat\(\)"),
    ("stack-dim", lambda: tg.stack([X, X], dim=3), IndexError,
     r"range of \[-3, 2\], but got 3\) in stack\(\)"),
    ("split-dim", lambda: tg.split(X, 1, dim=2), IndexError, r"but got 2\) in split\(\)"),
    ("chunk-dim", lambda: tg.chunk(X, 2, dim=-3), IndexError, r"but got -3\) in chunk\(\)"),
    ("flatten-dim", lambda: X.flatten(2), IndexError, r"but got 2\) in flatten\(\)"),
    ("var-dim", lambda: X.var(2), IndexError, r"but got 2\) in var\(\)"),
    ("std-dim", lambda: tg.std(X, dim=-3), IndexError, r"but got -3\) in (std|var)\(\)"),
    ("logsumexp-dim", lambda: tg.logsumexp(X, 2), IndexError, r"but got 2\) in logsumexp\(\)"),
    ("gather-dim", lambda: tg.gather(X, 2, IDX), IndexError, r"but got 2\) in gather\(\)"),
    ("norm-dim", lambda: tg.norm(X, dim=2), IndexError, r"but got 2\) in (norm|sum)\(\)"),
    ("size-dim", lambda: X.size(2), IndexError, r"but got 2\) in size\(\)"),
    # --- shapes, splits and indices
    ("reshape-numel", lambda: X.reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid for input of size 6"),
    ("reshape-two-inferred", lambda: X.reshape(-1, -1), RuntimeError,
     r"reshape\(\): only one dimension can be inferred"),
    ("reshape-float", lambda: X.reshape(2.0, 3), TypeError,
     r"reshape\(\): argument 'shape' must be a tuple of ints, but found element of type float"),
    ("permute-length", lambda: X.permute(0), RuntimeError, r"input.dim\(\) = 2 is not equal to len\(dims\) = 1"),
    ("expand-mismatch", lambda: X.expand(3, 3), RuntimeError,
     r"The expanded size of the tensor \(3\) must match the existing size \(2\) at non-singleton dimension 0"),
    ("split-zero-size", lambda: tg.split(X, 0, dim=1), RuntimeError,
     r"split\(\): split_size must be a positive integer, but got 0"),
    ("split-float-size", lambda: tg.split(X, 1.5, dim=1), TypeError,
     r"split\(\): split_size.* must be an int or a (list|sequence) of ints, but got float"),
    ("split-sections-sum", lambda: tg.split(X, [1, 1], dim=1), RuntimeError,
     r"split_with_sizes expects split_sizes to sum exactly to 3 .* but got split_sizes=\[1, 1\]"),
    ("chunk-zero", lambda: tg.chunk(X, 0), RuntimeError, r"chunk expects `chunks` to be greater than 0, got: 0"),
    ("chunk-float", lambda: tg.chunk(X, 2.5), TypeError, r"chunk\(\): chunks must be an int, but got float"),
    ("cat-empty", lambda: tg.cat([]), RuntimeError, r"cat\(\): expected a non-empty list of Tensors"),
    ("cat-shape", lambda: tg.cat([X, X64], dim=0), RuntimeError,
     r"Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1"),
    ("cat-non-tensor", lambda: tg.cat([X, [1.0, 2.0]]), TypeError,
     r"cat\(\): expected a sequence of Tensors, but element 1 is list"),
    ("stack-shape", lambda: tg.stack([X, X64]), RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 1"),
    ("gather-index-rank", lambda: tg.gather(X, 1, IDX_BAD_RANK), RuntimeError,
     r"gather\(\): Index tensor must have the same number of dimensions as input tensor \(got 1 and 2\)"),
    ("gather-index-dtype", lambda: tg.gather(X, 1, X), RuntimeError,
     r"gather\(\): Expected dtype int64 for index, but got float32"),
    ("index-out-of-bounds", lambda: X[5], IndexError, r"index 5 is out of bounds for dimension 0 with size 2"),
    ("index-too-many", lambda: X[0, 0, 0], IndexError, r"too many indices for tensor of dimension 2"),
    ("item-not-scalar", lambda: X.item(), RuntimeError, r"a Tensor with 6 elements cannot be converted to Scalar"),
    ("bool-ambiguous", lambda: bool(X), RuntimeError, r"Boolean value of Tensor with 6 values is ambiguous"),
    # --- elementwise and matmul
    ("add-broadcast", lambda: X + X64, RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton dimension 1"),
    ("add-string", lambda: X + "a", TypeError, r"unsupported operand type str; expected a Tensor or a number"),
    ("matmul-shapes", lambda: X @ X, RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
    ("matmul-dtypes", lambda: X @ X64, RuntimeError,
     r"expected m1 and m2 to have the same dtype, but got: float32 != float64"),
    ("matmul-0d", lambda: tg.matmul(SCALAR, X), RuntimeError,
     r"both arguments to matmul need to be at least 1D, but they are 0D and 2D"),
    ("clamp-no-bounds", lambda: X.clamp(), RuntimeError, r"clamp\(\): At least one of 'min' or 'max' must not be None"),
    # --- autograd misuse
    ("backward-non-scalar", lambda: YG.backward(), RuntimeError, r"grad can be implicitly created only for scalar"),
    ("backward-no-grad", lambda: X_SUM.backward(), RuntimeError,
     r"element 0 of tensors does not require grad and does not have a grad_fn"),
    # --- convolution (functional): rank, channels, kernel size, stride, padding, groups
    ("conv2d-input-rank", lambda: F.conv2d(SMALL_2D, W3), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[3, 3\]"),
    ("conv2d-weight-rank", lambda: F.conv2d(IMG, W_RANK3), RuntimeError,
     r"Expected 4D weight for conv2d, but got weight of size: \[2, 3, 3\]"),
    ("conv2d-channels", lambda: F.conv2d(IMG4, W3), RuntimeError,
     r"weight of size \[2, 3, 3, 3\], expected input\[1, 4, 8, 8\] to have 3 channels, but got 4 channels"),
    ("conv2d-kernel-too-big", lambda: F.conv2d(IMG_4x4, W5), RuntimeError,
     r"padded input size per channel: \(4 x 4\). Kernel size: \(5 x 5\). Kernel size can't be greater"),
    ("conv2d-stride-zero", lambda: F.conv2d(IMG, W3, stride=0), RuntimeError,
     r"stride.*(got|but).*0"),
    ("conv2d-padding-negative", lambda: F.conv2d(IMG, W3, padding=-1), RuntimeError,
     r"padding.*(got|but).*-1"),
    ("conv2d-stride-float", lambda: F.conv2d(IMG, W3, stride=1.5), TypeError,
     r"conv2d\(\): argument 'stride' must be an int or a tuple of 2 ints, but got 1.5"),
    ("conv2d-groups", lambda: F.conv2d(IMG, W3, groups=2), RuntimeError,
     r"Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size \[2, 3, 3, 3\]"
     r"|expected input\[1, 3, 8, 8\] to have 6 channels"),
    ("conv2d-padding-string", lambda: F.conv2d(IMG, W3, padding="full"), RuntimeError,
     r"Invalid padding string: 'full'"),
    ("conv2d-not-a-tensor", lambda: F.conv2d(ARRAY, W3), TypeError,
     r"conv2d\(\): argument 'input' \(position 1\) must be Tensor, not numpy\.ndarray"),
    # --- pooling
    ("max-pool-kernel-too-big", lambda: F.max_pool2d(SMALL, 5), RuntimeError,
     r"Given input size: \(1x3x3\). Calculated output size: \(1x0x0\). Output size is too small"),
    ("max-pool-kernel-zero", lambda: F.max_pool2d(SMALL, 0), RuntimeError,
     r"kernel size should be greater than zero, but got \[0, 0\]"),
    ("max-pool-kernel-float", lambda: F.max_pool2d(SMALL, 1.5), TypeError,
     r"max_pool2d\(\): argument 'kernel_size' must be an int or a tuple of 2 ints, but got 1.5"),
    ("max-pool-padding-too-big", lambda: F.max_pool2d(IMG, 2, padding=2), RuntimeError,
     r"pad should be at most half of effective kernel size, but got pad=2, kernel_size=2"),
    ("avg-pool-rank", lambda: F.avg_pool2d(X, 2), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to avg_pool2d, but got input of size: \[2, 3\]"),
    ("adaptive-pool-negative", lambda: F.adaptive_avg_pool2d(IMG, -1), RuntimeError,
     r"elements of output_size must be greater than or equal to 0 but received \[-1, -1\]"),
    # --- layers: constructors with non-positive or non-integer sizes, probabilities
    ("linear-zero-features", lambda: nn.Linear(0, 3), ValueError,
     r"Linear: in_features must be a positive integer, but got in_features=0"),
    ("linear-negative-features", lambda: nn.Linear(3, -1), ValueError,
     r"Linear: out_features must be a positive integer, but got out_features=-1"),
    ("linear-float-features", lambda: nn.Linear(2.5, 3), TypeError,
     r"Linear: in_features must be an int, but got float \(2.5\)"),
    ("conv-zero-kernel", lambda: nn.Conv2d(3, 8, 0), ValueError,
     r"Conv2d: kernel_size must be positive, but got kernel_size=0"),
    ("conv-zero-stride", lambda: nn.Conv2d(3, 8, 3, stride=0), ValueError,
     r"Conv2d: stride must be positive, but got stride=0"),
    ("conv-negative-padding", lambda: nn.Conv2d(3, 8, 3, padding=-1), ValueError,
     r"Conv2d: padding must be non-negative, but got padding=-1"),
    ("conv-groups-divide", lambda: nn.Conv2d(3, 8, 3, groups=2), ValueError,
     r"Conv2d: in_channels must be divisible by groups, but got in_channels=3 and groups=2"),
    ("conv-groups-zero", lambda: nn.Conv2d(4, 8, 3, groups=0), ValueError,
     r"Conv2d: groups must be a positive integer, but got groups=0"),
    ("batchnorm-zero-features", lambda: nn.BatchNorm2d(0), ValueError,
     r"BatchNorm2d: num_features must be a positive integer, but got num_features=0"),
    ("batchnorm-float-features", lambda: nn.BatchNorm1d(3.0), TypeError,
     r"BatchNorm1d: num_features must be an int, but got float \(3.0\)"),
    ("layernorm-zero", lambda: nn.LayerNorm(0), ValueError,
     r"LayerNorm: normalized_shape must be a positive integer, but got normalized_shape=0"),
    ("maxpool-layer-zero", lambda: nn.MaxPool2d(0), ValueError, r"MaxPool2d: kernel_size must be positive, but got "
                                                                r"kernel_size=0"),
    ("dropout-p-high", lambda: nn.Dropout(1.5), ValueError,
     r"dropout probability has to be between 0 and 1, but got 1.5"),
    ("dropout-p-negative", lambda: nn.Dropout(-0.1), ValueError,
     r"dropout probability has to be between 0 and 1, but got -0.1"),
    ("dropout-p-string", lambda: nn.Dropout("0.5"), TypeError, r"Dropout: p must be a number, but got str"),
    ("lrn-size-zero", lambda: nn.LocalResponseNorm(0), ValueError,
     r"LocalResponseNorm: size must be a positive integer, but got size=0"),
    ("sequential-non-module", lambda: nn.Sequential(nn.ReLU(), 3), TypeError, r"int is not a Module subclass"),
    ("register-parameter-tensor", lambda: LIN.register_parameter("w", X), TypeError,
     r"cannot assign '.*Tensor' object to parameter 'w' \(.*Parameter or None required\)"),
    # --- layers: forward with the wrong input
    ("linear-features", lambda: LIN(X), RuntimeError,
     r"Linear expected input with 4 features in the last dimension, but got input of size \[2, 3\]"),
    ("conv-layer-channels", lambda: CONV(IMG4), RuntimeError,
     r"expected input\[1, 4, 8, 8\] to have 3 channels, but got 4 channels instead"),
    ("conv-layer-kernel-too-big", lambda: CONV(IMG_2x2), RuntimeError,
     r"Kernel size: \(3 x 3\). Kernel size can't be greater than actual input size"),
    ("maxpool-layer-kernel-too-big", lambda: POOL(SMALL), RuntimeError, r"Output size is too small"),
    ("batchnorm-num-features", lambda: BN2(IMG4), RuntimeError,
     r"BatchNorm2d\(num_features=3\) expected input with 3 channels \(dim 1\), but got input of size "
     r"\[1, 4, 8, 8\]"),
    ("batchnorm-rank", lambda: BN2(X), ValueError,
     r"BatchNorm2d: expected 4D input \(got 2D input\); the input has size \[2, 3\]"),
    ("batchnorm1d-rank", lambda: BN1(IMG), ValueError, r"BatchNorm1d: expected 2D or 3D input \(got 4D input\)"),
    ("batchnorm-train-one-sample", lambda: BN1(X_ROW), ValueError,
     r"Expected more than 1 value per channel when training, got input size \[1, 3\]"),
    ("layernorm-shape", lambda: LN(X), RuntimeError,
     r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size ?\[2, 3\]"),
    ("lenet-image-size", lambda: LENET(DIGITS_28), ValueError,
     r"LeNet5 expects .*32x32.* but got input of shape \[1, 1, 28, 28\]"),
    ("lenet-channels", lambda: LENET(IMG), ValueError,
     r"LeNet5 expects .*1 channel.* but got input of shape \[1, 3, 8, 8\]"),
    ("alexnet-variant", lambda: models.alexnet("vgg"), ValueError,
     r"unknown AlexNet variant 'vgg'; valid variants are: 'torchvision', 'original', 'single-tower'"),
    ("lenet-activation", lambda: models.lenet5(activation="gelu"), ValueError,
     r"activation must be 'tanh' or 'relu', but got 'gelu'"),
    # --- functional layers: dropout, normalisation, padding, activations
    ("F-dropout-p", lambda: F.dropout(X, p=1.5), ValueError,
     r"dropout probability has to be between 0 and 1, but got 1.5"),
    ("F-dropout-p-string", lambda: F.dropout(X, p="0.5"), TypeError, r"dropout\(\): p must be a number, but got str"),
    ("F-dropout-not-tensor", lambda: F.dropout(ARRAY, 0.5), TypeError,
     r"dropout\(\): argument 'input' \(position 1\) must be Tensor, not numpy\.ndarray"),
    ("F-dropout2d-rank", lambda: F.dropout2d(X_VEC, 0.5), RuntimeError,
     r"dropout2d\(\): expected an input of at least 2 dimensions \(N, C, ...\), but got 1D input of shape \[3\]"),
    ("F-batch-norm-weight", lambda: F.batch_norm(X, None, None, WEIGHT2, training=True), RuntimeError,
     r"weight should contain 3 elements not 2"),
    ("F-layer-norm-shape", lambda: F.layer_norm(X, (4,)), RuntimeError,
     r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\]"),
    ("F-lrn-rank", lambda: F.local_response_norm(X, 2), ValueError,
     r"Expected 3D or higher dimensionality input \(got 2 dimensions\)"),
    ("F-lrn-size", lambda: F.local_response_norm(IMG, 0), ValueError,
     r"local_response_norm\(\): size must be a positive int, but got 0"),
    ("F-pad-too-long", lambda: F.pad(X, (1, 1, 1, 1, 1, 1)), RuntimeError,
     r"Padding length should be less than or equal to two times the input dimension but got padding length 6 "
     r"and input of dimension 2"),
    ("F-pad-negative-size", lambda: F.pad(X, (-2, -2)), RuntimeError,
     r"The input size 3, plus negative padding -2 and -2 resulted in a negative output size"),
    ("F-pad-float", lambda: F.pad(X, (1.5, 1)), TypeError,
     r"pad\(\): padding must be a sequence of ints, but got 1.5 \(float\) at position 0"),
    ("F-pad-mode", lambda: F.pad(X, (1, 1), mode="wrap"), NotImplementedError,
     r"Unrecognised padding mode wrap"),
    ("F-hardtanh-range", lambda: F.hardtanh(X, 1.0, -1.0), ValueError,
     r"min_val cannot be greater than max_val, but got min_val=1.0 and max_val=-1.0"),
    ("F-gelu-approximate", lambda: F.gelu(X, approximate="fast"), ValueError,
     r"approximate argument must be either none or tanh \(got 'fast'\)"),
    ("F-leaky-relu-slope", lambda: F.leaky_relu(X, negative_slope="a"), TypeError,
     r"leaky_relu\(\): negative_slope must be a number, but got str"),
    # --- losses: target dtype, range and batch, reductions
    ("ce-reduction", lambda: F.cross_entropy(LOGITS, TARGET, reduction="avg"), ValueError,
     r"avg is not a valid value for reduction"),
    ("nll-reduction", lambda: F.nll_loss(LOGITS, TARGET, reduction="total"), ValueError,
     r"total is not a valid value for reduction"),
    ("mse-reduction", lambda: F.mse_loss(X, X, reduction="avg"), ValueError, r"avg is not a valid value for reduction"),
    ("loss-layer-reduction", lambda: nn.CrossEntropyLoss(reduction="elementwise"), ValueError,
     r"elementwise is not a valid value for reduction"),
    ("ce-target-dtype", lambda: F.cross_entropy(LOGITS, TARGET_FLOAT), RuntimeError,
     r"expected target dtype to be Long or Byte \(int64 or uint8\), but got float32"),
    ("ce-target-range", lambda: F.cross_entropy(LOGITS, TARGET_OOR), IndexError, r"Target 5 is out of bounds",
     dict(array_ok=True)),
    ("ce-batch", lambda: F.cross_entropy(LOGITS, TARGET_SHORT), ValueError,
     r"Expected input batch_size \(4\) to match target batch_size \(3\)"),
    ("ce-label-smoothing", lambda: F.cross_entropy(LOGITS, TARGET, label_smoothing=1.5), RuntimeError,
     r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    ("ce-0d-input", lambda: F.cross_entropy(SCALAR, TARGET), ValueError,
     r"Expected input to have at least 1 dimension \(C\) or 2 \(N, C\), but got a 0-d tensor"),
    ("nll-target-dtype", lambda: F.nll_loss(LOGITS, TARGET_FLOAT), RuntimeError,
     r"expected target dtype to be Long or Byte"),
    ("nll-target-range", lambda: F.nll_loss(LOGITS, TARGET_OOR), IndexError, r"Target 5 is out of bounds",
     dict(array_ok=True)),
    ("nll-batch", lambda: F.nll_loss(LOGITS, TARGET_SHORT), ValueError,
     r"Expected input batch_size \(4\) to match target batch_size \(3\)"),
    ("nll-multi-target", lambda: F.nll_loss(LOGITS, TARGET_2D), RuntimeError,
     r"0D or 1D target tensor expected, multi-target not supported"),
    ("nll-weight", lambda: F.nll_loss(LOGITS, TARGET, weight=WEIGHT2), RuntimeError,
     r"weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: "
     r"\[2\]"),
    ("mse-shape", lambda: F.mse_loss(X, X64), ValueError,
     r"mse_loss\(\): input of shape \[2, 3\] and target of shape \[3, 2\] differ"),
    ("mse-not-tensor", lambda: F.mse_loss([1.0, 2.0], X), TypeError,
     r"mse_loss\(\): argument 'input' \(position 1\) must be Tensor, not list"),
    ("l1-target-not-tensor", lambda: F.l1_loss(X, 1.0), TypeError,
     r"l1_loss\(\): argument 'target' \(position 2\) must be Tensor, not float"),
    ("ce-not-tensor", lambda: F.cross_entropy(LOGITS, [0, 1, 2, 0]), TypeError,
     r"cross_entropy\(\): argument 'target' \(position 2\) must be Tensor, not list"),
    ("bce-range", lambda: F.binary_cross_entropy(PROBS_BAD, PROBS_TGT), RuntimeError,
     r"all elements of input should be between 0 and 1", dict(array_ok=True)),
    ("bce-shape", lambda: F.binary_cross_entropy(PROBS, TARGET_FLOAT), ValueError,
     r"Using a target size \(\[4\]\) that is different to the input size \(\[4, 3\]\)"),
    ("smooth-l1-beta", lambda: F.smooth_l1_loss(X, X, beta=-1.0), RuntimeError,
     r"smooth_l1_loss does not support negative values for beta"),
    # --- optimizers
    ("sgd-negative-lr", lambda: optim.SGD(PARAMS, lr=-0.1), ValueError, r"Invalid learning rate: -0.1"),
    ("sgd-negative-momentum", lambda: optim.SGD(PARAMS, lr=0.1, momentum=-0.5), ValueError,
     r"Invalid momentum value: -0.5"),
    ("sgd-nesterov", lambda: optim.SGD(PARAMS, lr=0.1, nesterov=True), ValueError,
     r"Nesterov momentum requires a momentum and zero dampening"),
    ("adam-beta1", lambda: optim.Adam(PARAMS, betas=(1.0, 0.999)), ValueError,
     r"Invalid beta parameter at index 0: 1.0"),
    ("adam-beta2-negative", lambda: optim.Adam(PARAMS, betas=(0.9, -0.1)), ValueError,
     r"Invalid beta parameter at index 1: -0.1"),
    ("adam-negative-eps", lambda: optim.Adam(PARAMS, eps=-1e-8), ValueError, r"Invalid epsilon value: -1e-08"),
    ("adam-betas-length", lambda: optim.Adam(PARAMS, betas=(0.9,)), ValueError,
     r"betas must be a pair \(beta1, beta2\), but got \(0.9,\)"),
    ("sgd-string-lr", lambda: optim.SGD(PARAMS, lr="0.1"), TypeError,
     r"lr must be a (float|number), but got str"),
    ("optim-empty-params", lambda: optim.SGD([], lr=0.1), ValueError, r"optimizer got an empty parameter list"),
    ("optim-non-tensor-params", lambda: optim.SGD([1.0, 2.0], lr=0.1), TypeError,
     r"optimizer can only optimize Tensors, but one of the params is float"),
    ("optim-single-tensor", lambda: optim.Adam(PARAMS[0]), TypeError,
     r"params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
     r"tinygrad_edu.*Tensor"),
    ("optim-set-params", lambda: optim.SGD(set(PARAMS), lr=0.1), TypeError,
     r"optimizer parameters need to be organized in ordered collections"),
    ("optim-duplicate-groups", lambda: optim.SGD([{"params": PARAMS}, {"params": PARAMS[:1]}], lr=0.1),
     ValueError, r"some parameters appear in more than one parameter group"),
    ("optim-non-leaf", lambda: optim.SGD([YG], lr=0.1), ValueError, r"can't optimize a non-leaf Tensor"),
    ("optim-load-state-empty", lambda: SGD.load_state_dict({}), ValueError,
     r"optimizer state_dict must be a dict with 'state' and 'param_groups' entries"),
    ("optim-load-state-groups", lambda: optim.SGD(PARAMS[:1], lr=0.1).load_state_dict(SGD_STATE), ValueError,
     r"loaded state dict contains a parameter group that doesn't match the size of optimizer's group"),
    # --- learning-rate schedulers
    ("sched-not-optimizer", lambda: lr_scheduler.StepLR("sgd", step_size=1), TypeError, r"str is not an Optimizer"),
    ("sched-step-size-zero", lambda: lr_scheduler.StepLR(_new_sgd(), step_size=0), ValueError,
     r"step_size must be a positive integer, but got 0"),
    ("sched-tmax-zero", lambda: lr_scheduler.CosineAnnealingLR(_new_sgd(), T_max=0), ValueError,
     r"T_max must be a positive integer, but got 0"),
    ("sched-lambdas-count", lambda: lr_scheduler.LambdaLR(SGD, [_lambda_lr, _lambda_lr]), ValueError,
     r"Expected 1 lr_lambdas, but got 2"),
    ("plateau-factor", lambda: lr_scheduler.ReduceLROnPlateau(SGD, factor=1.5), ValueError,
     r"Factor should be < 1.0.*got 1.5"),
    ("plateau-mode", lambda: lr_scheduler.ReduceLROnPlateau(SGD, mode="best"), ValueError, r"mode best is unknown"),
    # --- load_state_dict and checkpoints
    ("state-missing-key", lambda: LIN.load_state_dict(STATE_MISSING), RuntimeError,
     r'Error\(s\) in loading state_dict for Linear:\n\tMissing key\(s\) in state_dict: "bias"'),
    ("state-unexpected-key", lambda: LIN.load_state_dict(STATE_UNEXPECTED), RuntimeError,
     r'Unexpected key\(s\) in state_dict: "extra.weight"'),
    ("state-shape", lambda: LIN.load_state_dict(STATE_SHAPE), RuntimeError,
     r"size mismatch for weight: copying a param with shape \[3, 3\] from checkpoint, the shape in current model "
     r"is \[2, 4\]"),
    ("state-not-mapping", lambda: LIN.load_state_dict([("weight", X)]), TypeError,
     r"Expected state_dict to be dict-like, got <class 'list'>"),
    ("load-text", lambda: tg.load(io.BytesIO(b"hello, this is not a checkpoint")), RuntimeError,
     r"<BytesIO> is not a tinygrad_edu checkpoint: expected a zip archive \(.npz\) but the file starts with "
     r"b'hello, this is n' \(text\)"),
    ("load-pickle", lambda: tg.load(io.BytesIO(PICKLE_BYTES)), RuntimeError,
     r"is not a tinygrad_edu checkpoint: it is a Python pickle"),
    ("load-empty", lambda: tg.load(io.BytesIO(b"")), RuntimeError,
     r"is not a tinygrad_edu checkpoint: the file is empty \(0 bytes\)"),
    ("load-map-location", lambda: tg.load(io.BytesIO(b""), map_location=3), TypeError,
     r"load\(\): map_location must be None, a device name, a device or a dict, not int"),
    ("save-object", lambda: tg.save({"model": object()}, io.BytesIO()), TypeError,
     r"save\(\): cannot save obj\['model'\] of type object; a checkpoint holds tensors"),
    ("save-ndarray", lambda: tg.save([ARRAY], io.BytesIO()), TypeError,
     r"cannot save obj\[0\] of type numpy.ndarray \(wrap arrays with tinygrad_edu.from_numpy"),
    # --- data loading
    ("loader-batch-zero", lambda: data.DataLoader(DS, batch_size=0), ValueError,
     r"batch_size should be a positive integer value, but got batch_size=0"),
    ("loader-batch-negative", lambda: data.DataLoader(DS, batch_size=-2), ValueError,
     r"batch_size should be a positive integer value, but got batch_size=-2"),
    ("loader-batch-float", lambda: data.DataLoader(DS, batch_size=2.5), ValueError,
     r"batch_size should be a positive integer value, but got batch_size=2.5"),
    ("loader-workers", lambda: data.DataLoader(DS, num_workers=-1), ValueError,
     r"num_workers option should be non-negative"),
    ("loader-sampler-shuffle", lambda: data.DataLoader(DS, sampler=SAMPLER, shuffle=True), ValueError,
     r"sampler option is mutually exclusive with shuffle"),
    ("loader-drop-last-unbatched", lambda: data.DataLoader(DS, batch_size=None, drop_last=True), ValueError,
     r"batch_size=None option disables auto-batching and is mutually exclusive with drop_last"),
    ("tensor-dataset-sizes", lambda: data.TensorDataset(X, LOGITS), ValueError,
     r"Size mismatch between tensors: every tensor needs the same first dimension, but got sizes \[2, 4\]"),
    ("random-split-lengths", lambda: data.random_split(DS, [1, 2]), ValueError,
     r"Sum of input lengths does not equal the length of the input dataset! \(sum 3, dataset length 4\)"),
    ("random-sampler-num-samples", lambda: data.RandomSampler(DS, num_samples=0), ValueError,
     r"num_samples should be a positive integer value, but got num_samples=0"),
    # --- tools: summary, parameter counts, gradient flow
    ("summary-input-size", lambda: tg.summary(LIN, input_size=(0, 4), verbose=0), ValueError,
     r"summary\(\): every size in input_size must be a positive int, but got \[0, 4\]"),
    ("summary-not-module", lambda: tg.summary("model", verbose=0), TypeError,
     r"summary\(\): model must be an nn.Module, but got str"),
    ("count-parameters-not-module", lambda: tg.count_parameters(3), TypeError,
     r"count_parameters\(\): model must be an nn.Module, but got int"),
]


def _params():
    out = []
    for row in CASES:
        case_id, call, exc, pattern = row[:4]
        opts = row[4] if len(row) > 4 else {}
        marks = []
        if opts.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=opts["xfail"]))
        if opts.get("skip_gpu"):
            marks.append(pytest.mark.skipif(HAS_GPU, reason="a GPU is available here"))
        out.append(pytest.param(call, exc, pattern, bool(opts.get("array_ok")), marks=marks, id=case_id))
    return out


@pytest.mark.parametrize("call,exc,pattern,array_ok", _params())
def test_bad_input(call, exc, pattern, array_ok):
    run_case(call, exc, pattern, array_ok)


def test_catalogue_is_large_and_ids_are_unique():
    ids = [row[0] for row in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(ids) >= 70


# ----------------------------------------------------------------------------- the checks check out
def test_the_origin_check_rejects_errors_from_numpy():
    """A raw NumPy error (here: reshaping an array directly) must fail the origin check."""
    with pytest.raises(ValueError) as info:
        np.zeros(6).reshape(4, 2)
    with pytest.raises(AssertionError, match="raised outside tinygrad_edu"):
        assert_raised_by_us(info.value)


def test_the_array_work_spy_sees_ops_and_array_calls():
    for call in (lambda: X * 2.0, lambda: X.array.sum(), lambda: np.asarray([1.0])):
        spy = ArrayWorkSpy()
        old = sys.getprofile()
        sys.setprofile(spy)
        try:
            call()
        finally:
            sys.setprofile(old)
        assert spy.work is not None


def test_failed_load_state_dict_leaves_the_model_unchanged():
    """A load that fails (here: one shape is wrong) copies nothing: no half-loaded model."""
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    bad = {k: tg.full(tuple(v.shape), 7.0) for k, v in before.items()}
    bad["1.weight"] = tg.zeros(5, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch for 1.weight"):
        model.load_state_dict(bad)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(force=True), before[k].numpy(force=True), err_msg=k)
    bad["1.weight"] = tg.full((2, 4), 7.0)
    model.load_state_dict(bad)  # the good one still loads
    assert all(bool((v == 7.0).all()) for v in model.state_dict().values())


def test_dataloader_over_a_non_dataset_fails_when_iterated():
    loader = data.DataLoader(_CountingIterable(), batch_size=2)
    with pytest.raises(TypeError):
        list(loader)

