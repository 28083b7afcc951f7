"""Exercise 10 · 작은 CNN 학습 (train a small CNN on the digits): reference solution.

See ../10_train_cnn.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 10 --solutions
"""
import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F


def build_model() -> nn.Module:
    """(conv -> ReLU -> max pool) x 2 -> fully connected, for 1 x 8 x 8 digits."""
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, padding=1),    # 1x8x8 -> 8x8x8
        nn.ReLU(),
        nn.MaxPool2d(2),                              # -> 8x4x4
        nn.Conv2d(8, 16, kernel_size=3, padding=1),   # -> 16x4x4
        nn.ReLU(),
        nn.MaxPool2d(2),                              # -> 16x2x2
        nn.Flatten(),                                 # -> 64
        nn.Linear(16 * 2 * 2, 10),                    # -> 10 class scores
    )


def train(model, images, labels, epochs: int = 4, batch_size: int = 64, lr: float = 0.02) -> list:
    """Mini-batch training with Adam and cross-entropy; returns the mean loss of each epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    n, history = images.shape[0], []
    for _ in range(epochs):
        order, total = torch.randperm(n), 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(images[idx]), labels[idx])   # forward
            optimizer.zero_grad()                                     # forget the last batch's gradients
            loss.backward()                                           # backward
            optimizer.step()                                          # a step downhill
            total += loss.item() * len(idx)
        history.append(total / n)
    return history


def accuracy(model, images, labels) -> float:
    """The fraction of images whose highest score is the right digit."""
    model.eval()
    with torch.no_grad():
        predicted = model(images).argmax(dim=1)
    return (predicted == labels).float().mean().item()
