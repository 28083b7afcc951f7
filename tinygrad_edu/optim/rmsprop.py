"""RMSprop: divide the gradient by a running root-mean-square of recent gradients (Hinton's
lecture 6e), optionally centred and with momentum.

The update, for parameters θ, gradient g, learning rate γ, smoothing α, eps ε, weight decay λ and
momentum μ (PyTorch's formulas, so the same program gives the same numbers):

    g ← -g                        if maximize
    g ← g + λ θ                   if λ ≠ 0
    s ← α s + (1 - α) g²          running mean of the squared gradient ("square_avg")
    if centered:
        a ← α a + (1 - α) g       running mean of the gradient ("grad_avg", as a lerp)
        d ← √(s - a²) + ε         an estimate of the gradient's standard deviation
    else:
        d ← √s + ε
    if μ > 0:
        b ← μ b + g / d           ("momentum_buffer", starting at 0)
        θ ← θ - γ b
    else:
        θ ← θ - γ g / d
"""
from __future__ import annotations

from .. import kernels
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyperparameter


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False)``."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False, differentiable: bool = False):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("eps", eps, "epsilon value")
        _check_hyperparameter("momentum", momentum)
        _check_hyperparameter("weight_decay", weight_decay)
        _check_hyperparameter("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            wd, mu = float(group["weight_decay"]), float(group["momentum"])
            for p in group["params"]:
                if p.grad is None:
                    continue                                    # no gradient: left alone
                theta, xp, state = p.array, p.xp, self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = Tensor._make(xp.zeros_like(theta))           # s
                    if mu > 0:
                        state["momentum_buffer"] = Tensor._make(xp.zeros_like(theta))  # b
                    if group["centered"]:
                        state["grad_avg"] = Tensor._make(xp.zeros_like(theta))         # a
                state["step"] += 1
                g = self._grad(p, group["maximize"])
                if wd != 0:
                    g = g + wd * theta
                s = state["square_avg"].array
                s[...] = alpha * s + (1 - alpha) * g * g
                if group["centered"]:
                    a = state["grad_avg"].array
                    kernels.optim.lerp_(a, g, 1 - alpha)              # a ← α a + (1 - α) g
                    d = xp.sqrt(s - a * a) + eps
                else:
                    d = xp.sqrt(s) + eps
                if mu > 0:
                    b = state["momentum_buffer"].array
                    b[...] = mu * b + g / d
                    theta -= lr * b
                else:
                    theta -= lr * g / d
                p._version[0] += 1                              # tell autograd that p changed in place
        return loss
