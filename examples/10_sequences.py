# %% [markdown]
# # Sequences: vanishing gradients through time, the LSTM's fix, and attention
#
# The lecture's unit on vanishing gradients said: back-propagation multiplies the gradient by
# each layer's derivative, sigmoid' <= 0.25, so the first layers of a deep sigmoid network
# hardly learn; ReLU, good initialisation and skip connections fix it. A recurrent network
# replays that story *through time*: it applies the same layer at every step, so the gradient
# that reaches step 1 from the loss at step T has been multiplied T times.
#
# The task, "remember the first symbol": a sequence of T steps starts with one of 4 symbols
# (one-hot), and the next T-1 steps are blank (all zeros). After the last step the network must
# say which symbol came first. Guessing gives 25 %.
#
# Run it: `python examples/10_sequences.py` (under a minute; `TINYGRAD_EDU_FAST=1` for a quicker
# run). Pictures go to the current folder or `$TINYGRAD_EDU_OUT`. Tutorial: `docs/09_sequences.md`.

# %%
import math
import os
import time
from pathlib import Path

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

FAST = os.environ.get("TINYGRAD_EDU_FAST", "0") not in ("", "0", "false", "False")
OUT = Path(os.environ.get("TINYGRAD_EDU_OUT") or ".").resolve()
OUT.mkdir(parents=True, exist_ok=True)
SYMBOLS, HIDDEN = 4, 24
LENGTHS = [5, 20] if FAST else [5, 10, 20, 30]    # the sequence lengths T we train on
START = time.time()
print(f"{'quick run' if FAST else 'full run'}: sequence lengths {LENGTHS}; pictures go to {OUT}")


# %% [markdown]
# ## 1. The data
#
# `make_batch(T, n)` returns inputs of shape (T, n, 4), time first as `nn.RNN` expects, and the
# n answers.

# %%
def make_batch(T: int, n: int, generator):
    first = torch.randint(0, SYMBOLS, (n,), generator=generator)
    x = torch.zeros(T, n, SYMBOLS)
    x[0] = F.one_hot(first, SYMBOLS).float()
    return x, first


example, answer = make_batch(6, 1, torch.Generator().manual_seed(0))
print("one sequence of T = 6 steps (rows = time, columns = the 4 symbols):")
print(example[:, 0].long())
print("answer (the first symbol):", answer.item())


# %% [markdown]
# ## 2. Two models: a tanh RNN and an LSTM, each with a linear read-out of its last state
#
# Both have 24 hidden units. The LSTM's forget gate gets a bias of +3 (so f = sigmoid(3) = 0.95
# at the start): its cell c_t = f * c_{t-1} + i * g then passes most of itself, and its gradient,
# from step to step. This common initialisation (Gers et al. 2000, Jozefowicz et al. 2015) only
# starts the gate open; training decides how far it stays open.

# %%
class Recall(nn.Module):
    def __init__(self, kind: str):
        super().__init__()
        self.rnn = nn.RNN(SYMBOLS, HIDDEN) if kind == "RNN" else nn.LSTM(SYMBOLS, HIDDEN)
        self.head = nn.Linear(HIDDEN, SYMBOLS)
        if kind == "LSTM":
            with torch.no_grad():              # gates are stacked i, f, g, o: rows H..2H are f
                self.rnn.bias_ih_l0[HIDDEN:2 * HIDDEN] = 3.0
                self.rnn.bias_hh_l0[HIDDEN:2 * HIDDEN] = 0.0

    def forward(self, x):
        output, _ = self.rnn(x)                # output[t] is the hidden state after step t
        return self.head(output[-1])


for kind in ("RNN", "LSTM"):
    model = Recall(kind)
    print(f"{kind:<5}", model.rnn, f"- {sum(p.numel() for p in model.parameters())} parameters:",
          ", ".join(f"{n} {tuple(p.shape)}" for n, p in model.rnn.named_parameters()))


# %% [markdown]
# ## 3. How much gradient reaches each time step?
#
# One batch, one backward pass, untrained models. A hook on the input tensor catches
# d loss / d x (shape (T, n, 5)) on its way back; its norm at step t says how strongly the loss
# can feel the input at step t. Step 1 holds the answer, so that is the gradient that matters.

# %%
def gradient_per_step(model, T: int, seed: int = 0) -> list:
    x, y = make_batch(T, 64, torch.Generator().manual_seed(seed))
    x.requires_grad_()
    caught = {}
    handle = x.register_hook(lambda g: caught.update(grad=g))
    F.cross_entropy(model(x), y).backward()
    handle.remove()
    return [caught["grad"][t].norm().item() for t in range(T)]


T_GRAD = 30
torch.manual_seed(0)
grad_norms = {kind: gradient_per_step(Recall(kind), T_GRAD) for kind in ("RNN", "LSTM")}
print(f"||d loss / d x_t|| for T = {T_GRAD} (t = 1 is the symbol to remember):")
print(f"{'t':>4}{'RNN':>12}{'LSTM':>12}")
for t in list(range(0, T_GRAD, 5)) + [T_GRAD - 1]:
    print(f"{t + 1:>4}{grad_norms['RNN'][t]:>12.2e}{grad_norms['LSTM'][t]:>12.2e}")
rnn_factor = (grad_norms["RNN"][0] / grad_norms["RNN"][-1]) ** (1 / (T_GRAD - 1))
lstm_factor = (grad_norms["LSTM"][0] / grad_norms["LSTM"][-1]) ** (1 / (T_GRAD - 1))
print(f"RNN:  step 1 gets {grad_norms['RNN'][0] / grad_norms['RNN'][-1]:.1e} of step {T_GRAD}'s gradient, "
      f"a factor {rnn_factor:.2f} per step: geometric decay, like sigmoid's 0.25 per layer")
print(f"LSTM: step 1 gets {grad_norms['LSTM'][0] / grad_norms['LSTM'][-1]:.1e} of step {T_GRAD}'s gradient "
      f"({lstm_factor:.3f} per step)")
print(f"at step 1 the LSTM's gradient is {grad_norms['LSTM'][0] / grad_norms['RNN'][0]:.1e} times the RNN's")


# %% [markdown]
# Why the RNN's factor is about 0.6: going back one step multiplies the gradient by
# W_hh^T diag(tanh'(z)). PyTorch's default init draws W_hh's entries from U(-1/sqrt(H), 1/sqrt(H)),
# of variance 1/(3H), so W_hh shrinks a random vector to about sqrt(1/3) = 0.58 of its length,
# and tanh' <= 1 can only shrink it more. The LSTM's path back through its cell multiplies by
# the forget gate f (0.95 here) and nothing else.

# %%
with torch.no_grad():
    W = Recall("RNN").rnn.weight_hh_l0
    v = torch.randn(HIDDEN, 1000)
    shrink = ((W.T @ v).norm(dim=0) / v.norm(dim=0)).mean().item()
print(f"||W_hh^T v|| / ||v|| for random v: {shrink:.2f} (sqrt(1/3) = {math.sqrt(1 / 3):.2f}); "
      f"measured factor per step above: {rnn_factor:.2f}")


# %% [markdown]
# ## 4. Training both on longer and longer sequences
#
# Adam (lr 0.02), batches of 64 fresh sequences, a fixed number of steps (stopping early once
# five batches in a row are all right), then accuracy on 512 new sequences.

# %%
def train(kind: str, T: int, steps: int, seed: int = 0):
    torch.manual_seed(seed)
    model = Recall(kind)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    data = torch.Generator().manual_seed(seed + 1)
    perfect = 0
    for step in range(steps):
        x, y = make_batch(T, 64, data)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        perfect = perfect + 1 if (logits.argmax(1) == y).all().item() else 0
        if perfect == 5:
            break
    with torch.no_grad():
        x, y = make_batch(T, 512, torch.Generator().manual_seed(seed + 2))
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    return model, accuracy, step + 1


STEPS = {"RNN": 80 if FAST else 150, "LSTM": 80 if FAST else 120}
accuracy = {"RNN": [], "LSTM": []}
trained = {}
for T in LENGTHS:
    for kind in ("RNN", "LSTM"):
        model, acc, used = train(kind, T, STEPS[kind])
        accuracy[kind].append(acc)
        trained[kind, T] = model
        print(f"T = {T:>2}  {kind:<5} accuracy {acc:6.1%} after {used:>3} steps")
solved = [T for T, a, b in zip(LENGTHS, accuracy["LSTM"], accuracy["RNN"]) if a >= 0.9 > b]
print(f"lengths the LSTM solves (>= 90 % right) and the RNN does not: {solved}")


# %% [markdown]
# After training the picture stays: at the longest T the RNN never learned to carry the first
# symbol, and its gradient at step 1 is still tiny; the trained LSTM's is not.

# %%
T_LONG = LENGTHS[-1]
trained_norms = {kind: gradient_per_step(trained[kind, T_LONG], T_LONG, seed=5) for kind in ("RNN", "LSTM")}
for kind in ("RNN", "LSTM"):
    g = trained_norms[kind]
    print(f"trained {kind:<5} (T = {T_LONG}): ||grad|| at step 1 = {g[0]:.1e}, at step {T_LONG} = {g[-1]:.1e}")


# %% [markdown]
# ## 5. Attention: no path through time at all
#
# A one-layer Transformer encoder reads all T steps at once. The last position's query is
# compared with every position's key, so the first symbol is one attention step away whatever
# T is. (The first step is the only one that is not blank, so this model needs no position
# encoding: it finds the step by its content.)

# %%
class AttentionRecall(nn.Module):
    def __init__(self, d_model: int = 16):
        super().__init__()
        self.embed = nn.Linear(SYMBOLS, d_model)
        self.encoder = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0)
        self.head = nn.Linear(d_model, SYMBOLS)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x))[-1])

    def attention_map(self, x):
        """The layer's attention weights (averaged over heads): (n, T queries, T keys)."""
        h = self.embed(x)
        return self.encoder.self_attn(h, h, h, need_weights=True)[1]


torch.manual_seed(0)
transformer = AttentionRecall()
optimizer = torch.optim.Adam(transformer.parameters(), lr=0.01)
data = torch.Generator().manual_seed(1)
for step in range(60 if FAST else 100):
    x, y = make_batch(T_LONG, 64, data)
    loss = F.cross_entropy(transformer(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    x, y = make_batch(T_LONG, 512, torch.Generator().manual_seed(2))
    transformer_accuracy = (transformer(x).argmax(1) == y).float().mean().item()
    attention = transformer.attention_map(x[:, :8])
print(f"Transformer encoder, T = {T_LONG}: accuracy {transformer_accuracy:.1%} after {step + 1} steps")
last_row = attention[:, -1].mean(0)
print(f"the last position puts {last_row[0].item():.0%} of its attention on step 1 "
      f"(uniform would be {1 / T_LONG:.0%})")


# %% [markdown]
# ## 6. Pictures

# %%
def pyplot():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


pictures = []
try:
    plt = pyplot()
except ImportError as err:               # matplotlib is optional: the tables above are the lesson
    plt = None
    print(f"(no pictures: {err}; pip install matplotlib)")

if plt is not None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    steps = list(range(1, T_GRAD + 1))
    ax1.semilogy(steps, grad_norms["RNN"], "o-", ms=3, label="tanh RNN")
    ax1.semilogy(steps, grad_norms["LSTM"], "s-", ms=3, label="LSTM (forget bias +3)")
    ax1.semilogy(steps, [grad_norms["RNN"][-1] * rnn_factor ** (T_GRAD - t) for t in steps], "k:",
                 label=f"{rnn_factor:.2f} per step")
    ax1.set_xlabel("time step t (the symbol to remember is at t = 1)")
    ax1.set_ylabel("||d loss / d x_t|| (log scale)")
    ax1.set_title(f"gradient reaching each step, untrained, T = {T_GRAD}")
    ax1.grid(True, alpha=0.3)
    ax1.legend()
    steps = list(range(1, T_LONG + 1))
    ax2.semilogy(steps, trained_norms["RNN"], "o-", ms=3, label=f"tanh RNN ({accuracy['RNN'][-1]:.0%} right)")
    ax2.semilogy(steps, trained_norms["LSTM"], "s-", ms=3, label=f"LSTM ({accuracy['LSTM'][-1]:.0%} right)")
    ax2.set_xlabel("time step t")
    ax2.set_title(f"after training on T = {T_LONG}")
    ax2.grid(True, alpha=0.3)
    ax2.legend()
    path = OUT / "09_gradient_through_time.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    pictures.append(path)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(LENGTHS, accuracy["RNN"], "o-", label="tanh RNN")
    ax.plot(LENGTHS, accuracy["LSTM"], "s-", label="LSTM")
    ax.plot([T_LONG], [transformer_accuracy], "*", ms=14, label="Transformer encoder")
    ax.axhline(1 / SYMBOLS, color="gray", ls=":", label="guessing (25 %)")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("accuracy on new sequences")
    ax.set_ylim(0, 1.05)
    ax.set_title("remember the first symbol for T steps")
    ax.grid(True, alpha=0.3)
    ax.legend()
    path = OUT / "09_accuracy_vs_length.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    pictures.append(path)

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    image = ax.imshow(attention[0].numpy(), cmap="viridis", extent=(0.5, T_LONG + 0.5, T_LONG + 0.5, 0.5))
    ax.set_xlabel("key: the step attended to (1 = the symbol)")
    ax.set_ylabel("query: the step attending")
    ax.set_title("attention weights of one sequence\n(the read-out uses the last row)")
    fig.colorbar(image, ax=ax)
    path = OUT / "09_attention_map.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    pictures.append(path)
    for p in pictures:
        print(f"picture written to {p}")


# %% [markdown]
# ## 7. The depth story, through time
#
# | deep network (lesson 07) | recurrent network (this lesson) |
# | --- | --- |
# | one layer | one time step |
# | gradient x sigmoid'(z) <= 0.25 per layer | gradient x W_hh^T diag(tanh') per step (about 0.6 here) |
# | first layers learn nothing | the first steps are forgotten |
# | ReLU + He init keep the factor near 1 | the LSTM's cell: factor = forget gate, near 1 |
# | skip connections (ResNet) | attention: every step one hop from every other |

# %%
summary = {
    "rnn_first_step_grad": grad_norms["RNN"][0],
    "lstm_first_step_grad": grad_norms["LSTM"][0],
    "rnn_factor_per_step": rnn_factor,
    "lengths": LENGTHS,
    "accuracy": accuracy,
    "solved_by_lstm_only": solved,
    "transformer_accuracy": transformer_accuracy,
    "attention_on_first": last_row[0].item(),
    "pictures": [str(p) for p in pictures],
    "seconds": time.time() - START,
}
print({k: v for k, v in summary.items() if k != "pictures"})
