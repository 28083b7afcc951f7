"""Adam and AdamW: per-parameter step sizes from running averages of the gradient and its square.

The update at step t, for parameters θ, gradient g, learning rate γ, betas (β1, β2), eps ε and
weight decay λ (PyTorch's default, non-fused formulas, so the same program gives the same numbers):

    g ← -g                              if maximize
    θ ← θ (1 - γ λ)                     AdamW: decoupled weight decay, applied to θ directly
    g ← g + λ θ                         Adam:  L2 penalty folded into the gradient
    m ← β1 m + (1 - β1) g               first moment   (written as m + (1 - β1)(g - m), a lerp)
    v ← β2 v + (1 - β2) g²              second moment
    v̂ ← max(v̂, v)                       if amsgrad, and v̂ replaces v below
    step_size ← γ / (1 - β1^t)          bias corrections: m and v start at 0, so early averages
    denom ← √v / √(1 - β2^t) + ε        are too small; dividing by 1 - β^t undoes that
    θ ← θ - step_size · m / denom

Note where ε sits: it is added after √v is bias-corrected, as PyTorch does (the Adam paper's
form, θ - γ m̂ / (√v̂ + ε) with m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t), is the same thing).
"""
from __future__ import annotations

from .. import kernels
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyperparameter


def _check_betas(betas) -> None:
    """``betas`` is a pair ``(beta1, beta2)`` of floats, each in ``[0, 1)``."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), but got {betas!r}")
    for i, beta in enumerate(betas):
        _check_hyperparameter(f"betas[{i}]", beta, f"beta parameter at index {i}", upper=1.0)


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
    maximize=False, decoupled_weight_decay=False)``."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False):
        _check_hyperparameter("lr", lr, "learning rate")
        _check_hyperparameter("eps", eps, "epsilon value")
        _check_betas(betas)
        _check_hyperparameter("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given.

        The rule above is ``kernels.optim.adam_update_reference``, in whole arrays; the kernel called
        here computes exactly the same numbers in place, slice by slice, without temporaries the size
        of a parameter."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue                                 # no gradient: left alone
                state = self.state[p]
                if len(state) == 0:                          # lazy state initialisation
                    state["step"] = 0
                    state["exp_avg"] = Tensor._make(p.xp.zeros_like(p.array))             # m
                    state["exp_avg_sq"] = Tensor._make(p.xp.zeros_like(p.array))          # v
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = Tensor._make(p.xp.zeros_like(p.array))  # v̂
                state["step"] += 1
                m, v = state["exp_avg"].array, state["exp_avg_sq"].array
                v_max = state["max_exp_avg_sq"].array if group["amsgrad"] else None
                kernels.optim.adam_update_(
                    p.array, p.grad.array, m, v, v_max, step=state["step"], lr=group["lr"],
                    beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"],
                    weight_decay=group["weight_decay"], amsgrad=group["amsgrad"], maximize=group["maximize"],
                    decoupled_weight_decay=group.get("decoupled_weight_decay", False))
                p._version[0] += 1                           # tell autograd that p changed in place
        return loss


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
    maximize=False)``: Adam with decoupled weight decay, θ ← θ (1 - γ λ) before the Adam step
    (Loshchilov & Hutter), so the decay is not rescaled by the adaptive step sizes."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach=None,
                 capturable: bool = False, differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
