"""Losses: derivatives (first and second order) over Hypothesis-drawn shapes and options, every
option against PyTorch, and every argument error with its message.

Losses with kinks (l1 at d = 0, smooth_l1 and huber also at |d| = beta) get targets t and inputs
t + d with d drawn away from the kinks.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds

REDUCTIONS = ["mean", "sum", "none"]


# ----------------------------------------------------------------------------- drawn problems
@st.composite
def class_problems(draw):
    """Logits (N, C[, d1]) and integer targets (N[, d1]), some ignored, with drawn options."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    spatial = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    target = rng.integers(0, c, size=(n,) + spatial)
    ignore_index = draw(st.sampled_from([-100, 0]))
    if ignore_index == -100 and draw(st.booleans()):
        target.reshape(-1)[0] = -100                          # one ignored sample
    opts = dict(reduction=draw(st.sampled_from(REDUCTIONS)), ignore_index=ignore_index,
                label_smoothing=draw(st.sampled_from([0.0, 0.25])))
    weight = rng.uniform(0.5, 2.0, size=c) if draw(st.booleans()) else None
    if (target != ignore_index).sum() == 0:                   # a mean over nothing is nan: keep one
        target.reshape(-1)[0] = 1
    return arrays((n, c) + spatial, -3, 3, seed=seed), target, weight, opts, seed


@settings(max_examples=12)  # x option combinations drawn inside; the torch comparisons run at 25
@given(problem=class_problems())
def test_cross_entropy_derivatives(problem):
    x, target, weight, opts, seed = problem
    t = tg.tensor(target)
    w = None if weight is None else tg.tensor(weight)
    check_derivatives(lambda a: F.cross_entropy(a, t, weight=w, **opts), leaf(x), seed=seed)


@settings(max_examples=8)  # each draw is a whole loss with options: second-order checks are slow
@given(problem=class_problems())
def test_nll_loss_derivatives(problem):
    x, target, weight, opts, seed = problem
    opts.pop("label_smoothing")
    t = tg.tensor(target)
    w = None if weight is None else tg.tensor(weight)
    check_derivatives(lambda a: F.nll_loss(F.log_softmax(a, 1), t, weight=w, **opts), leaf(x), seed=seed)


@settings(max_examples=8)  # each draw is a whole loss with options: second-order checks are slow
@given(n=st.integers(1, 3), c=st.integers(2, 4), seed=seeds, reduction=st.sampled_from(REDUCTIONS),
       smoothing=st.sampled_from([0.0, 0.3]), weighted=st.booleans())
def test_cross_entropy_probability_target_derivatives(n, c, seed, reduction, smoothing, weighted):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(c), size=n)
    w = tg.tensor(rng.uniform(0.5, 2.0, c)) if weighted else None
    check_derivatives(lambda a, p: F.cross_entropy(a, p, weight=w, reduction=reduction, label_smoothing=smoothing),
                      leaf(arrays((n, c), -3, 3, seed=seed)), leaf(probs), seed=seed)


def _pair(shape, seed, kinks):
    """A target t and an input t + d, the difference d kept away from ``kinks``."""
    t = arrays(shape, -2, 2, seed=seed)
    d = arrays(shape, -2, 2, away_from=kinks, seed=seed + 1)
    return leaf(t + d), leaf(t)


REGRESSION = [
    ("mse_loss", lambda F, a, b, r: F.mse_loss(a, b, reduction=r), []),
    ("l1_loss", lambda F, a, b, r: F.l1_loss(a, b, reduction=r), [0.0]),
    ("smooth_l1_loss", lambda F, a, b, r: F.smooth_l1_loss(a, b, reduction=r), [0.0, -1.0, 1.0]),
    ("smooth_l1_loss_beta", lambda F, a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5), [0.0, -0.5, 0.5]),
    ("smooth_l1_loss_beta0", lambda F, a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.0), [0.0]),
    ("huber_loss", lambda F, a, b, r: F.huber_loss(a, b, reduction=r), [0.0, -1.0, 1.0]),
    ("huber_loss_delta", lambda F, a, b, r: F.huber_loss(a, b, reduction=r, delta=1.5), [0.0, -1.5, 1.5]),
]


@pytest.mark.parametrize("name,fn,kinks", REGRESSION, ids=[c[0] for c in REGRESSION])
@settings(max_examples=5)  # x 10 parametrized losses x 3 reductions: elementwise, smooth away from kinks
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple), seed=st.integers(0, 2 ** 20),
       reduction=st.sampled_from(REDUCTIONS))
def test_regression_loss_derivatives(name, fn, kinks, shape, seed, reduction):
    check_derivatives(lambda a, b: fn(F, a, b, reduction), *_pair(shape, seed, kinks), seed=seed)


@settings(max_examples=8)  # each draw is a whole loss with options: second-order checks are slow
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple), seed=seeds,
       reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans())
def test_binary_cross_entropy_derivatives(shape, seed, reduction, weighted):
    rng = np.random.default_rng(seed)
    w = tg.tensor(rng.uniform(0.5, 2, shape[-1:])) if weighted else None
    p, y = leaf(rng.uniform(0.05, 0.95, shape)), leaf(rng.uniform(0, 1, shape))
    check_derivatives(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), p, y, seed=seed)


@settings(max_examples=8)  # each draw is a whole loss with options: second-order checks are slow
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple), seed=seeds,
       reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans())
def test_binary_cross_entropy_with_logits_derivatives(shape, seed, reduction, weighted):
    rng = np.random.default_rng(seed)
    w = tg.tensor(rng.uniform(0.5, 2, shape)) if weighted else None
    pos_weight = leaf(rng.uniform(0.5, 3, shape[-1:]))
    x, y = leaf(arrays(shape, -4, 4, seed=seed)), leaf(rng.uniform(0, 1, shape))
    check_derivatives(lambda a, b, pw: F.binary_cross_entropy_with_logits(a, b, weight=w, reduction=reduction,
                                                                          pos_weight=pw), x, y, pos_weight, seed=seed)


# ----------------------------------------------------------------------------- against PyTorch
RNG = np.random.default_rng(7)
LOGITS = RNG.normal(size=(4, 5)) * 2
TARGET = np.array([1, 0, 4, 2])
TARGET_IGNORED = np.array([1, -100, 4, 2])
TARGET_IGNORE_3 = np.array([3, 0, 3, 2])
WEIGHT = RNG.uniform(0.5, 2.0, 5)
SPATIAL = RNG.normal(size=(2, 5, 3, 2))
SPATIAL_TARGET = RNG.integers(0, 5, size=(2, 3, 2))
PROBS = RNG.dirichlet(np.ones(5), size=4)
SPATIAL_PROBS = np.moveaxis(RNG.dirichlet(np.ones(5), size=(2, 3, 2)), -1, 1)

CE_CASES = {
    "indices": lambda F, x, t, r: F.cross_entropy(x, t, reduction=r),
    "weight": lambda F, x, t, w, r: F.cross_entropy(x, t, weight=w, reduction=r),
    "ignore_index": lambda F, x, t, r: F.cross_entropy(x, t, reduction=r),
    "ignore_index_3_weight": lambda F, x, t, w, r: F.cross_entropy(x, t, weight=w, ignore_index=3, reduction=r),
    "label_smoothing": lambda F, x, t, r: F.cross_entropy(x, t, label_smoothing=0.2, reduction=r),
    "all_options": lambda F, x, t, w, r: F.cross_entropy(x, t, weight=w, label_smoothing=0.3, reduction=r),
    "spatial": lambda F, x, t, w, r: F.cross_entropy(x, t, weight=w, label_smoothing=0.1, reduction=r),
    "probabilities": lambda F, x, p, r: F.cross_entropy(x, p, reduction=r),
    "probabilities_weight_smoothing": lambda F, x, p, w, r: F.cross_entropy(x, p, weight=w, label_smoothing=0.2,
                                                                            reduction=r),
    "spatial_probabilities": lambda F, x, p, r: F.cross_entropy(x, p, label_smoothing=0.1, reduction=r),
    "unbatched": lambda F, x, t, r: F.cross_entropy(x, t, label_smoothing=0.1, reduction=r),
    "unbatched_probabilities": lambda F, x, p, r: F.cross_entropy(x, p, reduction=r),
}
CE_DATA = {
    "indices": (LOGITS, TARGET), "weight": (LOGITS, TARGET, WEIGHT), "ignore_index": (LOGITS, TARGET_IGNORED),
    "ignore_index_3_weight": (LOGITS, TARGET_IGNORE_3, WEIGHT), "label_smoothing": (LOGITS, TARGET_IGNORED),
    "all_options": (LOGITS, TARGET_IGNORED, WEIGHT), "spatial": (SPATIAL, SPATIAL_TARGET, WEIGHT),
    "probabilities": (LOGITS, PROBS), "probabilities_weight_smoothing": (LOGITS, PROBS, WEIGHT),
    "spatial_probabilities": (SPATIAL, SPATIAL_PROBS), "unbatched": (LOGITS[0], np.array(3)),
    "unbatched_probabilities": (LOGITS[0], PROBS[0]),
}


def _constant_weights(data):
    """Class weights are not differentiable in PyTorch: hold them constant."""
    return tuple(i for i, a in enumerate(data) if a is WEIGHT)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(CE_CASES))
def test_cross_entropy_matches_torch(case, reduction):
    fn, data = CE_CASES[case], CE_DATA[case]
    compare_with_torch(lambda F, *ts: fn(F, *ts, reduction), *data, constant=_constant_weights(data))


NLL_CASES = {
    "plain": (lambda F, x, t, r: F.nll_loss(F.log_softmax(x, 1), t, reduction=r), (LOGITS, TARGET)),
    "weight_ignore": (lambda F, x, t, w, r: F.nll_loss(F.log_softmax(x, 1), t, weight=w, reduction=r),
                      (LOGITS, TARGET_IGNORED, WEIGHT)),
    "ignore_index_3": (lambda F, x, t, r: F.nll_loss(x, t, ignore_index=3, reduction=r), (LOGITS, TARGET_IGNORE_3)),
    "spatial": (lambda F, x, t, w, r: F.nll_loss(x, t, weight=w, reduction=r), (SPATIAL, SPATIAL_TARGET, WEIGHT)),
    "unbatched": (lambda F, x, t, r: F.nll_loss(x, t, reduction=r), (LOGITS[0], np.array(2))),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(NLL_CASES))
def test_nll_loss_matches_torch(case, reduction):
    fn, data = NLL_CASES[case]
    compare_with_torch(lambda F, *ts: fn(F, *ts, reduction), *data, constant=_constant_weights(data))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,fn,kinks", REGRESSION, ids=[c[0] for c in REGRESSION])
def test_regression_loss_matches_torch(name, fn, kinks, reduction):
    a, b = _pair((3, 4), 11, kinks)
    compare_with_torch(lambda F, x, y: fn(F, x, y, reduction), a.detach().numpy(), b.detach().numpy())


P = RNG.uniform(0.02, 0.98, (3, 4))
Y = RNG.uniform(0, 1, (3, 4))
BCE_CASES = {
    "plain": (lambda F, p, y, r: F.binary_cross_entropy(p, y, reduction=r), (P, Y), ()),
    "weight": (lambda F, p, y, w, r: F.binary_cross_entropy(p, y, weight=w, reduction=r), (P, Y, WEIGHT[:4]), (2,)),
    "logits": (lambda F, x, y, r: F.binary_cross_entropy_with_logits(x, y, reduction=r), (LOGITS[:3, :4], Y), ()),
    "logits_weights": (lambda F, x, y, w, pw, r: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw,
                                                                                   reduction=r),
                       (LOGITS[:3, :4], Y, WEIGHT[:4], WEIGHT[1:]), (2, 3)),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(BCE_CASES))
def test_binary_cross_entropy_matches_torch(case, reduction):
    fn, data, constant = BCE_CASES[case]
    compare_with_torch(lambda F, *ts: fn(F, *ts, reduction), *data, constant=constant)


def test_binary_cross_entropy_clamps_log_at_minus_100_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.5])
    # at p = 0 or 1 the gradient is (p - y) / 1e-12; PyTorch stores that 1e-12 in single precision (rtol)
    # (the target's gradient, log(1 - p) - log p, is infinite there, in PyTorch too)
    with np.errstate(divide="ignore", invalid="ignore"):
        compare_with_torch(lambda F, a, b: F.binary_cross_entropy(a, b, reduction="none"), p, y,
                           second_order=False, rtol=1e-8)
    assert F.binary_cross_entropy(tg.tensor([0.0]), tg.tensor([1.0])).item() == 100.0


def test_mean_over_only_ignored_targets_is_nan_as_torch():
    with np.errstate(invalid="ignore"):
        out = F.cross_entropy(tg.tensor(LOGITS), tg.tensor(np.full(4, -100)))
    assert np.isnan(out.item())


def test_cross_entropy_is_log_softmax_then_nll_by_hand():
    x = np.array([[1.0, 2.0, 3.0]])
    expected = -(3.0 - np.log(np.exp(x).sum()))
    assert F.cross_entropy(tg.tensor(x), tg.tensor([2])).item() == pytest.approx(expected, rel=1e-12)


def test_weighted_mean_divides_by_the_weights_of_kept_targets():
    logp = tg.tensor([[-1.0, -2.0], [-3.0, -4.0], [-5.0, -6.0]], dtype=tg.float64)
    t, w = tg.tensor([0, 1, -100]), tg.tensor([2.0, 3.0], dtype=tg.float64)
    # (2 * 1 + 3 * 4) / (2 + 3): the ignored sample counts in neither sum
    assert F.nll_loss(logp, t, weight=w).item() == pytest.approx(14.0 / 5.0)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
                                  "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_float32_stays_float32(name):
    x = tg.tensor(P, dtype=tg.float32, requires_grad=True)
    target = tg.tensor([0, 1, 3]) if name in ("cross_entropy", "nll_loss") else tg.tensor(Y, dtype=tg.float32)
    out = getattr(F, name)(x, target)
    out.backward()
    assert out.dtype is tg.float32 and x.grad.dtype is tg.float32


def test_legacy_size_average_and_reduce_flags():
    x, y = tg.tensor(P), tg.tensor(Y)
    assert F.mse_loss(x, y, size_average=False).item() == pytest.approx(F.mse_loss(x, y, reduction="sum").item())
    assert F.mse_loss(x, y, reduce=False).shape == x.shape


# ----------------------------------------------------------------------------- errors
LOSSES = {
    "cross_entropy": lambda r: F.cross_entropy(tg.tensor(LOGITS), tg.tensor(TARGET), reduction=r),
    "nll_loss": lambda r: F.nll_loss(tg.tensor(LOGITS), tg.tensor(TARGET), reduction=r),
    "mse_loss": lambda r: F.mse_loss(tg.tensor(P), tg.tensor(Y), reduction=r),
    "l1_loss": lambda r: F.l1_loss(tg.tensor(P), tg.tensor(Y), reduction=r),
    "smooth_l1_loss": lambda r: F.smooth_l1_loss(tg.tensor(P), tg.tensor(Y), reduction=r),
    "huber_loss": lambda r: F.huber_loss(tg.tensor(P), tg.tensor(Y), reduction=r),
    "binary_cross_entropy": lambda r: F.binary_cross_entropy(tg.tensor(P), tg.tensor(Y), reduction=r),
    "binary_cross_entropy_with_logits": lambda r: F.binary_cross_entropy_with_logits(tg.tensor(P), tg.tensor(Y),
                                                                                       reduction=r),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_bad_reduction_string(name):
    with pytest.raises(ValueError, match="^avg is not a valid value for reduction$"):
        LOSSES[name]("avg")


def _ce(x, t, **kw):
    return F.cross_entropy(tg.tensor(x), tg.tensor(t), **kw)


@pytest.mark.parametrize("bad", [5, -1])
def test_target_out_of_bounds(bad):
    with pytest.raises(IndexError, match=rf"^Target {bad} is out of bounds\.$"):
        _ce(LOGITS, [0, bad, 1, 2])
    with pytest.raises(IndexError, match=rf"^Target {bad} is out of bounds\.$"):
        F.nll_loss(tg.tensor(LOGITS), tg.tensor([0, 1, bad, 2]))


def test_batch_size_mismatch():
    with pytest.raises(ValueError, match=r"^Expected input batch_size \(4\) to match target batch_size \(3\)\.$"):
        _ce(LOGITS, [0, 1, 2])


def test_float_class_target_is_rejected():
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte .* but got float32"):
        _ce(LOGITS, np.array([0.0, 1.0, 2.0, 1.0], dtype=np.float32))


def test_integer_probability_target_is_rejected():
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class probabilities, got "
                                           "int64"):
        _ce(LOGITS, np.zeros((4, 5), dtype=np.int64))


def test_ignore_index_with_probabilities_is_rejected():
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        _ce(LOGITS, PROBS, ignore_index=1)


def test_multi_target_and_spatial_target_shapes():
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        _ce(LOGITS, np.zeros((4, 2), dtype=np.int64))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 3, 2\], got \[2, 3, 1\]"):
        _ce(SPATIAL, np.zeros((2, 3, 1), dtype=np.int64))


def test_weight_of_wrong_size():
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 5 classes or no classes "
                                           r"but got weight tensor of shape: \[3\]"):
        _ce(LOGITS, TARGET, weight=tg.tensor([1.0, 1.0, 1.0]))


def test_label_smoothing_out_of_range():
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        _ce(LOGITS, TARGET, label_smoothing=1.5)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_elementwise_loss_shape_mismatch_names_both_shapes(name):
    with pytest.raises(ValueError, match=rf"{name}\(\): input of shape \[3\] and target of shape \[3, 1\] differ"):
        getattr(F, name)(tg.tensor([1.0, 2.0, 3.0]), tg.tensor([[1.0], [2.0], [3.0]]))


def test_binary_cross_entropy_shape_and_range_errors():
    with pytest.raises(ValueError, match=r"Using a target size \(\[3, 1\]\) that is different to the input size "
                                         r"\(\[3\]\)"):
        F.binary_cross_entropy(tg.tensor([0.5, 0.5, 0.5]), tg.tensor([[1.0], [0.0], [1.0]]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([1.5]), tg.tensor([1.0]))
    with pytest.raises(ValueError, match=r"Target size \(\[3, 1\]\) must be the same as input size \(\[3\]\)"):
        F.binary_cross_entropy_with_logits(tg.tensor([0.5, 0.5, 0.5]), tg.tensor([[1.0], [0.0], [1.0]]))


def test_smooth_l1_and_huber_parameter_errors():
    x = tg.tensor([1.0])
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values for beta."):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values for delta."):
        F.huber_loss(x, x, delta=0.0)
