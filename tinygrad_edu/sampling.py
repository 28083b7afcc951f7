"""Random sampling from the seeded generator: multinomial, bernoulli, normal, poisson,
randint_like, and the in-place samplers (``x.random_()``, ``x.bernoulli_(p)``, ``x.exponential_()``,
...). Every draw comes from ``generator`` or the default generator, so ``manual_seed`` makes it
reproducible (the numbers differ from PyTorch's, whose generator is another algorithm; the
distributions are the same, and the tests check them statistically).
"""
from __future__ import annotations

from typing import Optional

from . import backend
from .autograd import no_grad
from .creation import randint, randn
from .ops.checks import tensor_arg
from .tensor import Tensor


def _gen(generator, x: Tensor):
    return (generator or backend.default_generator).rng(x.xp)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:  # noqa: A002
    """``num_samples`` category indices per row, drawn with probability proportional to ``input``
    (non-negative weights, 1-D or 2-D). Without replacement each category is drawn at most once."""
    w = tensor_arg(input, "multinomial")
    if w.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (got {w.ndim})")
    if not w.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {w.dtype.name}")
    if not isinstance(num_samples, int) or num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    xp = w.xp
    rows = w.array.reshape(-1, w.shape[-1]).astype(backend.float64.np)
    if bool((rows < 0).any()) or not bool(xp.isfinite(rows).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bool((rows.sum(1) <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not replacement and bool(((rows > 0).sum(1) < num_samples).any()):
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                           "category to sample)")
    rng = _gen(generator, w)
    out = xp.empty((rows.shape[0], num_samples), dtype=backend.int64.np)
    for i, p in enumerate(rows):
        out[i] = rng.choice(p.shape[0], size=num_samples, replace=replacement, p=p / p.sum())
    return Tensor._make(out if w.ndim == 2 else out[0])


def bernoulli(input: Tensor, p: Optional[float] = None, *, generator=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or ``p``) elementwise, else 0, in input's dtype."""
    x = tensor_arg(input, "bernoulli")
    prob = x.array if p is None else p
    if p is None and (bool((x.array < 0).any()) or bool((x.array > 1).any())):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    u = _gen(generator, x).random(size=x.array.shape)
    return Tensor._make((u < prob).astype(x.array.dtype))


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None) -> Tensor:
    """Normal samples with elementwise ``mean`` and ``std`` (tensors broadcast; numbers need ``size``)."""
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(): with float mean and std, the 'size' argument is required")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return randn(*size, generator=generator, dtype=dtype, device=device) * std + mean
    like = mean if isinstance(mean, Tensor) else std
    m = mean.array if isinstance(mean, Tensor) else mean
    s = std.array if isinstance(std, Tensor) else std
    if bool((like.xp.asarray(s) < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = like.xp.broadcast_shapes(like.xp.shape(m), like.xp.shape(s))
    z = _gen(generator, like).standard_normal(size=shape)
    return Tensor._make((z * s + m).astype(like.array.dtype))


def poisson(input: Tensor, generator=None) -> Tensor:  # noqa: A002
    """Poisson samples with elementwise rate ``input``, in input's dtype."""
    x = tensor_arg(input, "poisson")
    if bool((x.array < 0).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return Tensor._make(_gen(generator, x).poisson(x.array).astype(x.array.dtype))


def randint_like(input: Tensor, low: int = 0, high: Optional[int] = None, *, dtype=None, device=None,  # noqa: A002
                 generator=None) -> Tensor:
    """Integers in [low, high) with input's shape (``randint_like(x, high)`` or ``(x, low, high)``)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype,
                   device=device or input.device)


# ----------------------------------------------------------------------------- in-place samplers
def _fill(x: Tensor, values, op: str) -> Tensor:
    """Write sampled values into x (never recorded: samples have no gradient). As in PyTorch, a leaf
    that requires grad must be filled under ``no_grad`` (as nn.init does)."""
    x._inplace_check(op)
    with no_grad():
        x.copy_(Tensor._make(values.astype(x.array.dtype)))
    return x


def random_(self: Tensor, from_: int = 0, to: Optional[int] = None, *, generator=None) -> Tensor:
    """Integers in [from, to); with one argument [0, from); with none, [0, 2^mantissa] for floats."""
    if to is None:
        if from_ == 0:
            to = 2 ** 24 + 1 if self.dtype is backend.float32 else 2 ** 53 + 1 if self.dtype.is_floating_point \
                else 2 ** 63 - 1
        else:
            from_, to = 0, from_
    if to <= from_:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _fill(self, _gen(generator, self).integers(from_, to, size=self.array.shape), "random_")


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    prob = p.array if isinstance(p, Tensor) else p
    return _fill(self, _gen(generator, self).random(size=self.array.shape) < prob, "bernoulli_")


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Exponential with rate lambd: density lambd e^(-lambd x)."""
    return _fill(self, _gen(generator, self).exponential(1.0 / lambd, size=self.array.shape), "exponential_")


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """The number of Bernoulli(p) trials up to and including the first success (1, 2, ...)."""
    return _fill(self, _gen(generator, self).geometric(p, size=self.array.shape), "geometric_")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    return _fill(self, median + sigma * _gen(generator, self).standard_cauchy(size=self.array.shape), "cauchy_")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """exp(N(mean, std^2))."""
    z = _gen(generator, self).standard_normal(size=self.array.shape)
    return _fill(self, self.xp.exp(z * std + mean), "log_normal_")


__all__ = ["multinomial", "bernoulli", "normal", "poisson", "randint_like", "random_", "bernoulli_",
           "exponential_", "geometric_", "cauchy_", "log_normal_"]
