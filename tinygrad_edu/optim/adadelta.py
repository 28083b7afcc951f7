"""Adadelta (Zeiler 2012): no global step size to tune; each coordinate's step is the ratio of
two running RMS values, of past updates and of past gradients, so the units work out.

The update at step t, for parameters θ, gradient g, lr γ, decay ρ, eps ε and weight decay λ
(PyTorch's formulas, so the same program gives the same numbers):

    g ← -g                                  if maximize
    g ← g + λ θ                             if λ ≠ 0
    v ← ρ v + (1 - ρ) g²                    running mean of squared gradients ("square_avg")
    Δ ← √(u + ε) / √(v + ε) · g             the step, in the units of θ
    u ← ρ u + (1 - ρ) Δ²                    running mean of squared steps ("acc_delta")
    θ ← θ - γ Δ
"""
from __future__ import annotations

from .optimizer import Optimizer, _check_hyperparameter


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False)``."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("rho", rho, "rho value", upper=1.0 + 1e-12)
        _check_hyperparameter("eps", eps, "epsilon value")
        _check_hyperparameter("weight_decay", weight_decay, "weight_decay value")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = (float(group[k]) for k in ("lr", "rho", "eps", "weight_decay"))
            for p in group["params"]:
                if p.grad is None:
                    continue                                    # no gradient: left alone
                theta, xp = p.array, p.xp
                _, v, u = self._moments(p, "square_avg", "acc_delta")
                g = self._grad(p, group["maximize"])
                if wd != 0:
                    g = g + wd * theta                                          # g + λ θ
                v[...] = v * rho + (1 - rho) * g * g                            # v ← ρ v + (1 - ρ) g²
                delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g                 # Δ
                u[...] = u * rho + (1 - rho) * delta * delta                    # u ← ρ u + (1 - ρ) Δ²
                theta -= lr * delta                                             # θ ← θ - γ Δ
                p._version[0] += 1                              # tell autograd that p changed in place
        return loss
