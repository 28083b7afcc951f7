"""``Module``: the base class of every layer and model, working as PyTorch's ``nn.Module`` does.

A Module is a small tree. Each node keeps three ordered dictionaries:

* ``_parameters``: name -> ``Parameter`` (trained by the optimizer),
* ``_buffers``:    name -> ``Tensor`` (saved with the model but not trained, e.g. running means),
* ``_modules``:    name -> child ``Module``.

You never fill them by hand. ``__setattr__`` looks at what you assign::

    class MLP(Module):
        def __init__(self):
            super().__init__()           # creates the three dictionaries: call it first
            self.fc1 = Linear(4, 8)      # a Module    -> self._modules['fc1']
            self.scale = Parameter(...)  # a Parameter -> self._parameters['scale']
            self.register_buffer('steps', tinygrad_edu.zeros(1))   # -> self._buffers['steps']

and ``__getattr__`` finds them again (``self.fc1``). Everything else follows from walking the tree:
``named_parameters()`` joins the names with dots (``'fc1.weight'``), ``state_dict()`` maps those names
to tensors, ``train()``/``eval()`` set a flag on every node, ``to()`` converts every tensor in place.

Calling a module (``model(x)``) runs ``__call__``: forward pre-hooks, ``forward``, forward hooks, and,
when backward hooks are registered, wraps inputs and outputs so the hooks see the gradients.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator, Mapping, Optional, Set, Tuple

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..ops.checks import typename
from ..optim.optimizer import zero_grads
from ..tensor import Tensor
from .parameter import Buffer, Parameter


def _addindent(s: str, num_spaces: int) -> str:
    """Indent every line but the first: how a child's repr nests inside its parent's."""
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * num_spaces + line for line in lines[1:])


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it expected but did not get, and the reverse."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """Returned by every ``register_*_hook``: ``handle.remove()`` unregisters the hook.

    Also a context manager: ``with module.register_forward_hook(h): ...`` removes ``h`` on exit.
    """

    _next_id = 0

    def __init__(self, hooks_dict: "OrderedDict[int, Callable]"):
        self.hooks_dict = hooks_dict
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


# ------------------------------------------------------------------------------ backward hooks
class BackwardHookFunction(Function):
    """Identity on any number of tensors; its ``backward`` is where a module's backward hooks run.

    ``Module.__call__`` passes the module's inputs through one of these and its outputs through
    another. Going backward, the output node is reached first (its gradients are ``grad_output``), and
    the input node last, once every gradient inside the module has been summed: its incoming
    gradients are exactly ``grad_input``. One node for all inputs means the hook gets them together.
    """

    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        ctx.set_materialize_grads(False)  # a gradient that never arrived stays None, as PyTorch shows it
        return tuple(t.array for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_backward(grads))


class _BackwardHook:
    """One forward call's worth of backward-hook bookkeeping for a module."""

    def __init__(self, module: "Module", args: tuple):
        self.module = module
        self.n_args = len(args)
        self.grad_outputs: Optional[tuple] = None
        self.output_slots: list = []
        # positions of the inputs that can receive a gradient; only those are wrapped
        self.input_slots = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]

    def setup_input_hook(self, args: tuple) -> tuple:
        if not self.input_slots:
            return args
        wrapped = BackwardHookFunction.apply(self._on_input_grads, *(args[i] for i in self.input_slots))
        args = list(args)
        for i, t in zip(self.input_slots, wrapped):
            args[i] = t
        return tuple(args)

    def setup_output_hook(self, result):
        outputs = result if isinstance(result, tuple) else (result,)
        self.output_slots = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not self.output_slots:
            return result
        wrapped = BackwardHookFunction.apply(self._on_output_grads, *(outputs[i] for i in self.output_slots))
        outputs = list(outputs)
        for i, t in zip(self.output_slots, wrapped):
            outputs[i] = t
        return tuple(outputs) if isinstance(result, tuple) else outputs[0]

    def _on_output_grads(self, grads: tuple) -> tuple:
        for hook in self.module._backward_pre_hooks.values():
            new = hook(self.module, grads)
            if new is not None:
                grads = self._checked(new, len(grads), "grad_output")
        self.grad_outputs = grads
        if not self.input_slots:  # no input needs a gradient: the hooks run now, with grad_input all None
            for hook in self.module._backward_hooks.values():
                res = hook(self.module, (None,) * self.n_args, grads)
                if res is not None and any(r is not None for r in res):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                       "always return None or None for all gradients.")
        return grads

    def _on_input_grads(self, grads: tuple) -> tuple:
        grad_input = [None] * self.n_args
        for i, g in zip(self.input_slots, grads):
            grad_input[i] = g
        grad_input = tuple(grad_input)
        for hook in self.module._backward_hooks.values():
            new = hook(self.module, grad_input, self.grad_outputs)
            if new is not None:
                grad_input = self._checked(new, self.n_args, "grad_input")
        return tuple(grad_input[i] for i in self.input_slots)

    @staticmethod
    def _checked(new, expected: int, what: str) -> tuple:
        new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        if len(new) != expected:
            raise RuntimeError(f"Backward hook returned an invalid number of {what}, got {len(new)}, but "
                               f"expected {expected}")
        return new


# ------------------------------------------------------------------------------ Module
class Module:
    """Base class for all layers and models. Subclass it, call ``super().__init__()`` first, assign
    layers and parameters as attributes, and write ``forward``."""

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ skips our own __setattr__, which needs these dictionaries to exist.
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_backward_pre_hooks", OrderedDict())
        set_(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation, written by every subclass. Call the module (``m(x)``), not ``m.forward(x)``,
        so that hooks run."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # -------------------------------------------------------------------------- registration
    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Add a parameter under ``name`` (``None`` registers an absent one, like ``bias=False``)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter", self._parameters)
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{typename(param)}' object to parameter '{name}' "
                            "(tinygrad_edu.nn.Parameter or None required)")
        elif param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                             "the value in the forward() method.")
        else:
            self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Optional[Tensor], persistent: bool = True) -> None:
        """Add a tensor that is part of the module's state but not trained (BatchNorm's running mean).

        ``persistent=False`` keeps it out of ``state_dict()`` (a cache that can be recomputed)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                            "(tinygrad_edu Tensor or None required)")
        if isinstance(tensor, Buffer):
            persistent, tensor = tensor.persistent, Tensor._make(tensor.array)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Optional["Module"]) -> None:
        """Add a child module under ``name``; it is then reachable as ``self.<name>``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f"module name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError("module name can't be empty string \"\"")
        self._modules[name] = module

    register_module = add_module

    def _check_name(self, name, kind: str, own: dict) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\"")
        if name == "":
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if hasattr(self, name) and name not in own:
            raise KeyError(f"attribute '{name}' already exists")

    # -------------------------------------------------------------------------- attribute protocol
    def __setattr__(self, name: str, value: Any) -> None:
        """Route an assignment: Parameters, Modules and (existing) buffers go to their dictionaries."""
        def remove_from(*dicts_or_sets):
            for d in dicts_or_sets:
                if name in d:
                    if isinstance(d, dict):
                        del d[name]
                    else:
                        d.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{typename(value)}' as parameter '{name}' "
                                "(tinygrad_edu.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            modules = self.__dict__.get("_modules")
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(self.__dict__, self._parameters, self._buffers, self._non_persistent_buffers_set)
            modules[name] = value
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{typename(value)}' as child module '{name}' "
                                "(tinygrad_edu.nn.Module or None expected)")
            self._modules[name] = value
        elif isinstance(value, Buffer) or ("_buffers" in self.__dict__ and name in self._buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{typename(value)}' as buffer '{name}' "
                                "(tinygrad_edu.nn.Buffer, tinygrad_edu.Tensor or None expected)")
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:  # re-assigning an existing buffer keeps its persistence
                persistent = name not in self._non_persistent_buffers_set
            remove_from(self.__dict__, self._parameters, self._modules)
            self.register_buffer(name, value, persistent)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """Called only when normal lookup fails: look in the three dictionaries."""
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = (list(dir(type(self))) + list(self.__dict__) + list(self._parameters) + list(self._modules)
                + list(self._buffers))
        return sorted(k for k in keys if not k[0].isdigit())

    # -------------------------------------------------------------------------- walking the tree
    def named_modules(self, memo: Optional[Set[int]] = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[Tuple[str, "Module"]]:
        """This module and every descendant, depth first, with dotted names (``''`` for self).
        A module reachable twice is listed once unless ``remove_duplicate=False``."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[Tuple[str, "Module"]]:
        """The direct children only."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, get_members: Callable, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True):
        """Shared walk of named_parameters and named_buffers: a tensor shared by two modules (tied
        weights) is listed once, under the first name found."""
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[Tuple[str, Parameter]]:
        """``('fc1.weight', Parameter)`` pairs: what an optimizer trains, with PyTorch's names."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[Tuple[str, Tensor]]:
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> "Module":
        """The module at a dotted path: ``model.get_submodule('features.0')``."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return mod._buffers[name]

    # -------------------------------------------------------------------------- modes and gradients
    def train(self, mode: bool = True) -> "Module":
        """Set training mode here and in every descendant (Dropout and BatchNorm read ``training``)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``. It does not turn off gradients; use ``no_grad`` for that."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (``False``) or unfreeze every parameter, e.g. for fine-tuning only the head."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients. ``None`` (the default) saves memory and lets an optimizer
        skip parameters that got no gradient; ``set_to_none=False`` fills them with zeros instead."""
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn`` on every descendant, then on self: ``model.apply(init_weights)``."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -------------------------------------------------------------------------- device and dtype
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> "Module":
        """Convert every parameter, gradient and buffer with ``fn``, IN PLACE: each tensor object keeps
        its identity and only its array changes, so an optimizer built before ``.to()`` still holds
        the very Parameters the model uses."""
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for t in itertools.chain(self._parameters.values(), self._buffers.values()):
                if t is None:
                    continue
                t.array = fn(t).array
                if t.grad is not None:
                    t.grad.array = fn(t.grad).array
        return self

    def to(self, *args, **kwargs) -> "Module":
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(tensor)``; returns self.

        A dtype applies to floating-point tensors only: ``num_batches_tracked`` stays an integer."""
        dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, bool):  # to(device, dtype, non_blocking)
                continue
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif isinstance(a, (str, backend.device)):
                device = backend.device(a)
            elif a is not None:
                dtype = a
        if dtype is not None:
            dtype = backend.as_dtype(dtype)
            if not dtype.is_floating_point:
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired "
                                f"dtype={dtype}")

        def convert(t: Tensor) -> Tensor:
            return t.to(device, dtype if t.is_floating_point() else None)
        return self._apply(convert)

    def cuda(self, device=None) -> "Module":
        return self.to("cuda" if device is None else device)

    def cpu(self) -> "Module":
        return self.to("cpu")

    def type(self, dst_type) -> "Module":
        return self._apply(lambda t: t.to(dst_type))

    def float(self) -> "Module":
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> "Module":
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> "Module":
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    # -------------------------------------------------------------------------- state_dict
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """This module's own entries: parameters, then persistent buffers (children come after)."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *, destination: Optional[dict] = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Name -> tensor for every parameter and persistent buffer, in PyTorch's order and names.

        The tensors are detached but share storage with the model: save them, or copy them elsewhere;
        a later training step shows through. Tied weights appear under every name they have."""
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict: Mapping, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
        """Copy this module's own entries from ``state_dict``; record missing/unexpected keys and errors."""
        local_state = {k: v for k, v in itertools.chain(
            self._parameters.items(),
            ((k, v) for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set))
            if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = _as_tensor(state_dict[key])
            if value is None:
                error_msgs.append(f'While copying the parameter named "{key}", expected a Tensor or an array '
                                  f"from checkpoint but received {type(state_dict[key])}")
                continue
            if param.ndim == 0 and value.shape == (1,):  # old checkpoints stored scalars as [x]
                value = value.reshape(())
            if value.shape != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {list(value.shape)} "
                                  f"from checkpoint, the shape in current model is {list(param.shape)}.")
                continue
            pending = local_metadata.get("_pending_copies") if isinstance(local_metadata, dict) else None
            if pending is not None:  # load_state_dict copies once every entry has been checked
                pending.append((key, param, value))
            else:
                _copy_into(key, param, value, error_msgs)
        if strict:
            for key in state_dict:
                if key.startswith(prefix):
                    first, *rest = key[len(prefix):].split(".", 1)
                    if (rest and first not in self._modules) or (not rest and first not in local_state):
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's existing tensors.

        Each value is copied into the parameter in place, converted to the parameter's dtype and
        device, so the model (and any optimizer holding its parameters) keeps its tensors. Values may
        be tensors or arrays (``{k: v.numpy() for k, v in torch_model.state_dict().items()}`` works).
        With ``strict=True`` (the default) missing or unexpected keys are an error; shape mismatches
        are always an error, and a load that fails copies nothing (the model is left as it was).
        Returns ``(missing_keys, unexpected_keys)``."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys: list = []
        unexpected_keys: list = []
        error_msgs: list = []
        pending: list = []  # (key, parameter, value): copied only when nothing is wrong, so that a
        #                     failed load leaves the model as it was (no half-loaded model)

        def load(module: Module, local_state: Mapping, prefix: str = "") -> None:
            module._load_from_state_dict(local_state, prefix, {"_pending_copies": pending}, True, missing_keys,
                                         unexpected_keys, error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state.items() if k.startswith(child_prefix)}, child_prefix)

        load(self, OrderedDict(state_dict))
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if not error_msgs:
            for key, param, value in pending:
                _copy_into(key, param, value, error_msgs)
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # -------------------------------------------------------------------------- hooks
    @staticmethod
    def _add_hook(hooks: OrderedDict, hook: Callable, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; returning a value replaces ``args``
        (a non-tuple is wrapped into a 1-tuple)."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; returning a value replaces ``output``.
        The usual way to look inside a model: record activations without editing its code."""
        return self._add_hook(self._forward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients w.r.t. the outputs are known; returning
        a value replaces ``grad_output``."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable, *, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs once the gradients w.r.t. the module's
        positional inputs are computed. ``grad_input`` has one entry per positional argument (``None``
        for those that need no gradient); returning a tuple of that length replaces it."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def __call__(self, *args, **kwargs):
        for hook in self._forward_pre_hooks.values():
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if (self._backward_hooks or self._backward_pre_hooks) and is_grad_enabled():
            backward_hook = _BackwardHook(self, args)
            args = backward_hook.setup_input_hook(args)
        output = self.forward(*args, **kwargs)
        for hook in self._forward_hooks.values():
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_output_hook(output)
        return output

    # -------------------------------------------------------------------------- printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside ``Linear(...)``; layers override it with their settings."""
        return ""

    def __repr__(self) -> str:
        """``Name(extra)`` for a leaf; otherwise one ``(child_name): child_repr`` line per child,
        indented two spaces per level, exactly as PyTorch prints a model."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _as_tensor(value) -> Optional[Tensor]:
    """A checkpoint value as a Tensor: Tensors pass, arrays are wrapped, array-likes (a CPU
    ``torch.Tensor``) are converted through ``__array__``; anything else gives None."""
    if isinstance(value, Tensor):
        return value
    if backend.is_array(value):
        return Tensor._make(value)
    if hasattr(value, "__array__") and hasattr(value, "shape"):
        return Tensor._make(backend.np.asarray(value))
    return None


def _copy_into(key: str, param: Tensor, value: Tensor, error_msgs: list) -> None:
    """Copy a checked checkpoint value into ``param`` in place (keeping its object, dtype and
    device); an exception becomes one of ``load_state_dict``'s error messages."""
    try:
        with no_grad():
            param.copy_(value)
    except Exception as ex:  # noqa: BLE001 (reported with the others)
        error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model '
                          f"are {list(param.shape)} and whose dimensions in the checkpoint are "
                          f"{list(value.shape)}, an exception occurred : {ex.args}.")
