"""Shared Hypothesis strategies: shapes, broadcastable pairs, and values kept away from kinks.

Gradient checks use float64 and central differences with eps=1e-6, so every value drawn here
stays at least ``KINK_GAP`` away from the points where an op is not differentiable (0 for relu and
abs, ties for max), by construction rather than by luck.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg

KINK_GAP = 1e-2


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcastable_pairs(draw, max_dims: int = 3, max_side: int = 4):
    """Two shapes that broadcast: some dims of one are 1 or missing."""
    base = draw(shapes(1, max_dims, 1, max_side))
    def variant():
        s = list(base)
        for i in range(len(s)):
            if draw(st.booleans()):
                s[i] = 1
        drop = draw(st.integers(0, len(s)))
        return tuple(s[drop:])
    return variant(), variant()


def arrays(shape, low=-2.0, high=2.0, away_from=None, seed=None):
    """float64 values in [low, high]; with ``away_from`` (a list of points), none lie within KINK_GAP
    of any of them."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, size=shape)
    for p in away_from or ():
        near = np.abs(a - p) < KINK_GAP
        a = np.where(near, p + np.where(a >= p, 1, -1) * (KINK_GAP + rng.uniform(0, 0.5, size=shape)), a)
    return a


def distinct(shape, seed=None, low=-2.0, high=2.0):
    """float64 values with no two within KINK_GAP of each other: no ties for max/min/sort."""
    n = int(np.prod(shape)) if shape else 1
    rng = np.random.default_rng(seed)
    grid = np.linspace(low, high, max(n, 2) * 4)
    vals = rng.permutation(grid)[:n]
    return vals.reshape(shape)


seeds = st.integers(0, 2 ** 31 - 1)


def leaf(a) -> tg.Tensor:
    return tg.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
