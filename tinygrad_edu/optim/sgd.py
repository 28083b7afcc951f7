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

from ..tensor import Tensor
from .optimizer import Optimizer, _check_float, _check_hyperparameter, _like, _pieces, _same_order


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

        Everything happens in place, slice by slice (``optimizer._pieces``): per slice, θ and b are
        read and written once and g is read once, the products go into two small work arrays, and
        no array the size of a parameter is made (except b itself, on the first step)."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            # Python floats: a float32 array times a Python float stays float32
            lr, mu = float(group["lr"]), float(group["momentum"])
            tau, wd = float(group["dampening"]), float(group["weight_decay"])
            nesterov, maximize = group["nesterov"], group["maximize"]
            for p in self._params_with_grad(group):
                theta, buf, first = p.array, None, False
                grad = self._grad_array(p)                    # in θ's memory order
                if mu != 0:
                    state = self.state[p]
                    b = state.get("momentum_buffer")
                    first = b is None
                    if first or not _same_order(b.array, theta):   # a new b, or one loaded in another order
                        b = state["momentum_buffer"] = Tensor._make(
                            p.xp.empty_like(theta) if first else _like(b.array, theta))
                    buf = b.array
                xp = p.xp
                for th, g, b in _pieces(theta, grad, buf):
                    s1, s2 = self._work(2, th)
                    if maximize:
                        g = xp.negative(g, out=s1)            # -g
                    if wd != 0:
                        xp.multiply(th, wd, out=s2)           # λ θ
                        s2 += g                               # g + λ θ
                        g = s2
                    free = s2 if g is s1 else s1              # a work array g does not occupy
                    if mu != 0:
                        if first:
                            b[...] = g                        # first step: b = g
                        else:
                            b *= mu                           # μ b
                            if tau == 0:
                                b += g                        # μ b + g   ((1 - τ) g is g exactly)
                            else:
                                b += xp.multiply(g, 1.0 - tau, out=free)   # μ b + (1 - τ) g
                        if nesterov:
                            look = xp.multiply(b, mu, out=free)   # μ b
                            look += g                         # g + μ b
                            g = look
                        else:
                            g = b                             # b
                    step = g if g is s1 or g is s2 else free
                    th -= xp.multiply(g, lr, out=step)        # θ - γ g
                self._bump_version(p)
        return loss
