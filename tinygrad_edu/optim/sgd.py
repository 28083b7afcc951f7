"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay.

The update, for parameters θ, gradient g, learning rate γ, weight decay λ, momentum μ and
dampening τ (PyTorch's formulas, so the same program gives the same numbers):

    g ← -g                       if maximize
    g ← g + λ θ                  if λ ≠ 0            (L2 penalty folded into the gradient)
    if μ ≠ 0:
        b ← g                    on the first step   (no dampening yet: the buffer starts at g)
        b ← μ b + (1 - τ) g      on later steps
        g ← g + μ b              if nesterov         (look ahead along the velocity)
        g ← b                    otherwise
    θ ← θ - γ g
"""
from __future__ import annotations

from .. import kernels
from ..tensor import Tensor
from .optimizer import Optimizer, _check_float, _check_hyperparameter


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)``.

    Example::

        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("momentum", momentum)
        _check_hyperparameter("weight_decay", weight_decay)
        _check_float("dampening", dampening)  # any value is allowed, as in PyTorch, but it must be a number
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given.

        The rule above is ``kernels.optim.sgd_update_reference``, in whole arrays; the kernel called
        here computes exactly the same numbers in place, slice by slice, without a temporary the size
        of a parameter."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue                              # no gradient: left alone
                state = self.state[p]
                b = state["momentum_buffer"].array if "momentum_buffer" in state else None
                b_new = kernels.optim.sgd_update_(
                    p.array, p.grad.array, b, lr=group["lr"], momentum=group["momentum"],
                    dampening=group["dampening"], weight_decay=group["weight_decay"],
                    nesterov=group["nesterov"], maximize=group["maximize"])
                if b_new is not b:                        # the buffer made on the first step
                    state["momentum_buffer"] = Tensor._make(b_new)
                p._version[0] += 1                        # tell autograd that p changed in place
        return loss
