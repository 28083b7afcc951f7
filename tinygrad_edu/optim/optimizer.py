"""``Optimizer``: the base class every optimizer shares (parameter groups, per-parameter state,
``zero_grad``, ``state_dict``/``load_state_dict``), laid out exactly as in PyTorch.

An optimizer only ever touches raw arrays (``p.array``) in place, outside the autograd graph: a
step is bookkeeping, not something to differentiate. Every update bumps ``p._version`` so that
autograd notices when a tensor saved for a backward pass was changed underneath it.

Subclasses implement ``step`` with one loop:

    for group in self.param_groups:              # each group has its own lr, weight_decay, ...
        for p in group["params"]:
            if p.grad is None: continue           # parameters that got no gradient are left alone
            state = self.state[p]                 # a dict this optimizer keeps for p (momentum, ...)
            ... update p.array in place ...
            p._version[0] += 1                    # tell autograd that p changed

Where a benchmark showed it matters (SGD, Adam), the update is a call to a kernel in
``kernels/optim.py`` that does it in place, slice by slice, beside the same rule in whole arrays.
"""
from __future__ import annotations

import functools
import numbers
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Dict, Iterable, List, Optional

from .. import backend
from ..autograd import grad_mode
from .. import kernels
from ..ops.checks import typename
from ..tensor import Tensor


def _check_ordered(params) -> None:
    """Parameters come in a list (or another ordered iterable), never a set: a set's order changes
    from run to run, and with it the meaning of a saved optimizer state (PyTorch's message)."""
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                        "ordering of tensors in sets will change between runs. Please use a list instead.")


class _RequiredParameter:
    """Marks a hyperparameter that has no default (like ``lr`` of ``SGD`` in old PyTorch)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, or of dicts ``{"params": [...], "lr": ...}`` (parameter
            groups, each with its own hyperparameters; missing ones come from ``defaults``).
        defaults: the hyperparameters of a group that does not set them.

    ``self.param_groups`` is a list of dicts; ``self.state[p]`` is the dict of per-parameter state
    (a momentum buffer, running averages, a step count).
    """

    def __init__(self, params, defaults: Dict[str, Any]):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            "dicts, but got tinygrad_edu.Tensor (pass a list like [w] or model.parameters())")
        self.state: Dict[Tensor, Dict[str, Any]] = defaultdict(dict)
        self.param_groups: List[Dict[str, Any]] = []
        self._step_count = 0
        _check_ordered(params)
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ step bookkeeping
    def __init_subclass__(cls, **kwargs):
        """Wrap each subclass's ``step`` so the base class counts steps (``_step_count``), which the
        learning-rate schedulers use to warn when they are stepped before the optimizer."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_counts_steps", False):
            @functools.wraps(step)
            def counted_step(self, *args, **kwargs):
                self._step_count = getattr(self, "_step_count", 0) + 1
                return step(self, *args, **kwargs)
            counted_step._counts_steps = True
            cls.step = counted_step

    def step(self, closure: Optional[Callable[[], Any]] = None):
        """Update every parameter that has a gradient; ``closure`` (optional) re-evaluates the
        model and returns the loss, which ``step`` returns."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    @staticmethod
    def _eval_closure(closure):
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    # ------------------------------------------------------------------ groups and gradients
    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. when unfreezing layers)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        else:
            _check_ordered(params)
            params = list(params)
        # named_parameters() gives (name, tensor) pairs: keep the names as PyTorch does
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(tensors):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        param_group["params"] = tensors
        if names:
            param_group["param_names"] = names

        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)

        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", UserWarning, stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in param_group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> Dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.

        Parameters are numbered in the order the groups list them; the tensors themselves are not
        saved (a model's ``state_dict`` holds them). State tensors are returned as they are, not
        copied, as in PyTorch: save them (``tinygrad_edu.save``) or copy before stepping again.
        """
        index: Dict[int, int] = {}
        start = 0
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            for i, p in enumerate(g["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in g["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Resume from ``state_dict()``: hyperparameters and per-parameter state (copied, and cast
        to each parameter's floating dtype and device)."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and 'param_groups' entries "
                             "(as returned by Optimizer.state_dict())")
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param: Tensor, value, key=None, where=""):
            if isinstance(value, Tensor):
                arr = value.array
                if key != "step" and value.ndim > 0 and tuple(value.shape) != tuple(param.shape):
                    raise ValueError(f"loaded state dict has {where}{key!r} of shape {list(value.shape)}, but "
                                     f"the parameter has shape {list(param.shape)}")
                if param.dtype.is_floating_point and value.dtype.is_floating_point and key != "step":
                    arr = arr.astype(param.array.dtype, copy=False)
                arr = backend.to_device(arr, param.device)
                if arr is value.array:
                    arr = arr.copy()
                if arr.shape == param.array.shape:   # in p's memory order: the updates walk both alike
                    arr = kernels.optim.like_order(arr, param.array)
                return Tensor._make(arr)
            if isinstance(value, dict):
                return {k: cast(param, v, k, where) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, key, where) for v in value)
            return value

        state: Dict[Any, Dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v, where=f"state for parameter {k}: ")
            else:
                state[k] = v
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {g[k]}" for k in sorted(g) if k not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ helpers for subclasses
    def _moments(self, p: Tensor, *names: str, **scalars) -> list:
        """Count one more step for ``p`` and return ``[step, *arrays]``: the running arrays ``names``
        of its state, made as zeros (after the ``scalars``) on its first step. A rule then reads
        ``t, m, v = self._moments(p, "exp_avg", "exp_avg_sq")``."""
        state = self.state[p]
        if len(state) == 0:
            state["step"] = 0
            state.update(scalars)
            for name in names:
                state[name] = Tensor._make(p.xp.zeros_like(p.array))
        state["step"] += 1
        return [state["step"]] + [state[name].array for name in names]

    @staticmethod
    def _grad(p: Tensor, maximize: bool = False):
        """The gradient array of ``p`` (checked against p's shape, in p's memory order), negated when
        maximizing; the gradient itself is never modified."""
        g = kernels.optim.grad_like(p.array, p.grad.array)
        return -g if maximize else g


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """``zero_grad`` of optimizers and modules: ``p.grad = None``, or zeros written into ``p.grad``
    in place, outside any graph a ``create_graph=True`` backward may have built."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()


def _check_float(name: str, value) -> None:
    """The shared type check of a hyperparameter: a real number (not a bool), or a 0-d Tensor as
    PyTorch allows for ``lr``. Run first, so a string fails here and not inside a comparison."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise TypeError(f"{name} must be a float or a 0-d Tensor, but got a Tensor of shape "
                            f"{list(value.shape)}")
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float, but got {typename(value)}")


def _check_hyperparameter(name: str, value, what: Optional[str] = None,
                          upper: Optional[float] = None) -> None:
    """``value`` must be a float with ``0 <= value`` (and ``value < upper`` when given). The message
    starts with PyTorch's words (``Invalid learning rate: -0.1``, ``Invalid momentum value: -1``;
    ``what`` defaults to ``"<name> value"``) and then states the allowed range."""
    _check_float(name, value)
    v = float(value)
    if not (0.0 <= v and (upper is None or v < upper)):
        expected = f"{name} >= 0" if upper is None else f"0 <= {name} < {upper}"
        raise ValueError(f"Invalid {what or name + ' value'}: {value} (expected {expected})")
