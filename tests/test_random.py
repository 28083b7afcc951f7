"""tinygrad_edu/sampling.py and WeightedRandomSampler: the distributions (checked statistically on
large samples, against the formulas and against PyTorch's samples), dtypes and shapes as in PyTorch,
reproducibility from manual_seed and from a Generator, and the errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import WeightedRandomSampler

torch = pytest.importorskip("torch")
N = 40000


def _freq(samples, k):
    return np.bincount(np.asarray(samples).reshape(-1), minlength=k) / np.asarray(samples).size


def test_multinomial_frequencies_match_torch():
    w = np.array([1.0, 2.0, 0.0, 5.0])
    tg.manual_seed(0), torch.manual_seed(0)
    ours = tg.multinomial(tg.tensor(w), N, replacement=True)
    theirs = torch.multinomial(torch.tensor(w), N, replacement=True)
    assert ours.dtype is tg.int64 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_freq(ours.numpy(), 4), w / w.sum(), atol=0.01)
    np.testing.assert_allclose(_freq(ours.numpy(), 4), _freq(theirs.numpy(), 4), atol=0.015)
    rows = tg.multinomial(tg.tensor(np.array([[1.0, 1, 1], [3, 2, 1.0]])), 3)   # without replacement
    assert sorted(rows[0].tolist()) == sorted(rows[1].tolist()) == [0, 1, 2]
    first_two = tg.multinomial(tg.tensor([0.0, 3.0, 1.0]), 2).tolist()
    assert sorted(first_two) == [1, 2]  # the zero-weight category is never drawn


def test_bernoulli_normal_poisson():
    tg.manual_seed(1)
    p = tg.full((N,), 0.3, dtype=tg.float64)
    b = tg.bernoulli(p)
    assert b.dtype is tg.float64 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    assert abs(b.numpy().mean() - 0.3) < 0.01
    assert abs(tg.bernoulli(tg.zeros(N), 0.8).numpy().mean() - 0.8) < 0.01
    n = tg.normal(tg.full((N,), 2.0), tg.full((N,), 0.5))
    assert n.dtype is tg.float32 and abs(n.numpy().mean() - 2) < 0.02 and abs(n.numpy().std() - 0.5) < 0.01
    n2 = tg.normal(1.0, 3.0, size=(N,))
    assert abs(n2.numpy().std() - 3) < 0.05
    assert tuple(tg.normal(tg.zeros(3, 1), tg.ones(4)).shape) == tuple(torch.normal(torch.zeros(3, 1),
                                                                                     torch.ones(4)).shape)
    rate = tg.full((N,), 4.0)
    s = tg.poisson(rate).numpy()
    assert abs(s.mean() - 4) < 0.05 and abs(s.var() - 4) < 0.15 and (s == np.round(s)).all()
    r = tg.randint_like(tg.zeros(2, 3, dtype=tg.int64), 3, 7)
    assert r.dtype is tg.int64 and tuple(r.shape) == (2, 3) and r.numpy().min() >= 3 and r.numpy().max() < 7


def test_inplace_samplers():
    tg.manual_seed(2)
    x = tg.empty(N, dtype=tg.float64)
    assert x.random_(3, 9) is x and set(np.unique(x.numpy())) == set(range(3, 9))
    assert set(np.unique(x.random_(4).numpy())) == {0, 1, 2, 3}
    assert abs(x.bernoulli_(0.25).numpy().mean() - 0.25) < 0.01
    assert abs(x.exponential_(2.0).numpy().mean() - 0.5) < 0.01          # mean 1 / lambda
    g = x.geometric_(0.25).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.1                     # mean 1 / p
    assert abs(np.median(x.cauchy_(1.0, 2.0).numpy()) - 1.0) < 0.05
    assert abs(np.median(x.log_normal_(0.5, 0.3).numpy()) - np.exp(0.5)) < 0.02   # median e^mean
    w = tg.nn.Parameter(tg.zeros(3))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.exponential_()  # as in PyTorch: fill a parameter under no_grad
    with tg.no_grad():
        w.exponential_()
    assert (w.detach().numpy() > 0).all()
    i = tg.zeros(5, dtype=tg.int64).random_(0, 2)
    assert i.dtype is tg.int64


def test_reproducible():
    draws = []
    for _ in range(2):
        tg.manual_seed(7)
        draws.append((tg.multinomial(tg.ones(5), 3).tolist(), tg.bernoulli(tg.full((5,), 0.5)).tolist(),
                      tg.empty(4).random_(100).tolist(), list(WeightedRandomSampler([1, 2, 3], 5))))
    assert draws[0] == draws[1]
    g1, g2 = tg.Generator().manual_seed(3), tg.Generator().manual_seed(3)
    assert tg.poisson(tg.ones(6) * 3, g1).tolist() == tg.poisson(tg.ones(6) * 3, g2).tolist()


def test_weighted_random_sampler():
    tg.manual_seed(0)
    s = WeightedRandomSampler([0.1, 0.0, 0.9], N)
    assert len(s) == N
    np.testing.assert_allclose(_freq(list(s), 3), [0.1, 0.0, 0.9], atol=0.01)
    assert sorted(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False)) == [0, 1, 2, 3]
    loader = tg.utils.data.DataLoader(tg.utils.data.TensorDataset(tg.arange(10)), batch_size=4,
                                      sampler=WeightedRandomSampler([0] * 9 + [1], 8))
    assert [b[0].tolist() for b in loader] == [[9] * 4, [9] * 4]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)


def test_errors():
    with pytest.raises(RuntimeError, match="prob_dist must be 1 or 2 dim"):
        tg.multinomial(tg.ones(2, 2, 2), 1)
    with pytest.raises(RuntimeError, match="without replacement"):
        tg.multinomial(tg.ones(3), 4)
    with pytest.raises(RuntimeError, match="element < 0"):
        tg.multinomial(tg.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError, match="p_in >= 0"):
        tg.bernoulli(tg.tensor([1.5]))
    with pytest.raises(RuntimeError, match="std >= 0"):
        tg.normal(tg.zeros(2), -1.0)
    with pytest.raises(RuntimeError, match="non-negative"):
        tg.poisson(tg.tensor([-1.0]))
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        tg.zeros(2).random_(5, 5)
