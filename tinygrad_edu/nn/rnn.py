"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step ``*Cell`` versions.

A recurrent layer reads a sequence x_1..x_T one step at a time, carrying a hidden state h:

    RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)           (or relu)
    LSTM:  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
           c_t = f * c_{t-1} + i * g          h_t = o * tanh(c_t)    (then h_t = W_hr h_t with proj_size)
    GRU:   r, z = sigmoid(W_ir x_t + b_ir + W_hr h + b_hr), sigmoid(W_iz x_t + b_iz + W_hz h + b_hz)
           n = tanh(W_in x_t + b_in + r * (W_hn h + b_hn))      h_t = (1 - z) * n + z * h_{t-1}

Back-propagation through time multiplies the gradient by dh_t/dh_{t-1} once per step, just as a
deep network multiplies it once per layer, so a tanh RNN's gradient vanishes geometrically over
time. The LSTM's cell c_t = f * c_{t-1} + ... is a sum: while the forget gate f stays near 1 the
gradient passes through unchanged (examples/10_sequences.py measures both).

Everything below is ordinary tensor ops (linear, sigmoid, tanh, chunk, stack, where): autograd
differentiates the unrolled loop, no hand-written backward. Parameter names, shapes and gate
order (LSTM i, f, g, o; GRU r, z, n, stacked along dim 0) are PyTorch's, so a PyTorch
``state_dict`` loads and gives the same numbers.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import List, Optional, Tuple

from .. import creation
from ..ops.activation import relu, sigmoid, tanh
from ..ops.elementwise import where
from ..ops.shape import cat, stack
from ..tensor import Tensor
from . import functional as F
from . import init
from ._validate import positive_int
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence, _pack, _unpack

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ----------------------------------------------------------------------------- one step of each kind
def _rnn_step(nonlinearity):
    def step(xw: Tensor, h: Tensor, c, w_hh: Tensor, b_hh, w_hr):
        return nonlinearity(xw + F.linear(h, w_hh, b_hh)), None
    return step


def _lstm_step(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh, w_hr):
    i, f, g, o = (xw + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c


def _gru_step(xw: Tensor, h: Tensor, c, w_hh: Tensor, b_hh, w_hr):
    x_r, x_z, x_n = xw.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return n + z * (h - n), None       # = (1 - z) * n + z * h


_STEPS = {"RNN_TANH": _rnn_step(tanh), "RNN_RELU": _rnn_step(relu), "LSTM": _lstm_step, "GRU": _gru_step}


# ----------------------------------------------------------------------------- argument checks
def _check_sizes(hidden_size, num_layers, dropout, proj_size, mode: str) -> None:
    for name, value in (("hidden_size", hidden_size), ("num_layers", num_layers)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                         "element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                      f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                      stacklevel=3)
    if not isinstance(proj_size, int) or proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if proj_size and mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


# ----------------------------------------------------------------------------- the multi-layer modules
class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, the argument
    checks, and the loop over layers, directions and time steps. ``mode`` picks the step."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        layer = type(self).__name__
        positive_int(input_size, "input_size", layer)
        _check_sizes(hidden_size, num_layers, dropout, proj_size, mode)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size or hidden_size
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names: List[str] = []
        self._all_weights: List[List[str]] = []
        for k in range(num_layers):
            layer_input = input_size if k == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = [(f"weight_ih_l{k}{suffix}", (gate_size, layer_input)),
                          (f"weight_hh_l{k}{suffix}", (gate_size, real_hidden))]
                if bias:
                    shapes += [(f"bias_ih_l{k}{suffix}", (gate_size,)), (f"bias_hh_l{k}{suffix}", (gate_size,))]
                if proj_size:
                    shapes += [(f"weight_hr_l{k}{suffix}", (proj_size, hidden_size))]
                for name, shape in shapes:
                    setattr(self, name, Parameter(creation.empty(*shape, device=device, dtype=dtype)))
                self._flat_weights_names += [name for name, _ in shapes]
                self._all_weights.append([name for name, _ in shapes])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch code (cuDNN wants the weights in one block; we do not)."""

    @property
    def _flat_weights(self) -> List[Tensor]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> List[List[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _weights(self, layer: int, direction: int):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction; missing ones are None."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        return tuple(getattr(self, name + suffix, None)
                     for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    # ---- checks, before any work
    def _expected_hidden(self, batch: int) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
        layers = self.num_layers * (2 if self.bidirectional else 1)
        return (layers, batch, self.proj_size or self.hidden_size), (layers, batch, self.hidden_size)

    def _check_input(self, input: Tensor, packed: bool) -> None:  # noqa: A002
        if not input.is_floating_point():
            raise ValueError(f"input must have the type {self.weight_ih_l0.dtype.name}, got type {input.dtype.name}")
        if input.dtype != self.weight_ih_l0.dtype:
            raise ValueError(f"input must have the type {self.weight_ih_l0.dtype.name}, got type {input.dtype.name}")
        expected = 2 if packed else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    @staticmethod
    def _check_hidden(hx: Tensor, expected, what: str = "Expected hidden size") -> None:
        if not isinstance(hx, Tensor):
            raise TypeError(f"hx must be a Tensor, but got {type(hx).__name__}")
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(f"{what} {tuple(expected)}, got {list(hx.shape)}")

    def _unbatched_hx(self, hx, batched: bool):
        """PyTorch's rule: a 2-D input takes 2-D states, a 3-D input 3-D states."""
        if hx is None:
            return hx
        states = hx if isinstance(hx, tuple) else (hx,)
        want = 3 if batched else 2
        if any(not isinstance(s, Tensor) for s in states):
            raise TypeError(f"{type(self).__name__}: hx must be a Tensor" +
                            (" or a tuple of two Tensors (h_0, c_0)" if self.mode == "LSTM" else ""))
        if any(s.ndim != want for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if self.mode == "LSTM":
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({states[0].ndim}-D, {states[1].ndim}-D) tensors")
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {states[0].ndim}-D tensor")
        return hx if batched else tuple(s.unsqueeze(1) for s in states) if isinstance(hx, tuple) else hx.unsqueeze(1)

    # ---- forward
    def forward(self, input, hx=None):  # noqa: A002
        name = type(self).__name__
        is_lstm = self.mode == "LSTM"
        if is_lstm and hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("LSTM: hx must be a tuple of two tensors (h_0, c_0)")
        if isinstance(hx, list):
            hx = tuple(hx)
        packed = isinstance(input, PackedSequence)
        if packed:
            self._check_input(input.data, packed=True)
            batched, batch = True, int(input.batch_sizes[0].item())
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, got {type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
            batched = input.ndim == 3
            hx = self._unbatched_hx(hx, batched)
            self._check_input(input if batched else input.unsqueeze(1), packed=False)
            batch = input.shape[0 if self.batch_first else 1] if batched else 1
        h_shape, c_shape = self._expected_hidden(batch)
        if is_lstm and hx is not None:
            self._check_hidden(hx[0], h_shape, "Expected hidden[0] size")
            self._check_hidden(hx[1], c_shape, "Expected hidden[1] size")
        elif hx is not None:
            self._check_hidden(hx, h_shape)

        if packed:                  # back to a padded (T, B, in) batch in the original order
            lengths = input._lengths()
            order = input.sorted_indices.tolist() if input.sorted_indices is not None else None
            x = _unpack(input.data, lengths, order, max(lengths), 0.0)
        else:
            lengths = None
            x = input if batched else input.unsqueeze(1)
            if self.batch_first and batched:
                x = x.transpose(0, 1)
        if hx is None:
            h0 = creation.zeros(h_shape, dtype=x.dtype, device=x.device)
            c0 = creation.zeros(c_shape, dtype=x.dtype, device=x.device) if is_lstm else None
        else:
            h0, c0 = hx if is_lstm else (hx, None)

        output, h_n, c_n = self._layers(x, h0, c0, lengths)

        if packed:
            output = PackedSequence(_pack(output, lengths, order), input.batch_sizes, input.sorted_indices,
                                    input.unsorted_indices)
        elif not batched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if is_lstm else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    def _layers(self, x: Tensor, h0: Tensor, c0: Optional[Tensor], lengths: Optional[List[int]]):
        """Run every layer over the time-major (T, B, in) input; return output, h_n, c_n."""
        directions = 2 if self.bidirectional else 1
        mask = None
        if lengths is not None:    # mask[t, b] = step t is real for sequence b
            steps = creation.arange(x.shape[0], device=x.device).reshape(-1, 1, 1)
            mask = steps < creation.tensor(lengths, device=x.device).reshape(1, -1, 1)
        h_n, c_n = [], []
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, True)
            outputs = []
            for d in range(directions):
                i = k * directions + d
                out, h, c = self._direction(x, h0[i], None if c0 is None else c0[i], k, d, mask)
                outputs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outputs[0] if directions == 1 else cat(outputs, -1)
        return x, stack(h_n), (stack(c_n) if c0 is not None else None)

    def _direction(self, x: Tensor, h: Tensor, c, layer: int, direction: int, mask):
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
        step = _STEPS[self.mode]
        xw = F.linear(x, w_ih, b_ih)          # the input's share of every step, as one matmul
        times = range(x.shape[0] - 1, -1, -1) if direction else range(x.shape[0])
        outs: List[Optional[Tensor]] = [None] * x.shape[0]
        for t in times:
            h_new, c_new = step(xw[t], h, c, w_hh, b_hh, w_hr)
            if mask is None:
                h, c = h_new, c_new
                outs[t] = h
            else:                         # a finished sequence keeps its state and outputs zeros
                h = where(mask[t], h_new, h)
                c = where(mask[t], c_new, c) if c is not None else None
                outs[t] = where(mask[t], h_new, creation.zeros((), dtype=h.dtype, device=h.device))
        return stack(outs), h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (``nonlinearity='relu'`` for
    relu). Returns ``(output, h_n)``: output (T, N, D*H) holds the last layer's h_t for every t.
    ``proj_size`` exists only to be refused, as in PyTorch (it is an LSTM option)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, proj_size, device, dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o (stacked in that order in ``weight_ih_l0`` etc.) and a
    cell c_t = f * c_{t-1} + i * g that carries information (and gradient) across many steps.
    Returns ``(output, (h_n, c_n))``; with ``proj_size`` > 0, h is projected to that size."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: reset gate r, update gate z and candidate n (stacked in that order);
    h_t = (1 - z) * n + z * h_{t-1}. Returns ``(output, h_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


# ----------------------------------------------------------------------------- single steps
class RNNCellBase(Module):
    """One time step: ``weight_ih`` (G*H, in), ``weight_hh`` (G*H, H), ``bias_ih``, ``bias_hh`` (G*H),
    G the number of gates. Input (N, in) or unbatched (in,); the state defaults to zeros."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        layer = type(self).__name__
        self.input_size = positive_int(input_size, "input_size", layer)
        self.hidden_size = positive_int(hidden_size, "hidden_size", layer)
        self.bias, self.mode = bias, mode
        gates = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(creation.empty(gates, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(gates, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as in PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _prepare(self, input, states):  # noqa: A002
        """Check the input and states, add a batch dimension to unbatched ones, fill missing states."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} expected {self.input_size}")
        out = []
        for i, s in enumerate(states):
            if s is None:
                s = creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            elif not isinstance(s, Tensor) or s.ndim != input.ndim:
                got = f"{s.ndim}D" if isinstance(s, Tensor) else type(s).__name__
                raise ValueError(f"{name}: Expected hidden to be {input.ndim}D for {input.ndim}D input, got {got} "
                                 "instead")
            elif not batched:
                s = s.unsqueeze(0)
            if s.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size {s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.shape[1]}, expected "
                                   f"{self.hidden_size}")
            out.append(s)
        return x, out, batched

    def _step(self, input, states):  # noqa: A002
        x, states, batched = self._prepare(input, states)
        h, c = _STEPS[self.mode](F.linear(x, self.weight_ih, self.bias_ih), states[0],
                                 states[1] if len(states) > 1 else None, self.weight_hh, self.bias_hh, None)
        if not batched:
            h, c = h.squeeze(0), (c.squeeze(0) if c is not None else None)
        return h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s + (", bias=False" if not self.bias else "")


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         device, dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:  # noqa: A002
        return self._step(input, [hx])[0]

    def extra_repr(self) -> str:
        return super().extra_repr() + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx=None):  # noqa: A002
        states = [None, None] if hx is None else list(hx)
        if len(states) != 2:
            raise RuntimeError("LSTMCell: Expected hx to be a tuple of two tensors (h_0, c_0)")
        return self._step(input, states)


class GRUCell(RNNCellBase):
    """One GRU step; returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:  # noqa: A002
        return self._step(input, [hx])[0]
