"""The traps users fell into (issue 13), each fixed and held here.

1. A non-Tensor input to a layer gets PyTorch's TypeError naming the op, before any work.
2. An H x W x C image fed to a convolution gets PyTorch's message plus a channels-first hint.
3. softmax / log_softmax without ``dim`` warn as PyTorch does, and pick PyTorch's legacy dim.
4. No NumPy RuntimeWarning escapes the library: inf and nan come silently, as in PyTorch.
5. Linear's dtype and shape errors name the user's operands (input, weight), not m1 and m2.
"""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from test_errors import run_case  # checks: our raise, before any array work

torch = pytest.importorskip("torch")  # every trap is compared with PyTorch's own message
torch_nn, torch_F = torch.nn, torch.nn.functional


# ----------------------------------------------------------------------------- 1. not a Tensor
# (layer id, how to build it in a library (nn), the op its message must name, the bad input)
LIST = [1.0, 2.0]
LAYERS = [
    ("Linear", lambda nn: nn.Linear(2, 3), "linear", LIST),
    ("Conv1d", lambda nn: nn.Conv1d(1, 1, 1), "conv1d", LIST),
    ("Conv2d", lambda nn: nn.Conv2d(1, 1, 1), "conv2d", LIST),
    ("Conv3d", lambda nn: nn.Conv3d(1, 1, 1), "conv3d", LIST),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(1, 1, 1), "conv_transpose2d", LIST),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2), "max_pool2d", LIST),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(2), "avg_pool2d", LIST),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d(2), "adaptive_avg_pool2d", LIST),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(2), "batch_norm", LIST),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(2), "batch_norm", LIST),
    ("BatchNorm2d-eval", lambda nn: nn.BatchNorm2d(2).eval(), "batch_norm", LIST),
    ("LayerNorm", lambda nn: nn.LayerNorm(2), "layer_norm", LIST),
    ("GroupNorm", lambda nn: nn.GroupNorm(1, 2), "group_norm", LIST),
    ("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(2), "local_response_norm", LIST),
    ("Dropout", lambda nn: nn.Dropout(), "dropout", LIST),
    ("Dropout-eval", lambda nn: nn.Dropout().eval(), "dropout", LIST),
    ("Dropout2d", lambda nn: nn.Dropout2d(), "dropout2d", LIST),
    ("ReLU", lambda nn: nn.ReLU(), "relu", LIST),
    ("ReLU6", lambda nn: nn.ReLU6(), "hardtanh", LIST),  # a Hardtanh on [0, 6], in PyTorch too
    ("LeakyReLU", lambda nn: nn.LeakyReLU(), "leaky_relu", LIST),
    ("ELU", lambda nn: nn.ELU(), "elu", LIST),
    ("GELU", lambda nn: nn.GELU(), "gelu", LIST),
    ("SiLU", lambda nn: nn.SiLU(), "silu", LIST),
    ("Softplus", lambda nn: nn.Softplus(), "softplus", LIST),
    ("Hardtanh", lambda nn: nn.Hardtanh(), "hardtanh", LIST),
    ("Sigmoid", lambda nn: nn.Sigmoid(), "sigmoid", LIST),
    ("Tanh", lambda nn: nn.Tanh(), "tanh", LIST),
    ("Softmax", lambda nn: nn.Softmax(1), "softmax", LIST),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(1), "log_softmax", LIST),
    ("Flatten", lambda nn: nn.Flatten(), "flatten", LIST),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2), "interpolate", LIST),
    ("Embedding", lambda nn: nn.Embedding(3, 2), "embedding", [0, 2]),
    ("Sequential", lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU()), "linear", LIST),
]
LOSSES = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
          "BCEWithLogitsLoss"]
# PyTorch's own wording, which ours must equal where PyTorch gives it
TORCH_WORDS = re.compile(r"^\w+\(\): argument '\w+' \(position \d\) must be Tensor, not \w+$")


def _torch_message(call):
    try:
        call()
    except TypeError as e:
        return str(e) if TORCH_WORDS.match(str(e)) else None
    except Exception:  # noqa: BLE001  PyTorch itself fails less clearly here (an AttributeError)
        return None
    raise AssertionError("PyTorch accepted the bad input")


@pytest.mark.parametrize("make,op,bad", [p[1:] for p in LAYERS], ids=[p[0] for p in LAYERS])
def test_a_list_into_a_layer_gets_pytorchs_type_error(make, op, bad):
    layer = make(nn)
    err = run_case(lambda: layer(bad), TypeError, rf"^{op}\(\): argument 'input' \(position 1\) must be Tensor, "
                   r"not list$")
    theirs = _torch_message(lambda: make(torch_nn)(bad))
    # where PyTorch's layer names the same op (its embedding names aten's 'indices' (position 2),
    # not the user's input), the message is PyTorch's word for word
    if theirs is not None and theirs.startswith(op + "(") and op != "embedding":
        assert str(err) == theirs


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("which", ["input", "target"])
def test_a_list_into_a_loss_gets_pytorchs_type_error(name, which):
    classes = name in ("CrossEntropyLoss", "NLLLoss")
    good_input = tg.zeros(2, 3) if classes else tg.full((2,), 0.5)
    good_target = tg.tensor([0, 2]) if classes else tg.zeros(2)
    args = ([0.5, 0.5], good_target) if which == "input" else (good_input, [0, 1])
    position = 1 if which == "input" else 2
    loss = getattr(nn, name)()
    run_case(lambda: loss(*args), TypeError,
             rf"^\w+\(\): argument '{which}' \(position {position}\) must be Tensor, not list$")


def test_a_numpy_array_is_named_as_pytorch_names_it():
    x, layer = np.zeros((1, 2), dtype=np.float32), nn.Linear(2, 3)
    err = run_case(lambda: layer(x), TypeError, "must be Tensor, not numpy.ndarray")
    with pytest.raises(TypeError) as theirs:
        torch_nn.Linear(2, 3)(x)
    assert str(err) == str(theirs.value)


V2, W32, IMG = tg.zeros(2), tg.zeros(3, 2), tg.zeros(1, 1, 3, 3)  # built once: the calls below do no work


@pytest.mark.parametrize("call,message", [
    (lambda: F.linear(V2, [1.0, 2.0]), "linear(): argument 'weight' (position 2) must be Tensor, not list"),
    (lambda: F.linear(V2, W32, [0.0] * 3), "linear(): argument 'bias' (position 3) must be Tensor, not list"),
    (lambda: tg.matmul(V2, [1.0, 2.0]), "matmul(): argument 'other' (position 2) must be Tensor, not list"),
    (lambda: F.conv2d(IMG, [[[[1.0]]]]), "conv2d(): argument 'weight' (position 2) must be Tensor, not list"),
    (lambda: F.pad([1.0], (1, 1)), "pad(): argument 'input' (position 1) must be Tensor, not list"),
])
def test_other_tensor_arguments_are_named_with_their_position(call, message):
    run_case(call, TypeError, "^" + re.escape(message) + "$")


# ----------------------------------------------------------------------------- 2. channels last
HINT_2D = ("; did you mean to pass it channels-first? For an H x W x C image use x.permute(2, 0, 1) "
           "(or x.permute(0, 3, 1, 2) for a batch N x H x W x C)")


def _torch_error(layer_args, shape, cls="Conv2d"):
    torch.manual_seed(0)
    with pytest.raises(RuntimeError) as info:
        getattr(torch_nn, cls)(*layer_args)(torch.zeros(shape))
    return str(info.value)


@pytest.mark.parametrize("shape", [(1, 32, 32, 3), (32, 32, 3), (5, 8, 8, 3)])
def test_an_hwc_image_gets_pytorchs_message_then_the_permute_hint(shape):
    x, conv = tg.zeros(*shape), nn.Conv2d(3, 4, 3)
    # (an unbatched input gets its batch axis, a view, before the check: that much work is allowed)
    err = run_case(lambda: conv(x), RuntimeError, "did you mean", array_ok=len(shape) == 3)
    assert str(err) == _torch_error((3, 4, 3), shape) + HINT_2D
    # and following the hint works
    fixed = tg.zeros(*shape).permute(*((2, 0, 1) if len(shape) == 3 else (0, 3, 1, 2)))
    assert nn.Conv2d(3, 4, 3)(fixed).shape[-3:] == (4, shape[-3] - 2, shape[-2] - 2)


@pytest.mark.parametrize("cls,layer_args,shape,hint", [
    ("Conv1d", (3, 4, 3), (2, 8, 3), "For an L x C sequence use x.permute(1, 0) (or x.permute(0, 2, 1) for a batch "
                                     "N x L x C)"),
    ("Conv3d", (3, 4, 1), (1, 4, 4, 4, 3), "For a D x H x W x C volume use x.permute(3, 0, 1, 2) (or "
                                           "x.permute(0, 4, 1, 2, 3) for a batch N x D x H x W x C)"),
    ("ConvTranspose2d", (3, 4, 3), (1, 8, 8, 3), HINT_2D[len("; did you mean to pass it channels-first? "):]),
])
def test_the_hint_for_other_ranks_and_transposed_convolution(cls, layer_args, shape, hint):
    x, conv = tg.zeros(*shape), getattr(nn, cls)(*layer_args)
    err = run_case(lambda: conv(x), RuntimeError, "did you mean")
    assert str(err) == _torch_error(layer_args, shape, cls) + "; did you mean to pass it channels-first? " + hint


@pytest.mark.parametrize("shape,groups", [((1, 4, 8, 8), 1), ((1, 8, 8, 5), 1), ((1, 2, 8, 4), 2)])
def test_no_hint_when_the_last_axis_is_not_the_channel_count(shape, groups):
    # the last axis is 8 or 5 (not 3), or 4 = 2 x 2 channels per group where groups=2 expects 4 on dim 1
    layer_args = (3 if groups == 1 else 4, 4, 3)
    x, conv = tg.zeros(*shape), nn.Conv2d(*layer_args, groups=groups)
    err = run_case(lambda: conv(x), RuntimeError, "channels instead")
    if groups == 1:
        assert str(err) == _torch_error(layer_args, shape)
    else:  # 2 channels where 4 were expected, and the last axis (4) is the expected count: a hint
        assert str(err).endswith(HINT_2D)


# ----------------------------------------------------------------------------- 3. softmax, no dim
IMPLICIT = "Implicit dimension choice for {} has been deprecated. Change the call to include dim=X as an argument."


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_without_dim_warns_and_picks_pytorchs_legacy_dim(name, shape):
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    with pytest.warns(UserWarning) as record:
        ours = getattr(F, name)(tg.tensor(x))
    assert [str(w.message) for w in record] == [IMPLICIT.format(name)]
    assert record[0].filename == __file__  # points at the caller's line, not into the library
    with pytest.warns(UserWarning, match=re.escape(IMPLICIT.format(name))):
        theirs = getattr(torch_F, name)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    legacy = 0 if len(shape) in (0, 1, 3) else 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with dim given: no warning
        np.testing.assert_allclose(ours.numpy(), getattr(F, name)(tg.tensor(x), dim=legacy).numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_modules_without_dim_warn_at_the_callers_line(name):
    layer = getattr(nn, name)()
    with pytest.warns(UserWarning) as record:
        layer(tg.ones(2, 3))
    assert [str(w.message) for w in record] == [IMPLICIT.format(name.lower().replace("logs", "log_s"))]
    assert record[0].filename == __file__


# ----------------------------------------------------------------------------- 4. no NumPy warnings
INF, NAN = math.inf, math.nan


def _grad(f, values):
    def run(lib):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        f(x).sum().backward()
        return x.grad
    return run


QUIET = [  # each run in tinygrad_edu and in torch: the same infs and nans, and no warning
    ("log(0)", lambda lib: lib.tensor([0.0, -1.0]).log()),
    ("x / 0", lambda lib: lib.tensor([1.0, -1.0, 0.0]) / 0.0),
    ("0 * inf", lambda lib: lib.tensor([0.0]) * lib.tensor([INF])),
    ("inf - inf", lambda lib: lib.tensor([INF]) - lib.tensor([INF])),
    ("exp(1000)", lambda lib: lib.tensor([1000.0]).exp()),
    ("sqrt(-1)", lambda lib: lib.tensor([-1.0]).sqrt()),
    ("0 ** -1", lambda lib: lib.tensor([0.0]) ** -1),
    ("sum(inf, -inf)", lambda lib: lib.tensor([INF, -INF]).sum()),
    ("softmax(-inf, -inf)", lambda lib: lib.nn.functional.softmax(lib.tensor([-INF, -INF]), 0)),
    ("sin(inf)", lambda lib: lib.tensor([INF]).sin()),
    ("matmul inf * 0", lambda lib: lib.tensor([[INF, 0.0]]) @ lib.tensor([[0.0], [1.0]])),
    ("mse(inf, inf)", lambda lib: lib.nn.functional.mse_loss(lib.tensor([INF]), lib.tensor([INF]))),
    ("sqrt backward at 0", _grad(lambda x: x.sqrt(), [0.0, 4.0])),
    ("log backward at 0", _grad(lambda x: x.log(), [0.0])),
    ("pow 0.5 backward at 0", _grad(lambda x: x ** 0.5, [0.0])),
    ("0 * inf in backward", _grad(lambda x: x.sqrt() * 0.0, [0.0])),
]


@pytest.mark.parametrize("call", [c for _, c in QUIET], ids=[i for i, _ in QUIET])
def test_inf_and_nan_come_silently_as_in_pytorch(call):
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning at all fails
        ours = call(tg)
    theirs = call(torch)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())  # nan == nan here
    assert np.geterr() == before  # the user's own NumPy settings are left alone


def test_anomaly_mode_still_reports_the_nan_gradient():
    x = tg.tensor([0.0], requires_grad=True)
    with tg.autograd.detect_anomaly():
        y = (x.sqrt() * 0.0).sum()
        with pytest.raises(RuntimeError, match="nan"):
            y.backward()


# ----------------------------------------------------------------------------- 5. the user's names
@pytest.mark.parametrize("input_dtype,weight_dtype", [(tg.float32, tg.float64), (tg.float64, tg.float32),
                                                      (tg.int64, tg.float32)])
def test_linear_dtype_mismatch_names_input_and_weight(input_dtype, weight_dtype):
    layer, x = nn.Linear(2, 3).to(weight_dtype), tg.zeros(4, 2, dtype=input_dtype)
    message = (f"linear(): input is {input_dtype.name} but weight is {weight_dtype.name}; they must have the same "
               "dtype (use .float() or .double())")
    err = run_case(lambda: layer(x), RuntimeError, "^" + re.escape(message) + "$")
    assert "m1" not in str(err) and "mat2" not in str(err)


def test_linear_bias_dtype_mismatch_names_the_bias():
    x, w, b = tg.zeros(4, 2), tg.zeros(3, 2), tg.zeros(3, dtype=tg.float64)
    run_case(lambda: F.linear(x, w, b), RuntimeError,
             re.escape("linear(): input is float32 but bias is float64; they must have the same dtype"))


def test_linear_shape_mismatch_names_the_input_and_weight_shapes():
    x, w, layer = tg.zeros(4, 5), tg.zeros(3, 2), nn.Linear(2, 3)
    err = run_case(lambda: F.linear(x, w), RuntimeError, "cannot be multiplied")
    with pytest.raises(RuntimeError) as theirs:
        torch_F.linear(torch.zeros(4, 5), torch.zeros(3, 2))
    assert str(err) == str(theirs.value) + " (linear: input of shape [4, 5], weight of shape [3, 2])"
    # the layer says it in its own terms: the features it expected and the input's size
    run_case(lambda: layer(x), RuntimeError,
             re.escape("Linear expected input with 2 features in the last dimension, but got input of size [4, 5]"))
