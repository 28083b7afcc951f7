"""Unit 06 · training: the digit CNN's training curves, its learned first-layer filters and the
feature maps of one digit at each layer; and an FC net vs a CNN on shifted, zoomed and rotated digits.

The digit CNN is docs/06's recipe ((conv -> ReLU -> pool) x 2 -> FC on the 8 x 8 digits, Adam,
cosine schedule, seed 0); it is trained once and shared by the first two figures.
"""
from __future__ import annotations

import math
import time

import numpy as np
from common import plt, save

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.utils.data import DataLoader, TensorDataset
from tinygrad_edu.utils.datasets import Digits, load_digits


class DigitCNN(nn.Module):
    """The network of examples/06 and docs/06: 8x8 -> conv/ReLU/pool -> 4x4 -> conv/ReLU/pool -> 2x2 -> FC."""

    def __init__(self, c1: int = 32, c2: int = 64, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(c2 * 2 * 2, num_classes)

    def stages(self, x):
        """Every intermediate result, by name, for drawing the feature maps."""
        out = {"input": x}
        out["conv1 + ReLU"] = x = F.relu(self.conv1(x))
        out["pool1"] = x = self.pool(x)
        out["conv2 + ReLU"] = x = F.relu(self.conv2(x))
        out["pool2"] = x = self.pool(x)
        out["logits"] = self.fc(torch.flatten(x, 1))
        return out

    def forward(self, x):
        return self.stages(x)["logits"]


def accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def fit(model, train_loader, epochs, lr, test=None):
    """Adam with a cosine schedule; per epoch: train loss/accuracy and (with ``test=(x, y)``) test ones."""
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    hist = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    for _ in range(epochs):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for x, y in train_loader:
            logits = model(x)
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * y.shape[0]
            correct += (logits.argmax(1) == y).sum().item()
            seen += y.shape[0]
        sched.step()
        hist["train_loss"].append(total / seen)
        hist["train_acc"].append(correct / seen)
        if test is not None:
            model.eval()
            with torch.no_grad():
                logits = model(test[0])
                hist["test_loss"].append(loss_fn(logits, test[1]).item())
                hist["test_acc"].append((logits.argmax(1) == test[1]).float().mean().item())
    return hist


_TRAINED = {}


def trained_digit_cnn(fast=False):
    """(model, history, test images, test labels), trained once per process (seed 0)."""
    if fast not in _TRAINED:
        torch.manual_seed(0)
        train_set, test_set = Digits(train=True), Digits(train=False)
        channels, epochs, lr = ((8, 16), 1, 0.01) if fast else ((32, 64), 12, 0.005)
        model = DigitCNN(*channels)
        start = time.perf_counter()
        if fast:
            train_set = TensorDataset(train_set.data[:256], train_set.targets[:256])
        hist = fit(model, DataLoader(train_set, batch_size=32, shuffle=True), epochs, lr,
                   test=(test_set.data, test_set.targets))
        hist["seconds"] = time.perf_counter() - start
        _TRAINED[fast] = (model, hist, test_set.data, test_set.targets)
    return _TRAINED[fast]


def training_curves(out, fast=False):
    model, hist, _, _ = trained_digit_cnn(fast)
    epochs = range(1, len(hist["train_loss"]) + 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.3))
    a1.plot(epochs, hist["train_loss"], "o-", lw=2, label="training digits (1,438; mean over the epoch)")
    a1.plot(epochs, hist["test_loss"], "s--", lw=2, label="test digits (359, never trained on)")
    a1.set_ylabel("cross-entropy loss")
    a1.set_title("loss (ln 10 = 2.30 is guessing)")
    a2.plot(epochs, [100 * a for a in hist["train_acc"]], "o-", lw=2, label="training digits")
    a2.plot(epochs, [100 * a for a in hist["test_acc"]], "s--", lw=2,
            label=f"test digits: {100 * hist['test_acc'][-1]:.1f} % at the end")
    a2.set_ylabel("accuracy (%)")
    a2.set_title("accuracy (chance is 10 %)")
    for ax in (a1, a2):
        ax.set_xlabel("epoch")
        ax.set_xticks(list(epochs))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=11)
    n = sum(p.numel() for p in model.parameters())
    fig.suptitle(f"Training the digit CNN ({n:,} parameters; Adam, cosine schedule, seed 0)", y=1.0)
    fig.tight_layout()
    return [save(fig, out, "06_training_curves.png")]


RECEPTIVE = {"conv1 + ReLU": "each value sees 3×3 pixels", "pool1": "each value sees 4×4 pixels",
             "conv2 + ReLU": "each value sees an 8×8 window:\nthe digit's size",
             "pool2": "each value sees the whole digit"}


def first_layer_filters(out, fast=False):
    """conv1's learned 3 x 3 filters, red positive and blue negative, on one shared scale."""
    model, _, _, _ = trained_digit_cnn(fast)
    w = model.conv1.weight.detach()[:, 0].numpy()           # c1 x 3 x 3
    n = w.shape[0]
    cols = min(16, n)
    rows = (n + cols - 1) // cols
    lim = float(np.abs(w).max())
    fig, axes = plt.subplots(rows, cols, figsize=(13, 1.05 * rows + 0.9), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([]), ax.set_yticks([])
        if k < n:
            im = ax.imshow(w[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(str(k), fontsize=9, pad=2)
        else:
            ax.axis("off")
    fig.colorbar(im, ax=list(axes.flat), fraction=0.015, pad=0.01, label="weight")
    fig.suptitle(f"The trained digit CNN's {n} first-layer filters (conv1, 3 × 3 each): "
                 "red = positive weight, blue = negative", y=1.02)
    return [save(fig, out, "06_conv1_filters.png")]


def feature_maps(out, fast=False):
    """One test digit and, for each stage, the 8 maps that respond most to it."""
    model, _, x_test, y_test = trained_digit_cnn(fast)
    index = 0
    model.eval()
    with torch.no_grad():
        st = model.stages(x_test[index:index + 1])
    names = ["conv1 + ReLU", "pool1", "conv2 + ReLU", "pool2"]
    n_maps = 8
    fig = plt.figure(figsize=(14, 9))
    gs = fig.add_gridspec(5, n_maps + 3, width_ratios=[1.5] + [1] * n_maps + [0.12, 2.6], hspace=0.35,
                          wspace=0.15)
    ax = fig.add_subplot(gs[0, 1])
    im = ax.imshow(st["input"][0, 0].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(im, cax=fig.add_subplot(gs[0, n_maps + 1]))
    lab = fig.add_subplot(gs[0, 0])
    lab.axis("off")
    lab.text(1, 0.5, "input", ha="right", va="center", fontsize=11.5, weight="bold")
    note = fig.add_subplot(gs[0, n_maps + 2])
    note.axis("off")
    note.text(0.3, 0.5, f"a test digit ({int(y_test[index])}), 1 × 8 × 8\npixel values 0-1", va="center",
              fontsize=10.5)
    for row, name in enumerate(names, start=1):
        maps = st[name][0].numpy()
        order = np.argsort(-maps.reshape(maps.shape[0], -1).sum(1))[:n_maps]
        vmax = float(maps.max()) or 1.0
        for k, m in enumerate(order):
            ax = fig.add_subplot(gs[row, 1 + k])
            im = ax.imshow(maps[m], cmap="magma", vmin=0, vmax=vmax)
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"map {m}", fontsize=8.5, pad=2)
        fig.colorbar(im, cax=fig.add_subplot(gs[row, n_maps + 1]))
        lab = fig.add_subplot(gs[row, 0])
        lab.axis("off")
        lab.text(1, 0.5, name, ha="right", va="center", fontsize=11.5, weight="bold")
        note = fig.add_subplot(gs[row, n_maps + 2])
        note.axis("off")
        c, h, w = maps.shape
        silent = int((maps.reshape(c, -1).max(1) == 0).sum())
        note.text(0.3, 0.5, f"{c} maps of {h} × {w}: the {n_maps} most active\n{RECEPTIVE[name]}\n"
                             f"{silent} of {c} maps are all 0 here", va="center", fontsize=10.5)
    fig.suptitle("Feature maps of one digit, layer by layer (colour: activation after ReLU, 0 = off; "
                 "each row has its own scale)", y=0.94, fontsize=12.5)
    return [save(fig, out, "06_feature_maps.png")]


# ----------------------------------------------------------------------------- FC vs CNN
CANVAS, DIGIT = 24, 16   # 16 x 16 digits in the middle of a 24 x 24 canvas: room to move


def warp(images, shift=(0.0, 0.0), scale=1.0, angle=0.0):
    """Move, zoom and rotate (degrees, clockwise as drawn) a batch N x H x W about the centre;
    bilinear, zeros outside."""
    n, h, w = images.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rr, cc = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    t = math.radians(angle)
    y, x = rr - cy - shift[0], cc - cx - shift[1]           # undo the shift, then the rotation and zoom
    sy = (math.cos(t) * y - math.sin(t) * x) / scale + cy
    sx = (math.sin(t) * y + math.cos(t) * x) / scale + cx
    y0, x0 = np.floor(sy).astype(int), np.floor(sx).astype(int)
    fy, fx = sy - y0, sx - x0
    out = np.zeros_like(images)
    for dy, dx, wgt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        yy, xx = y0 + dy, x0 + dx
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        out[:, ok] += wgt[ok] * images[:, yy[ok], xx[ok]]
    return out


def canvas_digits(split):
    x, y = load_digits(split, image_size=DIGIT)
    pad = (CANVAS - DIGIT) // 2
    return F.pad(x, (pad, pad, pad, pad)).numpy()[:, 0], y


TESTS = [("original", {}), ("shift\n1 px", dict(shift=(1, 1))), ("shift\n2 px", dict(shift=(2, 2))),
         ("shift\n3 px", dict(shift=(3, 3))), ("zoom\n× 1.2", dict(scale=1.2)), ("zoom\n× 0.8", dict(scale=0.8)),
         ("rotate\n15°", dict(angle=15)), ("rotate\n30°", dict(angle=30))]


def robustness_models():
    """An FC net and the usual CNN (its last pooled maps are flattened into an FC layer)."""
    torch.manual_seed(0)
    fc = nn.Sequential(nn.Flatten(), nn.Linear(CANVAS * CANVAS, 64), nn.ReLU(), nn.Linear(64, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32 * 6 * 6, 10))
    return {"FC net": fc, "CNN": cnn}


def fc_vs_cnn(out, fast=False):
    """All trained on centred digits only, then tested on moved, zoomed and rotated test digits.
    Returns the paths; the accuracies (in %) are kept in ``fc_vs_cnn.accuracy``."""
    x_tr, y_tr = canvas_digits("train")
    x_te, y_te = canvas_digits("test")
    if fast:
        x_tr, y_tr = x_tr[:256], y_tr[:256]
    models = robustness_models()
    epochs = 1 if fast else 6
    data = TensorDataset(torch.tensor(x_tr[:, None]), y_tr)
    for model in models.values():
        torch.manual_seed(1)   # the same batches for every model
        fit(model, DataLoader(data, batch_size=32, shuffle=True), epochs, 0.003)
    acc = {name: [] for name in models}
    samples = []
    for label, kw in TESTS:
        xt = torch.tensor(warp(x_te, **kw)[:, None])
        samples.append(xt[0, 0].numpy())
        for name, model in models.items():
            acc[name].append(100 * accuracy(model, xt, y_te))
    fc_vs_cnn.accuracy = acc
    fig = plt.figure(figsize=(14, 7))
    gs = fig.add_gridspec(2, len(TESTS), height_ratios=[1, 2.6], hspace=0.3)
    for k, (label, _) in enumerate(TESTS):
        ax = fig.add_subplot(gs[0, k])
        ax.imshow(samples[k], cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(label.replace("\n", " "), fontsize=11)
    ax = fig.add_subplot(gs[1, :])
    pos = np.arange(len(TESTS))
    colors = ["#7f7f7f", "#1f77b4"]
    for k, (name, model) in enumerate(models.items()):
        n = sum(p.numel() for p in model.parameters())
        bars = ax.bar(pos + (k - 0.5) * 0.38, acc[name], width=0.38, color=colors[k], label=f"{name}: {n:,} parameters")
        for b, v in zip(bars, acc[name]):
            ax.text(b.get_x() + b.get_width() / 2, v + 1.2, f"{v:.0f}", ha="center", fontsize=10.5)
    ax.axhline(10, color="black", ls=":", lw=1.2)
    ax.text(-0.45, 12, "chance 10 %", ha="left", fontsize=10, bbox=dict(fc="white", ec="none", pad=1))
    ax.set_xticks(pos)
    ax.set_xticklabels([t for t, _ in TESTS], fontsize=11)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 118)
    ax.legend(loc="upper right", fontsize=11, framealpha=0.95)
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"Trained on centred digits only ({epochs} epochs, the same batches), tested on the 359 test "
                 f"digits moved", y=0.97)
    return [save(fig, out, "06_fc_vs_cnn.png")]


FIGURES = [training_curves, first_layer_filters, feature_maps, fc_vs_cnn]
