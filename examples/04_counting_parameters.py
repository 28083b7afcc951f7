# %% [markdown]
# # Unit 04: counting a CNN's parameters
#
# 파라미터 수를 세어 봅시다. (Let's count the parameters.)
#
# Every conv layer has one weight per (kernel position x input channel) for each output channel,
# plus one bias per output channel:
#
#     parameters = ((kernel h x kernel w x input channels) + 1) x output channels
#
# A network's total is the sum over its layers. This lesson checks the deck's example, compares a
# fully connected layer with a conv layer on a Full-HD photo, and does assignment 1: AlexNet's
# parameters, layer by layer, for the three AlexNets people mean by "AlexNet".
#
# Run it: `python examples/04_counting_parameters.py` (or open `notebooks/04_counting_parameters.ipynb`).
# Tutorial: `docs/04_counting_parameters.md`.

# %%
import sys

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402

print(f"tinygrad_edu {torch.__version__}")

# %% [markdown]
# The lecture's formulas as two small functions, and the count of a real module's parameters:

# %%
def conv_params(kh: int, kw: int, c_in: int, c_out: int, groups: int = 1) -> int:
    """The lecture's formula; with ``groups`` each filter sees only c_in / groups channels."""
    return (kh * kw * (c_in // groups) + 1) * c_out


def fc_params(n_in: int, n_out: int) -> int:
    """A fully connected layer: one weight per (input, output) pair plus one bias per output."""
    return (n_in + 1) * n_out


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


print(f"conv_params(3, 3, 3, 64) = {conv_params(3, 3, 3, 64):,}   fc_params(784, 10) = {fc_params(784, 10):,}")

# %% [markdown]
# ## 1. The deck's example: a 5x5 conv from 192 to 32 channels

# %%
banner("1. (5 x 5 x 192 + 1) x 32")
deck_example = conv_params(5, 5, 192, 32)
print(f"(5 x 5 x 192 + 1) x 32 = ({5 * 5 * 192} + 1) x 32 = {deck_example:,}")
layer = nn.Conv2d(192, 32, kernel_size=5)
deck_example_layer = n_params(layer)
print(f"nn.Conv2d(192, 32, kernel_size=5): weight {tuple(layer.weight.shape)} = "
      f"{layer.weight.numel():,}, bias {tuple(layer.bias.shape)} = {layer.bias.numel()}, "
      f"total {deck_example_layer:,}")
assert deck_example_layer == deck_example == 153_632

# %% [markdown]
# ## 2. Fully connected vs convolution on a 1920 x 1080 colour photo
#
# A fully connected layer needs a weight for every input number, for every unit. A conv layer's
# count does not depend on the image size at all.

# %%
banner("2. A 1920 x 1080 colour image: fully connected vs conv")
full_hd_inputs = 3 * 1920 * 1080
print(f"inputs: 3 x 1,920 x 1,080 = {full_hd_inputs:,}")
fc_counts = {}
for units in (1, 100, 1000):
    fc_counts[units] = fc_params(full_hd_inputs, units)
    print(f"  fully connected to {units:>4} unit{'s' if units > 1 else ' '}: ({full_hd_inputs:,} + 1) x {units:<4} "
          f"= {fc_counts[units]:>13,} parameters ({fc_counts[units] * 4 / 1e9:,.2f} GB of float32)")

# %% [markdown]
# The conv layer, on a 1/10-scale photo to keep this fast (its parameter count is the same):

# %%
conv = nn.Conv2d(3, 64, kernel_size=3, padding=1)
conv_count = n_params(conv)
print(f"nn.Conv2d(3, 64, kernel_size=3): (3 x 3 x 3 + 1) x 64 = {conv_count:,} parameters, "
      "for an image of any size")
small = torch.randn(1, 3, 108, 192)
print(f"on a {tuple(small.shape)} image it gives {tuple(conv(small).shape)}; "
      f"on the full photo it would give (1, 64, 1080, 1920), still with {conv_count:,} parameters")

# %% [markdown]
# ## 3. Assignment 1: AlexNet, layer by layer
#
# Three layouts are all called "AlexNet":
# * `torchvision`: the one in torchvision (64/192/384/256/256 filters, after "One weird trick");
# * `original`: the 2012 paper, trained on two GPUs, so conv2, conv4 and conv5 see only the half of
#   their input channels on their own GPU (`groups=2`);
# * `single-tower`: the 2012 channel counts (96/256/384/384/256) on one GPU, no groups.
#
# `by_hand(variant)` fills in the assignment's question marks with the formula.

# %%
ALEXNET_LAYERS = {  # (name, kind, kh, kw, c_in, c_out, groups); "fc" rows use c_in, c_out only
    "torchvision": [("conv1", "conv", 11, 11, 3, 64, 1), ("conv2", "conv", 5, 5, 64, 192, 1),
                    ("conv3", "conv", 3, 3, 192, 384, 1), ("conv4", "conv", 3, 3, 384, 256, 1),
                    ("conv5", "conv", 3, 3, 256, 256, 1), ("fc6", "fc", 0, 0, 256 * 6 * 6, 4096, 1),
                    ("fc7", "fc", 0, 0, 4096, 4096, 1), ("fc8", "fc", 0, 0, 4096, 1000, 1)],
    "original": [("conv1", "conv", 11, 11, 3, 96, 1), ("conv2", "conv", 5, 5, 96, 256, 2),
                 ("conv3", "conv", 3, 3, 256, 384, 1), ("conv4", "conv", 3, 3, 384, 384, 2),
                 ("conv5", "conv", 3, 3, 384, 256, 2), ("fc6", "fc", 0, 0, 256 * 6 * 6, 4096, 1),
                 ("fc7", "fc", 0, 0, 4096, 4096, 1), ("fc8", "fc", 0, 0, 4096, 1000, 1)],
    "single-tower": [("conv1", "conv", 11, 11, 3, 96, 1), ("conv2", "conv", 5, 5, 96, 256, 1),
                     ("conv3", "conv", 3, 3, 256, 384, 1), ("conv4", "conv", 3, 3, 384, 384, 1),
                     ("conv5", "conv", 3, 3, 384, 256, 1), ("fc6", "fc", 0, 0, 256 * 6 * 6, 4096, 1),
                     ("fc7", "fc", 0, 0, 4096, 4096, 1), ("fc8", "fc", 0, 0, 4096, 1000, 1)],
}
EXPECTED_TOTALS = {"torchvision": 61_100_840, "original": 60_965_224, "single-tower": 62_378_344}


def by_hand(variant: str) -> int:
    print(f"{variant} AlexNet, by hand:")
    total = conv_total = 0
    for name, kind, kh, kw, c_in, c_out, groups in ALEXNET_LAYERS[variant]:
        if kind == "conv":
            n = conv_params(kh, kw, c_in, c_out, groups)
            g = f" / {groups} groups" if groups > 1 else ""
            expr = f"({kh} x {kw} x {c_in}{g} + 1) x {c_out}"
            conv_total += n
        else:
            n = fc_params(c_in, c_out)
            flat = " (256 x 6 x 6 maps, flattened)" if c_in == 256 * 6 * 6 else ""
            expr = f"({c_in} + 1) x {c_out}{flat}"
        total += n
        print(f"  {name:<6} {expr:<50} = {n:>12,}")
    print(f"  {'total':<6} {'':<50} = {total:>12,}")
    print(f"  the five conv layers hold {conv_total:,} ({100 * conv_total / total:.1f} %), "
          f"the three fully connected layers {total - conv_total:,} ({100 * (total - conv_total) / total:.1f} %)")
    return total


banner("3. Assignment 1: AlexNet's parameters, layer by layer")
hand_totals = {variant: by_hand(variant) for variant in ALEXNET_LAYERS}

# %% [markdown]
# The library agrees: `torch.count_parameters` prints the same table from the real modules.

# %%
alexnet_totals = {}
for variant in ALEXNET_LAYERS:
    model = torch.models.alexnet(variant=variant)
    print(f"\ntorch.count_parameters(torch.models.alexnet(variant={variant!r})):")
    total = torch.count_parameters(model).total      # prints the table, returns (total, rows)
    assert hand_totals[variant] == total == n_params(model) == EXPECTED_TOTALS[variant], variant
    print(f"=> {variant}: by hand {hand_totals[variant]:,} = count_parameters {total:,}")
    alexnet_totals[variant] = total
    del model

# %% [markdown]
# ## Summary

# %%
results = {
    "deck_example": deck_example,
    "deck_example_layer": deck_example_layer,
    "full_hd_inputs": full_hd_inputs,
    "fc_params": fc_counts,
    "conv_params": conv_count,
    "alexnet": alexnet_totals,
}
for variant, total in alexnet_totals.items():
    print(f"AlexNet {variant:<13} {total:>12,} parameters")
