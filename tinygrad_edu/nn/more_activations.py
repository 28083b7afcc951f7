"""More activation layers, each wrapping the ``nn.functional`` function of the same name:
PReLU (a learned negative slope), SELU, CELU, Mish, Softsign, Hardswish, Hardsigmoid, GLU,
Threshold, Tanhshrink, LogSigmoid, Softshrink, Hardshrink, Softmin."""
from __future__ import annotations

from .. import creation
from ..tensor import Tensor
from . import functional as F
from .init import constant_
from .module import Module
from .parameter import Parameter


class PReLU(Module):
    """x where x >= 0, a * x elsewhere, with ``a`` learned: one slope, or one per channel."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.full((num_parameters,), init, device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def _simple(name: str, fn, doc: str, params: tuple = ()):
    """A layer class that calls ``fn(input, *its params)``; ``params`` are (name, default) pairs."""
    def __init__(self, *args, **kwargs):
        Module.__init__(self)
        names = [p for p, _ in params]
        values = dict(params)
        for i, a in enumerate(args):
            if i >= len(names):
                raise TypeError(f"{name}() takes at most {len(names)} positional arguments")
            values[names[i]] = a
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
            values[k] = v
        for k, v in values.items():
            setattr(self, k, v)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return fn(input, *(getattr(self, p) for p, _ in params if p != "inplace"))

    def extra_repr(self) -> str:
        if [p for p, _ in params] == ["lambd"]:  # PyTorch prints the shrink threshold bare
            return str(self.lambd)
        return ", ".join(f"{p}={getattr(self, p)}" for p, _ in params if p != "inplace" or getattr(self, p))

    return type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr,
                                  "__doc__": doc, "__module__": __name__})


SELU = _simple("SELU", F.selu, "scale * elu(x, alpha) with the self-normalising constants.", (("inplace", False),))
CELU = _simple("CELU", F.celu, "max(0, x) + min(0, alpha (e^(x/alpha) - 1)).", (("alpha", 1.0), ("inplace", False)))
Mish = _simple("Mish", F.mish, "x * tanh(softplus(x)).", (("inplace", False),))
Softsign = _simple("Softsign", F.softsign, "x / (1 + |x|).")
Hardswish = _simple("Hardswish", F.hardswish, "x * relu6(x + 3) / 6.", (("inplace", False),))
Hardsigmoid = _simple("Hardsigmoid", F.hardsigmoid, "relu6(x + 3) / 6.", (("inplace", False),))
GLU = _simple("GLU", F.glu, "a * sigmoid(b) for the two halves a, b of the input along ``dim``.", (("dim", -1),))
Threshold = _simple("Threshold", F.threshold, "x where x > threshold, else value.",
                    (("threshold", None), ("value", None), ("inplace", False)))
Tanhshrink = _simple("Tanhshrink", F.tanhshrink, "x - tanh(x).")
LogSigmoid = _simple("LogSigmoid", F.logsigmoid, "log(sigmoid(x)).")
Softshrink = _simple("Softshrink", F.softshrink, "x -+ lambd outside [-lambd, lambd], 0 inside.", (("lambd", 0.5),))
Hardshrink = _simple("Hardshrink", F.hardshrink, "x outside [-lambd, lambd], 0 inside.", (("lambd", 0.5),))
Softmin = _simple("Softmin", F.softmin, "softmax(-x) along ``dim``.", (("dim", None),))

__all__ = ["PReLU", "SELU", "CELU", "Mish", "Softsign", "Hardswish", "Hardsigmoid", "GLU", "Threshold",
           "Tanhshrink", "LogSigmoid", "Softshrink", "Hardshrink", "Softmin"]
