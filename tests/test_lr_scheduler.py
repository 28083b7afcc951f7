"""Learning-rate schedulers: hand-computed values, PyTorch's values, checkpoints, errors."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler as S


def _opt(lib=None, lrs=(0.1, 0.05), momentum=0.0):
    """An SGD with one parameter group per learning rate."""
    if lib is None:
        ps = [tg.zeros(1, requires_grad=True) for _ in lrs]
        return optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], lr=lrs[0], momentum=momentum)
    ps = [lib.zeros(1, requires_grad=True) for _ in lrs]
    return lib.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], lr=lrs[0], momentum=momentum)


def _lrs(opt, sched, epochs):
    out = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr())
    return out


def test_step_lr_by_hand():
    # lr = 1 · 0.1^⌊epoch / 2⌋
    opt = _opt(lrs=(1.0,))
    sched = S.StepLR(opt, step_size=2, gamma=0.1)
    got = [lr[0] for lr in _lrs(opt, sched, 5)]
    assert got == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01], rel=1e-15)
    assert sched.last_epoch == 5 and opt.param_groups[0]["lr"] == got[-1]
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_multistep_exponential_lambda_cosine_by_hand():
    opt = _opt(lrs=(1.0,))
    got = [lr[0] for lr in _lrs(opt, S.MultiStepLR(opt, milestones=[1, 3], gamma=0.5), 4)]
    assert got == pytest.approx([1.0, 0.5, 0.5, 0.25, 0.25], rel=1e-15)

    opt = _opt(lrs=(1.0,))
    got = [lr[0] for lr in _lrs(opt, S.ExponentialLR(opt, gamma=0.9), 3)]
    assert got == pytest.approx([1.0, 0.9, 0.81, 0.729], rel=1e-15)

    opt = _opt(lrs=(2.0,))
    got = [lr[0] for lr in _lrs(opt, S.LambdaLR(opt, lambda e: 1 / (e + 1)), 3)]
    assert got == pytest.approx([2.0, 1.0, 2 / 3, 0.5], rel=1e-15)

    # cosine from 1 down to 0.1 over 4 epochs: 0.1 + 0.45 (1 + cos(π t / 4))
    opt = _opt(lrs=(1.0,))
    got = [lr[0] for lr in _lrs(opt, S.CosineAnnealingLR(opt, T_max=4, eta_min=0.1), 4)]
    assert got == pytest.approx([0.1 + 0.45 * (1 + math.cos(math.pi * t / 4)) for t in range(5)], rel=1e-12)
    assert got[-1] == pytest.approx(0.1)


def test_reduce_on_plateau_by_hand():
    opt = _opt(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    lrs = []
    for loss in [1.0, 0.9, 0.9, 0.9, 0.9, 0.8]:
        sched.step(loss)
        lrs.append(opt.param_groups[0]["lr"])
    # two epochs without improvement (more than patience=1) halve the lr
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    assert sched.get_last_lr() == [0.5] and sched.best == 0.8


_TORCH_CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),  # 40 epochs: several cosine periods
    ("CosineAnnealingLR", dict(T_max=10)),
    ("LambdaLR", dict(lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 / (1 + e)])),
]


@pytest.mark.parametrize("name,kw", _TORCH_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(_TORCH_CASES)])
def test_matches_torch(name, kw):
    torch = pytest.importorskip("torch")
    ours_opt, ref_opt = _opt(), _opt(torch)
    ours = getattr(S, name)(ours_opt, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(torch.optim.lr_scheduler, name)(ref_opt, **kw)
        assert _lrs(ours_opt, ours, 40) == _lrs(ref_opt, ref, 40)  # exactly: the same float operations
    assert ours.last_epoch == ref.last_epoch == 40


@pytest.mark.parametrize("kw", [dict(), dict(mode="max", threshold_mode="abs", threshold=0.05),
                                dict(factor=0.5, patience=2, cooldown=2, min_lr=[0.02, 0.01]),
                                dict(factor=0.5, patience=0, eps=0.03), dict(mode="min", threshold_mode="abs")])
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.95, 0.96, 0.97, 0.94, 0.94, 0.93, 0.99, 1.0, 1.1, 0.5, 0.5, 0.5, 0.51, 0.52] * 3
    ours_opt, ref_opt = _opt(), _opt(torch)
    ours, ref = S.ReduceLROnPlateau(ours_opt, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(ref_opt, **kw)
    for m in metrics:
        ours.step(m)
        ref.step(m)
        assert ours.get_last_lr() == ref.get_last_lr()
        assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter) == (ref.best, ref.num_bad_epochs,
                                                                           ref.cooldown_counter)
    ours.step(tg.tensor(0.125))  # a 0-d tensor metric works
    ref.step(torch.tensor(0.125))
    assert ours.best == ref.best and ours.get_last_lr() == ref.get_last_lr()


def test_scheduled_training_matches_torch_end_to_end():
    torch = pytest.importorskip("torch")
    x0 = np.array([1.0, -2.0, 3.0])
    w = tg.tensor(x0, requires_grad=True)
    tw = torch.tensor(x0, requires_grad=True)
    opt, topt = optim.SGD([w], lr=0.1, momentum=0.9), torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    sched = S.CosineAnnealingLR(opt, T_max=5)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=5)
    for _ in range(12):
        for o, p in ((opt, w), (topt, tw)):
            o.zero_grad()
            ((p - 1) ** 2 * (p + 2)).sum().backward()
            o.step()
        sched.step()
        tsched.step()
    np.testing.assert_allclose(w.numpy(force=True), tw.numpy(force=True), rtol=1e-12)


def test_state_dict_round_trip_through_a_checkpoint(tmp_path):
    opt = _opt(momentum=0.9)
    sched = S.MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
    for _ in range(3):
        opt.step()
        sched.step()
    tg.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, tmp_path / "ck.tg")
    ck = tg.load(tmp_path / "ck.tg")

    opt2 = _opt(momentum=0.9)
    sched2 = S.MultiStepLR(opt2, milestones=[2, 4], gamma=0.1)  # create the scheduler, then load both
    opt2.load_state_dict(ck["optimizer"])
    sched2.load_state_dict(ck["scheduler"])
    assert sched2.last_epoch == 3 and sched2.milestones == sched.milestones
    for _ in range(3):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


def test_reduce_on_plateau_and_lambda_state_dicts(tmp_path):
    opt = _opt()
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    tg.save(sched.state_dict(), tmp_path / "p.tg")  # best is a float, mode_worse is inf
    sched2 = S.ReduceLROnPlateau(_opt(), mode="max")
    sched2.load_state_dict(tg.load(tmp_path / "p.tg"))
    assert sched2.mode == "min" and sched2.best == 1.0 and sched2.mode_worse == math.inf

    class Warmup:
        def __init__(self):
            self.factor = 2.0

        def __call__(self, epoch):
            return self.factor * epoch

    lam = S.LambdaLR(_opt(lrs=(1.0,)), [Warmup()])
    lam.lr_lambdas[0].factor = 3.0
    sd = lam.state_dict()
    assert sd["lr_lambdas"] == [{"factor": 3.0}]
    other = S.LambdaLR(_opt(lrs=(1.0,)), [Warmup()])
    tg.save(sd, tmp_path / "lam.tg")
    other.load_state_dict(tg.load(tmp_path / "lam.tg"))
    assert other.lr_lambdas[0].factor == 3.0
    assert S.LambdaLR(_opt(lrs=(1.0,)), lambda e: e).state_dict()["lr_lambdas"] == [None]


def test_warns_when_stepped_before_the_optimizer():
    opt = _opt()
    sched = S.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()
    opt = _opt()
    sched = S.StepLR(opt, step_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()


def test_step_with_epoch_uses_the_closed_form():
    opt = _opt(lrs=(1.0,))
    sched = S.StepLR(opt, step_size=2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` is deprecated"):
        sched.step(5)
    assert sched.get_last_lr() == [0.25] and sched.last_epoch == 5


def test_resuming_with_last_epoch_needs_initial_lr():
    opt = _opt()
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\] when resuming"):
        S.StepLR(opt, step_size=2, last_epoch=3)
    S.StepLR(opt, step_size=2)
    sched = S.CosineAnnealingLR(opt, T_max=10, last_epoch=3)  # initial_lr is there now: resume
    assert sched.last_epoch == 4 and sched.get_last_lr() == [0.1, 0.05]  # the lr the optimizer holds
    opt.step()
    sched.step()  # the recursion from the lr held: lr · (1 + cos(5π/10)) / (1 + cos(4π/10)), as PyTorch
    factor = (1 + math.cos(math.pi * 5 / 10)) / (1 + math.cos(math.pi * 4 / 10))
    assert sched.get_last_lr() == pytest.approx([0.1 * factor, 0.05 * factor], rel=1e-14)


def test_errors():
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        S.StepLR(3, step_size=1)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        S.ReduceLROnPlateau([])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(_opt(), [lambda e: 1.0])
    with pytest.raises(ValueError, match=r"Factor should be < 1.0."):
        S.ReduceLROnPlateau(_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown!"):
        S.ReduceLROnPlateau(_opt(), mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown!"):
        S.ReduceLROnPlateau(_opt(), threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        S.ReduceLROnPlateau(_opt(), min_lr=[0.1])
    with pytest.raises(NotImplementedError):
        S.LRScheduler(_opt())
