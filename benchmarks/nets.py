"""The networks the benchmarks train, built twice from the same source: once with ``tinygrad_edu``,
once with ``torch``. The APIs match, so one function builds both (``lib`` is either module), and
PyTorch's copy gets our initial weights through ``state_dict``, so both start from the same point.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

import tinygrad_edu as tg


def small_cnn(lib):
    """A CIFAR-style CNN for 3x32x32 images: conv32-relu-pool-conv64-relu-pool-fc256-fc10."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),      # 32x16x16
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # 64x8x8
        nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10))


def torch_alexnet(torch, num_classes: int = 1000):
    """torchvision's AlexNet layout (torchvision itself is not needed), with the same state_dict
    keys as ``tinygrad_edu.models.alexnet()``: features.N, classifier.N."""
    nn = torch.nn
    return nn.Sequential(OrderedDict([
        ("features", nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))),
        ("avgpool", nn.AdaptiveAvgPool2d((6, 6))),
        ("flatten", nn.Flatten()),
        ("classifier", nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes))),
    ]))


def copy_weights(ours, theirs, torch) -> None:
    """Load our model's initial weights into PyTorch's copy (same keys, same shapes)."""
    state = {k: torch.from_numpy(np.array(v.detach().numpy(), copy=True)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def build_pair(name: str, torch=None):
    """``(ours, theirs)`` for ``name`` in {'alexnet', 'small_cnn'}; theirs is None without torch."""
    tg.manual_seed(0)
    ours = tg.models.alexnet() if name == "alexnet" else small_cnn(tg)
    if torch is None:
        return ours, None
    torch.manual_seed(0)
    theirs = torch_alexnet(torch) if name == "alexnet" else small_cnn(torch)
    copy_weights(ours, theirs, torch)
    return ours, theirs


def batch(n: int, size: int, classes: int, seed: int = 0):
    """A random float32 image batch and int64 labels, as NumPy arrays shared by both libraries."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 3, size, size), dtype=np.float32),
            rng.integers(0, classes, size=n, dtype=np.int64))


def training_step(lib, model, x, y, lr: float = 0.01, momentum: float = 0.9):
    """One SGD training step (zero_grad, forward, cross-entropy, backward, step) as a closure.
    ``lib`` is tinygrad_edu or torch: the code is the same for both."""
    opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    cross_entropy = lib.nn.functional.cross_entropy
    model.train()

    def step():
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step
