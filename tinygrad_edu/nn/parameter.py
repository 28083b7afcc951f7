"""``Parameter``: a Tensor that a Module registers as something to learn.

A Parameter is an ordinary leaf Tensor with two differences:

* it requires grad by default (a weight is there to be trained), and
* assigning it as an attribute of a ``Module`` (``self.weight = Parameter(...)``) registers it, so it
  shows up in ``module.parameters()``, ``state_dict()`` and therefore in the optimizer.

    >>> import tinygrad_edu
    >>> w = Parameter(tinygrad_edu.zeros(2))
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
"""
from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A learnable tensor. ``Parameter(data)`` shares ``data``'s storage, as in PyTorch."""

    def __init__(self, data: Tensor = None, requires_grad: bool = True):
        if data is None:
            data = Tensor([])
        elif not isinstance(data, Tensor):
            data = Tensor(data)
        # Share the array (and its version counter): Parameter(t) is a new name for t's numbers.
        self._init(data.array, False)
        self._version = data._version
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # Pickle as "rebuild a Parameter from its data", so a pickled model unpickles to Parameters.
        return (_rebuild_parameter, (Tensor._make(self.array), self.requires_grad))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module (``self.x = Buffer(t)``).

    Buffers are state that is saved with the model but not trained (BatchNorm's running mean).
    Assigning a ``Buffer`` registers the plain tensor it wraps; ``persistent=False`` keeps it out of
    ``state_dict()``.
    """

    def __init__(self, data: Tensor, *, persistent: bool = True):
        data = data if isinstance(data, Tensor) else Tensor(data)
        self._init(data.array, False)
        self._version = data._version
        self.persistent = persistent
