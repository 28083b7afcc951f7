"""Layers: PyTorch's names, signatures, reprs, default initialisation, argument checks, and outputs
and gradients equal to PyTorch's once the same parameters are loaded."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


def build(lib, name, args=(), kwargs=None):
    return getattr(lib, name)(*args, **(kwargs or {}))


def load_from_torch(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})




# ------------------------------------------------------------------------------ forward/backward vs torch
# (layer, constructor args, constructor kwargs, input shape)
LAYER_CASES = [
    ("Linear", (5, 3), {}, (2, 5)),
    ("Linear", (5, 3), {"bias": False}, (2, 4, 5)),
    ("Identity", (7,), {"unused": 1}, (2, 3)),
    ("Conv1d", (2, 4, 3), {"stride": 2, "padding": 1}, (2, 2, 9)),
    ("Conv2d", (3, 4, 3), {"padding": 1}, (2, 3, 6, 6)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": (2, 1), "dilation": (1, 2), "groups": 2, "bias": False}, (1, 4, 7, 8)),
    ("Conv2d", (2, 3, 2), {"padding": "same"}, (1, 2, 5, 5)),
    ("Conv2d", (2, 3, 3), {"padding": "valid"}, (1, 2, 5, 5)),
    ("Conv3d", (2, 3, 2), {}, (1, 2, 4, 4, 3)),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2}, (1, 3, 5)),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (1, 4, 4, 4)),
    ("ConvTranspose2d", (4, 6, 2), {"groups": 2, "dilation": 2, "bias": False}, (2, 4, 3, 3)),
    ("ConvTranspose3d", (2, 2, 2), {"stride": 2}, (1, 2, 2, 3, 2)),
    ("MaxPool1d", (2,), {}, (2, 3, 8)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}, (2, 2, 7, 7)),
    ("MaxPool2d", (2,), {"ceil_mode": True}, (1, 2, 5, 5)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1}, (2, 3, 8)),
    ("AvgPool2d", (2,), {}, (2, 2, 6, 6)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (1, 2, 7, 7)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 2, 7, 8)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 4, 4)),
    ("AdaptiveMaxPool1d", (2,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (1, 2, 7, 5)),
    ("ReLU", (), {}, (3, 4)),
    ("ReLU6", (), {}, (3, 4)),
    ("LeakyReLU", (0.2,), {}, (3, 4)),
    ("ELU", (0.5,), {}, (3, 4)),
    ("GELU", (), {}, (3, 4)),
    ("GELU", (), {"approximate": "tanh"}, (3, 4)),
    ("SiLU", (), {}, (3, 4)),
    ("Softplus", (2.0, 1.0), {}, (3, 4)),
    ("Hardtanh", (-0.5, 0.7), {}, (3, 4)),
    ("Sigmoid", (), {}, (3, 4)),
    ("Tanh", (), {}, (3, 4)),
    ("Softmax", (), {"dim": 1}, (3, 4)),
    ("LogSoftmax", (), {"dim": -1}, (2, 3, 4)),
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), {"affine": False}, (4, 3, 5)),
    ("BatchNorm2d", (3,), {}, (4, 3, 2, 3)),
    ("BatchNorm2d", (3,), {"track_running_stats": False, "momentum": None}, (2, 3, 2, 2)),
    ("BatchNorm3d", (2,), {}, (2, 2, 2, 2, 2)),
    ("LayerNorm", (5,), {}, (2, 3, 5)),
    ("LayerNorm", ((3, 4),), {"elementwise_affine": False}, (2, 3, 4)),
    ("LayerNorm", (4,), {"bias": False}, (3, 4)),
    ("LocalResponseNorm", (3,), {}, (1, 5, 3, 3)),
    ("LocalResponseNorm", (2,), {"alpha": 0.01, "beta": 0.5, "k": 2.0}, (2, 4, 3)),
    ("Flatten", (), {}, (2, 3, 4, 5)),
    ("Flatten", (0, 1), {}, (2, 3, 4)),
    ("Unflatten", (1, (2, 3)), {}, (4, 6, 2)),
    ("Unflatten", (-1, (2, -1)), {}, (4, 6)),
]


def _case_id(case):
    name, args, kwargs, _ = case
    return name + "-" + "-".join(map(str, args)) + "".join(f"-{k}={v}" for k, v in kwargs.items())


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", LAYER_CASES, ids=[_case_id(c) for c in LAYER_CASES])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_layer_matches_torch(case, training):
    name, args, kwargs, shape = case
    torch.manual_seed(0)
    theirs, ours = build(torch.nn, name, args, kwargs), build(nn, name, args, kwargs)
    load_from_torch(ours, theirs)
    if name.startswith("BatchNorm") and theirs.running_mean is not None:
        with torch.no_grad():  # non-trivial running statistics, so eval mode is really tested
            theirs.running_mean.uniform_(-0.5, 0.5)
            theirs.running_var.uniform_(0.5, 2.0)
        load_from_torch(ours, theirs)
    theirs.train(training), ours.train(training)
    x = RNG.standard_normal(shape).astype(np.float32)
    x_t, x_o = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    y_t = theirs(x_t)
    y_o = ours(x_o)
    assert tuple(y_o.shape) == tuple(y_t.shape)
    assert y_o.dtype == tg.float32
    np.testing.assert_allclose(y_o.detach().numpy(), y_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = RNG.standard_normal(tuple(y_t.shape)).astype(np.float32)
    (y_t * torch.tensor(g)).sum().backward()
    (y_o * tg.tensor(g)).sum().backward()
    np.testing.assert_allclose(x_o.grad.numpy(), x_t.grad.numpy(), rtol=1e-4, atol=1e-5)
    tparams = dict(theirs.named_parameters())
    for pname, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[pname].grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=pname)
    # buffers (BatchNorm's running statistics and batch count) evolve the same way
    tbufs = dict(theirs.named_buffers())
    for bname, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), tbufs[bname].numpy(), rtol=1e-5, atol=1e-6, err_msg=bname)


def test_batchnorm_running_stats_over_several_steps_match_torch():
    for momentum in (0.1, None):
        theirs, ours = torch.nn.BatchNorm2d(3, momentum=momentum), nn.BatchNorm2d(3, momentum=momentum)
        for _ in range(3):
            x = RNG.standard_normal((4, 3, 2, 2)).astype(np.float32) * 2 + 1
            theirs(torch.tensor(x)), ours(tg.tensor(x))
        np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-5)
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)
        assert ours.num_batches_tracked.item() == 3 and ours.num_batches_tracked.dtype == tg.int64
    ours.eval()
    before = ours.running_mean.numpy().copy()
    ours(tg.randn(2, 3, 2, 2))
    np.testing.assert_array_equal(ours.running_mean.numpy(), before)  # eval does not update
    assert ours.num_batches_tracked.item() == 3


def test_batchnorm_checks_input_dims():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(tg.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(tg.randn(2, 3, 4, 4))


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2, return_indices=True), nn.AdaptiveMaxPool2d(2, return_indices=True)])
def test_max_pool_return_indices(layer):
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    theirs = (torch.nn.MaxPool2d(2, return_indices=True) if isinstance(layer, nn.MaxPool2d)
              else torch.nn.AdaptiveMaxPool2d(2, return_indices=True))
    (y_o, i_o), (y_t, i_t) = layer(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y_o.numpy(), y_t.numpy())
    np.testing.assert_array_equal(i_o.numpy(), i_t.numpy())


def test_conv_transpose_output_size_argument():
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    theirs, ours = torch.nn.ConvTranspose2d(2, 3, 3, stride=2), nn.ConvTranspose2d(2, 3, 3, stride=2)
    load_from_torch(ours, theirs)
    y_o = ours(tg.tensor(x), output_size=[10, 10])
    y_t = theirs(torch.tensor(x), output_size=[10, 10])
    assert tuple(y_o.shape) == tuple(y_t.shape) == (1, 3, 10, 10)
    np.testing.assert_allclose(y_o.detach().numpy(), y_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert tuple(ours(tg.tensor(x), output_size=(1, 3, 9, 9)).shape) == (1, 3, 9, 9)
    with pytest.raises(ValueError, match=r"requested an output size of \[12, 12\], but valid sizes range from "
                                         r"\[9, 9\] to \[10, 10\]"):
        ours(tg.tensor(x), output_size=[12, 12])


def test_conv_padding_modes_other_than_zeros_pad_first():
    theirs = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    ours = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    load_from_torch(ours, theirs)
    x = RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)
    try:
        y_o = ours(tg.tensor(x))
    except NotImplementedError as e:  # F.pad supports only 'constant' so far: the message says so
        assert "circular" in str(e)
        return
    np.testing.assert_allclose(y_o.detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_dropout_train_and_eval():
    tg.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = tg.ones(200, 50)
    y = drop(x).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}  # inverted dropout: survivors scaled by 1/(1-p)
    assert 0.4 < (y == 0).mean() < 0.6
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x).numpy(), x.numpy())
    d2 = nn.Dropout2d(0.5)
    y2 = d2(tg.ones(8, 16, 3, 3)).numpy()
    per_channel = y2.reshape(8, 16, -1)
    assert np.all((per_channel == per_channel[..., :1]))  # whole channels are kept or dropped
    assert nn.Dropout(0.0)(x).numpy().min() == 1.0
    assert nn.Dropout(1.0)(x).numpy().max() == 0.0


def test_inplace_flags_are_accepted():
    for layer in (nn.ReLU(inplace=True), nn.ReLU6(True), nn.LeakyReLU(0.1, inplace=True), nn.ELU(inplace=True),
                  nn.SiLU(inplace=True), nn.Hardtanh(inplace=True), nn.Dropout(0.3, inplace=True)):
        x = tg.tensor([-1.0, 0.5, 2.0])
        layer.eval()
        y = layer(x)
        assert y.shape == (3,)


# ------------------------------------------------------------------------------ losses vs torch
def _loss_inputs(lib, name):
    r = np.random.default_rng(7)
    logits = r.standard_normal((4, 5)).astype(np.float32)
    classes = np.array([0, 3, 1, 4])
    probs = 1 / (1 + np.exp(-r.standard_normal((3, 4)))).astype(np.float32)
    dense = r.standard_normal((3, 4)).astype(np.float32)
    target = r.standard_normal((3, 4)).astype(np.float32)
    if name in ("CrossEntropyLoss", "NLLLoss"):
        x = logits if name == "CrossEntropyLoss" else logits - np.log(np.exp(logits).sum(1, keepdims=True))
        return x, lib.tensor(classes)
    if name == "BCELoss":
        return probs, lib.tensor(r.uniform(size=(3, 4)).astype(np.float32))
    if name == "BCEWithLogitsLoss":
        return dense, lib.tensor(r.integers(0, 2, size=(3, 4)).astype(np.float32))
    return dense, lib.tensor(target)


LOSS_CASES = [
    ("MSELoss", {}), ("MSELoss", {"reduction": "sum"}), ("L1Loss", {}), ("L1Loss", {"reduction": "none"}),
    ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 0.7}), ("HuberLoss", {"reduction": "sum"}),
    ("CrossEntropyLoss", {}), ("CrossEntropyLoss", {"label_smoothing": 0.1}),
    ("CrossEntropyLoss", {"ignore_index": 3, "reduction": "sum"}),
    ("CrossEntropyLoss", {"weight": [1., 2., 1., .5, 3.]}),
    ("NLLLoss", {}), ("NLLLoss", {"weight": [1., 2., 1., .5, 3.], "reduction": "none"}),
    ("BCELoss", {}), ("BCELoss", {"weight": [1., 2., 1., .5]}),
    ("BCEWithLogitsLoss", {}), ("BCEWithLogitsLoss", {"pos_weight": [1., 2., 3., .5]}),
]


@pytest.mark.parametrize("name,kwargs", LOSS_CASES, ids=[f"{n}-{k}" for n, k in LOSS_CASES])
def test_loss_matches_torch(name, kwargs):
    def make(lib):
        kw = {k: (lib.tensor(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
        return getattr(lib.nn if lib is torch else nn, name)(**kw)
    theirs, ours = make(torch), make(tg)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # weight/pos_weight are buffers
    x_np, t_t = _loss_inputs(torch, name)
    _, t_o = _loss_inputs(tg, name)
    x_t, x_o = torch.tensor(x_np, requires_grad=True), tg.tensor(x_np, requires_grad=True)
    l_t = theirs(x_t, t_t)
    l_o = ours(x_o, t_o)
    np.testing.assert_allclose(l_o.detach().numpy(), l_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert l_o.dtype == tg.float32
    l_t.sum().backward()
    l_o.sum().backward()
    np.testing.assert_allclose(x_o.grad.numpy(), x_t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_legacy_size_average_and_reduce_flags():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.L1Loss(reduce=False).reduction == "none"


# ------------------------------------------------------------------------------ reprs vs torch
REPR_CASES = [
    ("Linear", (3, 4), {}), ("Linear", (3, 4), {"bias": False}), ("Identity", (), {}),
    ("Conv1d", (2, 4, 3), {}), ("Conv2d", (3, 64, 11), {"stride": 4, "padding": 2}),
    ("Conv2d", (4, 8, (3, 5)), {"dilation": 2, "groups": 4, "bias": False}),
    ("Conv2d", (2, 2, 3), {"padding": "same"}), ("Conv2d", (2, 2, 3), {"padding": 1, "padding_mode": "reflect"}),
    ("Conv3d", (2, 2, 3), {"stride": (1, 2, 1)}),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("ConvTranspose1d", (4, 2, 3), {}), ("ConvTranspose3d", (4, 2, 3), {"groups": 2}),
    ("MaxPool1d", (2,), {}), ("MaxPool2d", (3,), {"stride": 2}), ("MaxPool2d", ((2, 3),), {"ceil_mode": True}),
    ("MaxPool3d", (2,), {"padding": 1}),
    ("AvgPool1d", (2,), {}), ("AvgPool2d", (2,), {}), ("AvgPool2d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool3d", (2,), {}),
    ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveAvgPool2d", ((6, 6),), {}), ("AdaptiveAvgPool2d", ((6, None),), {}),
    ("AdaptiveAvgPool3d", (2,), {}), ("AdaptiveMaxPool1d", (2,), {}), ("AdaptiveMaxPool2d", (2,), {}),
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("ELU", (), {}), ("ELU", (0.5,), {"inplace": True}),
    ("GELU", (), {}), ("GELU", ("tanh",), {}), ("SiLU", (), {}), ("SiLU", (True,), {}),
    ("Softplus", (), {}), ("Softplus", (2, 10), {}), ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 2.0, True), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softmax", (), {}), ("Softmax", (1,), {}), ("LogSoftmax", (-1,), {}),
    ("Dropout", (), {}), ("Dropout", (0.2, True), {}), ("Dropout2d", (0.3,), {}),
    ("BatchNorm1d", (3,), {}), ("BatchNorm2d", (64,), {"eps": 1e-3, "momentum": None, "affine": False}),
    ("BatchNorm2d", (3,), {"bias": False}), ("BatchNorm3d", (2,), {"track_running_stats": False}),
    ("LayerNorm", (4,), {}), ("LayerNorm", ([4, 5],), {"elementwise_affine": False}),
    ("LayerNorm", (4,), {"bias": False}), ("LocalResponseNorm", (5,), {}),
    ("LocalResponseNorm", (2,), {"alpha": 1e-3, "beta": 0.5, "k": 2.0}),
    ("Flatten", (), {}), ("Flatten", (0, 2), {}), ("Unflatten", (1, (2, 3)), {}),
    ("CrossEntropyLoss", (), {}), ("NLLLoss", (), {}), ("MSELoss", (), {}), ("L1Loss", (), {}),
    ("SmoothL1Loss", (), {}), ("HuberLoss", (), {}), ("BCELoss", (), {}), ("BCEWithLogitsLoss", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", REPR_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(REPR_CASES)])
def test_repr_matches_torch(name, args, kwargs):
    assert repr(build(nn, name, args, kwargs)) == repr(build(torch.nn, name, args, kwargs))


def test_every_layer_has_torchs_parameter_and_buffer_names():
    for name, args, kwargs in REPR_CASES:
        ours, theirs = build(nn, name, args, kwargs), build(torch.nn, name, args, kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict()), name
        assert [tuple(v.shape) for v in ours.state_dict().values()] == \
               [tuple(v.shape) for v in theirs.state_dict().values()], name


# ------------------------------------------------------------------------------ default initialisation
def test_linear_and_conv_default_init_bounds():
    tg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)): gain sqrt(2/6), bound gain*sqrt(3/fan_in)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.var() - bound ** 2 / 3) < 0.03 * bound ** 2 / 3  # U(-b, b) has variance b^2/3
    assert abs(w.mean()) < 0.01 * bound
    b = lin.bias.detach().numpy()
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    conv = nn.Conv2d(16, 32, 5)
    cbound = 1 / math.sqrt(16 * 5 * 5)  # fan_in counts the kernel area
    cw = conv.weight.detach().numpy()
    assert np.abs(cw).max() <= cbound and np.abs(cw).max() > 0.99 * cbound
    assert np.abs(conv.bias.detach().numpy()).max() <= cbound
    grouped = nn.Conv2d(8, 8, 3, groups=4)
    gbound = 1 / math.sqrt(2 * 9)
    assert np.abs(grouped.weight.detach().numpy()).max() <= gbound
    tconv = nn.ConvTranspose2d(6, 4, 3)  # weight (in, out, k, k): PyTorch's fan_in is out * k * k
    assert np.abs(tconv.bias.detach().numpy()).max() <= 1 / math.sqrt(4 * 9)
    assert all(p.dtype == tg.float32 for m in (lin, conv, tconv) for p in m.parameters())


def test_default_init_is_reproducible_under_manual_seed():
    tg.manual_seed(42)
    a = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Linear(4, 2))
    tg.manual_seed(42)
    b = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Linear(4, 2))
    for (n, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=n)
    c = nn.Linear(4, 2)
    assert not np.array_equal(c.weight.detach().numpy(), b[1].weight.detach().numpy())


def test_norm_layers_start_as_identity():
    bn = nn.BatchNorm2d(5)
    assert bn.weight.tolist() == [1.0] * 5 and bn.bias.tolist() == [0.0] * 5
    assert bn.running_mean.tolist() == [0.0] * 5 and bn.running_var.tolist() == [1.0] * 5
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.ndim == 0
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert not bn.running_mean.requires_grad and bn.weight.requires_grad
    ln = nn.LayerNorm((2, 3))
    assert ln.weight.tolist() == [[1.0] * 3] * 2 and ln.bias.tolist() == [[0.0] * 3] * 2
    assert nn.BatchNorm1d(3, affine=False).weight is None
    assert nn.BatchNorm1d(3, track_running_stats=False).running_mean is None


def test_lecture_parameter_count():
    """Unit 04: ((5 * 5 * 192) + 1) * 32 = 153,632 parameters."""
    conv = nn.Conv2d(192, 32, kernel_size=5)
    assert sum(p.numel() for p in conv.parameters()) == (5 * 5 * 192 + 1) * 32 == 153_632


def test_factory_kwargs_dtype():
    lin = nn.Linear(2, 3, dtype=tg.float64)
    assert lin.weight.dtype == tg.float64 and lin.bias.dtype == tg.float64
    assert lin(tg.randn(1, 2, dtype=tg.float64)).dtype == tg.float64
    bn = nn.BatchNorm1d(2, dtype=tg.float64)
    assert bn.running_mean.dtype == tg.float64 and bn.num_batches_tracked.dtype == tg.int64
    assert nn.Conv2d(1, 1, 1, dtype=tg.float64).weight.dtype == tg.float64


# ------------------------------------------------------------------------------ argument validation
VALIDATION_CASES = [
    (lambda: nn.Linear(0, 3), ValueError, "Linear: in_features must be a positive integer, but got in_features=0"),
    (lambda: nn.Linear(3, -2), ValueError, "Linear: out_features must be a positive integer, but got out_features=-2"),
    (lambda: nn.Linear(3.0, 2), TypeError, "Linear: in_features must be an int"),
    (lambda: nn.Conv2d(0, 3, 3), ValueError, "Conv2d: in_channels must be a positive integer"),
    (lambda: nn.Conv2d(3, 0, 3), ValueError, "Conv2d: out_channels must be a positive integer"),
    (lambda: nn.Conv2d(3, 6, 0), ValueError, r"Conv2d: kernel_size must be positive, but got kernel_size=0"),
    (lambda: nn.Conv2d(3, 6, (3, -1)), ValueError, r"Conv2d: kernel_size must be positive"),
    (lambda: nn.Conv2d(3, 6, (3, 3, 3)), TypeError, "Conv2d: kernel_size must be an int or a tuple of 2 ints"),
    (lambda: nn.Conv1d(3, 6, 3, stride=0), ValueError, "Conv1d: stride must be positive"),
    (lambda: nn.Conv2d(3, 6, 3, padding=-1), ValueError, "Conv2d: padding must be non-negative"),
    (lambda: nn.Conv3d(3, 6, 3, dilation=0), ValueError, "Conv3d: dilation must be positive"),
    (lambda: nn.Conv2d(3, 6, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda: nn.Conv2d(4, 4, 3, padding="full"), ValueError, "Invalid padding string 'full'"),
    (lambda: nn.Conv2d(4, 4, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv2d(4, 4, 3, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=2), ValueError,
     "output padding must be smaller than either stride or dilation"),
    (lambda: nn.ConvTranspose1d(4, 4, 3, groups=3), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.MaxPool2d(0), ValueError, "MaxPool2d: kernel_size must be positive"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError, "MaxPool2d: stride must be positive"),
    (lambda: nn.MaxPool1d(2, padding=-1), ValueError, "MaxPool1d: padding must be non-negative"),
    (lambda: nn.AvgPool2d(-1), ValueError, "AvgPool2d: kernel_size must be positive"),
    (lambda: nn.AvgPool1d(0), ValueError, "AvgPool1d: kernel_size must be positive"),
    (lambda: nn.AvgPool3d(2, divisor_override=0), ValueError, "divisor_override must be a positive integer"),
    (lambda: nn.AdaptiveAvgPool2d(0), ValueError, "AdaptiveAvgPool2d: output_size must be a positive int"),
    (lambda: nn.AdaptiveMaxPool2d((2, 2, 2)), ValueError, "AdaptiveMaxPool2d: output_size"),
    (lambda: nn.Dropout(-0.1), ValueError, r"dropout probability has to be between 0 and 1, but got -0.1"),
    (lambda: nn.Dropout2d(1.5), ValueError, r"dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: nn.Dropout("half"), TypeError, "Dropout: p must be a number"),
    (lambda: nn.BatchNorm2d(0), ValueError, "BatchNorm2d: num_features must be a positive integer"),
    (lambda: nn.BatchNorm1d(3, eps=0), ValueError, "BatchNorm1d: eps must be positive"),
    (lambda: nn.BatchNorm1d(3, momentum=2.0), ValueError, "BatchNorm1d: momentum must be in"),
    (lambda: nn.LayerNorm(0), ValueError, "LayerNorm: normalized_shape must be a positive integer"),
    (lambda: nn.LayerNorm(4, eps=-1.0), ValueError, "LayerNorm: eps must be positive"),
    (lambda: nn.LocalResponseNorm(0), ValueError, "LocalResponseNorm: size must be a positive integer"),
    (lambda: nn.Hardtanh(1.0, -1.0), ValueError, "Hardtanh: max_val must be greater than min_val"),
    (lambda: nn.GELU("fast"), ValueError, "GELU: approximate must be 'none' or 'tanh'"),
    (lambda: nn.Unflatten(1, 6), TypeError, "unflattened_size must be a tuple of ints"),
    (lambda: nn.Unflatten(1, (2, 3.0)), TypeError,
     "unflattened_size must be tuple of ints, but found element of type float at pos 1"),
    (lambda: nn.MSELoss(reduction="avg"), ValueError, "avg is not a valid value for reduction"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), ValueError, "label_smoothing must be between 0.0 and 1.0"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), ValueError, "smooth_l1_loss does not support negative values for beta"),
    (lambda: nn.HuberLoss(delta=0.0), ValueError, "huber_loss does not support non-positive values for delta"),
]


@pytest.mark.parametrize("make,exc,message", VALIDATION_CASES, ids=[m for _, _, m in VALIDATION_CASES])
def test_constructor_validation(make, exc, message):
    with pytest.raises(exc, match=message):
        make()


def test_linear_checks_input_features_at_forward():
    lin = nn.Linear(4, 5)
    with pytest.raises(RuntimeError, match=r"Linear expected input with 4 features in the last dimension, but got "
                                           r"input of size \[2, 3\]"):
        lin(tg.randn(2, 3))
    with pytest.raises(RuntimeError, match="Linear expected input with 4 features"):
        lin(tg.tensor(1.0))
    assert lin(tg.randn(4)).shape == (5,)


def test_unflatten_checks_sizes_at_forward():
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[2, 4\] don't multiply up to the size of "
                                           r"dim 1 \(6\) in the input tensor"):
        nn.Unflatten(1, (2, 4))(tg.randn(3, 6))
