"""Watch gradients flow: per-layer gradient statistics after every backward pass.

The vanishing-gradient problem of the lecture (sigmoid's derivative is at most 0.25, so each layer
shrinks the gradient on its way back) is easiest to believe when you see the numbers:

    flow = GradientFlow(model)            # model.named_parameters(), a dict, or (name, tensor) pairs
    for step in range(100):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()                   # hooks record mean |grad|, max |grad| and the L2 norm
        optimizer.step()
    print(flow.summary())                 # a table, with a log-scale bar per layer
    flow.plot("gradflow.png")             # the classic picture (needs matplotlib)
    flow.remove()                         # detach the hooks

How it works: ``Tensor.register_post_accumulate_grad_hook`` calls our function right after the
engine has added a gradient into a parameter's ``.grad``, so we read exactly what the optimizer
will see. ``watch(tensor, name)`` adds a ``Tensor.register_hook`` on an intermediate tensor (an
activation) to record the gradient flowing through it.

When does a step end? The recorder closes the step in progress when a tensor it watches reports a
second time, when you call ``watch`` (a new forward pass has begun), when you read ``records``,
``summary()`` or ``plot()``, or when you call ``step()`` yourself. A parameter used several times
in one forward pass (tied weights) reports once per backward, with its total gradient, as in
PyTorch. Pass ``auto_step=False`` and call ``flow.step()`` yourself when one step should span
several backward passes (gradient accumulation).
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional

from ..tensor import Tensor
from .graph import named_tensors

__all__ = ["GradientFlow", "grad_stats"]

_STATS = ("mean_abs", "max_abs", "norm")
_TITLES = {"mean_abs": "mean |grad|", "max_abs": "max |grad|", "norm": "L2 norm"}


def grad_stats(grad: Tensor) -> Dict[str, float]:
    """``{'mean_abs', 'max_abs', 'norm'}`` of a gradient, as Python floats (computed in float64)."""
    a = grad.array
    if a.size == 0:
        return {"mean_abs": 0.0, "max_abs": 0.0, "norm": 0.0}
    xp = grad.xp
    a = xp.abs(a.astype("float64"))
    return {"mean_abs": float(a.mean()), "max_abs": float(a.max()), "norm": float(xp.sqrt((a * a).sum()))}


class GradientFlow:
    """Record gradient statistics of a model's parameters after each backward pass.

    Args:
        model: anything with ``named_parameters()`` (an ``nn.Module``), a dict ``name -> tensor``, or
            an iterable of ``(name, tensor)`` pairs. Only tensors that require grad are watched.
        include_bias: also watch parameters whose name ends in ``bias`` (default True). The classic
            plot leaves biases out; ``plot(include_bias=False)`` does that at drawing time.
        auto_step: close a step automatically (see the module's notes); False: call ``step()``.

    ``records`` is a list with one dict per backward pass::

        {"step": 0, "params": {"fc1.weight": {"mean_abs": .., "max_abs": .., "norm": ..,
                                               "shape": (16, 8)}, ...},
                    "activations": {"hidden1": {...}}}
    """

    def __init__(self, model, include_bias: bool = True, auto_step: bool = True):
        pairs = named_tensors(model)
        if not pairs:
            raise ValueError("GradientFlow: the model has no parameters to watch")
        self.names: List[str] = []
        self.shapes: Dict[str, tuple] = {}
        self.auto_step = bool(auto_step)
        self._handles: list = []
        self._records: List[dict] = []
        self._pending: Optional[dict] = None
        self._activation_names: List[str] = []
        for name, p in pairs:
            if not p.requires_grad or (not include_bias and name.endswith("bias")):
                continue
            if p.grad_fn is not None:
                raise ValueError(f"GradientFlow: {name!r} is not a leaf tensor (it was computed by "
                                 f"{p.grad_fn.name()}); watch parameters, or use watch() for activations")
            self.names.append(name)
            self.shapes[name] = tuple(p.shape)
            self._handles.append(p.register_post_accumulate_grad_hook(self._param_hook(name)))
        if not self.names:
            raise ValueError("GradientFlow: none of the model's tensors requires grad, so no gradient "
                             "will ever reach them")

    # ------------------------------------------------------------------ recording
    def _open(self, section: str, name: str) -> dict:
        """The step in progress, closing it first if ``name`` already reported in it."""
        if self._pending is not None and self.auto_step and name in self._pending[section]:
            self.step()
        if self._pending is None:
            self._pending = {"step": len(self._records), "params": {}, "activations": {}}
        return self._pending

    def _param_hook(self, name: str):
        def hook(param: Tensor) -> None:
            if param.grad is None:
                return
            rec = self._open("params", name)
            rec["params"][name] = dict(grad_stats(param.grad), shape=tuple(param.shape))
        return hook

    def watch(self, tensor: Tensor, name: str) -> Tensor:
        """Also record the gradient reaching an intermediate tensor (an activation), this forward
        pass only: call it again on each new forward. Returns ``tensor`` so it can wrap an
        expression: ``h = flow.watch(torch.sigmoid(x @ w1), "h1")``."""
        if not isinstance(tensor, Tensor):
            raise TypeError(f"watch() expected a Tensor, but got {type(tensor).__name__}")
        if not tensor.requires_grad:
            raise ValueError(f"watch(): tensor {name!r} does not require grad, so no gradient flows "
                             "through it")
        if self.auto_step and self._pending is not None and self._pending["params"]:
            self.step()  # a new forward pass has started: the last backward is over
        if name not in self._activation_names:
            self._activation_names.append(name)

        def hook(grad: Tensor):
            rec = self._open("activations", name)
            rec["activations"][name] = dict(grad_stats(grad), shape=tuple(grad.shape))

        handle = tensor.register_hook(hook)
        self._handles.append(handle)
        return tensor

    def step(self) -> None:
        """Close the step in progress (if anything was recorded in it)."""
        if self._pending is not None and (self._pending["params"] or self._pending["activations"]):
            self._records.append(self._pending)
        self._pending = None

    @property
    def records(self) -> List[dict]:
        """One dict per backward pass (reading this closes the step in progress)."""
        self.step()
        return self._records

    def history(self, name: str, stat: str = "norm") -> List[float]:
        """One statistic of one parameter or activation over the recorded steps (NaN where missing)."""
        _check_stat(stat)
        out = []
        for rec in self.records:
            entry = rec["params"].get(name) or rec["activations"].get(name)
            out.append(entry[stat] if entry else float("nan"))
        return out

    def clear(self) -> None:
        """Forget what was recorded (the hooks stay)."""
        self._records, self._pending = [], None

    def remove(self) -> None:
        """Detach every hook; the records stay readable."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> "GradientFlow":
        return self

    def __exit__(self, *exc) -> bool:
        self.remove()
        return False

    def __repr__(self):
        busy = ", 1 in progress" if self._pending is not None else ""
        return f"GradientFlow({len(self.names)} parameters, {len(self._records)} steps recorded{busy})"

    # ------------------------------------------------------------------ reporting
    def _rows(self, step: int, include_bias: bool = True):
        """The record of ``step`` and its rows: parameters in model order, then activations."""
        recs = self.records
        if not recs:
            raise RuntimeError("GradientFlow: nothing recorded yet; call backward() first")
        rec = recs[step]
        params = [(n, rec["params"][n]) for n in self.names
                  if n in rec["params"] and (include_bias or not n.endswith("bias"))]
        acts = [(n, rec["activations"][n]) for n in self._activation_names if n in rec["activations"]]
        return rec, params, acts

    def summary(self, step: int = -1, width: int = 24) -> str:
        """A table of one step (the last by default): shape, mean |grad|, max |grad|, L2 norm, and a
        bar whose length grows with log10 of the norm: a gradient 1000x smaller is 3 decades shorter."""
        rec, params, acts = self._rows(step)
        rows = params + acts
        logs = [math.log10(r["norm"]) for _, r in rows if r["norm"] > 0]
        lo = math.floor(min(logs)) if logs else 0
        hi = max(logs) if logs else 0
        scale = width / max(hi - lo, 1.0)
        name_w = max([len("layer")] + [len(n) for n, _ in rows])
        shape_w = max([len("shape")] + [len(str(r["shape"])) for _, r in rows])
        head = (f"{'layer':<{name_w}}  {'shape':<{shape_w}}  {'mean |grad|':>11}  {'max |grad|':>11}  "
                f"{'L2 norm':>11}  bar: log10(norm) above 1e{lo}")
        lines = [f"gradient flow, step {rec['step']} ({len(self._records)} recorded)", head, "-" * len(head)]

        def row(name, r):
            bar = "#" * max(1, round((math.log10(r["norm"]) - lo) * scale)) if r["norm"] > 0 else "(zero)"
            return (f"{name:<{name_w}}  {str(r['shape']):<{shape_w}}  {r['mean_abs']:>11.3e}  "
                    f"{r['max_abs']:>11.3e}  {r['norm']:>11.3e}  {bar}")

        lines += [row(n, r) for n, r in params]
        if acts:
            lines.append("activations (gradient flowing through them):")
            lines += [row(n, r) for n, r in acts]
        return "\n".join(lines)

    def plot(self, path: Optional[str] = None, stat: str = "norm", step: int = -1, include_bias: bool = True,
             title: Optional[str] = None):
        """Draw per-layer gradients on a log scale: bars for one step (left), and with more than
        one step recorded, each layer's ``stat`` over the steps (right). Saves to ``path`` when
        given; returns the matplotlib ``Figure``. Needs matplotlib (the 'viz' extra)."""
        _check_stat(stat)
        try:
            from matplotlib.figure import Figure  # lazy: matplotlib is optional
        except ImportError:
            raise ImportError("GradientFlow.plot() needs matplotlib: pip install matplotlib "
                              "(or pip install 'tinygrad_edu[viz]')") from None
        rec, params, acts = self._rows(step, include_bias)
        rows = params + acts
        over_time = len(self._records) > 1
        fig = Figure(figsize=(12 if over_time else 7, 4.5), constrained_layout=True)
        ax = fig.add_subplot(1, 2 if over_time else 1, 1)
        names = [n for n, _ in rows]
        xs = list(range(len(rows)))
        floor = min([r["mean_abs"] for _, r in rows if r["mean_abs"] > 0] or [1e-12]) / 10
        n_par = len(params)
        max_c = ["lightblue"] * n_par + ["navajowhite"] * len(acts)
        mean_c = ["tab:blue"] * n_par + ["tab:orange"] * len(acts)
        ax.bar(xs, [max(r["max_abs"], floor) for _, r in rows], color=max_c, label="max |grad|")
        ax.bar(xs, [max(r["mean_abs"], floor) for _, r in rows], color=mean_c, label="mean |grad|")
        norms = [max(r["norm"], floor) for _, r in rows]
        ax.plot(xs[:n_par], norms[:n_par], "o-", color="tab:red", label="L2 norm")
        if acts:
            ax.plot(xs[n_par:], norms[n_par:], "o", color="tab:red")
        if acts:
            ax.axvline(n_par - 0.5, color="gray", linestyle=":")
            ax.text(n_par - 0.4, 0.97, "activations", transform=ax.get_xaxis_transform(), fontsize=8,
                    va="top", color="gray")
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
        ax.set_xlabel("layer (input side on the left)")
        ax.set_ylabel("gradient size (log scale)")
        ax.set_title(title or f"gradient per layer, step {rec['step']}")
        ax.grid(True, axis="y", which="major", alpha=0.3)
        ax.legend(fontsize=8)
        if over_time:
            ax2 = fig.add_subplot(1, 2, 2)
            steps = [r["step"] for r in self._records]
            for name in names:
                ys = self.history(name, stat)
                ax2.plot(steps, [y if y > 0 else float("nan") for y in ys], label=name)
            ax2.set_yscale("log")
            ax2.xaxis.get_major_locator().set_params(integer=True)
            ax2.set_xlabel("step (backward pass)")
            ax2.set_ylabel(f"{_TITLES[stat]} (log scale)")
            ax2.set_title(f"{_TITLES[stat]} over training")
            ax2.grid(True, which="major", alpha=0.3)
            ax2.legend(fontsize=7, ncol=2 if len(names) > 8 else 1)
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig


def _check_stat(stat: str) -> None:
    if stat not in _STATS:
        raise ValueError(f"stat must be one of {', '.join(_STATS)}, but got {stat!r}")
