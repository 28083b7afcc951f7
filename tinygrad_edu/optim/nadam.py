"""NAdam (Dozat 2016): Adam with Nesterov momentum, i.e. the step looks ahead by using the next
step's momentum coefficient; the momentum coefficient itself warms up over the first steps.

The update at step t, for parameters θ, gradient g, lr γ, betas (β1, β2), eps ε, weight decay λ and
momentum decay ψ (PyTorch's formulas):

    g ← -g                                          if maximize
    θ ← θ (1 - γ λ)  or  g ← g + λ θ                decoupled (NAdamW) or L2 weight decay
    μ_t ← β1 (1 - ½ · 0.96^(t ψ))                   momentum warm-up; μ_{t+1} likewise
    Π ← Π · μ_t                                     running product of the μ ("mu_product")
    m ← β1 m + (1 - β1) g
    v ← β2 v + (1 - β2) g²
    denom ← √(v / (1 - β2^t)) + ε
    θ ← θ - γ (1 - μ_t) / (1 - Π) · g / denom - γ μ_{t+1} / (1 - Π μ_{t+1}) · m / denom
"""
from __future__ import annotations

from .. import kernels
from .adam import _check_betas
from .optimizer import Optimizer, _check_hyperparameter


class NAdam(Optimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3, *,
    decoupled_weight_decay=False, maximize=False)``."""

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("eps", eps, "epsilon value")
        _check_betas(betas)
        _check_hyperparameter("weight_decay", weight_decay, "weight_decay value")
        _check_hyperparameter("momentum_decay", momentum_decay, "momentum_decay value")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            psi = float(group["momentum_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue                                    # no gradient: left alone
                theta, xp = p.array, p.xp
                t, m, v = self._moments(p, "exp_avg", "exp_avg_sq", mu_product=1.0)   # Π starts at 1
                state = self.state[p]
                g = self._grad(p, group["maximize"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        theta *= 1 - lr * wd                                    # θ (1 - γ λ)
                    else:
                        g = g + wd * theta                                      # g + λ θ
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))                    # μ_t
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))        # μ_{t+1}
                state["mu_product"] *= mu                                       # Π ← Π μ_t
                prod = state["mu_product"]
                kernels.optim.lerp_(m, g, 1.0 - beta1)                                       # m ← β1 m + (1 - β1) g
                v[...] = v * beta2 + (1 - beta2) * g * g                        # v ← β2 v + (1 - β2) g²
                denom = xp.sqrt(v / (1 - beta2 ** t)) + eps
                theta -= lr * (1 - mu) / (1 - prod) * g / denom                 # the gradient's share
                theta -= lr * mu_next / (1 - prod * mu_next) * m / denom        # the look-ahead momentum
                p._version[0] += 1                              # tell autograd that p changed in place
        return loss
