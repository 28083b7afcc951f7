"""Optimizers: hand-computed steps, PyTorch's numbers for every option, dtypes, checkpoints, errors."""
import itertools
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

F64 = dict(rtol=1e-11, atol=1e-12)  # "float64 precision": PyTorch fuses a*b+c (FMA), NumPy rounds twice


def _param(values, dtype=tg.float64):
    return tg.tensor(values, dtype=dtype, requires_grad=True)


def _step_with_grad(opt, p, grad):
    """One step with a chosen gradient, through autograd: loss = sum(grad * p) has d loss/dp = grad."""
    opt.zero_grad()
    (p * tg.tensor(grad, dtype=p.dtype)).sum().backward()
    opt.step()


# ----------------------------------------------------------------------------- by hand
def test_sgd_plain_by_hand():
    # θ0 = [1, -2], g = [0.5, 1], lr = 0.1: θ ← θ - 0.1 g = θ - [0.05, 0.1] each step
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.95, -2.1], rtol=1e-15)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.9, -2.2], rtol=1e-15)


def test_sgd_momentum_by_hand():
    # μ = 0.9, g = [0.5, 1] every step:
    # b1 = g = [0.5, 1]                       θ1 = [1, -2] - 0.1 b1 = [0.95, -2.1]
    # b2 = 0.9 b1 + g = [0.95, 1.9]           θ2 = [0.95 - 0.095, -2.1 - 0.19] = [0.855, -2.29]
    # b3 = 0.9 b2 + g = [1.355, 2.71]         θ3 = [0.855 - 0.1355, -2.29 - 0.271] = [0.7195, -2.561]
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for expected_b, expected in [([0.5, 1.0], [0.95, -2.1]), ([0.95, 1.9], [0.855, -2.29]),
                                 ([1.355, 2.71], [0.7195, -2.561])]:
        _step_with_grad(opt, p, [0.5, 1.0])
        np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(force=True), expected_b, rtol=1e-14)
        np.testing.assert_allclose(p.numpy(force=True), expected, rtol=1e-14)


def test_sgd_dampening_nesterov_weight_decay_maximize_by_hand():
    # dampening τ = 0.5: b1 = g (the first step is not dampened), b2 = 0.9 b1 + 0.5 g = [0.7, 1.4]
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    _step_with_grad(opt, p, [0.5, 1.0])
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(force=True), [0.7, 1.4], rtol=1e-14)
    np.testing.assert_allclose(p.numpy(force=True), [1 - 0.05 - 0.07, -2 - 0.1 - 0.14], rtol=1e-14)

    # nesterov: step 1 uses g + μ b1 = 1.9 g = [0.95, 1.9]       θ1 = [0.905, -2.19]
    #           step 2: b2 = 1.9 g, uses g + μ b2 = 2.71 g        θ2 = [0.7695, -2.461]
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.905, -2.19], rtol=1e-14)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.7695, -2.461], rtol=1e-14)

    # weight decay λ = 0.1: d1 = g + 0.1 θ0 = [0.6, 0.8]        θ1 = [0.94, -2.08]
    #                       d2 = g + 0.1 θ1 = [0.594, 0.792]    θ2 = [0.8806, -2.1592]
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, weight_decay=0.1)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.94, -2.08], rtol=1e-14)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.8806, -2.1592], rtol=1e-14)

    # maximize: climb instead, θ1 = θ0 + 0.1 g = [1.05, -1.9]
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, maximize=True)
    _step_with_grad(opt, p, [0.5, 1.0])
    np.testing.assert_allclose(p.numpy(force=True), [1.05, -1.9], rtol=1e-15)


def test_adam_by_hand():
    # β = (0.9, 0.999), lr = 0.1, ε = 1e-8, θ0 = 0.
    # step 1, g = 1:  m = 0.1, v = 0.001, m̂ = m / (1 - 0.9) = 1, √v̂ = √(v / (1 - 0.999)) = 1
    #                 θ1 = 0 - 0.1 · 1 / (1 + 1e-8)
    # step 2, g = -1: m = 0.9 · 0.1 - 0.1 = -0.01, v = 0.999 · 0.001 + 0.001 = 0.001999
    #                 m̂ = -0.01 / (1 - 0.81) = -0.01 / 0.19, √v̂ = √(0.001999 / (1 - 0.998001)) = 1
    #                 θ2 = θ1 + 0.1 · (0.01 / 0.19) / (1 + 1e-8)
    p = _param([0.0])
    opt = optim.Adam([p], lr=0.1)
    _step_with_grad(opt, p, [1.0])
    theta1 = -0.1 / (1 + 1e-8)
    np.testing.assert_allclose(p.numpy(force=True), [theta1], rtol=1e-14)
    _step_with_grad(opt, p, [-1.0])
    st = opt.state[p]
    assert st["step"] == 2
    np.testing.assert_allclose(st["exp_avg"].numpy(force=True), [-0.01], rtol=1e-13)
    np.testing.assert_allclose(st["exp_avg_sq"].numpy(force=True), [0.001999], rtol=1e-13)
    np.testing.assert_allclose(p.numpy(force=True), [theta1 + 0.1 * (0.01 / 0.19) / (1 + 1e-8)], rtol=1e-13)


def test_adam_steps_have_size_lr_for_a_constant_gradient():
    # with a constant g, m̂ = g and √v̂ = |g| at every step: each step moves lr · g / (|g| + ε)
    p = _param([1.0, -2.0])
    opt = optim.Adam([p], lr=0.01)
    for k in range(1, 4):
        _step_with_grad(opt, p, [1e-3, -50.0])
        np.testing.assert_allclose(p.numpy(force=True), [1.0 - 0.01 * k * 1e-3 / (1e-3 + 1e-8),
                                                        -2.0 + 0.01 * k * 50 / (50 + 1e-8)], rtol=1e-12)


def test_adamw_decoupled_weight_decay_by_hand():
    # λ = 0.1, lr = 0.1, θ0 = 1, g = 1:  θ ← θ (1 - 0.01) = 0.99, then the Adam step of -0.1 / (1 + 1e-8)
    p = _param([1.0])
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.1)
    _step_with_grad(opt, p, [1.0])
    np.testing.assert_allclose(p.numpy(force=True), [0.99 - 0.1 / (1 + 1e-8)], rtol=1e-14)
    assert optim.AdamW([_param([1.0])]).defaults["weight_decay"] == 1e-2
    # Adam's weight decay instead enters the gradient (g + λθ = 1.1), which Adam's normalisation hides
    p = _param([1.0])
    opt = optim.Adam([p], lr=0.1, weight_decay=0.1)
    _step_with_grad(opt, p, [1.0])
    np.testing.assert_allclose(p.numpy(force=True), [1.0 - 0.1 * 1.1 / (1.1 + 1e-8)], rtol=1e-14)


def test_rmsprop_by_hand():
    # α = 0.99, lr = 0.01, g = 1, θ0 = 0
    # step 1: s = 0.01 · 1 = 0.01,              θ1 = 0 - 0.01 · 1 / (√0.01 + 1e-8)
    # step 2: s = 0.99 · 0.01 + 0.01 = 0.0199,   θ2 = θ1 - 0.01 / (√0.0199 + 1e-8)
    p = _param([0.0])
    opt = optim.RMSprop([p], lr=0.01)
    _step_with_grad(opt, p, [1.0])
    theta1 = -0.01 / (0.1 + 1e-8)
    np.testing.assert_allclose(p.numpy(force=True), [theta1], rtol=1e-14)
    _step_with_grad(opt, p, [1.0])
    np.testing.assert_allclose(opt.state[p]["square_avg"].numpy(force=True), [0.0199], rtol=1e-14)
    np.testing.assert_allclose(p.numpy(force=True), [theta1 - 0.01 / (math.sqrt(0.0199) + 1e-8)], rtol=1e-14)

    # centered: a = 0.01 g = 0.01, d = √(s - a²) + ε = √(0.01 - 0.0001) + 1e-8
    # momentum μ = 0.5: b = g / d, θ1 = -lr · b
    p = _param([0.0])
    opt = optim.RMSprop([p], lr=0.01, centered=True, momentum=0.5)
    _step_with_grad(opt, p, [1.0])
    d = math.sqrt(0.0099) + 1e-8
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(force=True), [1 / d], rtol=1e-14)
    np.testing.assert_allclose(p.numpy(force=True), [-0.01 / d], rtol=1e-14)


def test_adagrad_by_hand():
    # lr = 0.1, g = 2: step 1: S = 4, θ1 = -0.1 · 2 / (2 + 1e-10)
    #                  step 2: S = 8, θ2 = θ1 - 0.1 · 2 / (√8 + 1e-10)
    p = _param([0.0])
    opt = optim.Adagrad([p], lr=0.1)
    assert opt.state[p]["step"] == 0 and opt.state[p]["sum"].numpy(force=True).tolist() == [0.0]  # made up front
    _step_with_grad(opt, p, [2.0])
    theta1 = -0.2 / (2 + 1e-10)
    np.testing.assert_allclose(p.numpy(force=True), [theta1], rtol=1e-14)
    _step_with_grad(opt, p, [2.0])
    np.testing.assert_allclose(p.numpy(force=True), [theta1 - 0.2 / (math.sqrt(8) + 1e-10)], rtol=1e-14)

    # lr_decay η = 0.5 and initial accumulator 1: step 2 uses lr / (1 + 1 · 0.5), S = 1 + 4 + 4
    p = _param([0.0])
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0)
    _step_with_grad(opt, p, [2.0])
    _step_with_grad(opt, p, [2.0])
    expected = -0.2 / (math.sqrt(5) + 1e-10) - (0.1 / 1.5) * 2 / (math.sqrt(9) + 1e-10)
    np.testing.assert_allclose(p.numpy(force=True), [expected], rtol=1e-14)


# ----------------------------------------------------------------------------- against PyTorch
_rng = np.random.default_rng(0)
_X, _Y = _rng.standard_normal((6, 3)), _rng.standard_normal((6, 2))
_W0, _B0 = _rng.standard_normal((3, 2)), _rng.standard_normal(2)


def _quadratic_grads(W, b):
    """f = ½‖X W + b - Y‖²: df/dW = Xᵀ R, df/db = Σ_rows R with R = X W + b - Y (in float64)."""
    R = _X @ W + b - _Y
    return _X.T @ R, R.sum(0)


def _run_ours(cls, kw, steps, dtype=np.float64):
    W, b = tg.tensor(_W0.astype(dtype), requires_grad=True), tg.tensor(_B0.astype(dtype), requires_grad=True)
    opt = cls([{"params": [W]}, {"params": [b], "lr": kw["lr"] * 0.5}], **kw)
    for _ in range(steps):
        gW, gb = _quadratic_grads(W.numpy(force=True).astype(np.float64), b.numpy(force=True).astype(np.float64))
        W.grad, b.grad = tg.tensor(gW.astype(dtype)), tg.tensor(gb.astype(dtype))
        opt.step()
    return opt, W, b


def _run_torch(torch, name, kw, steps, dtype=np.float64):
    W, b = torch.tensor(_W0.astype(dtype), requires_grad=True), torch.tensor(_B0.astype(dtype), requires_grad=True)
    opt = getattr(torch.optim, name)([{"params": [W]}, {"params": [b], "lr": kw["lr"] * 0.5}], **kw)
    for _ in range(steps):
        gW, gb = _quadratic_grads(W.numpy(force=True).astype(np.float64), b.numpy(force=True).astype(np.float64))
        W.grad, b.grad = torch.tensor(gW.astype(dtype)), torch.tensor(gb.astype(dtype))
        opt.step()
    return opt, W, b


def _grid(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


_CONFIGS = {
    "SGD": [c for c in _grid(lr=[0.02], momentum=[0.0, 0.9], dampening=[0.0, 0.3], weight_decay=[0.0, 0.1],
                             nesterov=[False, True], maximize=[False, True])
            if not c["nesterov"] or (c["momentum"] > 0 and c["dampening"] == 0)],
    "Adam": _grid(lr=[0.05], betas=[(0.9, 0.999), (0.3, 0.4)], eps=[1e-8, 1e-2], weight_decay=[0.0, 0.1],
                  amsgrad=[False, True], maximize=[False, True]),
    "AdamW": _grid(lr=[0.05], betas=[(0.9, 0.999), (0.3, 0.4)], eps=[1e-8, 1e-2], weight_decay=[1e-2, 0.3],
                   amsgrad=[False, True], maximize=[False, True]),
    "RMSprop": _grid(lr=[0.01], alpha=[0.99, 0.4], eps=[1e-8, 1e-2], weight_decay=[0.0, 0.1], momentum=[0.0, 0.5],
                     centered=[False, True], maximize=[False, True]),
    "Adagrad": _grid(lr=[0.1], lr_decay=[0.0, 0.1], weight_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5],
                     eps=[1e-10, 1e-2], maximize=[False, True]),
}


@pytest.mark.parametrize("name", list(_CONFIGS))
def test_matches_torch_for_every_option_combination(name):
    torch = pytest.importorskip("torch")
    for kw in _CONFIGS[name]:
        ours, W, b = _run_ours(getattr(optim, name), kw, steps=20)
        ref, tW, tb = _run_torch(torch, name, kw, steps=20)
        np.testing.assert_allclose(W.numpy(force=True), tW.numpy(force=True), err_msg=str(kw), **F64)
        np.testing.assert_allclose(b.numpy(force=True), tb.numpy(force=True), err_msg=str(kw), **F64)
        # the per-parameter state too: same keys, same numbers, same step count
        for p, tp in ((W, tW), (b, tb)):
            mine, theirs = ours.state[p], ref.state[tp]
            assert set(mine) == set(theirs), kw
            for key, value in theirs.items():
                if key == "step":
                    assert mine[key] == int(value.item())
                else:
                    np.testing.assert_allclose(mine[key].numpy(force=True), value.numpy(force=True),
                                               err_msg=f"{kw} {key}", **F64)


@pytest.mark.parametrize("name", list(_CONFIGS))
def test_float32_stays_float32_and_tracks_torch(name):
    torch = pytest.importorskip("torch")
    for kw in _CONFIGS[name][::5]:
        ours, W, b = _run_ours(getattr(optim, name), kw, steps=10, dtype=np.float32)
        for p in (W, b):
            assert p.dtype == tg.float32 and p.array.dtype == np.float32
            for key, value in ours.state[p].items():
                if key != "step":
                    assert value.array.dtype == np.float32, (kw, key)
        _, tW, tb = _run_torch(torch, name, kw, steps=10, dtype=np.float32)
        np.testing.assert_allclose(W.numpy(force=True), tW.numpy(force=True), rtol=2e-4, atol=2e-5, err_msg=str(kw))
        np.testing.assert_allclose(b.numpy(force=True), tb.numpy(force=True), rtol=2e-4, atol=2e-5, err_msg=str(kw))


def test_numpy_float64_hyperparameters_do_not_promote_float32():
    p = tg.zeros(3, requires_grad=True)
    opt = optim.Adam([p], lr=np.float64(0.1), betas=(np.float64(0.9), np.float64(0.99)), eps=np.float64(1e-8),
                     weight_decay=np.float64(0.01))
    p.grad = tg.ones(3)
    opt.step()
    assert p.array.dtype == np.float32
    assert all(v.array.dtype == np.float32 for k, v in opt.state[p].items() if k != "step")


# ----------------------------------------------------------------------------- behaviour
def test_training_a_quadratic_with_autograd_converges():
    target = tg.tensor([3.0, -1.0, 0.5])
    for cls, kw in [(optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, dict(lr=0.1)),
                    (optim.AdamW, dict(lr=0.1, weight_decay=0.0)), (optim.RMSprop, dict(lr=0.05)),
                    (optim.Adagrad, dict(lr=0.5))]:
        w = tg.zeros(3, requires_grad=True)
        opt = cls([w], **kw)
        for _ in range(300):
            opt.zero_grad()
            loss = ((w - target) ** 2).sum()
            loss.backward()
            opt.step()
        np.testing.assert_allclose(w.numpy(force=True), target.numpy(force=True), atol=1e-2, err_msg=cls.__name__)


def test_step_with_closure_returns_loss_and_runs_with_grad_enabled():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tg.no_grad():  # the closure still builds a graph
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.numpy(force=True), [0.0, 0.0])  # w - 0.5 · 2w


def test_zero_grad_set_to_none_and_to_zero():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.numpy(force=True).tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_params_without_grad_are_skipped_and_no_grad_tensors_allowed():
    a = tg.tensor([1.0], requires_grad=True)
    frozen = tg.tensor([5.0])  # PyTorch accepts tensors that do not require grad
    opt = optim.Adam([a, frozen], lr=0.1)
    opt.step()  # no gradients at all: nothing changes, no state
    assert a.item() == 1.0 and len(opt.state) == 0
    a.grad = tg.tensor([1.0])
    opt.step()
    assert frozen.item() == 5.0 and frozen not in opt.state and a.item() < 1.0


def test_step_bumps_version_so_autograd_sees_the_change():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    y = (w * w).sum()            # saves w for the backward pass
    w.grad = tg.tensor([1.0, 1.0])
    v = w._version[0]
    opt.step()
    assert w._version[0] == v + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_param_groups_have_their_own_hyperparameters():
    a, b = tg.tensor([1.0], requires_grad=True), tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    a.grad, b.grad = tg.tensor([1.0]), tg.tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    c = tg.tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": [c], "lr": 0.25})
    assert opt.param_groups[2]["momentum"] == 0.0 and opt.param_groups[2]["lr"] == 0.25
    # Adagrad creates state for groups added later on their first step
    ada = optim.Adagrad([a], lr=0.1)
    ada.add_param_group({"params": [c]})
    c.grad = tg.tensor([2.0])
    ada.step()
    assert ada.state[c]["step"] == 1


def test_named_parameters_are_accepted():
    a = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("weight", a)], lr=0.1)
    assert opt.param_groups[0]["params"][0] is a and opt.param_groups[0]["param_names"] == ["weight"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight"]


def test_repr_lists_the_groups():
    opt = optim.SGD([tg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text and "momentum: 0.9" in text


# ----------------------------------------------------------------------------- errors
_BAD = [
    ("SGD", lambda p: dict(params=[p], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("SGD", lambda p: dict(params=[p], lr=0.1, momentum=-1), ValueError, "Invalid momentum value: -1"),
    ("SGD", lambda p: dict(params=[p], lr=0.1, weight_decay=-1e-3), ValueError, "Invalid weight_decay value: -0.001"),
    ("SGD", lambda p: dict(params=[p], lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", lambda p: dict(params=[p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", lambda p: dict(params=[], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    ("SGD", lambda p: dict(params=[p, 3], lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is int"),
    ("SGD", lambda p: dict(params=[{"params": [p]}, {"params": [p]}], lr=0.1), ValueError,
     "some parameters appear in more than one parameter group"),
    ("SGD", lambda p: dict(params=[{"params": {p}}], lr=0.1), TypeError,
     "optimizer parameters need to be organized in ordered collections"),
    ("SGD", lambda p: dict(params=[p * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    ("Adam", lambda p: dict(params=[p], betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", lambda p: dict(params=[p], betas=(0.9, -0.5)), ValueError, "Invalid beta parameter at index 1: -0.5"),
    ("Adam", lambda p: dict(params=[p], eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    ("Adam", lambda p: dict(params=[p], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("AdamW", lambda p: dict(params=[p], weight_decay=-0.1), ValueError, "Invalid weight_decay value: -0.1"),
    ("RMSprop", lambda p: dict(params=[p], alpha=-0.5), ValueError, "Invalid alpha value: -0.5"),
    ("RMSprop", lambda p: dict(params=[p], momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    ("RMSprop", lambda p: dict(params=[p], eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    ("Adagrad", lambda p: dict(params=[p], lr_decay=-1.0), ValueError, "Invalid lr_decay value: -1.0"),
    ("Adagrad", lambda p: dict(params=[p], initial_accumulator_value=-1.0), ValueError,
     "Invalid initial_accumulator_value value: -1.0"),
]


@pytest.mark.parametrize("name,make,exc,message", _BAD, ids=[f"{b[0]}-{b[3][:30]}" for b in _BAD])
def test_construction_errors_match_torch(name, make, exc, message):
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(exc) as info:
        getattr(optim, name)(**make(p))
    assert str(info.value).startswith(message)
    try:
        import torch
    except ImportError:
        return
    tp = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(exc) as tinfo:
        getattr(torch.optim, name)(**make(tp))
    assert str(tinfo.value).startswith(message)  # the same words as PyTorch


def test_a_tensor_instead_of_a_list_is_refused():
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable of Tensors "
                                        "or dicts, but got tinygrad_edu.Tensor"):
        optim.SGD(tg.tensor([1.0], requires_grad=True), lr=0.1)


def test_duplicate_parameters_in_one_group_warn_like_torch():
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_base_optimizer_step_must_be_implemented():
    class Mine(optim.Optimizer):
        pass

    opt = Mine([tg.tensor([1.0], requires_grad=True)], {"lr": 0.1})
    with pytest.raises(NotImplementedError, match="Mine must implement step"):
        opt.step()


# ----------------------------------------------------------------------------- checkpoints
_RESUME = [(optim.SGD, dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1)),
           (optim.Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
           (optim.AdamW, dict(lr=0.05)),
           (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
           (optim.Adagrad, dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1))]


def _train(opt, W, b, steps):
    for _ in range(steps):
        gW, gb = _quadratic_grads(W.numpy(force=True).astype(np.float64), b.numpy(force=True).astype(np.float64))
        W.grad, b.grad = tg.tensor(gW.astype(np.float32)), tg.tensor(gb.astype(np.float32))
        opt.step()


@pytest.mark.parametrize("cls,kw", _RESUME, ids=[c.__name__ for c, _ in _RESUME])
def test_state_dict_round_trip_through_a_file_resumes_identically(cls, kw, tmp_path):
    def fresh():
        W = tg.tensor(_W0.astype(np.float32), requires_grad=True)
        b = tg.tensor(_B0.astype(np.float32), requires_grad=True)
        return W, b, cls([{"params": [W]}, {"params": [b], "lr": kw["lr"] / 2}], **kw)

    W, b, opt = fresh()  # 10 uninterrupted steps
    _train(opt, W, b, 10)

    W2, b2, opt2 = fresh()  # 5 steps, checkpoint, a new process resumes for 5 more
    _train(opt2, W2, b2, 5)
    tg.save({"W": W2, "b": b2, "optimizer": opt2.state_dict(), "epoch": 5}, tmp_path / "ckpt.tg")
    ckpt = tg.load(tmp_path / "ckpt.tg")
    W3, b3, opt3 = fresh()
    W3.data, b3.data = ckpt["W"], ckpt["b"]
    opt3.load_state_dict(ckpt["optimizer"])
    assert ckpt["epoch"] == 5
    assert opt3.param_groups[1]["lr"] == kw["lr"] / 2
    assert opt3.param_groups[0]["params"][0] is W3 and opt3.param_groups[1]["params"][0] is b3
    _train(opt3, W3, b3, 5)
    assert np.array_equal(W3.numpy(force=True), W.numpy(force=True))  # bit for bit
    assert np.array_equal(b3.numpy(force=True), b.numpy(force=True))


def test_state_dict_layout_is_pytorchs():
    W, b = tg.zeros(2, 2, requires_grad=True), tg.zeros(2, requires_grad=True)
    opt = optim.Adam([{"params": [W]}, {"params": [b], "lr": 0.5}], lr=0.1)
    W.grad, b.grad = tg.ones(2, 2), tg.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert set(sd["state"]) == {0, 1} and set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)


def test_load_state_dict_copies_and_casts_to_the_parameter():
    W = tg.zeros(2, requires_grad=True)
    opt = optim.SGD([W], lr=0.1, momentum=0.9)
    W.grad = tg.ones(2)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"] = sd["state"][0]["momentum_buffer"].double()
    W2 = tg.zeros(2, requires_grad=True)
    opt2 = optim.SGD([W2], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    buf = opt2.state[W2]["momentum_buffer"]
    assert buf.dtype == tg.float32 and buf.array is not sd["state"][0]["momentum_buffer"].array


def test_load_state_dict_errors():
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
    one = optim.SGD([a], lr=0.1, momentum=0.9)
    two_groups = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        one.load_state_dict(two_groups.state_dict())
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match the size "
                                         "of optimizer's group"):
        one.load_state_dict(optim.SGD([a, b], lr=0.1).state_dict())
    a.grad = tg.ones(2)
    one.step()
    other = optim.SGD([b], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"state for parameter 0: 'momentum_buffer' of shape \[2\], but the "
                                         r"parameter has shape \[3\]"):
        other.load_state_dict(one.state_dict())
    with pytest.raises(ValueError, match="optimizer state_dict must be a dict with 'state' and 'param_groups'"):
        one.load_state_dict({"lr": 0.1})


def test_adamw_keeps_decoupled_weight_decay_after_loading():
    p = tg.zeros(2, requires_grad=True)
    sd = optim.Adam([p], lr=0.1).state_dict()
    opt = optim.AdamW([p], lr=0.1)
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


# ----------------------------------------------------------------------------- readability of a step
def _functions_entered(fn):
    """The project's functions (``file:function``) that ``fn()`` enters, outside ``kernels/`` and
    ``backend.py``: what a student stepping through it in a debugger has to read."""
    import os
    import sys
    package = os.path.dirname(tg.__file__)
    seen = []

    def profile(frame, event, arg):
        path = frame.f_code.co_filename
        if event != "call" or not path.startswith(package + os.sep):
            return
        rel = os.path.relpath(path, package).replace(os.sep, "/")
        if rel.startswith("kernels/") or rel == "backend.py":
            return
        name = f"{rel}:{frame.f_code.co_name}"
        if name not in seen:
            seen.append(name)

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen


def test_an_sgd_step_enters_at_most_three_functions_outside_the_kernels():
    params = [_param([1.0, 2.0, 3.0]), _param([[0.5, -1.0], [2.0, 0.0]])]
    for p in params:
        p.grad = tg.ones_like(p)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    opt.step()                                            # the first step makes the momentum buffers
    entered = _functions_entered(opt.step)
    assert "optim/sgd.py:step" in entered                 # the trace does see the project's code
    assert len(entered) <= 3, entered
