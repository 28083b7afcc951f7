"""RAdam (Liu et al. 2020): Adam whose adaptive step is switched on only once the variance of
the adaptive learning rate is tractable, and then scaled by a rectification term r_t; before that
the step is plain momentum SGD. This replaces the learning-rate warm-up Adam often needs.

The update at step t, for parameters θ, gradient g, lr γ, betas (β1, β2), eps ε, weight decay λ
(PyTorch's formulas):

    g ← -g                                      if maximize
    θ ← θ (1 - γ λ)  or  g ← g + λ θ            decoupled or L2 weight decay
    m ← β1 m + (1 - β1) g
    v ← β2 v + (1 - β2) g²
    m̂ ← m / (1 - β1^t)
    ρ_∞ ← 2 / (1 - β2) - 1
    ρ_t ← ρ_∞ - 2 t β2^t / (1 - β2^t)           the length of the approximated moving average
    if ρ_t > 5:
        r_t ← √((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
        θ ← θ - γ m̂ r_t √(1 - β2^t) / (√v + ε)
    else:
        θ ← θ - γ m̂
"""
from __future__ import annotations

import math

from .. import kernels
from .adam import _check_betas
from .optimizer import Optimizer, _check_hyperparameter


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
    maximize=False)``."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("eps", eps, "epsilon value")
        _check_betas(betas)
        _check_hyperparameter("weight_decay", weight_decay, "weight_decay value")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p in group["params"]:
                if p.grad is None:
                    continue                                    # no gradient: left alone
                theta, xp = p.array, p.xp
                t, m, v = self._moments(p, "exp_avg", "exp_avg_sq")
                g = self._grad(p, group["maximize"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        theta *= 1 - lr * wd
                    else:
                        g = g + wd * theta
                kernels.optim.lerp_(m, g, 1.0 - beta1)                                       # m ← β1 m + (1 - β1) g
                v[...] = v * beta2 + (1 - beta2) * g * g                        # v ← β2 v + (1 - β2) g²
                bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
                m_hat = m / bc1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * beta2 ** t / bc2
                if rho_t > 5:                                                   # variance tractable
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = math.sqrt(bc2) / (xp.sqrt(v) + eps)
                    theta -= m_hat * lr * adaptive * rect
                else:                                                           # momentum SGD
                    theta -= m_hat * lr
                p._version[0] += 1                              # tell autograd that p changed in place
        return loss
