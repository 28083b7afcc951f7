"""Exercise 08 · 과제 2: AlexNet model의 코드 구현하기: reference solution.

See ../08_alexnet_module.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 08 --solutions
"""
import tinygrad_edu as torch
import tinygrad_edu.nn as nn

VARIANT = "single-tower"   # the paper's widths on one device; input 3 x 227 x 227


class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4),        # 3x227x227 -> 96x55x55: (227-11)/4+1 = 55
            nn.ReLU(),                                         # non-linear, slope 1 for x > 0
            nn.MaxPool2d(kernel_size=3, stride=2),             # -> 96x27x27 (overlapping windows)
            nn.Conv2d(96, 256, kernel_size=5, padding=2),      # -> 256x27x27 (padding 2 keeps the size)
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),             # -> 256x13x13
            nn.Conv2d(256, 384, kernel_size=3, padding=1),     # -> 384x13x13
            nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1),     # -> 384x13x13
            nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),     # -> 256x13x13
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),             # -> 256x6x6
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),                                   # fights overfitting in the big layers
            nn.Linear(256 * 6 * 6, 4096),                      # 9216 -> 4096: 37.8 M parameters
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Linear(4096, num_classes),                      # one score per class
        )

    def forward(self, x):
        x = self.features(x)              # N x 3 x 227 x 227 -> N x 256 x 6 x 6
        x = torch.flatten(x, 1)           # -> N x 9216
        return self.classifier(x)         # -> N x num_classes


def show_summary(model) -> None:
    """Print the whole model's structure with tinygrad_edu.summary."""
    torch.summary(model, (1, 3, 227, 227))
