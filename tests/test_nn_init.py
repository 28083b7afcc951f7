"""nn.init: gains and fans as PyTorch computes them, bounds and variances of every initialiser,
in-place filling without a graph, and reproducibility under manual_seed."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import init

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None),
    ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="negative_slope slope not a valid number"):
        init.calculate_gain("leaky_relu", "slope")


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (2, 6, 3), (4, 2, 1, 2, 3)])
def test_fan_in_and_fan_out_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(tg.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 "
                                         "dimensions"):
        init._calculate_fan_in_and_fan_out(tg.zeros(5))


def _values(t):
    return t.detach().numpy().astype(np.float64)


def test_kaiming_uniform_bounds_by_hand():
    tg.manual_seed(0)
    w = tg.empty(256, 64, 3, 3)
    fan_in, fan_out = 64 * 9, 256 * 9
    assert init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu") is w
    bound = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)  # gain * sqrt(3 / fan)
    v = _values(w)
    assert np.abs(v).max() <= bound and np.abs(v).max() > 0.99 * bound
    assert v.var() == pytest.approx(2.0 / fan_in, rel=0.03)  # Var = gain^2 / fan
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(_values(w)).max() <= math.sqrt(2.0) * math.sqrt(3.0 / fan_out)
    init.kaiming_uniform_(w, a=math.sqrt(5))  # the Linear/Conv default: bound 1/sqrt(fan_in)
    assert np.abs(_values(w)).max() == pytest.approx(1 / math.sqrt(fan_in), rel=0.01)


def test_kaiming_normal_std():
    tg.manual_seed(1)
    w = tg.empty(300, 200)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert _values(w).std() == pytest.approx(math.sqrt(2.0 / 300), rel=0.02)
    assert abs(_values(w).mean()) < 0.01 * math.sqrt(2.0 / 300)
    init.kaiming_normal_(w, a=0.1, nonlinearity="leaky_relu")
    assert _values(w).std() == pytest.approx(math.sqrt(2.0 / (1 + 0.01)) / math.sqrt(200), rel=0.02)


def test_xavier_variance():
    tg.manual_seed(2)
    w = tg.empty(200, 300)
    init.xavier_uniform_(w)
    v = _values(w)
    assert v.var() == pytest.approx(2.0 / (200 + 300), rel=0.03)
    assert np.abs(v).max() <= math.sqrt(6.0 / 500)
    init.xavier_uniform_(w, gain=init.calculate_gain("tanh"))
    assert np.abs(_values(w)).max() <= 5 / 3 * math.sqrt(6.0 / 500)
    init.xavier_normal_(w, gain=2.0)
    assert _values(w).var() == pytest.approx(4.0 * 2.0 / 500, rel=0.03)


def test_uniform_normal_constant_zeros_ones_eye():
    tg.manual_seed(3)
    t = tg.empty(100, 100)
    init.uniform_(t, -0.3, 0.7)
    v = _values(t)
    assert v.min() >= -0.3 and v.max() < 0.7 and v.mean() == pytest.approx(0.2, abs=0.01)
    init.normal_(t, mean=1.0, std=0.5)
    assert _values(t).mean() == pytest.approx(1.0, abs=0.01) and _values(t).std() == pytest.approx(0.5, rel=0.02)
    assert init.constant_(t, 0.25) is t and set(np.unique(_values(t))) == {0.25}
    init.zeros_(t)
    assert not _values(t).any()
    init.ones_(t)
    assert (_values(t) == 1).all()
    e = init.eye_(tg.empty(2, 3))
    np.testing.assert_array_equal(e.numpy(), np.eye(2, 3))
    assert t.dtype == tg.float32


def test_trunc_normal_stays_in_bounds():
    tg.manual_seed(4)
    t = tg.empty(200, 100)
    init.trunc_normal_(t, mean=0.0, std=1.0, a=-0.5, b=1.0)
    v = _values(t)
    assert v.min() >= -0.5 and v.max() <= 1.0
    assert v.mean() == pytest.approx(0.2, abs=0.02)  # mean of N(0,1) truncated to [-0.5, 1]: ~0.19
    init.trunc_normal_(t, std=0.02)  # ViT-style: [-2, 2] is effectively no truncation at std 0.02
    assert _values(t).std() == pytest.approx(0.02, rel=0.03)
    with pytest.raises(ValueError, match="expected a < b"):
        init.trunc_normal_(t, a=1.0, b=0.0)
    with pytest.raises(ValueError, match="mean is too far outside"):
        init.trunc_normal_(t, mean=100.0, std=1.0, a=-2.0, b=2.0)


def test_init_is_in_place_on_parameters_without_a_graph():
    lin = nn.Linear(3, 4)
    w = lin.weight
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.zeros_, lambda t: init.normal_(t, 0, 1)):
        out = fn(lin.weight)
        assert out is w and lin.weight is w
        assert w.grad_fn is None and w.is_leaf and w.requires_grad and isinstance(w, nn.Parameter)
    lin(tg.randn(2, 3)).sum().backward()
    assert w.grad is not None


def test_reproducible_under_manual_seed_and_with_a_generator():
    def draw():
        t = tg.empty(5, 4)
        init.kaiming_uniform_(t)
        return _values(t)
    tg.manual_seed(123)
    a = draw()
    tg.manual_seed(123)
    b = draw()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, draw())
    g1, g2 = tg.Generator().manual_seed(7), tg.Generator().manual_seed(7)
    x, y = tg.empty(3, 3), tg.empty(3, 3)
    init.xavier_normal_(x, generator=g1)
    init.xavier_normal_(y, generator=g2)
    np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_mode_and_empty_tensor():
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(tg.empty(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(tg.empty(0, 3))


def test_model_apply_with_custom_init():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))

    def init_weights(m):
        if isinstance(m, nn.Linear):
            init.kaiming_normal_(m.weight, nonlinearity="relu")
            init.constant_(m.bias, 0.01)
    model.apply(init_weights)
    np.testing.assert_allclose(model[0].bias.detach().numpy(), np.full(16, 0.01, dtype=np.float32))
    assert model[2].bias.requires_grad
