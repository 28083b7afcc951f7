"""nn.Module: registration, names, state_dict, loading from PyTorch, hooks, modes, dtype moves, repr.

Where PyTorch defines the answer (names, key order, repr text, gradients seen by hooks) the test builds
the same architecture in both frameworks and compares.
"""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

torch = pytest.importorskip("torch")


# ------------------------------------------------------------------------------ shared architectures
def make_mlp(lib):
    """The same MLP class in either framework (``lib`` is torch.nn or tinygrad_edu.nn)."""
    class MLP(lib.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.Linear(5, 7)
            self.act = lib.ReLU()
            self.fc2 = lib.Linear(7, 3)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))
    return MLP()


def make_net(lib):
    """A small AlexNet-shaped CNN: features, adaptive pool, classifier; with buffers (BatchNorm)."""
    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(
                lib.Conv2d(3, 4, kernel_size=3, padding=1), lib.ReLU(inplace=True), lib.MaxPool2d(2),
                lib.Conv2d(4, 6, 3, stride=1, bias=False), lib.BatchNorm2d(6), lib.ReLU())
            self.avgpool = lib.AdaptiveAvgPool2d((2, 2))
            self.classifier = lib.Sequential(OrderedDict([
                ("drop", lib.Dropout(0.5)), ("fc1", lib.Linear(24, 8)), ("relu", lib.ReLU()),
                ("fc2", lib.Linear(8, 4))]))

        def forward(self, x):
            x = self.avgpool(self.features(x))
            return self.classifier(x.flatten(1))
    return Net()


def torch_state_as_numpy(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}




class raises_key_error:
    """KeyError's str() is the repr of its message, so compare the message itself."""

    def __init__(self, message):
        self.message = message

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        assert exc_type is KeyError, f"expected KeyError, got {exc_type}"
        assert exc.args[0] == self.message
        return True


# ------------------------------------------------------------------------------ registration and names
def test_attribute_assignment_registers_parameters_modules_and_buffers():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(tg.ones(2))
            self.sub = nn.Linear(2, 2)
            self.register_buffer("steps", tg.zeros(1))
            self.register_buffer("cache", tg.zeros(1), persistent=False)
            self.plain = tg.zeros(3)  # a plain tensor attribute is not registered

    m = M()
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["steps", "cache"]
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    assert list(m.state_dict()) == ["w", "steps", "sub.weight", "sub.bias"]  # non-persistent left out
    assert "plain" in m.__dict__ and m.plain.shape == (3,)
    assert m.w is m._parameters["w"] and m.sub is m._modules["sub"] and m.steps is m._buffers["steps"]
    # re-assigning: a Module replaces a parameter of that name, None clears a parameter slot
    m.w = None
    assert m._parameters["w"] is None and [n for n, _ in m.named_parameters()][0] == "sub.weight"
    with pytest.raises(TypeError, match="cannot assign 'tinygrad_edu.FloatTensor' as parameter 'w'"):
        m.w = tg.zeros(2)
    m.steps = tg.ones(1)  # assigning a tensor to a buffer name replaces the buffer
    assert m._buffers["steps"].item() == 1
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'steps'"):
        m.steps = 3
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'M' object has no attribute 'sub'"):
        m.sub  # noqa: B018


def test_registration_errors_match_pytorch():
    class NoInit(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        NoInit()

    class NoInitModule(nn.Module):
        def __init__(self):
            self.l = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        NoInitModule()
    m = nn.Module()
    with raises_key_error('parameter name can\'t contain "."'):
        m.register_parameter("a.b", nn.Parameter(tg.ones(1)))
    with raises_key_error('parameter name can\'t be empty string ""'):
        m.register_parameter("", nn.Parameter(tg.ones(1)))
    with pytest.raises(TypeError, match="parameter name should be a string. Got int"):
        m.register_parameter(1, nn.Parameter(tg.ones(1)))
    with pytest.raises(TypeError, match="cannot assign 'tinygrad_edu.FloatTensor' object to parameter 'p'"):
        m.register_parameter("p", tg.ones(1))
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        x = tg.ones(1, requires_grad=True)
        p = nn.Parameter(tg.ones(1))
        p.grad_fn = (x * 2).grad_fn  # simulate a non-leaf parameter
        m.register_parameter("q", p)
    m.train_steps = 3
    with raises_key_error("attribute 'train_steps' already exists"):
        m.register_buffer("train_steps", tg.zeros(1))
    with raises_key_error('buffer name can\'t contain "."'):
        m.register_buffer("a.b", tg.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'b'"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("x", 3)
    with raises_key_error('module name can\'t contain ".", got: a.b'):
        m.add_module("a.b", nn.ReLU())
    with raises_key_error('module name can\'t be empty string ""'):
        m.add_module("", nn.ReLU())
    m.register_module("act", nn.ReLU())
    assert isinstance(m.act, nn.ReLU)
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        m(tg.zeros(1))


def test_names_and_state_dict_keys_match_torch():
    ours, theirs = make_net(nn), make_net(torch.nn)
    for fn in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, fn)()] == [n for n, _ in getattr(theirs, fn)()], fn
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shapes = [tuple(v.shape) for v in ours.state_dict().values()]
    assert shapes == [tuple(v.shape) for v in theirs.state_dict().values()]
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == 3
    assert ours.state_dict()["features.4.num_batches_tracked"].dtype == tg.int64
    assert [n for n, _ in ours.named_parameters(prefix="model", recurse=True)][0] == "model.features.0.weight"
    assert [n for n, _ in ours.features.named_parameters(recurse=False)] == []


def test_shared_modules_and_tied_weights_are_listed_once_but_saved_under_every_name():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 4
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tlin = torch.nn.Linear(3, 3)
    tseq = torch.nn.Sequential(tlin, torch.nn.ReLU(), tlin)
    assert list(tseq.state_dict()) == list(seq.state_dict())


def test_state_dict_values_are_detached_and_share_storage():
    m = make_mlp(nn)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["fc1.weight"]
    assert not isinstance(w, nn.Parameter) and not w.requires_grad
    with tg.no_grad():
        m.fc1.weight.fill_(0.5)
    assert float(w[0, 0]) == 0.5  # a view on the live weight, as in PyTorch
    assert m.state_dict(keep_vars=True)["fc1.weight"] is m.fc1.weight


def test_get_submodule_parameter_buffer():
    net = make_net(nn)
    assert net.get_submodule("classifier.fc1") is net.classifier.fc1
    assert net.get_submodule("") is net
    assert net.get_parameter("features.0.bias") is net.features[0].bias
    assert net.get_buffer("features.4.running_mean") is net.features[4].running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `nope`"):
        net.get_submodule("features.nope")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        net.get_submodule("classifier.fc1.weight")
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Parameter"):
        net.get_parameter("features.4.running_mean")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        net.get_buffer("features.4.weight")


def test_dir_lists_registered_names():
    m = make_mlp(nn)
    d = dir(m)
    assert {"fc1", "fc2", "act", "forward", "state_dict"} <= set(d)
    assert "weight" in dir(m.fc1) and "bias" in dir(m.fc1)
    seq = nn.Sequential(nn.ReLU())
    assert "0" not in dir(seq)


# ------------------------------------------------------------------------------ loading from PyTorch
def _compare_forward_backward(ours, theirs, x_np, atol=1e-5):
    x_t = torch.tensor(x_np, requires_grad=True)
    x_o = tg.tensor(x_np, requires_grad=True)
    y_t, y_o = theirs(x_t), ours(x_o)
    np.testing.assert_allclose(y_o.detach().numpy(), y_t.detach().numpy(), rtol=1e-5, atol=atol)
    assert y_o.dtype == tg.float32
    (y_t * y_t).sum().backward()
    (y_o * y_o).sum().backward()
    np.testing.assert_allclose(x_o.grad.numpy(), x_t.grad.numpy(), rtol=1e-4, atol=atol)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(), rtol=1e-4, atol=atol, err_msg=name)


def test_load_torch_mlp_and_match_outputs_and_gradients():
    torch.manual_seed(0)
    theirs, ours = make_mlp(torch.nn), make_mlp(nn)
    result = ours.load_state_dict({k: tg.tensor(v) for k, v in torch_state_as_numpy(theirs).items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    _compare_forward_backward(ours, theirs, x)


def test_load_state_dict_accepts_arrays_and_torch_tensors_and_keeps_dtype_device_identity():
    theirs, ours = make_mlp(torch.nn), make_mlp(nn).double()
    w = ours.fc1.weight
    ours.load_state_dict(torch_state_as_numpy(theirs))  # plain NumPy arrays
    assert ours.fc1.weight is w and w.dtype == tg.float64 and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), theirs.fc1.weight.detach().numpy(), rtol=1e-7)
    ours2 = make_mlp(nn)
    ours2.load_state_dict(theirs.state_dict())  # CPU torch tensors convert through __array__
    np.testing.assert_array_equal(ours2.fc2.bias.detach().numpy(), theirs.fc2.bias.detach().numpy())


def test_load_torch_cnn_with_batchnorm_and_match_outputs_and_gradients():
    torch.manual_seed(1)
    theirs, ours = make_net(torch.nn), make_net(nn)
    with torch.no_grad():  # non-trivial running statistics
        theirs.features[4].running_mean.uniform_(-0.5, 0.5)
        theirs.features[4].running_var.uniform_(0.5, 2.0)
        theirs.features[4].num_batches_tracked.fill_(7)
    ours.load_state_dict({k: tg.tensor(v) for k, v in torch_state_as_numpy(theirs).items()})
    assert ours.features[4].num_batches_tracked.item() == 7
    assert ours.features[4].num_batches_tracked.dtype == tg.int64
    theirs.eval(), ours.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 10, 10)).astype(np.float32)
    _compare_forward_backward(ours, theirs, x, atol=1e-4)


def test_round_trip_our_state_dict_into_torch():
    ours, theirs = make_net(nn), make_net(torch.nn)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    ours.eval(), theirs.eval()
    x = np.random.default_rng(2).standard_normal((1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


class AlexNet(nn.Module):  # the class name appears in load_state_dict's error message
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(3, 5), nn.ReLU())
        self.fc = nn.Linear(4, 10)


def test_load_state_dict_error_messages():
    model = AlexNet()
    good = {k: v.clone() for k, v in model.state_dict().items()}
    bad = dict(good)
    del bad["features.0.bias"]
    bad["features.0.extra"] = tg.zeros(1)
    bad["head.weight"] = tg.zeros(1)
    bad["fc.weight"] = tg.zeros(10, 5)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    assert str(info.value) == (
        'Error(s) in loading state_dict for AlexNet:\n'
        '\tMissing key(s) in state_dict: "features.0.bias". \n'
        '\tUnexpected key(s) in state_dict: "head.weight", "features.0.extra". \n'
        '\tsize mismatch for fc.weight: copying a param with shape [10, 5] from checkpoint, '
        'the shape in current model is [10, 4].')
    # strict=False reports the keys instead of raising; size mismatches are still errors
    bad["fc.weight"] = tg.zeros(10, 4)
    result = model.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["features.0.bias"]
    assert result.unexpected_keys == ["head.weight", "features.0.extra"]
    assert result == (["features.0.bias"], ["head.weight", "features.0.extra"])
    with pytest.raises(RuntimeError, match="size mismatch for fc.weight"):
        model.load_state_dict({"fc.weight": tg.zeros(2, 2)}, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        model.load_state_dict([("fc.weight", tg.zeros(10, 4))])
    with pytest.raises(RuntimeError, match='While copying the parameter named "fc.bias"'):
        model.load_state_dict({**good, "fc.bias": "not a tensor"})


def test_load_state_dict_keeps_optimizer_view_and_copies_values():
    a, b = make_mlp(nn), make_mlp(nn)
    w = b.fc1.weight
    b.load_state_dict(a.state_dict())
    assert b.fc1.weight is w
    np.testing.assert_array_equal(w.detach().numpy(), a.fc1.weight.detach().numpy())
    with tg.no_grad():
        a.fc1.weight.add_(1.0)  # a copy, not an alias
    assert not np.allclose(w.detach().numpy(), a.fc1.weight.detach().numpy())


# ------------------------------------------------------------------------------ hooks
def test_forward_hooks_fire_in_order_and_can_modify_inputs_and_outputs():
    calls = []
    lin = nn.Linear(2, 2)
    with tg.no_grad():
        lin.weight.copy_(tg.eye(2))
        lin.bias.zero_()

    def pre1(mod, args):
        calls.append("pre1")
        return (args[0] * 2,)

    def pre2(mod, args):
        calls.append("pre2")
        return args[0] + 1  # a bare value is wrapped into a tuple

    def post(mod, args, out):
        calls.append("post")
        assert args[0].tolist() == [[3.0, 5.0]]
        return out * 10

    h1 = lin.register_forward_pre_hook(pre1)
    h2 = lin.register_forward_pre_hook(pre2)
    h3 = lin.register_forward_hook(post)
    lin.register_forward_pre_hook(lambda m, a: calls.append("first") or None, prepend=True)
    out = lin(tg.tensor([[1.0, 2.0]]))
    assert calls == ["first", "pre1", "pre2", "post"]
    assert out.tolist() == [[30.0, 50.0]]
    for h in (h1, h2, h3):
        h.remove()
    h3.remove()  # removing twice is harmless
    assert lin(tg.tensor([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]
    with lin.register_forward_hook(lambda m, a, o: o * 0):
        assert lin(tg.tensor([[1.0, 2.0]])).tolist() == [[0.0, 0.0]]
    assert lin(tg.tensor([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]


def test_forward_hooks_record_activations_of_every_layer():
    model = make_mlp(nn)
    seen = {}
    for name, m in model.named_modules():
        if name:
            m.register_forward_hook(lambda mod, args, out, name=name: seen.__setitem__(name, tuple(out.shape)))
    model(tg.randn(6, 5))
    assert seen == {"fc1": (6, 7), "act": (6, 7), "fc2": (6, 3)}


def _record_backward(module):
    store = []
    module.register_full_backward_hook(lambda m, gi, go: store.append((gi, go)))
    return store


def test_full_backward_hook_grads_match_torch():
    torch.manual_seed(3)
    theirs, ours = make_mlp(torch.nn), make_mlp(nn)
    ours.load_state_dict(torch_state_as_numpy(theirs))
    rec_t = {n: _record_backward(getattr(theirs, n)) for n in ("fc1", "act", "fc2")}
    rec_o = {n: _record_backward(getattr(ours, n)) for n in ("fc1", "act", "fc2")}
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    x_t, x_o = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    (theirs(x_t) ** 3).sum().backward()
    (ours(x_o) ** 3).sum().backward()
    for name in rec_t:
        (gi_t, go_t), = rec_t[name]
        (gi_o, go_o), = rec_o[name]
        assert len(gi_o) == len(gi_t) and len(go_o) == len(go_t)
        for a, b in zip(gi_o + go_o, gi_t + go_t):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(x_o.grad.numpy(), x_t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_backward_hook_order_and_none_for_inputs_without_grad():
    order = []
    model = make_mlp(nn)
    for name in ("fc1", "act", "fc2"):
        getattr(model, name).register_full_backward_hook(lambda m, gi, go, name=name: order.append((name, gi)))
    model(tg.randn(2, 5)).sum().backward()  # the input needs no gradient
    assert [n for n, _ in order] == ["fc2", "act", "fc1"]
    assert order[-1][1] == (None,)
    assert order[0][1][0].shape == (2, 7)


def test_backward_hook_can_replace_grad_input_and_matches_torch_for_two_inputs():
    class Mul(nn.Module):
        def forward(self, a, b, scale):
            return a * b * scale

    class TMul(torch.nn.Module):
        def forward(self, a, b, scale):
            return a * b * scale

    got = {}
    for name, mod, lib in (("ours", Mul(), tg), ("torch", TMul(), torch)):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        seen = []

        def hook(m, gi, go, seen=seen):
            seen.append((gi, go))
            return (gi[0] * 0, gi[1], None)

        mod.register_full_backward_hook(hook)
        mod.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
        mod(a, b, 5.0).sum().backward()
        got[name] = (seen, a.grad, b.grad)
    (gi_o, go_o), = got["ours"][0]
    (gi_t, go_t), = got["torch"][0]
    assert gi_o[2] is None and gi_t[2] is None
    np.testing.assert_allclose(gi_o[0].numpy(), gi_t[0].numpy())
    np.testing.assert_allclose(gi_o[1].numpy(), gi_t[1].numpy())
    np.testing.assert_allclose(go_o[0].numpy(), go_t[0].numpy())  # the pre-hook doubled it: [2, 2]
    assert go_o[0].tolist() == [2.0, 2.0]
    assert got["ours"][1].tolist() == [0.0, 0.0] == got["torch"][1].tolist()
    np.testing.assert_allclose(got["ours"][2].numpy(), got["torch"][2].numpy())


def test_backward_hook_wrong_length_is_an_error_and_handle_removes_it():
    lin = nn.Linear(2, 2)
    h = lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    x = tg.randn(1, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        lin(x).sum().backward()
    h.remove()
    lin(x).sum().backward()
    assert x.grad.shape == (1, 2)


# ------------------------------------------------------------------------------ modes, grads, apply
def test_train_eval_toggle_every_descendant():
    net = make_net(nn)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.classifier.train(False)
    assert net.training and not net.classifier.fc1.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_requires_grad_and_apply():
    m = make_mlp(nn)
    m(tg.randn(2, 5)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    visited = []
    assert m.apply(lambda mod: visited.append(type(mod).__name__)) is m
    assert visited == ["Linear", "ReLU", "Linear", "MLP"]

    def init_weights(mod):
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.weight)
    m.apply(init_weights)
    assert not m.fc2.weight.detach().numpy().any()


# ------------------------------------------------------------------------------ dtype and device
def test_to_double_keeps_parameter_identity_and_converts_grads_and_float_buffers_only():
    net = make_mlp(nn)
    net.register_buffer("count", tg.tensor(3))
    net.register_buffer("scale", tg.ones(2))
    params = list(net.parameters())
    net(tg.randn(2, 5)).sum().backward()
    assert net.to(tg.float64) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == tg.float64 and isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    assert all(p.grad.dtype == tg.float64 for p in params)
    assert net.count.dtype == tg.int64 and net.scale.dtype == tg.float64
    assert net(tg.randn(2, 5, dtype=tg.float64)).dtype == tg.float64
    net.float()
    assert all(p.dtype == tg.float32 for p in params)
    net.to(dtype=tg.float64).to("cpu")
    assert all(p.dtype == tg.float64 for p in params)
    net.to(tg.zeros(1, dtype=tg.float32))
    assert all(p.dtype == tg.float32 for p in params)
    net.double().cpu()
    assert all(p.dtype == tg.float64 for p in params)
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(tg.int64)


def test_optimizer_style_update_still_reaches_model_after_to():
    net = make_mlp(nn)
    held = list(net.parameters())  # what an optimizer built before .to() would keep
    net.to(tg.float64)
    net(tg.randn(3, 5, dtype=tg.float64)).sum().backward()
    with tg.no_grad():
        for p in held:
            p.sub_(p.grad * 0.1)
    assert held[0] is net.fc1.weight


# ------------------------------------------------------------------------------ repr
def test_nested_repr_identical_to_torch():
    ours, theirs = make_net(nn), make_net(torch.nn)
    assert repr(ours) == repr(theirs)
    assert repr(make_mlp(nn)) == repr(make_mlp(torch.nn))
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential()) == "Sequential()"


def test_extra_repr_multiline_and_modulelist_compression_match_torch():
    def build(lib):
        class Block(lib.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.Linear(2, 2)

            def extra_repr(self):
                return "line one\nline two"
        return lib.ModuleList([Block(), Block(), Block(), lib.ReLU(), lib.ReLU(), lib.Linear(1, 1)])
    assert repr(build(nn)) == repr(build(torch.nn))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_parameter_repr_and_basics():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert repr(p) == repr(tp).replace("torch", "tinygrad_edu")
    assert p.requires_grad and p.is_leaf and isinstance(p, tg.Tensor)
    assert not nn.Parameter(tg.zeros(1), requires_grad=False).requires_grad
    data = tg.zeros(3)
    shared = nn.Parameter(data)
    with tg.no_grad():
        shared.fill_(2.0)
    assert data.tolist() == [2.0, 2.0, 2.0]  # Parameter(t) shares t's storage
    assert type(p * 2) is tg.Tensor  # results of ops are plain tensors
    assert nn.Parameter().shape == (0,)


def test_deepcopy_and_pickle_give_independent_models():
    net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3))  # picklable: no local classes
    net.register_buffer("steps", tg.zeros(1))
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight.requires_grad
        assert clone[0].weight is not net[0].weight and list(clone.state_dict()) == list(net.state_dict())
        np.testing.assert_array_equal(clone[0].weight.detach().numpy(), net[0].weight.detach().numpy())
        with tg.no_grad():
            clone[0].weight.fill_(0.0)
        assert net[0].weight.detach().numpy().any()
        x = tg.randn(2, 5)
        np.testing.assert_allclose(copy.deepcopy(net)(x).detach().numpy(), net(x).detach().numpy())


# ------------------------------------------------------------------------------ containers
def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[3] and seq[-4] is layers[0]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]  # noqa: B018
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert [n for n, _ in seq[2:].named_children()] == ["2", "3"]  # slices keep the names, as in PyTorch
    assert seq(tg.randn(5, 2)).shape == (5, 4)
    seq.append(nn.Linear(4, 1))
    assert len(seq) == 5 and seq(tg.randn(5, 2)).shape == (5, 1)
    seq[1] = nn.Sigmoid()
    assert isinstance(seq[1], nn.Sigmoid)
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"] and seq[1] is layers[2]
    seq.insert(1, nn.ReLU())
    assert isinstance(seq[1], nn.ReLU) and len(seq) == 5
    popped = seq.pop(-1)
    assert isinstance(popped, nn.Linear) and len(seq) == 4
    assert len(seq + nn.Sequential(nn.ReLU())) == 5
    named = nn.Sequential(OrderedDict([("conv", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_children()] == ["conv", "act"] and named.act is named[1]
    assert repr(named) == repr(torch.nn.Sequential(OrderedDict([("conv", torch.nn.Linear(1, 1)),
                                                                ("act", torch.nn.ReLU())])))


def test_modulelist_moduledict_parameterlist_parameterdict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6 and isinstance(ml[1:], nn.ModuleList)
    ml.append(nn.ReLU()).extend([nn.Tanh()])
    ml += [nn.Sigmoid()]
    assert len(ml) == 6 and isinstance(ml[-1], nn.Sigmoid)
    del ml[0]
    assert [n for n, _ in ml.named_children()] == ["0", "1", "2", "3", "4"]
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and len(ml) == 6
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ml.extend(nn.ReLU)

    md = nn.ModuleDict({"enc": nn.Linear(2, 3)})
    md["dec"] = nn.Linear(3, 2)
    md.update([("act", nn.ReLU())])
    assert list(md) == ["enc", "dec", "act"] and "dec" in md and len(md) == 3
    assert [n for n, _ in md.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(md.pop("act"), nn.ReLU) and list(md.keys()) == ["enc", "dec"]

    pl = nn.ParameterList([tg.zeros(2, 3), nn.Parameter(tg.ones(4))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(tg.zeros(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    tpl = torch.nn.ParameterList([torch.zeros(2, 3), torch.nn.Parameter(torch.ones(4)), torch.zeros(1)])
    assert repr(pl) == repr(tpl).replace("torch.", "tinygrad_edu.")
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl(1)

    pd = nn.ParameterDict({"a": tg.zeros(2)})
    pd["b"] = nn.Parameter(tg.ones(1))
    assert list(pd) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["a", "b"]
    assert isinstance(pd.pop("a"), nn.Parameter) and list(pd.keys()) == ["b"]


def test_buffer_class_and_non_persistent_buffers():
    m = nn.Module()
    m.stats = nn.Buffer(tg.ones(2))
    m.cache = nn.Buffer(tg.zeros(2), persistent=False)
    assert list(m._buffers) == ["stats", "cache"] and list(m.state_dict()) == ["stats"]
    assert type(m.stats) is tg.Tensor
    m.cache = tg.ones(2)  # re-assignment keeps it non-persistent
    assert list(m.state_dict()) == ["stats"]
    m.load_state_dict({"stats": tg.tensor([5.0, 6.0])})
    assert m.stats.tolist() == [5.0, 6.0]
