"""Reproducibility and long-run health of training.

* ``manual_seed`` pins every random draw of a training run: the initial weights, the DataLoader's
  shuffling and the dropout masks. Two runs with one seed agree bit for bit (losses, parameters,
  batch order, masks); another seed changes each of the three.
* Training does not leak: over 200 steps of an ``nn.Module`` with an optimizer, the number of live
  autograd nodes and tensors stays constant (the graph of each step is freed by reference counting,
  even with the cyclic garbage collector off) and so does the memory a step needs.
* Deep graphs: backward through a 100-layer ``nn.Sequential`` of Linear + Tanh, and through a chain of
  thousands of ops, without a RecursionError (the engine is iterative).
"""
from __future__ import annotations

import gc
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu import optim
from tinygrad_edu.autograd.function import Node
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.utils.data import DataLoader, TensorDataset


# ----------------------------------------------------------------------------- one small training run
def _run(seed: int, epochs: int = 3) -> dict:
    """Seed, then build data, model, loader and optimizer and train; record everything random."""
    tg.manual_seed(seed)
    n = 48
    x = tg.randn(n, 6)
    y = tg.randint(0, 3, (n,))
    ids = tg.arange(n)  # the third field tells which samples each batch held
    loader = DataLoader(TensorDataset(x, y, ids), batch_size=8, shuffle=True)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    init = {k: v.numpy(force=True).copy() for k, v in model.state_dict().items()}
    masks, rates = [], []

    def record_mask(module, inputs, out):  # a unit was dropped where a non-zero input came out as 0
        live = inputs[0].numpy(force=True) != 0
        dropped = live & (out.numpy(force=True) == 0)
        masks.append(dropped)
        rates.append(dropped.sum() / max(live.sum(), 1))

    model[2].register_forward_hook(record_mask)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses, order = [], []
    model.train()
    for _ in range(epochs):
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            order.append(ib.numpy(force=True).copy())
    final = {k: v.numpy(force=True).copy() for k, v in model.state_dict().items()}
    return dict(init=init, final=final, losses=losses, order=np.concatenate(order), masks=masks, rates=rates)


def _same_arrays(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes() for k in a)


@pytest.fixture(scope="module")
def runs():
    return _run(123), _run(123), _run(7)


def test_same_seed_repeats_the_run_bit_for_bit(runs):
    a, b, _ = runs
    assert _same_arrays(a["init"], b["init"])                       # model initialisation
    np.testing.assert_array_equal(a["order"], b["order"])           # DataLoader shuffling
    assert len(a["masks"]) == len(b["masks"]) == len(a["losses"])   # dropout: one mask per step
    assert all(m.shape == n.shape and (m == n).all() for m, n in zip(a["masks"], b["masks"]))
    assert a["losses"] == b["losses"]                                # every loss, exactly
    assert _same_arrays(a["final"], b["final"])                     # the trained parameters, exactly
    assert all(v.dtype == np.float32 for v in a["final"].values())


def test_the_run_really_is_random(runs):
    """The things pinned above do vary: within a run (each epoch a new order, each step a new
    mask) and between seeds (weights, order, masks, losses and the result all change)."""
    a, _, c = runs
    per_epoch = len(a["order"]) // 3
    assert sorted(a["order"][:per_epoch].tolist()) == list(range(per_epoch))  # a permutation...
    assert a["order"][:per_epoch].tolist() != list(range(per_epoch))          # ...not the identity
    assert a["order"][:per_epoch].tolist() != a["order"][per_epoch:2 * per_epoch].tolist()
    assert not (a["masks"][0] == a["masks"][1]).all()
    assert 0.2 < np.mean(a["rates"]) < 0.4  # about p = 0.3 of the live units dropped
    assert not _same_arrays(a["init"], c["init"])
    assert a["order"].tolist() != c["order"].tolist()
    assert not all((m == n).all() for m, n in zip(a["masks"], c["masks"]))
    assert a["losses"] != c["losses"]
    assert not _same_arrays(a["final"], c["final"])


def test_a_loader_generator_makes_the_order_independent_of_other_draws():
    """With its own ``Generator`` the loader's order does not depend on what else was drawn."""
    ds = TensorDataset(tg.arange(20))

    def order(extra_draws: int):
        tg.manual_seed(0)
        tg.randn(extra_draws + 1)  # other random work between seeding and iterating
        loader = DataLoader(ds, batch_size=5, shuffle=True, generator=tg.Generator().manual_seed(42))
        return [int(i) for (b,) in loader for i in b.tolist()]

    assert order(0) == order(1000)
    assert sorted(order(0)) == list(range(20))


def test_seeding_again_replays_the_same_draws():
    def draws():
        made = (tg.randn(4), tg.rand(3), tg.randint(0, 10, (5,)), tg.randperm(6), F.dropout(tg.ones(10), 0.5))
        return [t.numpy(force=True).tobytes() for t in made]

    tg.manual_seed(5)
    first = draws()
    tg.manual_seed(5)
    assert draws() == first
    assert draws() != first  # without re-seeding, the next draws differ


# ----------------------------------------------------------------------------- no leaks
def _live_graph_objects():
    nodes = tensors = 0
    for obj in gc.get_objects():
        if isinstance(obj, Node):
            nodes += 1
        elif isinstance(obj, Tensor):
            tensors += 1
    return nodes, tensors


def _training_step_factory():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 4))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = tg.randn(16, 8), tg.randint(0, 4, (16,))
    losses = []

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())  # keeping the number (not the tensor) keeps nothing alive
        return weakref.ref(loss.grad_fn)

    return step, losses


def test_200_training_steps_keep_the_same_number_of_live_nodes_and_tensors():
    """Each step's graph must be freed when the step ends, by reference counting alone: with the
    cyclic garbage collector switched off, a graph kept alive by a reference cycle (or by a cache)
    would add nodes and tensors at every step."""
    step, losses = _training_step_factory()
    counts = {}
    was_enabled = gc.isenabled()
    gc.collect()
    nodes_before, _ = _live_graph_objects()  # other tests' module globals may hold a graph
    gc.disable()
    try:
        for i in range(1, 201):
            node_ref = step()
            assert node_ref() is None, f"step {i}: the loss's graph outlived the step"
            if i in (20, 100, 200):
                counts[i] = _live_graph_objects()
    finally:
        if was_enabled:
            gc.enable()
    assert counts[20] == counts[100] == counts[200], counts
    assert counts[200][0] == nodes_before, f"{counts[200][0] - nodes_before} autograd nodes outlived training"
    assert losses[-1] < losses[0]  # it did train


def _array_bytes(snapshot) -> int:
    """Bytes of NumPy array buffers alive in a tracemalloc snapshot (NumPy traces them in its own
    domain; Python objects are counted by the test above: CPython's free lists keep freed small
    objects' blocks, so the Python-object total creeps up for a few hundred steps and then stops)."""
    domain = tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)
    return sum(stat.size for stat in snapshot.filter_traces([domain]).statistics("filename"))


def test_the_memory_a_training_step_needs_stays_flat():
    """tracemalloc: the array memory held between steps is the same at step 40 and step 200, and the
    peak within a step (everything a step allocates) is as high late in training as early."""
    if tg.backend.default_device().type != "cpu":
        pytest.skip("tracemalloc sees host memory only; this run keeps its arrays on the GPU")
    step, _ = _training_step_factory()
    for _ in range(10):
        step()
    peaks, held = [], {}
    gc.collect()
    tracemalloc.start()
    try:
        for i in range(11, 201):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            step()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
            if i in (40, 200):
                held[i] = _array_bytes(tracemalloc.take_snapshot())
    finally:
        tracemalloc.stop()
    assert held[40] > 0 and held[200] == held[40], held
    early_peak, late_peak = max(peaks[:30]), max(peaks[-30:])
    assert late_peak <= early_peak * 1.1 + 4 * 1024, (early_peak, late_peak)


# ----------------------------------------------------------------------------- deep graphs
def test_backward_through_a_100_layer_sequential_of_linear_and_tanh():
    tg.manual_seed(0)
    depth, width = 100, 8
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.Tanh()]
    model = nn.Sequential(*layers)
    x = tg.randn(4, width, requires_grad=True)
    # Shrink the Python stack allowance: a recursive backward needs several frames per node (this
    # graph has hundreds), an iterative one a fixed few.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(_stack()) + 120)
    try:
        out = model(x)
        out.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    first, last = model[0], model[2 * depth - 2]
    for p in (first.weight, first.bias, last.weight, x):
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype is tg.float32
        assert np.isfinite(p.grad.numpy(force=True)).all()
    assert float(last.weight.grad.abs().sum()) > 0.0


def _stack():
    frames, f = [], sys._getframe()
    while f is not None:
        frames.append(f)
        f = f.f_back
    return frames


def test_backward_through_a_chain_of_5000_ops_matches_the_closed_form():
    x = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), np.full(2, 1.0001 ** 5000), rtol=1e-9)
