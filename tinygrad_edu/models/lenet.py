"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998): the first CNN to read digits in production.

Which LeNet-5 this is: the common textbook simplification, with 61,706 parameters for a 1x32x32 input:

* C3 connects every one of its 16 maps to all 6 maps of S2 (the paper's C3 used a hand-made partial
  connection table: 1,516 parameters instead of 2,416);
* S2 and S4 are plain parameter-free pooling layers (the paper's subsampling layers had a trainable
  weight and bias per map: 12 + 32 more parameters);
* the output is a Linear layer of 10 units (the paper used Euclidean RBF units with fixed weights).

Layer by layer, with the lecture's formula ``((kh x kw x in_ch) + 1) x out_ch``::

    C1  Conv2d(1, 6, 5)      (5x5x1 + 1) x 6    =    156     1x32x32 -> 6x28x28
    S2  pool 2x2 / 2                                           -> 6x14x14
    C3  Conv2d(6, 16, 5)     (5x5x6 + 1) x 16   =  2,416      -> 16x10x10
    S4  pool 2x2 / 2                                           -> 16x5x5
    F5  Linear(400, 120)     (400 + 1) x 120    = 48,120      (the paper's C5: 120 5x5 filters over 5x5
                                                                maps, which is the same computation)
    F6  Linear(120, 84)      (120 + 1) x 84     = 10,164
    out Linear(84, 10)       (84 + 1) x 10      =    850
                                         total    61,706

MNIST images are 28x28: pass ``padding=2`` to pad C1's input back to 32x32 (same parameter count).
"""
from __future__ import annotations

from .. import nn
from ..ops.shape import flatten
from ..tensor import Tensor


class LeNet5(nn.Module):
    """LeNet-5: ``features`` (C1, S2, C3, S4) -> flatten -> ``classifier`` (F5, F6, output).

    Args:
        num_classes: outputs of the last layer (10 digits).
        in_channels: 1 for grayscale digits.
        padding: padding of C1: 0 for 32x32 inputs, 2 for 28x28 (MNIST).
        activation: ``"tanh"`` as in 1998 (the paper scaled it: 1.7159 tanh(2x/3)) or ``"relu"``.
        pooling: ``"avg"`` (the paper's subsampling: average of each 2x2 block) or ``"max"``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, padding: int = 0,
                 activation: str = "tanh", pooling: str = "avg"):
        super().__init__()
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', but got {activation!r}")
        if pooling not in ("avg", "max"):
            raise ValueError(f"pooling must be 'avg' or 'max', but got {pooling!r}")

        self.in_channels, self.padding = in_channels, padding

        def act():
            return nn.Tanh() if activation == "tanh" else nn.ReLU()

        def pool():
            return nn.AvgPool2d(2, 2) if pooling == "avg" else nn.MaxPool2d(2, 2)

        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=padding),  # C1: 1x32x32 -> 6x28x28
            act(),
            pool(),                                                     # S2: -> 6x14x14
            nn.Conv2d(6, 16, kernel_size=5),                            # C3: -> 16x10x10
            act(),
            pool(),                                                     # S4: -> 16x5x5
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120),                                 # F5 (C5): 400 -> 120
            act(),
            nn.Linear(120, 84),                                         # F6: 120 -> 84
            act(),
            nn.Linear(84, num_classes),                                 # output: 84 -> 10 scores
        )

    def _check_input(self, x) -> None:
        """Refuse, before any work, an input the conv stack cannot turn into 16x5x5 maps."""
        c, p = self.in_channels, self.padding
        side = 32 - 2 * p
        wanted = f"(N, {c}, {side}, {side})"
        if not isinstance(x, Tensor):
            raise TypeError(f"LeNet5 expects a Tensor of shape {wanted}, but got {type(x).__name__}")
        if x.ndim != 4:
            raise ValueError(f"LeNet5 expects a batch of images of shape {wanted}, but got input of shape "
                             f"{list(x.shape)}")
        if x.shape[1] != c:
            raise ValueError(f"LeNet5 expects {c} channel{'s' if c != 1 else ''} ({wanted}), but got input of "
                             f"shape {list(x.shape)}")

        def maps(n):  # C1 (5x5 conv), S2 (2x2 pool), C3 (5x5 conv), S4 (2x2 pool)
            return ((n + 2 * p - 4) // 2 - 4) // 2

        if any(maps(n) != 5 for n in x.shape[2:]):
            got = "x".join(str(max(maps(n), 0)) for n in x.shape[2:])
            raise ValueError(f"LeNet5 expects {side}x{side} images {wanted} with padding={p} (so that the conv "
                             f"stack ends in 16x5x5 maps for the 400 inputs of F5), but got input of shape "
                             f"{list(x.shape)}, which would give 16x{got} maps")

    def forward(self, x):
        self._check_input(x)
        x = self.features(x)      # N x 1 x 32 x 32  ->  N x 16 x 5 x 5
        x = flatten(x, 1)         # N x 400
        return self.classifier(x)  # N x num_classes


def lenet5(num_classes: int = 10, in_channels: int = 1, padding: int = 0, activation: str = "tanh",
           pooling: str = "avg") -> LeNet5:
    """Build a LeNet-5 (61,706 parameters with the defaults; ``padding=2`` for 28x28 MNIST images)."""
    return LeNet5(num_classes=num_classes, in_channels=in_channels, padding=padding,
                  activation=activation, pooling=pooling)
