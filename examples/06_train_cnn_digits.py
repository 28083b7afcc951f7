# %% [markdown]
# # Training a CNN on real handwritten digits
#
# 손글씨 숫자로 CNN을 학습시켜 봅시다. (Let's train a CNN on handwritten digits.)
#
# Units 02-03 built the pieces: convolution, ReLU, max pooling, a fully connected layer. Here
# they learn. We train the lecture's recipe, **(conv -> ReLU -> pool) x 2 -> fully connected**,
# on 1,797 real handwritten digits (scikit-learn's 8x8 scans, shipped with scikit-learn, so no
# download) and test it on digits it never saw during training.
#
# The loop is the one every PyTorch program has, line for line:
#
#     for x, y in loader:                 # a shuffled mini-batch
#         loss = loss_fn(model(x), y)     # forward
#         optimizer.zero_grad()           # forget the last batch's gradients
#         loss.backward()                 # backward: d loss / d every parameter
#         optimizer.step()                # move each parameter a little downhill
#
# Run it: `python examples/06_train_cnn_digits.py` (or open `notebooks/06_train_cnn_digits.ipynb`);
# `TINYGRAD_EDU_FAST=1` trains a smaller network for fewer epochs. It writes
# `06_training_curves.png` to the current directory or `$TINYGRAD_EDU_OUT`.
# Tutorial: `docs/06_training.md` (a complete PyTorch-shaped training script).

# %%
import io
import sys
import time

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, fast_mode, in_notebook, pyplot, show  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu.utils.data import DataLoader  # noqa: E402
from tinygrad_edu.utils.datasets import Digits  # noqa: E402

try:  # a progress bar in a terminal if tqdm is installed (a notebook prints one line per epoch)
    from tqdm import tqdm
except ImportError:  # pragma: no cover - depends on the machine
    tqdm = None

# Held-out accuracy measured with seed 0 (seeds 0-4 in brackets):
#   full: 32 and 64 filters, 12 epochs  ->  98.6 %  [98.1 - 99.2 %]
#   fast: 16 and 32 filters,  5 epochs  ->  97.8 %  [96.1 - 98.1 %]
SETTINGS = {
    "full": dict(channels=(32, 64), epochs=12, lr=0.005, batch_size=32),
    "fast": dict(channels=(16, 32), epochs=5, lr=0.01, batch_size=32),
}
FAST = fast_mode()
cfg = SETTINGS["fast" if FAST else "full"]
SEED = 0
PROGRESS = tqdm is not None and not in_notebook()
torch.manual_seed(SEED)        # the weights and every epoch's shuffling follow from this seed
print(f"{'fast' if FAST else 'full'} mode: {cfg}, seed {SEED}")

# %% [markdown]
# ## 1. The data: 8x8 grayscale digits
#
# `Digits(train=True)` holds 1,438 images, `Digits(train=False)` the other 359 (every fifth
# image of scikit-learn's file: a fixed split, so every run tests on the same digits). Each
# sample is `(image, label)`: a float32 tensor `1 x 8 x 8` (one channel, C x H x W as unit 01
# explained) with values in [0, 1], and an int 0-9.

# %%
banner("1. The data: scikit-learn's real 8x8 handwritten digits")
train_set, test_set = Digits(train=True), Digits(train=False)
image, label = train_set[0]
print(f"train: {len(train_set)} images, test: {len(test_set)} images (never used for training)")
print(f"one sample: image {tuple(image.shape)} {image.dtype}, values in "
      f"[{image.min().item():.1f}, {image.max().item():.1f}], label {label}")
counts = [0] * 10
for t in train_set.targets.tolist():
    counts[t] += 1
print(f"training images per digit 0-9: {counts}  (balanced classes: chance is 10 %)")

# %% [markdown]
# The `DataLoader` turns the dataset into shuffled mini-batches `N x 1 x 8 x 8`, a new order every
# epoch.

# %%
train_loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True)
test_loader = DataLoader(test_set, batch_size=256, shuffle=False)
x, y = next(iter(train_loader))
print(f"one mini-batch: x {tuple(x.shape)}, y {tuple(y.shape)} {y.dtype}; "
      f"{len(train_loader)} batches per epoch")

# %% [markdown]
# ## 2. The model: (conv -> ReLU -> pool) x 2 -> fully connected
#
# With `padding=1` a 3x3 conv keeps the size (`OW = (8 + 2 - 3)/1 + 1 = 8`), and each 2x2 max
# pool halves it: 8 -> 4 -> 2. So the last feature maps are `c2 x 2 x 2`, flattened into one
# vector of `4 c2` numbers for the classifier, which gives one score (a *logit*) per digit.

# %%
class DigitCNN(nn.Module):
    def __init__(self, c1: int = 32, c2: int = 64, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, kernel_size=3, padding=1)    # N x 1 x 8 x 8  -> N x c1 x 8 x 8
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=3, padding=1)   # N x c1 x 4 x 4 -> N x c2 x 4 x 4
        self.pool = nn.MaxPool2d(2)                                # halves H and W, no parameters
        self.fc = nn.Linear(c2 * 2 * 2, num_classes)               # N x 4c2 -> N x 10 scores

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))   # -> N x c1 x 4 x 4
        x = self.pool(F.relu(self.conv2(x)))   # -> N x c2 x 2 x 2
        x = torch.flatten(x, 1)                # -> N x 4c2
        return self.fc(x)                      # -> N x 10 (logits; cross_entropy applies softmax)


banner("2. The model")
model = DigitCNN(*cfg["channels"])
print(model)
counted = torch.count_parameters(model, verbose=False)
for row in counted.rows:
    print(f"  {row.name:<6} {row.class_name:<7} {row.formula}")
num_parameters = counted.total
print(f"  total: {num_parameters:,} parameters (AlexNet has 61,100,840)")

# %% [markdown]
# ## 3. Training and evaluation
#
# `model.eval()` switches layers such as dropout and batch norm to their test behaviour (this
# small model has none, but the habit matters). Evaluation runs under `torch.no_grad()`: no graph
# is recorded, so it is faster and uses less memory. Before training, the random weights guess.

# %%
def evaluate(model, loader, loss_fn):
    model.eval()
    device = next(model.parameters()).device   # CPU, or the GPU with TINYGRAD_EDU_DEVICE=cuda
    total_loss, correct, seen, predictions = 0.0, 0, 0, []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * y.shape[0]
            pred = logits.argmax(1)
            correct += (pred == y).sum().item()
            seen += y.shape[0]
            predictions += pred.tolist()
    return total_loss / seen, correct / seen, predictions


loss_fn = nn.CrossEntropyLoss()
_, acc0, _ = evaluate(model, test_loader, loss_fn)
print(f"before training: test accuracy {acc0:.1%} (random weights: near chance, 10 %)")

# %% [markdown]
# One epoch is the four-line loop over every mini-batch. `cross_entropy(logits, y)` is
# `-log softmax(logits)[y]`, averaged over the batch: small when the model gives the right digit a
# high probability; at the start about `ln 10 = 2.30`.

# %%
def train_one_epoch(model, loader, loss_fn, optimizer, desc: str = ""):
    model.train()
    device = next(model.parameters()).device
    total_loss, correct, seen = 0.0, 0, 0
    batches = tqdm(loader, desc=desc, leave=False, ncols=90, mininterval=0.5, file=sys.stdout) if PROGRESS else loader
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * y.shape[0]
        correct += (logits.argmax(1) == y).sum().item()
        seen += y.shape[0]
        if PROGRESS:
            batches.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}")
    return total_loss / seen, correct / seen


print(f"the first batch's loss with random weights: {loss_fn(model(x), y).item():.3f} (ln 10 = 2.303)")

# %% [markdown]
# Adam adapts each parameter's step size, and the cosine schedule lowers the learning rate
# smoothly to 0 over the epochs. After each epoch we measure the held-out digits.

# %%
banner(f"3. Training for {cfg['epochs']} epochs (Adam, lr {cfg['lr']}, cosine schedule)")
epochs = cfg["epochs"]
optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": [], "lr": []}
start = time.perf_counter()
for epoch in range(epochs):
    lr_now = optimizer.param_groups[0]["lr"]
    train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer, f"epoch {epoch + 1:2d}/{epochs}")
    scheduler.step()
    test_loss, test_acc, predictions = evaluate(model, test_loader, loss_fn)
    for key, value in zip(history, (train_loss, train_acc, test_loss, test_acc, lr_now)):
        history[key].append(value)
    print(f"epoch {epoch + 1:2d}/{epochs}  lr {lr_now:.5f}  train loss {train_loss:.4f} acc {train_acc:6.1%}"
          f"  |  test loss {test_loss:.4f} acc {test_acc:6.1%}")
train_seconds = time.perf_counter() - start
test_accuracy = history["test_acc"][-1]
print(f"held-out accuracy {test_accuracy:.1%} on {len(test_set)} test digits after {epochs} epochs")

# %% [markdown]
# ## 4. Curves
#
# Training loss falls as the optimizer fits the training images. The test curves are the honest
# ones: they measure digits the model never trained on. A growing gap between train and test
# accuracy would mean overfitting (memorising instead of learning shapes). In the first epochs
# the train numbers trail the test numbers: they are averaged over the epoch, while the model
# was still learning, whereas the test numbers are measured at its end.

# %%
banner("4. Loss and accuracy curves")
plt = pyplot()
ep = list(range(1, epochs + 1))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(ep, history["train_loss"], "o-", label="train")
ax1.plot(ep, history["test_loss"], "s-", label="test (held out)")
ax1.set_yscale("log")
ax1.set_xlabel("epoch")
ax1.set_ylabel("cross-entropy loss (log scale)")
ax1.set_title("loss")
ax1.legend()
ax1.grid(True, alpha=0.3)
ax2.plot(ep, [100 * a for a in history["train_acc"]], "o-", label="train")
ax2.plot(ep, [100 * a for a in history["test_acc"]], "s-", label="test (held out)")
ax2.axhline(95, color="gray", linestyle=":", label="95 %")
ax2.set_xlabel("epoch")
ax2.set_ylabel("accuracy (%)")
ax2.set_title("accuracy")
ax2.legend(loc="lower right")
ax2.grid(True, alpha=0.3)
fig.suptitle("a small CNN on scikit-learn's 8x8 handwritten digits")
pictures = [str(show(fig, "06_training_curves.png"))]

# %% [markdown]
# ## 5. Which digits does it confuse?
#
# A confusion matrix counts, for each true digit (row), what the model answered (column). The
# diagonal is right; anything off it is a mistake worth looking at.

# %%
banner("5. Confusion matrix on the test digits (rows: true digit, columns: prediction)")
confusion = [[0] * 10 for _ in range(10)]
for truth, pred in zip(test_set.targets.tolist(), predictions):
    confusion[truth][pred] += 1
print("      " + "".join(f"{j:>4}" for j in range(10)))
for i, row in enumerate(confusion):
    print(f"  {i}:  " + "".join(f"{v:>4}" if v else "   ." for v in row))
mistakes = sorted(((confusion[i][j], i, j) for i in range(10) for j in range(10) if i != j and confusion[i][j]),
                  reverse=True)
if mistakes:
    print("most frequent mistakes: " + ", ".join(f"{i} read as {j} ({n}x)" for n, i, j in mistakes[:3]))

# %% [markdown]
# ## 6. Save and load the trained weights
#
# `model.state_dict()` is an ordered dict of every parameter by name; `torch.save` writes it
# (here into memory, a file path works the same), and `load_state_dict` puts it into a fresh
# model. The checkpoint is a plain `.npz` archive: loading one never runs code.

# %%
banner("6. state_dict: save, load into a fresh model, check")
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
print(f"state_dict: {len(model.state_dict())} tensors ({', '.join(model.state_dict())}), "
      f"{buffer.tell():,} bytes")
buffer.seek(0)
fresh = DigitCNN(*cfg["channels"])
fresh.load_state_dict(torch.load(buffer))
_, reloaded_accuracy, _ = evaluate(fresh, test_loader, loss_fn)
print(f"the reloaded model's test accuracy: {reloaded_accuracy:.1%}")

# %% [markdown]
# ## Summary

# %%
results = {
    "fast": FAST,
    "test_accuracy": test_accuracy,
    "reloaded_accuracy": reloaded_accuracy,
    "train_loss": history["train_loss"],
    "train_accuracy": history["train_acc"],
    "test_loss": history["test_loss"],
    "test_accuracies": history["test_acc"],
    "lrs": history["lr"],
    "epochs": epochs,
    "num_parameters": num_parameters,
    "confusion": confusion,
    "train_seconds": train_seconds,
    "pictures": pictures,
}
print(f"a {num_parameters:,}-parameter CNN, {epochs} epochs: {test_accuracy:.1%} of the held-out digits right")
