"""Exercise 09 · 기울기 소실 (the vanishing gradient): reference solution.

See ../09_vanishing_gradient.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 09 --solutions
"""
import tinygrad_edu.nn as nn


def make_net(activation: str, depth: int = 10, width: int = 32) -> nn.Sequential:
    """depth x (Linear(width, width) -> activation), He-initialised weights, zero biases."""
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")   # std sqrt(2 / width)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.Sigmoid() if activation == "sigmoid" else nn.ReLU()]
    return nn.Sequential(*layers)


def layer_grad_norms(net, x) -> list:
    """The norm of d net(x).sum() / d (each Linear layer's output), first layer first, via hooks."""
    norms = {}
    linears = [m for m in net if isinstance(m, nn.Linear)]

    def remember(i):
        def forward_hook(module, inputs, output):
            # a hook on the output tensor fires during backward with d loss / d output
            output.register_hook(lambda grad: norms.__setitem__(i, grad.norm().item()))
        return forward_hook

    handles = [m.register_forward_hook(remember(i)) for i, m in enumerate(linears)]
    net(x).sum().backward()
    for h in handles:
        h.remove()
    return [norms[i] for i in range(len(linears))]


def vanishing_ratio(norms) -> float:
    """How much smaller the first layer's gradient is than the last layer's."""
    return norms[0] / norms[-1]
