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

from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyperparameter, _lerp_, _like, _pieces, _same_order


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
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            amsgrad, maximize = group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p in self._params_with_grad(group):
                theta, xp = p.array, p.xp
                state = self.state[p]
                if len(state) == 0:                                  # lazy state initialisation
                    state["step"] = 0
                    state["exp_avg"] = Tensor._make(xp.zeros_like(theta))       # m
                    state["exp_avg_sq"] = Tensor._make(xp.zeros_like(theta))    # v
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(theta))  # v̂
                state["step"] += 1
                t = state["step"]
                grad = self._grad_array(p)                           # in θ's memory order
                for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):  # state loaded in another order
                    if name in state and not _same_order(state[name].array, theta):
                        state[name] = Tensor._make(_like(state[name].array, theta))
                bias_correction1 = 1.0 - beta1 ** t
                bias_correction2 = 1.0 - beta2 ** t
                step_size = lr / bias_correction1
                v_max = state["max_exp_avg_sq"].array if amsgrad else None
                # in place, slice by slice (optimizer._pieces): no parameter-sized temporaries
                for th, g, m, v, v_hat in _pieces(theta, grad, state["exp_avg"].array,
                                                  state["exp_avg_sq"].array, v_max):
                    s1, s2, sq, update = self._work(4, th)
                    if maximize:
                        g = xp.negative(g, out=s1)                  # -g
                    if wd != 0:
                        if decoupled:
                            th *= 1.0 - lr * wd                     # θ (1 - γ λ)
                        else:
                            xp.multiply(th, wd, out=s2)             # λ θ
                            s2 += g                                 # g + λ θ
                            g = s2
                    _lerp_(m, g, 1.0 - beta1, tmp=sq)               # m ← β1 m + (1 - β1) g
                    v *= beta2
                    xp.multiply(g, 1.0 - beta2, out=sq)
                    sq *= g
                    v += sq                                         # v ← β2 v + (1 - β2) g²
                    if amsgrad:
                        xp.maximum(v_hat, v, out=v_hat)             # v̂ ← max(v̂, v)
                        v = v_hat
                    denom = xp.sqrt(v, out=sq)                      # √v
                    denom /= bias_correction2 ** 0.5                # √v / √(1 - β2^t)
                    denom += eps                                    # ... + ε
                    xp.multiply(m, -step_size, out=update)
                    update /= denom                                 # -step_size · m / denom
                    th += update
                self._bump_version(p)
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
