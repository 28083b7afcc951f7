"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012): the lecture's assignment 2, built from ``nn`` layers.

AlexNet won ImageNet 2012 by a wide margin and started the deep-learning era in vision. It is the
lecture's recipe at full size: five conv layers (conv -> ReLU, sometimes -> pooling), then three fully
connected layers that turn the last feature maps into 1000 class scores.

Three variants, chosen with ``alexnet(variant=...)``:

``"torchvision"`` (the default)
    The layout of ``torchvision.models.alexnet`` (from the "one weird trick" paper, 2014): 64-192-384-
    256-256 filters, no LRN, an adaptive average pool so any input of 63x63 or more works, 224x224
    inputs by convention. Its ``state_dict`` keys match torchvision's, so its weights load unchanged.
    61,100,840 parameters.
``"original"``
    The 2012 paper: 96-256-384-384-256 filters, local response normalisation after conv1 and conv2,
    and ``groups=2`` on conv2, conv4 and conv5, because the paper split the network over two GPUs
    (3 GB each) and those layers only saw the feature maps on their own GPU. Needs 227x227 inputs.
    60,965,224 parameters.
``"single-tower"``
    The paper's widths on one device: every conv sees all the channels below it (no groups), which
    adds 1,413,120 weights in conv2/4/5. Needs 227x227 inputs. 62,378,344 parameters.

Assignment 1, counting the parameters of the torchvision variant with the lecture's formula
``((kh x kw x in_ch) + 1) x out_ch`` (a Linear layer is a 1x1 "conv" over a vector: ``(in + 1) x out``)::

    features.0   Conv2d   (11x11x3 + 1) x 64     =     23,296
    features.3   Conv2d   (5x5x64 + 1) x 192     =    307,392
    features.6   Conv2d   (3x3x192 + 1) x 384    =    663,936
    features.8   Conv2d   (3x3x384 + 1) x 256    =    884,992
    features.10  Conv2d   (3x3x256 + 1) x 256    =    590,080
    classifier.1 Linear   (9216 + 1) x 4096      = 37,752,832
    classifier.4 Linear   (4096 + 1) x 4096      = 16,781,312
    classifier.6 Linear   (4096 + 1) x 1000      =  4,097,000
                                          total    61,100,840

ReLU, pooling, LRN and dropout have no parameters. ``tinygrad_edu.count_parameters(model)`` prints this
table for any model, and ``tinygrad_edu.summary(model, (1, 3, 224, 224))`` adds every output shape.
Note where the parameters live: the conv layers hold 2.5 M, the first Linear alone 37.8 M (62 %).
"""
from __future__ import annotations

from .. import nn
from ..autograd import no_grad
from ..ops.output_size import conv_output_size
from ..ops.shape import flatten
from ..tensor import Tensor

VARIANTS = ("torchvision", "original", "single-tower")

# Output sizes below use the lecture's formula  OW = (W + 2P - FW) / S + 1  (rounded down).


def default_input_size(variant: str = "torchvision") -> int:
    """The image side each variant expects: 224 for torchvision's, 227 for the paper's.

    The paper says 224x224, but 11x11 filters with stride 4 only tile 227 pixels exactly:
    (227 - 11) / 4 + 1 = 55, the 55x55 maps the paper draws. torchvision pads conv1 by 2 instead.
    """
    _check_variant(variant)
    return 224 if variant == "torchvision" else 227


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"unknown AlexNet variant {variant!r}; valid variants are: "
                         + ", ".join(repr(v) for v in VARIANTS))


class AlexNet(nn.Module):
    """AlexNet: ``features`` (conv stack) -> [``avgpool``] -> flatten -> ``classifier`` (3 Linear layers).

    Args:
        num_classes: size of the last Linear layer (1000 for ImageNet).
        dropout: probability of zeroing a unit in the two dropout layers (0.5 in the paper).
        variant: ``"torchvision"``, ``"original"`` or ``"single-tower"`` (see the module docstring).

    Input ``N x 3 x 224 x 224`` (torchvision) or ``N x 3 x 227 x 227`` (paper variants);
    output ``N x num_classes`` raw scores (logits; apply softmax / cross_entropy yourself).
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, variant: str = "torchvision"):
        super().__init__()
        _check_variant(variant)
        if variant == "torchvision":
            features, avgpool, classifier = _torchvision_layers(num_classes, dropout)
        else:
            features, avgpool, classifier = _paper_layers(num_classes, dropout,
                                                          groups=2 if variant == "original" else 1)
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier
        self.variant = variant
        self.input_size = default_input_size(variant)

    def _check_input(self, x) -> None:
        """Refuse, before any work, an input the conv stack cannot handle (with the sizes it needs)."""
        side = self.input_size
        wanted = f"(N, 3, {side}, {side})"
        if not isinstance(x, Tensor):
            raise TypeError(f"AlexNet expects a Tensor of shape {wanted}, but got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"AlexNet expects a batch of RGB images of shape {wanted}, but got input of shape "
                             f"{list(x.shape)}")
        convs = [m for m in self.features if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]

        def maps(n):  # the side of the conv stack's last maps, or 0 where a window no longer fits
            for m in convs:
                k, st, p = (m.kernel_size[0], m.stride[0], m.padding[0]) if isinstance(m, nn.Conv2d) \
                    else (m.kernel_size, m.stride, m.padding)
                if n + 2 * p < k:
                    return 0
                n = conv_output_size(n, k, st, p)
            return n

        sides = [maps(n) for n in x.shape[2:]]
        ok = all(s >= 1 for s in sides) if self.avgpool is not None else all(s == 6 for s in sides)
        if not ok:
            need = "at least 63x63" if self.avgpool is not None else f"{side}x{side}"
            raise ValueError(f"AlexNet({self.variant!r}) expects images of {need} pixels {wanted}, so that the "
                             f"conv stack ends in 256x6x6 maps, but got input of shape {list(x.shape)}")

    def forward(self, x):
        self._check_input(x)
        x = self.features(x)              # N x 3 x H x W  ->  N x 256 x 6 x 6
        if self.avgpool is not None:
            x = self.avgpool(x)           # any N x 256 x h x w  ->  N x 256 x 6 x 6
        elif tuple(x.shape[1:]) != (256, 6, 6):
            raise ValueError(f"AlexNet({self.variant!r}) expects {self.input_size}x{self.input_size} "
                             f"images so that the conv stack ends in 256x6x6 maps, but it produced "
                             f"{'x'.join(str(s) for s in x.shape[1:])} from an input of that shape")
        x = flatten(x, 1)                 # N x 9216: each image's maps laid out as one vector
        return self.classifier(x)         # N x num_classes

    def init_paper_weights(self) -> "AlexNet":
        """Initialise as the paper did: weights ~ N(0, 0.01); biases 1 in conv2, conv4, conv5 and the
        hidden Linear layers (so their ReLUs start with positive inputs and learn from the first step),
        0 elsewhere. (The layers' default init, as in PyTorch, trains more easily; this is for history.)
        """
        convs = [m for m in self.features.modules() if isinstance(m, nn.Conv2d)]
        linears = [m for m in self.classifier.modules() if isinstance(m, nn.Linear)]
        ones = {id(convs[1]), id(convs[3]), id(convs[4]), id(linears[0]), id(linears[1])}
        with no_grad():
            for m in convs + linears:
                m.weight.normal_(0.0, 0.01)
                m.bias.fill_(1.0 if id(m) in ones else 0.0)
        return self


def _torchvision_layers(num_classes: int, dropout: float):
    """torchvision's AlexNet, index for index, so ``features.0.weight`` etc. match its checkpoints."""
    features = nn.Sequential(
        # conv1: 64 filters of 11x11x3 with stride 4 see big patches and shrink the image fast.
        #        3x224x224 -> (224 + 4 - 11)/4 + 1 = 55 -> 64x55x55
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
        nn.ReLU(),                                          # max(0, x): no vanishing gradient for x > 0
        # Overlapping max pooling (window 3, stride 2): keeps the strongest response in each 3x3
        # window, halves the size; windows overlap by one pixel, which the paper found overfits less.
        nn.MaxPool2d(kernel_size=3, stride=2),              # 64x55x55 -> 64x27x27
        # conv2: 5x5 filters, padding 2 keeps the size.
        nn.Conv2d(64, 192, kernel_size=5, padding=2),       # -> 192x27x27
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),              # -> 192x13x13
        # conv3-conv5: three 3x3 convs (padding 1 keeps 13x13) build higher-level features.
        nn.Conv2d(192, 384, kernel_size=3, padding=1),      # -> 384x13x13
        nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),      # -> 256x13x13
        nn.ReLU(),
        nn.Conv2d(256, 256, kernel_size=3, padding=1),      # -> 256x13x13
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),              # -> 256x6x6
    )
    # Averages each map down to exactly 6x6, so inputs larger than 224 still give 256*6*6 = 9216
    # numbers for the first Linear layer (at 224x224 the maps are already 6x6 and nothing changes).
    avgpool = nn.AdaptiveAvgPool2d((6, 6))
    classifier = nn.Sequential(
        # Dropout zeroes each input with probability p while training (and scales the rest by
        # 1/(1-p)), so no unit can rely on a particular other one: it fights overfitting in these
        # huge layers. In eval() mode it does nothing.
        nn.Dropout(p=dropout),
        nn.Linear(256 * 6 * 6, 4096),                       # 9216 -> 4096 (37.8 M parameters!)
        nn.ReLU(),
        nn.Dropout(p=dropout),
        nn.Linear(4096, 4096),                              # 4096 -> 4096
        nn.ReLU(),
        nn.Linear(4096, num_classes),                       # 4096 -> class scores
    )
    return features, avgpool, classifier


def _paper_layers(num_classes: int, dropout: float, groups: int):
    """The 2012 paper's AlexNet; ``groups=2`` is the two-GPU original, ``groups=1`` one tower."""
    # Local response normalisation (the paper's section 3.3): each activation is divided by
    # (k + alpha/size * sum of squares of the same position in `size` neighbouring channels)^beta,
    # so strongly active channels damp their neighbours ("lateral inhibition"). It cut the top-1
    # error by 1.4 points in 2012; later networks dropped it for batch normalisation.
    # (alpha is divided by size here, as in PyTorch and the paper's Caffe reference model.)
    def lrn():
        return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)

    features = nn.Sequential(
        # conv1: 96 filters of 11x11x3, stride 4, no padding: 3x227x227 -> (227 - 11)/4 + 1 = 55
        nn.Conv2d(3, 96, kernel_size=11, stride=4),         # -> 96x55x55
        nn.ReLU(),
        lrn(),                                              # normalise across channels, shape kept
        # Overlapping pooling: 3x3 windows every 2 pixels (the paper: -0.4 % top-1 error vs 2x2/2).
        nn.MaxPool2d(kernel_size=3, stride=2),              # -> 96x27x27
        # conv2: with groups=2 each half of the 256 filters sees only its GPU's 48 input maps,
        # so each filter is 5x5x48, not 5x5x96: half the weights.
        nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=groups),   # -> 256x27x27
        nn.ReLU(),
        lrn(),
        nn.MaxPool2d(kernel_size=3, stride=2),              # -> 256x13x13
        # conv3 is the one conv layer where the two GPUs talk: it sees all 256 maps.
        nn.Conv2d(256, 384, kernel_size=3, padding=1),      # -> 384x13x13
        nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=groups),  # -> 384x13x13
        nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=groups),  # -> 256x13x13
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),              # -> 256x6x6
    )
    classifier = nn.Sequential(
        # The paper applies dropout (p = 0.5) to the outputs of the first two fully connected
        # layers (torchvision drops their inputs instead; the parameters are the same).
        nn.Linear(256 * 6 * 6, 4096),                       # 9216 -> 4096
        nn.ReLU(),
        nn.Dropout(p=dropout),
        nn.Linear(4096, 4096),                              # 4096 -> 4096
        nn.ReLU(),
        nn.Dropout(p=dropout),
        nn.Linear(4096, num_classes),                       # 4096 -> 1000-way softmax scores
    )
    return features, None, classifier


def alexnet(variant: str = "torchvision", num_classes: int = 1000, dropout: float = 0.5) -> AlexNet:
    """Build an AlexNet (randomly initialised; load weights with ``load_state_dict``).

    >>> model = alexnet()                        # torchvision's layout, 224x224 inputs
    >>> paper = alexnet("original")              # the 2012 two-GPU network, 227x227 inputs
    """
    return AlexNet(num_classes=num_classes, dropout=dropout, variant=variant)
