"""Dropout (inverted scaling, eval identity, channel masks, reproducibility) and constant padding
(PyTorch's pad order, negative crops, derivatives)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds


# ----------------------------------------------------------------------------- dropout
def test_dropout_zeroes_about_p_and_scales_survivors():
    tg.manual_seed(0)
    x = tg.ones(200, 100)
    y = F.dropout(x, p=0.3, training=True).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)   # inverted: E[y] = x
    assert y.dtype == np.float32


def test_dropout_is_identity_when_not_training_or_p_zero():
    x = tg.tensor(arrays((3, 4), seed=1))
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_p_one_drops_everything():
    np.testing.assert_array_equal(F.dropout(tg.ones(3, 2), 1.0).numpy(), 0.0)


def test_dropout_is_reproducible_under_manual_seed():
    x = tg.ones(5, 6)
    tg.manual_seed(123)
    a = F.dropout(x).numpy()
    tg.manual_seed(123)
    b = F.dropout(x).numpy()
    c = F.dropout(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_dropout_gradient_is_the_mask():
    tg.manual_seed(4)
    x = tg.tensor(arrays((4, 5), seed=2), requires_grad=True)
    y = F.dropout(x, p=0.4)
    y.sum().backward()
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-6)


@settings(max_examples=6)  # the mask is fixed by the seed: more shapes add no new edge
@given(shape=st.lists(st.integers(1, 3), min_size=2, max_size=4).map(tuple), seed=seeds,
       p=st.sampled_from([0.2, 0.5]), channels=st.booleans())
def test_dropout_derivatives_with_a_fixed_mask(shape, seed, p, channels):
    fn = F.dropout2d if channels else F.dropout

    def f(a):
        tg.manual_seed(seed)  # the same mask on every call, so the function is deterministic
        return fn(a, p)
    check_derivatives(f, leaf(arrays(shape, seed=seed)), seed=seed)


def test_dropout2d_drops_whole_channels():
    tg.manual_seed(1)
    y = F.dropout2d(tg.ones(8, 16, 3, 3), p=0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))  # each map all 0 or all 2
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    assert F.dropout2d(tg.ones(2, 3, 4), 0.5).shape == (2, 3, 4)              # 3-D read as (N, C, L)


@pytest.mark.parametrize("fn", [F.dropout, F.dropout2d])
@pytest.mark.parametrize("p", [1.5, -0.1])
def test_dropout_probability_out_of_range(fn, p):
    with pytest.raises(ValueError, match=rf"^dropout probability has to be between 0 and 1, but got {p}$"):
        fn(tg.ones(2, 2, 2), p)


def test_dropout_inplace_is_accepted():
    tg.manual_seed(3)
    assert F.dropout(tg.ones(4, 4), 0.5, inplace=True).shape == (4, 4)


# ----------------------------------------------------------------------------- pad
PAD_CASES = [  # (pad, value)
    ((1, 2), 0.0),
    ((1, 0, 0, 2), 0.0),
    ((2, 1, 1, 0, 1, 1), 0.0),
    ((-1, 1), 0.0),
    ((1, -2, -1, 0), 0.0),
    ((0, 0, 2, 2), 0.5),
    ((-1, -1, 1, -1), -3.0),
]


@pytest.mark.parametrize("widths,value", PAD_CASES, ids=str)
def test_pad_matches_torch(widths, value):
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    compare_with_torch(lambda F, a: F.pad(a, widths, value=value), x)


@st.composite
def pad_problems(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    k = draw(st.integers(1, len(shape)))
    widths = []
    for n in reversed(shape[len(shape) - k:]):                  # PyTorch order: last dim first
        lo = draw(st.integers(-(n - 1), 2))
        hi = draw(st.integers(-(n - 1 + min(lo, 0)), 2))       # keep at least one element
        widths += [lo, hi]
    return shape, tuple(widths), draw(st.sampled_from([0.0, 1.5])), draw(seeds)


@settings(max_examples=12)  # constant padding is a copy; the error and torch tests cover the widths
@given(problem=pad_problems())
def test_pad_derivatives(problem):
    shape, widths, value, seed = problem
    check_derivatives(lambda a: F.pad(a, widths, value=value), leaf(arrays(shape, seed=seed)), seed=seed)


def test_pad_by_hand_and_dtypes():
    x = tg.tensor([[1, 2], [3, 4]])
    np.testing.assert_array_equal(F.pad(x, (1, 0, 0, 1), value=9).numpy(), [[9, 1, 2], [9, 3, 4], [9, 9, 9]])
    assert F.pad(x, (1, 1)).dtype is tg.int64
    assert F.pad(tg.ones(2, dtype=tg.float32), (1, 1)).dtype is tg.float32
    np.testing.assert_array_equal(F.pad(tg.tensor([1.0, 2.0, 3.0]), (-1, -1)).numpy(), [2.0])


def test_pad_errors():
    x = tg.ones(3)
    with pytest.raises(RuntimeError, match="^Padding length must be divisible by 2$"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times the input "
                                           "dimension but got padding length 4 and input of dimension 1"):
        F.pad(x, (1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="The input size 3, plus negative padding -2 and -2 resulted in a negative "
                                           "output size"):
        F.pad(x, (-2, -2))
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode wrap"):
        F.pad(tg.ones(1, 3), (1, 1), mode="wrap")
