"""Adadelta, Adamax, NAdam, RAdam, LBFGS and the schedulers ConstantLR, LinearLR, PolynomialLR,
CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, SequentialLR: step for step against PyTorch in
float64 (parameters, learning rates and momenta), and their argument checks."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim

torch = pytest.importorskip("torch")
W0 = np.random.default_rng(0).standard_normal((3, 4))
B0 = np.random.default_rng(1).standard_normal(4)


def _loss(lib, w, b):
    """A smooth non-quadratic loss, so the gradients change from step to step."""
    x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    return ((lib.tanh(x @ w + b) - 0.3) ** 2).sum() + (w ** 4).sum() * 0.1


def _run(lib, opt_name, kwargs, steps=12):
    w, b = lib.tensor(W0.copy(), requires_grad=True), lib.tensor(B0.copy(), requires_grad=True)
    opt = getattr(lib.optim, opt_name)([w, b], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, w, b).backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy()


CASES = [("Adadelta", {}), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
         ("Adamax", {}), ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.05, eps=1e-3)),
         ("NAdam", {}), ("NAdam", dict(lr=0.01, weight_decay=0.1)),
         ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)),
         ("RAdam", {}), ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1)),  # beta2=0.9: rho_t > 5 soon
         ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True, maximize=True))]


@pytest.fixture
def torch_float64():
    """PyTorch keeps scalar optimizer state (NAdam's mu_product) in the default dtype: make it float64."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_optimizer_matches_torch(name, kwargs, torch_float64):
    ours, theirs = _run(tg, name, kwargs), _run(torch, name, kwargs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.allclose(ours[0], W0)  # it moved


def test_optimizers_keep_float32():
    for name in ("Adadelta", "Adamax", "NAdam", "RAdam"):
        w = tg.nn.Parameter(tg.ones(3))
        opt = getattr(optim, name)([w], lr=0.1)
        (w * w).sum().backward()
        opt.step()
        assert w.dtype is tg.float32 and w.array.dtype == np.float32, name
        assert all(v.dtype is tg.float32 for v in opt.state[w].values() if isinstance(v, tg.Tensor)), name


def _lbfgs(lib, kwargs, calls=3):
    w = lib.tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = lib.optim.LBFGS([w], **kwargs)

    def closure():
        opt.zero_grad()
        loss = (1 - w[0]) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2  # Rosenbrock (a = 1, b = 10)
        loss.backward()
        return loss
    losses = [float(opt.step(closure)) for _ in range(calls)]
    return w.detach().numpy(), losses, opt.state[opt.param_groups[0]["params"][0]]["func_evals"]


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.05, max_iter=7, history_size=3)])
def test_lbfgs_matches_torch(kwargs):
    ours, theirs = _lbfgs(tg, kwargs), _lbfgs(torch, kwargs)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10)
    assert ours[2] == theirs[2]
    assert ours[1][-1] < ours[1][0]


def test_lbfgs_errors():
    w = tg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires a closure"):
        optim.LBFGS([w]).step(None)
    with pytest.raises(NotImplementedError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="strong_wolfe")


def test_optimizer_argument_errors():
    w = [tg.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adadelta(w, lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.NAdam(w, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        optim.RAdam(w, eps=-1e-8)
    with pytest.raises(ValueError, match="Invalid weight_decay value"):
        optim.Adamax(w, weight_decay=-0.1)


# ----------------------------------------------------------------------------- schedulers
def _schedule(lib, opt_name, opt_kwargs, make, steps):
    p = lib.tensor(np.zeros(2), requires_grad=True)
    opt = getattr(lib.optim, opt_name)([p], **opt_kwargs)
    sched = make(lib.optim.lr_scheduler, opt)
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(sched.get_last_lr()[0])
        g = opt.param_groups[0]
        moms.append(g["betas"][0] if "betas" in g else g.get("momentum", 0.0))
        opt.step()
        sched.step()
    return lrs, moms


SCHEDULES = {
    "ConstantLR": (lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=4), 8),
    "LinearLR": (lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=6), 10),
    "PolynomialLR": (lambda S, o: S.PolynomialLR(o, total_iters=7, power=2.0), 10),
    "WarmRestarts": (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01), 25),
    "WarmRestarts-1": (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4), 13),
    "CyclicLR": (lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=5), 25),
    "CyclicLR-tri2": (lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"), 20),
    "CyclicLR-exp": (lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range", gamma=0.9), 20),
    "OneCycleLR": (lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=20), 20),
    "OneCycleLR-3": (lambda S, o: S.OneCycleLR(o, max_lr=0.5, epochs=4, steps_per_epoch=5, three_phase=True,
                                               anneal_strategy="linear"), 20),
    "SequentialLR": (lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=3),
                                                     S.ExponentialLR(o, 0.8),
                                                     S.CosineAnnealingLR(o, T_max=4)], milestones=[3, 7]), 14),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("opt", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1))], ids=["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_scheduler_matches_torch(name, opt):
    make, steps = SCHEDULES[name]
    ours, theirs = _schedule(tg, *opt, make, steps), _schedule(torch, *opt, make, steps)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-15, err_msg="lr")
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-15, err_msg="momentum")
    assert len(set(np.round(ours[0], 12))) > 1  # the schedule changes the lr


def test_scheduler_errors():
    opt = optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1)
    S = optim.lr_scheduler
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(opt, 0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        S.CyclicLR(optim.Adagrad([tg.zeros(2, requires_grad=True)]), 0.01, 0.1)
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        S.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        S.SequentialLR(opt, [S.ConstantLR(opt)], milestones=[2])
    sched = S.OneCycleLR(opt, 0.1, total_steps=2)
    opt.step(), sched.step(), opt.step(), sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()
