"""Adamax (Kingma & Ba 2015, section 7): Adam with the infinity norm in place of the RMS of the
gradients, so the step size is bounded by γ and needs no bias correction on the denominator.

The update at step t, for parameters θ, gradient g, lr γ, betas (β1, β2), eps ε, weight decay λ
(PyTorch's formulas):

    g ← -g                              if maximize
    g ← g + λ θ                         if λ ≠ 0
    m ← β1 m + (1 - β1) g               first moment ("exp_avg")
    u ← max(β2 u, |g| + ε)              exponentially weighted infinity norm ("exp_inf")
    θ ← θ - γ / (1 - β1^t) · m / u
"""
from __future__ import annotations

from .. import kernels
from .adam import _check_betas
from .optimizer import Optimizer, _check_hyperparameter


class Adamax(Optimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False)``."""

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("eps", eps, "epsilon value")
        _check_betas(betas)
        _check_hyperparameter("weight_decay", weight_decay, "weight_decay value")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
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
                t, m, u = self._moments(p, "exp_avg", "exp_inf")
                g = self._grad(p, group["maximize"])
                if wd != 0:
                    g = g + wd * theta                                          # g + λ θ
                kernels.optim.lerp_(m, g, 1.0 - beta1)                                       # m ← β1 m + (1 - β1) g
                u[...] = xp.maximum(u * beta2, xp.abs(g) + eps)                 # u ← max(β2 u, |g| + ε)
                clr = lr / (1 - beta1 ** t)
                theta -= clr * m / u                                            # θ ← θ - γ/(1-β1^t) · m/u
                p._version[0] += 1                              # tell autograd that p changed in place
        return loss
