"""RNN, LSTM, GRU, their cells and nn.utils.rnn.

* differential tests against PyTorch 2.13: a PyTorch module's state_dict is loaded into ours, both
  run the same float64 input, and outputs, final states, the input's gradient and every
  parameter's gradient must agree to 1e-10 (each test records its largest difference in
  ``MAX_ERRORS``, printed at the end with ``-s``);
* gradcheck / gradgradcheck (finite differences, an independent check) on small configurations;
* PyTorch's errors for bad input, raised before any work.
"""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.nn.utils import rnn as rnn_utils

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-10, atol=1e-10)
MAX_ERRORS: dict = {}


def _np(t):
    return t.detach().numpy() if t is not None else None


def copy_module(theirs, ours):
    """Load a PyTorch module's state_dict into ours (through NumPy) and check the names match."""
    state = {k: tg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    return ours


def _flat(x):
    """Every tensor in a nested (output, (h, c)) / PackedSequence result, in order."""
    if isinstance(x, (tuple, list)) and not hasattr(x, "batch_sizes"):
        return [t for item in x for t in _flat(item)]
    if hasattr(x, "batch_sizes"):
        return [x.data]
    return [x] if x is not None else []


def compare(theirs, ours, make_inputs, name: str, seed: int = 0, n_grad: int = 99):
    """Forward the same inputs through both modules, back-propagate the same random weighting of
    every output, and compare outputs, input gradients (of the first ``n_grad`` float inputs) and
    parameter gradients."""
    ours = copy_module(theirs, ours).double()
    theirs = theirs.double()
    t_in, o_in, leaves_t, leaves_o = make_inputs(torch), make_inputs(tg), [], []
    for a, b in zip(_flat(t_in), _flat(o_in)):
        if a.is_floating_point() and len(leaves_t) < n_grad:
            leaves_t.append(a.requires_grad_())
            leaves_o.append(b.requires_grad_())
    t_out, o_out = _flat(theirs(*t_in)), _flat(ours(*o_in))
    assert [tuple(a.shape) for a in t_out] == [tuple(b.shape) for b in o_out]
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(a.shape)) for a in t_out]
    sum(((a * torch.tensor(w)).sum() for a, w in zip(t_out, weights))).backward()
    sum(((b * tg.tensor(w)).sum() for b, w in zip(o_out, weights))).backward()
    worst = 0.0
    for i, (a, b) in enumerate(zip(t_out, o_out)):
        np.testing.assert_allclose(_np(b), _np(a), err_msg=f"output {i}", **TOL)
        worst = max(worst, float(np.abs(_np(b) - _np(a)).max()))
    for i, (a, b) in enumerate(zip(leaves_t, leaves_o)):
        np.testing.assert_allclose(_np(b.grad), _np(a.grad), err_msg=f"grad of input {i}", **TOL)
        worst = max(worst, float(np.abs(_np(b.grad) - _np(a.grad)).max()))
    ours_params = dict(ours.named_parameters())
    assert set(ours_params) == {n for n, _ in theirs.named_parameters()}
    for n, p in theirs.named_parameters():
        np.testing.assert_allclose(_np(ours_params[n].grad), _np(p.grad), err_msg=f"grad of {n}", **TOL)
        worst = max(worst, float(np.abs(_np(ours_params[n].grad) - _np(p.grad)).max()))
    MAX_ERRORS[name] = worst
    return worst


def _data(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------- differential: full layers
CONFIGS = [
    # (class name, kwargs, input shape (batch_first-aware), give initial state)
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True), (3, 5, 4), True),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True), (3, 5, 4), False),
    ("LSTM", dict(proj_size=2, num_layers=2), (5, 3, 4), True),
    ("LSTM", dict(proj_size=3, bidirectional=True, bias=False), (5, 3, 4), False),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True), (3, 5, 4), True),
    ("GRU", dict(bias=False), (5, 3, 4), False),
    ("RNN", dict(num_layers=2, bidirectional=True), (5, 3, 4), True),
    ("RNN", dict(nonlinearity="relu", num_layers=2, batch_first=True), (3, 5, 4), True),
]


def _state(kind, kw, batch, hidden, lib, seed=2):
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    h = lib.tensor(_data((layers, batch, kw.get("proj_size") or hidden), seed))
    if kind != "LSTM":
        return h
    return (h, lib.tensor(_data((layers, batch, hidden), seed + 1)))


@pytest.mark.parametrize("kind,kw,shape,with_state", CONFIGS,
                         ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}-h0={c[3]}" for c in CONFIGS])
def test_matches_torch(kind, kw, shape, with_state):
    torch.manual_seed(0)
    hidden = 6
    theirs = getattr(torch.nn, kind)(4, hidden, **kw)
    ours = getattr(nn, kind)(4, hidden, **kw)
    batch = shape[0] if kw.get("batch_first") else shape[1]

    def inputs(lib):
        x = lib.tensor(_data(shape))
        return (x, _state(kind, kw, batch, hidden, lib)) if with_state else (x,)
    compare(theirs, ours, inputs, f"{kind} {kw} h0={with_state}")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_matches_torch(kind):
    """A 2-D input (L, H_in) is one sequence; its states are 2-D too."""
    torch.manual_seed(1)
    kw = dict(num_layers=2, bidirectional=True)
    theirs, ours = getattr(torch.nn, kind)(3, 4, **kw), getattr(nn, kind)(3, 4, **kw)

    def inputs(lib):
        h = lib.tensor(_data((4, 4), 3))
        return (lib.tensor(_data((5, 3))), (h, lib.tensor(_data((4, 4), 4))) if kind == "LSTM" else h)
    compare(theirs, ours, inputs, f"{kind} unbatched")


@pytest.mark.parametrize("kind,enforce_sorted", [("LSTM", True), ("LSTM", False), ("GRU", False), ("RNN", True)])
def test_packed_sequence_matches_torch(kind, enforce_sorted):
    """Sequences of lengths 5, 3, 2 (sorted, or in any order): outputs at real steps and each
    sequence's own final state, in both directions, equal PyTorch's."""
    torch.manual_seed(2)
    kw = dict(num_layers=2, bidirectional=True, batch_first=True)
    theirs, ours = getattr(torch.nn, kind)(4, 5, **kw), getattr(nn, kind)(4, 5, **kw)
    lengths = [5, 3, 2] if enforce_sorted else [3, 5, 2]
    utils = {torch: torch.nn.utils.rnn, tg: rnn_utils}

    def inputs(lib):
        x = lib.tensor(_data((3, 5, 4)))
        return (utils[lib].pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted),
                _state(kind, kw, 3, 5, lib))
    compare(theirs, ours, inputs, f"{kind} packed sorted={enforce_sorted}")


def test_packed_output_round_trip():
    """pad_packed_sequence of our packed output equals PyTorch's padded output (zeros after each end)."""
    torch.manual_seed(3)
    theirs, ours = torch.nn.GRU(2, 3, bidirectional=True), nn.GRU(2, 3, bidirectional=True)
    copy_module(theirs, ours)
    x = _data((4, 3, 2))
    lengths = [2, 4, 1]
    out_t, _ = theirs.double()(torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False))
    out_o, _ = ours.double()(rnn_utils.pack_padded_sequence(tg.tensor(x), lengths, enforce_sorted=False))
    pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, total_length=5)
    pad_o, len_o = rnn_utils.pad_packed_sequence(out_o, total_length=5)
    assert len_o.tolist() == len_t.tolist() == lengths
    np.testing.assert_allclose(_np(pad_o), _np(pad_t), **TOL)
    assert np.all(_np(pad_o)[2:, 0] == 0) and np.all(_np(pad_o)[1:, 2] == 0)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(kind, batched):
    torch.manual_seed(4)
    theirs, ours = getattr(torch.nn, kind)(3, 5), getattr(nn, kind)(3, 5)
    lead = (2,) if batched else ()

    def inputs(lib):
        h = lib.tensor(_data(lead + (5,), 5))
        return (lib.tensor(_data(lead + (3,))), (h, lib.tensor(_data(lead + (5,), 6))) if kind == "LSTMCell" else h)
    compare(theirs, ours, inputs, f"{kind} batched={batched}")


def test_relu_cell_without_state_matches_torch():
    torch.manual_seed(5)
    theirs, ours = torch.nn.RNNCell(3, 4, nonlinearity="relu", bias=False), nn.RNNCell(3, 4, nonlinearity="relu",
                                                                                       bias=False)
    compare(theirs, ours, lambda lib: (lib.tensor(_data((2, 3))),), "RNNCell relu no state")


# ----------------------------------------------------------------------------- utils.rnn
def test_pad_sequence_matches_torch():
    seqs = [_data((n, 2), n) for n in (3, 1, 4)]
    for kw in (dict(), dict(batch_first=True, padding_value=-1.0), dict(padding_side="left")):
        ours = rnn_utils.pad_sequence([tg.tensor(s) for s in seqs], **kw)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kw)
        np.testing.assert_array_equal(_np(ours), _np(theirs))


def test_pack_sequence_and_gradient_through_packing():
    """Packing and unpacking are gathers: the gradient of a padded input reaches only real steps."""
    seqs = [tg.tensor(_data((n, 2), n), requires_grad=True) for n in (4, 2)]
    packed = rnn_utils.pack_sequence(seqs)
    assert packed.batch_sizes.tolist() == [2, 2, 1, 1] and packed.data.shape == (6, 2)
    padded, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True)
    (padded * padded).sum().backward()
    np.testing.assert_allclose(_np(seqs[1].grad), 2 * _np(seqs[1]), **TOL)
    assert gradcheck(lambda x: rnn_utils.pad_packed_sequence(
        rnn_utils.pack_padded_sequence(x, [3, 1], enforce_sorted=False))[0],
        [tg.tensor(_data((3, 2, 2)), requires_grad=True)])


def test_unpad_and_unpack_invert_padding_and_packing():
    seqs = [_data((n, 2), n) for n in (2, 4, 3)]
    padded = rnn_utils.pad_sequence([tg.tensor(s) for s in seqs], batch_first=True)
    packed = rnn_utils.pack_sequence([tg.tensor(s) for s in seqs], enforce_sorted=False)
    for got in (rnn_utils.unpad_sequence(padded, [2, 4, 3], batch_first=True), rnn_utils.unpack_sequence(packed)):
        assert [tuple(t.shape) for t in got] == [(2, 2), (4, 2), (3, 2)]
        for a, b in zip(got, seqs):
            np.testing.assert_array_equal(_np(a), b)


def test_packing_errors():
    x = tg.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(x, [1, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        rnn_utils.pack_padded_sequence(x, [3, 0])
    with pytest.raises(ValueError, match="total_length to be at least"):
        rnn_utils.pad_packed_sequence(rnn_utils.pack_padded_sequence(x, [3, 2]), total_length=2)


# ----------------------------------------------------------------------------- finite differences
def _double(module):
    tg.manual_seed(0)
    return module.double()


@pytest.mark.parametrize("make", [
    lambda: nn.RNN(2, 2, num_layers=2, bidirectional=True),
    lambda: nn.LSTM(2, 3, proj_size=2),
    lambda: nn.LSTM(2, 2, bidirectional=True, bias=False),
    lambda: nn.GRU(2, 3, batch_first=True),
], ids=["RNN", "LSTM-proj", "LSTM-bidirectional", "GRU"])
def test_gradcheck_layers(make):
    """Input, initial state and every parameter against central differences, then second order."""
    m = _double(make())
    x = tg.tensor(_data((2, 2, 2)), requires_grad=True)

    def fn(x, *params):        # the parameters are the module's own (gradcheck nudges them in place)
        out, h = m(x)
        return out, (h[1] if isinstance(m, nn.LSTM) else h)

    inputs = [x] + list(m.parameters())
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-7)
    tg.manual_seed(1)
    assert gradgradcheck(fn, inputs[:2], atol=1e-6)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_gradcheck_cells(kind):
    m = _double(getattr(nn, kind)(2, 3))
    x, h = tg.tensor(_data((2, 2)), requires_grad=True), tg.tensor(_data((2, 3), 7), requires_grad=True)
    if kind == "LSTMCell":
        c = tg.tensor(_data((2, 3), 8), requires_grad=True)
        fn, inputs = (lambda x, h, c: m(x, (h, c))), [x, h, c]
    else:
        fn, inputs = (lambda x, h: m(x, h)), [x, h]
    assert gradcheck(fn, inputs, atol=1e-7)
    tg.manual_seed(2)
    assert gradgradcheck(fn, inputs, atol=1e-6)


# ----------------------------------------------------------------------------- PyTorch's API details
def test_parameter_names_shapes_and_init():
    m = nn.LSTM(3, 8, num_layers=2, bidirectional=True, proj_size=4)
    t = torch.nn.LSTM(3, 8, num_layers=2, bidirectional=True, proj_size=4)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    bound = 1 / np.sqrt(8)
    values = np.concatenate([_np(p).ravel() for p in m.parameters()])
    assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 2
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 5


def test_dropout_between_layers():
    """Training mode drops between layers (outputs change from call to call); eval does not."""
    m = nn.GRU(2, 8, num_layers=2, dropout=0.5)
    x = tg.randn(4, 3, 2)
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(_np(a), _np(b))
    m.eval()
    np.testing.assert_array_equal(_np(m(x)[0]), _np(m(x)[0]))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.2)


def test_default_state_is_zeros():
    m = nn.LSTM(2, 3)
    x = tg.randn(4, 2, 2)
    zeros = (tg.zeros(1, 2, 3), tg.zeros(1, 2, 3))
    np.testing.assert_array_equal(_np(m(x)[0]), _np(m(x, zeros)[0]))


# ----------------------------------------------------------------------------- errors, PyTorch's words
def test_errors_match_torch():
    def both(make, call):
        """The same call raises the same kind of error with the same message in both libraries."""
        with pytest.raises(Exception) as theirs:
            call(make(torch), torch)
        with pytest.raises(type(theirs.value)) as ours:
            call(make(tg), tg)
        assert str(ours.value) == str(theirs.value)

    lstm = lambda lib: lib.nn.LSTM(4, 6, num_layers=2, batch_first=True)  # noqa: E731
    gru = lambda lib: lib.nn.GRU(4, 6)  # noqa: E731
    both(lstm, lambda m, lib: m(lib.zeros(2, 5, 3)))                                      # wrong input size
    both(gru, lambda m, lib: m(lib.zeros(5, 2, 4), lib.zeros(1, 3, 6)))                   # wrong h0 batch
    both(lstm, lambda m, lib: m(lib.zeros(2, 5, 4), (lib.zeros(2, 2, 5), lib.zeros(2, 2, 6))))
    both(lstm, lambda m, lib: m(lib.zeros(2, 5, 4), (lib.zeros(2, 2, 6), lib.zeros(2, 2, 5))))
    both(gru, lambda m, lib: m(lib.zeros(5, 4), lib.zeros(1, 2, 6)))                      # 2-D input, 3-D h0
    both(gru, lambda m, lib: m(lib.zeros(1, 5, 2, 4)))                                    # 4-D input
    both(lambda lib: lib.nn.RNNCell(3, 4), lambda m, lib: m(lib.zeros(2, 5)))
    both(lambda lib: lib.nn.GRUCell(3, 4), lambda m, lib: m(lib.zeros(2, 3), lib.zeros(3, 4)))
    both(lambda lib: None, lambda m, lib: lib.nn.GRU(4, 6, proj_size=2))
    both(lambda lib: None, lambda m, lib: lib.nn.LSTM(4, 6, proj_size=6))
    both(lambda lib: None, lambda m, lib: lib.nn.RNN(4, 6, nonlinearity="sigmoid"))
    both(lambda lib: None, lambda m, lib: lib.nn.LSTM(4, 0))


def test_errors_come_before_work(monkeypatch):
    """A wrong h0 is reported before the first matmul runs."""
    import tinygrad_edu.nn.rnn as rnn_module
    calls = []
    monkeypatch.setattr(rnn_module.F, "linear", lambda *a, **k: calls.append(1))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 6\), got \[1, 3, 6\]"):
        nn.GRU(4, 6)(tg.zeros(5, 2, 4), tg.zeros(1, 3, 6))
    assert calls == []


def test_report_max_errors():
    """Printed with ``pytest -s``: the largest difference each differential test saw."""
    for name, err in sorted(MAX_ERRORS.items()):
        print(f"{name:<70} {err:.2e}")
    assert all(err < 1e-10 for err in MAX_ERRORS.values())
