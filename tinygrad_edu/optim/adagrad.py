"""Adagrad: each coordinate's step shrinks with the sum of all its past squared gradients
(Duchi et al.), so rarely-updated coordinates keep large steps.

The update at step t, for parameters θ, gradient g, learning rate γ, lr decay η, weight decay λ and
eps ε (PyTorch's formulas, so the same program gives the same numbers):

    g ← -g                          if maximize
    g ← g + λ θ                     if λ ≠ 0
    γ_t ← γ / (1 + (t - 1) η)       the decayed learning rate
    S ← S + g²                      "sum", starting at initial_accumulator_value
    θ ← θ - γ_t g / (√S + ε)
"""
from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyperparameter


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    *, maximize=False)``."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("lr_decay", lr_decay)
        _check_hyperparameter("weight_decay", weight_decay)
        _check_hyperparameter("initial_accumulator_value", initial_accumulator_value)
        _check_hyperparameter("eps", eps, "epsilon value")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:          # PyTorch creates Adagrad's state up front
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = 0
        state["sum"] = Tensor._make(p.xp.full_like(p.array, float(group["initial_accumulator_value"])))

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            wd = float(group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue                                 # no gradient: left alone
                theta, state = p.array, self.state[p]
                if len(state) == 0:                          # a group added after construction
                    self._init_state(p, group)
                state["step"] += 1
                g = self._grad(p, group["maximize"])
                if wd != 0:
                    g = g + wd * theta
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                S = state["sum"].array
                S += g * g
                theta -= clr * g / (p.xp.sqrt(S) + eps)
                p._version[0] += 1                           # tell autograd that p changed in place
        return loss
