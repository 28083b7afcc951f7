"""``Tensor``: an array, where it came from (``grad_fn``) and, for leaves, its gradient (``grad``).

This file holds the tensor's data, its graph attributes and the in-place updates. The operators and
math methods (``a + b`` is ``__add__``, ``x.sum()``, ``x.relu()``, ...) are listed in one table,
``METHODS`` in ``ops/methods.py``, which is attached to the class at the bottom of this file: look a
name up there to find the op that computes it. Every op is a ``Function`` in ``ops/``; this file
holds no calculus.
"""
from __future__ import annotations

from typing import Any, Optional

from . import backend
from .backend import dtype as _dtype


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's ``torch.Size``."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"tinygrad_edu.Size({list(self)})"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r


def _infer_array(data, dtype=None, device=None, copy=True):
    """Turn nested lists, scalars, arrays or tensors into an array, with a clear error for ragged or
    non-numeric data (the check runs before NumPy sees it).

    The array lands on ``device``; by default where ``data`` already lives (a tensor, a CuPy array),
    else on the default device (``TINYGRAD_EDU_DEVICE``), NumPy arrays included, as in PyTorch."""
    if dtype is not None:
        dtype = backend.as_dtype(dtype)  # an unknown dtype fails here, before the data is converted
    if device is None:
        device = home_device(data)
    xp = backend.xp_for(device)
    if isinstance(data, Tensor):
        arr = data.array
    elif backend.is_array(data):
        arr = data
    elif backend.is_numpy_scalar(data):
        arr = backend.np.asarray(data)
    else:
        _check_nested(data)
        arr = backend.np.array(data)
        if dtype is None and arr.dtype.kind == "f":
            arr = arr.astype(backend.default_float.np)  # Python floats become float32, as in PyTorch
    if dtype is not None:
        arr = arr.astype(dtype.np, copy=False)
    elif arr.dtype not in backend._BY_NP:  # e.g. int16 or float128: the nearest supported type
        arr = arr.astype(backend.as_dtype(arr.dtype).np)
    if backend.get_array_module(arr) is not xp:
        return backend.to_device(arr, device)  # a copy already
    return xp.array(arr, copy=True) if copy else xp.asarray(arr)


def home_device(data) -> backend.device:
    """Where new data goes by default: a tensor's or CuPy array's own device, else the default."""
    if isinstance(data, Tensor):
        return data.device
    if backend.is_array(data) and not isinstance(data, backend.np.ndarray):
        return backend.device_of(data)
    return backend.default_device()


def _check_nested(data, path="data"):
    if isinstance(data, (bool, int, float)) or backend.is_numpy_scalar(data):
        return ()
    if isinstance(data, Tensor):
        return tuple(data.shape)
    if backend.is_array(data):
        return tuple(data.shape)
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"tensor(): could not infer a number from {path} of type {type(data).__name__}; "
                        "expected a number, a (nested) list or tuple of numbers, or an array")
    shapes = [_check_nested(d, f"{path}[{i}]") for i, d in enumerate(data)]
    for i, s in enumerate(shapes[1:], 1):
        if s != shapes[0]:
            raise ValueError(f"tensor(): expected a sequence of equal-length rows, but {path}[0] has "
                             f"shape {list(shapes[0])} and {path}[{i}] has shape {list(s)}")
    return (len(data),) + (shapes[0] if shapes else ())


_NDARRAY, _NUMPY_SCALAR = backend.np.ndarray, backend.np.generic


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    ``array`` is the raw NumPy/CuPy array; ``grad_fn`` is the node that made it (None for a leaf);
    ``grad`` receives the gradient of a leaf that ``requires_grad``.
    """

    __array_priority__ = 1000  # so ndarray + Tensor calls Tensor.__radd__
    # Slots for what every tensor holds; the rarely set attributes are class defaults until set
    # (in the instance's __dict__), so making a tensor, which every op does, stores only five.
    __slots__ = ("array", "_requires_grad", "grad_fn", "output_nr", "_version", "__dict__", "__weakref__")
    grad: Optional["Tensor"] = None   # a leaf's accumulated gradient
    _hooks = ()                       # becomes a list on the first register_hook (most tensors never get one)
    _post_accumulate_hooks = ()
    name = None

    def __init__(self, data: Any = None, requires_grad: bool = False, dtype=None, device=None):
        arr = _infer_array([] if data is None else data, dtype=dtype, device=device)
        if dtype is None and arr.dtype.kind in "iub" and not backend.is_array(data) and not isinstance(data, Tensor):
            arr = arr.astype(backend.default_float.np)  # legacy torch.Tensor([...]) is float
        self._init(arr, False)
        self.requires_grad = requires_grad

    def _init(self, arr, requires_grad):
        self.array = arr
        self._requires_grad = requires_grad
        self.grad_fn = None
        self.output_nr = 0
        self._version = [0]  # a list, so that .detach() and .data can share the counter

    @staticmethod  # (not a classmethod: it always makes a Tensor, and a static call is cheaper)
    def _make(arr, requires_grad: bool = False, grad_fn=None, output_nr: int = 0) -> "Tensor":
        """Wrap an array without copying or checks (the fast path ops use; Function.apply passes
        the node that made it, for an output that gets a gradient)."""
        if type(arr) is not _NDARRAY and isinstance(arr, _NUMPY_SCALAR):
            arr = backend.np.asarray(arr)  # NumPy ufuncs give scalars for 0-d input: keep an array
        t = object.__new__(Tensor)  # _init's stores, inline: this runs for every op's output
        t.array, t._requires_grad, t._version = arr, requires_grad, [0]
        t.grad_fn, t.output_nr = grad_fn, output_nr
        return t

    # ------------------------------------------------------------------ basic attributes
    @property
    def xp(self):
        """numpy or cupy: the array module holding this tensor."""
        return backend.get_array_module(self.array)

    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    def size(self, dim: Optional[int] = None):
        if dim is None:
            return self.shape
        return self.array.shape[_wrap_dim(dim, self.ndim, "size")]

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self.array.size)

    nelement = numel

    @property
    def dtype(self) -> _dtype:
        return backend.dtype_of(self.array)

    @property
    def device(self) -> backend.device:
        return backend.device_of(self.array)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def element_size(self) -> int:
        return self.array.itemsize

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                               "use a computed variable in a subgraph that doesn't require differentiation "
                               "use var_no_grad = var.detach().")
        if value and not self.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point dtype can require gradients "
                               f"(got {self.dtype.name}); convert with .float() first")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def data(self) -> "Tensor":
        """A tensor sharing this one's array, outside the graph (PyTorch's ``.data``)."""
        t = Tensor._make(self.array)
        t._version = self._version
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        self.array = value.array if isinstance(value, Tensor) else _infer_array(value, copy=False)

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    # ------------------------------------------------------------------ conversions
    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return self.array.reshape(()).item()

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def numpy(self, force: bool = False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu" and not force:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                            "copy the tensor to host memory first.")
        return backend.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self.array)
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.array.size} values is ambiguous")
        return bool(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    __hash__ = object.__hash__

    def __repr__(self):
        return tensor_repr(self)

    def __format__(self, spec):
        if self.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    # ------------------------------------------------------------------ graph
    def detach(self) -> "Tensor":
        """The same array, cut from the graph (changes to one show in the other)."""
        t = Tensor._make(self.array)
        t._version = self._version
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._requires_grad = False
        return self

    def backward(self, gradient: Optional["Tensor"] = None, retain_graph: Optional[bool] = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a new gradient."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if not isinstance(self._hooks, list):
                self._hooks = []
            self._hooks.append(hook)
            return _RemovableHandle(self._hooks, hook)
        hooks = self.grad_fn._tensor_pre_hooks(self.output_nr)
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not isinstance(self._post_accumulate_hooks, list):
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for a non-leaf tensor too (leaves keep theirs anyway)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retain(self.output_nr, self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.output_nr in self.grad_fn._retained

    # ------------------------------------------------------------------ dtype and device
    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None), kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, (str, backend.device)):
                dev = a
            elif a is not None:
                dtype = a
        out = self
        if dev is not None and backend.device(dev) != self.device:
            dev = backend.device(dev)
            backend.xp_for(dev)  # a missing GPU is reported here, before the move starts
            out = ToDevice.apply(out, dev)
        if dtype is not None and backend.as_dtype(dtype) is not out.dtype:
            out = Cast.apply(out, backend.as_dtype(dtype))
        return out

    def cuda(self, device=None) -> "Tensor":
        return self.to("cuda" if device is None else device)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def float(self) -> "Tensor":
        return self.to(backend.float32)

    def double(self) -> "Tensor":
        return self.to(backend.float64)

    def half(self) -> "Tensor":
        return self.to(backend.float16)

    def long(self) -> "Tensor":
        return self.to(backend.int64)

    def int(self) -> "Tensor":
        return self.to(backend.int32)

    def bool(self) -> "Tensor":
        return self.to(backend.bool_)

    def type(self, dtype=None):
        if dtype is None:
            return f"tinygrad_edu.{self.dtype.name}"
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def clone(self) -> "Tensor":
        return Clone.apply(self)

    def contiguous(self) -> "Tensor":
        return self

    def is_contiguous(self) -> bool:
        return bool(self.array.flags.c_contiguous)

    # ------------------------------------------------------------------ in-place (no graph)
    def _inplace_check(self, op: str) -> None:
        if grad_mode.is_grad_enabled() and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation "
                               f"({op}). Wrap the update in `with tinygrad_edu.no_grad():`.")

    def _inplace(self, op: str, result: "Tensor") -> "Tensor":
        """Make ``self`` hold ``result`` (computed out of place) and bump its version counter.

        With grad recording, ``self`` takes over ``result``'s array and place in the graph (the old
        array stays intact for any op that saved it; the version bump still flags that op). Without,
        the values are written into ``self``'s own array, so views and ``.data`` see the change."""
        self._inplace_check(op)
        if result.array.shape != self.array.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)} (in {op})")
        if result.dtype is not self.dtype:
            if result.dtype.kind > self.dtype.kind:
                raise RuntimeError(f"result type {result.dtype.name} can't be cast to the desired output type "
                                   f"{self.dtype.name} (in {op})")
            result = result.to(self.dtype)  # float32 += float64 stays float32
        if grad_mode.is_grad_enabled() and result.requires_grad and _views.involved(self):
            return _views.inplace(self, op, result)  # a view or a base with views: autograd/views.py
        if grad_mode.is_grad_enabled() and result.requires_grad:
            self.array = result.array
            self.grad_fn, self.output_nr, self._requires_grad = result.grad_fn, result.output_nr, True
        else:
            self.array[...] = result.array
        self._version[0] += 1
        return self

    def add_(self, other, alpha=1) -> "Tensor":
        return self._inplace("add_", self + (other * alpha if alpha != 1 else other))

    def sub_(self, other, alpha=1) -> "Tensor":
        return self._inplace("sub_", self - (other * alpha if alpha != 1 else other))

    def mul_(self, other) -> "Tensor":
        return self._inplace("mul_", self * other)

    def div_(self, other) -> "Tensor":
        return self._inplace("div_", self / other)

    def pow_(self, exponent) -> "Tensor":
        return self._inplace("pow_", self ** exponent)

    def clamp_(self, min=None, max=None) -> "Tensor":
        return self._inplace("clamp_", self.clamp(min, max))

    clip_ = clamp_

    def addcmul_(self, t1, t2, value=1) -> "Tensor":
        return self._inplace("addcmul_", self + t1 * t2 * value)

    def addcdiv_(self, t1, t2, value=1) -> "Tensor":
        return self._inplace("addcdiv_", self + t1 / t2 * value)

    def copy_(self, src) -> "Tensor":
        """Copy ``src``'s values into this tensor (broadcasting; from any device and dtype)."""
        if isinstance(src, Tensor) and type(src.array) is not type(self.array):
            src = src.to(self.device)
        setitem(self, Ellipsis, src)
        return self

    def fill_(self, value) -> "Tensor":
        setitem(self, Ellipsis, value)
        return self

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> "Tensor":
        rng = (generator or backend.default_generator).rng(self.xp)
        # (b - a) * random + a: the same draws as NumPy's uniform(), and calls CuPy's Generator has too
        return self.copy_((rng.random(self.array.shape) * (b - a) + a).astype(self.array.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> "Tensor":
        rng = (generator or backend.default_generator).rng(self.xp)
        # standard_normal * std + mean: the same draws as NumPy's normal(), and CuPy's Generator has no normal()
        return self.copy_((rng.standard_normal(size=self.array.shape) * std + mean).astype(self.array.dtype))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __setitem__(self, index, value) -> None:
        setitem(self, index, value)


def _wrap_dim(dim: int, ndim: int, op: str = "") -> int:
    """A possibly negative dim as an index in [0, ndim), or PyTorch's IndexError."""
    n = max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}(): dim must be an int, but got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
                         + (f" in {op}()" if op else ""))
    return dim % n


def memory_owner(arr):
    """The array whose memory ``arr`` uses (itself unless it is a view)."""
    while getattr(arr, "base", None) is not None:
        arr = arr.base
    return arr


# Everything below uses Tensor itself (autograd, the ops, the printer all import it), so it is
# imported here, once the class exists: the one place where tensor.py -> ops -> tensor.py is cut.
from . import autograd  # noqa: E402
from .autograd import grad_mode  # noqa: E402
from .autograd import views as _views  # noqa: E402
from .autograd.function import _RemovableHandle  # noqa: E402
from .ops import methods as _methods  # noqa: E402
from .ops.elementwise import Cast, Clone, ToDevice  # noqa: E402
from .ops.shape import setitem  # noqa: E402
from .utils.printing import tensor_repr  # noqa: E402

_methods.attach(Tensor)
