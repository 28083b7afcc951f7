"""L-BFGS: a quasi-Newton method. It keeps the last ``history_size`` pairs (s, y) of parameter
steps and gradient changes and uses them to approximate the inverse Hessian H, so each step is
d = -H g (the "two-loop recursion"), without ever forming a matrix. ``step`` needs a ``closure``
that recomputes the loss, because one ``step`` runs up to ``max_iter`` iterations.

One iteration, with g the flat gradient of all parameters (PyTorch's algorithm, fixed step size):

    first iteration:   d ← -g,  H₀ ← 1,  t ← min(1, 1 / Σ|g|) · lr
    later iterations:  y ← g - g_prev,  s ← t d
                       if yᵀs > 1e-10: remember (s, y, ρ = 1 / yᵀs),  H₀ ← yᵀs / yᵀy
                       q ← -g;  for i newest..oldest: α_i ← ρ_i s_iᵀq,  q ← q - α_i y_i
                       r ← H₀ q; for i oldest..newest: β_i ← ρ_i y_iᵀr,  r ← r + (α_i - β_i) s_i
                       d ← r,  t ← lr
    stop if gᵀd > -tolerance_change (not a descent direction); otherwise θ ← θ + t d, then
    re-evaluate the loss, and stop on max_iter, max_eval, |g|_∞ <= tolerance_grad, a tiny step
    or a tiny change in the loss.
"""
from __future__ import annotations

from ..autograd import grad_mode
from .optimizer import Optimizer


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
    history_size=100, line_search_fn=None)``; one parameter group only, as in PyTorch."""

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval=None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100, line_search_fn=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn is not None:
            raise NotImplementedError("LBFGS: line_search_fn='strong_wolfe' is not implemented in tinygrad_edu; "
                                      "use line_search_fn=None (a fixed step of size lr)")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=None)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        """Every parameter's gradient (zeros where there is none) as one vector."""
        xp = self._params[0].xp
        return xp.concatenate([(p.grad.array if p.grad is not None else xp.zeros_like(p.array)).reshape(-1)
                               for p in self._params])

    def _add_to_params(self, t: float, d) -> None:
        """θ ← θ + t d, with d split back into the parameters' shapes."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += (t * d[offset:offset + n]).reshape(p.array.shape).astype(p.array.dtype, copy=False)
            offset += n
            p._version[0] += 1                              # tell autograd that p changed in place

    def step(self, closure):
        """Up to ``max_iter`` L-BFGS iterations; returns the loss ``closure()`` gave at the start."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure that reevaluates the model and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, history = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        xp = self._params[0].xp
        state = self.state[self._params[0]]      # the whole optimizer's state lives on the first parameter
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with grad_mode.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(xp.abs(g).max()) <= tol_grad:   # already optimal
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs", []), state.get("old_stps", []), state.get("ro", [])
        H_diag = state.get("H_diag")  # noqa: N806 (the paper's name)
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, H_diag = -g, [], [], [], 1.0  # noqa: N806
            else:
                y, s = g - prev_g, d * t
                ys = float(y @ s)
                if ys > 1e-10:                   # keep the pair only if the curvature is positive
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    H_diag = ys / float(y @ y)  # noqa: N806
                alpha = [0.0] * len(old_dirs)
                q = -g
                for i in range(len(old_dirs) - 1, -1, -1):
                    alpha[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - alpha[i] * old_dirs[i]
                r = q * H_diag
                for i in range(len(old_dirs)):
                    beta = float(old_dirs[i] @ r) * ro[i]
                    r = r + (alpha[i] - beta) * old_stps[i]
                d = r
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(xp.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:                # not a descent direction
                break
            evals = 0
            self._add_to_params(t, d)
            if n_iter != max_iter:
                with grad_mode.enable_grad():
                    loss = float(closure())
                g = self._flat_grad()
                evals = 1
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval:
                break
            if float(xp.abs(g).max()) <= tol_grad:
                break
            if float(xp.abs(d * t).max()) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss


