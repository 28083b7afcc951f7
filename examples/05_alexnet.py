# %% [markdown]
# # AlexNet, layer by layer (the lecture's assignment 2)
#
# 과제 2: AlexNet 구현하기. (Assignment 2: implement AlexNet.)
#
# Assignment 2: *implement AlexNet and show a summary of the whole model structure, with short
# comments explaining it.* AlexNet (Krizhevsky, Sutskever & Hinton, 2012) is the lecture's
# recipe at full size: five conv layers (conv -> ReLU, sometimes -> max pool), then three fully
# connected layers that turn the last feature maps into 1000 class scores. It won ImageNet 2012
# by a wide margin and started the deep-learning era in vision.
#
# This lesson
#
# 1. builds AlexNet here, from `nn` layers, block by block, and follows an image's shape through it
#    with the lecture's formula `OW = (W + 2P - FW) / S + 1`;
# 2. checks it against the library's `tinygrad_edu.models.alexnet()`: same parameters, same names,
#    same outputs once the weights are copied;
# 3. counts its parameters with the lecture's formula (assignment 1) and prints `summary` tables for
#    torchvision's AlexNet (224x224 inputs) and the 2012 paper's two-GPU original (227x227);
# 4. runs a forward pass on a batch of two images, and one training step (SGD, cross-entropy).
#
# Run it: `python examples/05_alexnet.py` (or open `notebooks/05_alexnet.ipynb`); 61 million
# parameters to create and update take a few seconds. `TINYGRAD_EDU_FAST=1` gives the last layer
# 10 classes instead of 1000.
# Tutorial: `docs/05_alexnet.md`.

# %%
import math
import sys
import time

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, fast_mode  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402

FAST = fast_mode()
NUM_CLASSES = 10 if FAST else 1000          # fast mode: a 10-class head for the forward pass and the step
print(f"tinygrad_edu {torch.__version__}; {'fast' if FAST else 'full'} mode: {NUM_CLASSES} classes")
lesson_start = time.perf_counter()

# %% [markdown]
# ## 1. AlexNet from layers
#
# torchvision's layout (the one whose pretrained weights everybody downloads): 64-192-384-256-256
# filters. The 2012 paper had 96-256-384-384-256 and split the network over two GPUs; the library
# builds that one too (`models.alexnet("original")`, section 3). The attribute names
# (`features`, `avgpool`, `classifier`) and the layer indices are torchvision's, so the
# `state_dict` keys match (`features.0.weight`, ...).

# %%
class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            # Block 1: 64 filters of 11x11x3, stride 4. Big filters, big steps: they see a large
            # patch of the photo and shrink it fast. 3x224x224 -> 64x55x55.
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(),                               # max(0, x): no vanishing gradient for x > 0
            # Overlapping max pooling: 3x3 windows every 2 pixels keep the strongest response of
            # each window and halve the size (the paper: it overfits a little less than 2x2/2).
            nn.MaxPool2d(kernel_size=3, stride=2),   # -> 64x27x27
            # Block 2: 192 filters of 5x5x64; padding 2 keeps 27x27.
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),   # -> 192x13x13
            # Blocks 3-5: three 3x3 convs (padding 1 keeps 13x13) with no pooling in between:
            # more layers of non-linearity, combining the simple edges and blobs found below
            # into parts of objects.
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),   # -> 256x6x6
        )
        # Averages every map to exactly 6x6, so a larger photo still gives 256*6*6 = 9216 numbers
        # (at 224x224 the maps are already 6x6 and it changes nothing).
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            # Dropout zeroes each input with probability p while training, so no unit can rely
            # on one particular other unit: it fights overfitting in these huge layers.
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),            # 9216 -> 4096: 37.7 M parameters, 62 % of all
            nn.ReLU(),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Linear(4096, num_classes),            # one score (logit) per class
        )

    def forward(self, x):
        x = self.features(x)           # N x 3 x 224 x 224 -> N x 256 x 6 x 6
        x = self.avgpool(x)
        x = torch.flatten(x, 1)        # N x 9216: each image's maps laid out as one vector
        return self.classifier(x)      # N x num_classes


torch.manual_seed(0)
model = AlexNet()
print(model)

# %% [markdown]
# Now push one 224x224 image through `features` layer by layer, and predict every output size
# with the lecture's formula before looking at what the layer produced.

# %%
banner("1. Following one image through AlexNet's features")
x = torch.randn(1, 3, 224, 224)
shapes = [tuple(x.shape)]
print(f"{'layer':<44} {'formula OW = (W + 2P - F) / S + 1':<36} output")
print(f"{'input':<44} {'':<36} {tuple(x.shape)}")
with torch.no_grad():
    for layer in model.features:
        w = x.shape[-1]
        x = layer(x)
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
            k, s, p = (v[0] if isinstance(v, tuple) else v for v in (layer.kernel_size, layer.stride, layer.padding))
            predicted = F.conv_output_size(w, k, stride=s, padding=p)
            formula = f"({w} + 2*{p} - {k}) / {s} + 1 = {predicted}"
            assert predicted == x.shape[-1], (layer, predicted, x.shape)
            if isinstance(layer, nn.Conv2d):
                name = f"Conv2d({layer.in_channels} -> {layer.out_channels}, {k}x{k}, stride {s}, pad {p})"
            else:
                name = f"MaxPool2d({k}x{k}, stride {s})"
        else:
            formula, name = "(same shape)", repr(layer)
        print(f"{name:<44} {formula:<36} {tuple(x.shape)}")
        shapes.append(tuple(x.shape))
print(f"flatten: 256 x 6 x 6 = {256 * 6 * 6} numbers per image go into the classifier")

# %% [markdown]
# ## 2. Is it the same network as `tinygrad_edu.models.alexnet()`?
#
# Same parameter count, same names and shapes in the `state_dict`; and after copying the
# library model's weights into ours with `load_state_dict`, the same outputs for the same input.

# %%
banner("2. Our AlexNet against tinygrad_edu.models.alexnet()")
library = torch.models.alexnet()
ours_n = sum(p.numel() for p in model.parameters())
lib_n = sum(p.numel() for p in library.parameters())
print(f"parameters: ours {ours_n:,}, library {lib_n:,}")
ours_sd, lib_sd = model.state_dict(), library.state_dict()
same_keys = list(ours_sd) == list(lib_sd)
same_shapes = same_keys and all(tuple(ours_sd[k].shape) == tuple(lib_sd[k].shape) for k in ours_sd)
print(f"state_dict: {len(ours_sd)} tensors, same names: {same_keys}, same shapes: {same_shapes}")
model.load_state_dict(lib_sd)
model.eval()
library.eval()
x = torch.randn(1, 3, 224, 224)
with torch.no_grad():
    output_diff = (model(x) - library(x)).abs().max().item()
print(f"after load_state_dict, largest output difference: {output_diff:.2e}")
assert ours_n == lib_n == 61_100_840 and same_shapes and output_diff < 1e-5
del library

# %% [markdown]
# ## 3. Assignment 1 and 2: count the parameters, print the summary
#
# `count_parameters` fills the lecture's formula `((kh x kw x in_ch) + 1) x out_ch` in for every
# layer (a Linear layer is `(in + 1) x out`).

# %%
banner("3a. Assignment 1: the parameters, layer by layer (torchvision's AlexNet)")
counted = torch.count_parameters(model)
conv_params = sum(r.count for r in counted.rows if r.class_name == "Conv2d")
fc_params = sum(r.count for r in counted.rows if r.class_name == "Linear")
print(f"conv layers: {conv_params:,} ({conv_params / counted.total:.1%}), fully connected: {fc_params:,} "
      f"({fc_params / counted.total:.1%})")

# %% [markdown]
# `summary` runs one image through the model with hooks on every layer and prints each output
# shape and parameter count, like `torchinfo.summary`.

# %%
banner("3b. Assignment 2: summary of torchvision's AlexNet at 224x224")
stats_tv = torch.summary(model, input_size=(1, 3, 224, 224))

# %% [markdown]
# The 2012 paper's network differs: 96-256-384-384-256 filters, local response normalisation
# after the first two blocks, no adaptive pool (so it needs 227x227 inputs:
# (227 - 11) / 4 + 1 = 55), and `groups=2` in conv2, conv4 and conv5, because each half of the
# network lived on its own 3 GB GPU and those layers only saw their own GPU's maps. Grouping halves
# the weights of those layers.

# %%
banner("3c. The 2012 paper's AlexNet (two GPUs, groups=2) at 227x227")
original = torch.models.alexnet("original")
stats_orig = torch.summary(original, input_size=(1, 3, 227, 227), depth=2)
print(f"torchvision's layout has {stats_tv.total_params - stats_orig.total_params:+,} parameters "
      f"compared with the paper's; the paper's network on one GPU (models.alexnet('single-tower')) "
      f"would have 62,378,344.")
del original

# %% [markdown]
# ## 4. A forward pass on two images
#
# The output is one raw score (logit) per class for each image. `softmax` turns each row into
# probabilities (positive, summing to 1). An untrained network gives every class about the same
# probability, 1 / num_classes. (In fast mode the last layer is replaced by a fresh 10-class one.)

# %%
banner(f"4. Forward pass: a batch of 2 images, {NUM_CLASSES} classes")
if NUM_CLASSES != 1000:
    model.classifier[6] = nn.Linear(4096, NUM_CLASSES)
model.eval()                         # dropout off: a deterministic forward pass
x = torch.randn(2, 3, 224, 224)
with torch.no_grad():
    logits = model(x)
probs = F.softmax(logits, dim=1)
softmax_sums = probs.sum(dim=1).tolist()
print(f"input {tuple(x.shape)} -> logits {tuple(logits.shape)}")
print(f"softmax row sums: {[round(s, 6) for s in softmax_sums]}")
top_p, top_i = probs.max(dim=1)
print(f"most likely class per image: {top_i.tolist()} with probability "
      f"{[round(p, 4) for p in top_p.tolist()]} (uniform would be {1 / NUM_CLASSES:.4f})")

# %% [markdown]
# ## 5. One training step
#
# The four lines of every training loop: forward + loss, `zero_grad`, `backward`, `step`. The
# labels are random (we only check the mechanics). We measure the loss on the same batch before
# and after the step in eval mode, so dropout does not blur the comparison: one SGD step moves
# every one of the 61 million parameters a little downhill, and the loss drops.

# %%
banner("5. One training step: SGD on cross-entropy, random labels")
x = torch.randn(2, 3, 224, 224)
y = torch.randint(0, NUM_CLASSES, (2,))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

model.eval()
with torch.no_grad():
    loss_before = loss_fn(model(x), y).item()
print(f"labels {y.tolist()}; loss before: {loss_before:.4f}  (ln {NUM_CLASSES} = {math.log(NUM_CLASSES):.4f}: "
      "an untrained net guesses)")

model.train()                        # dropout on while training
loss = loss_fn(model(x), y)
optimizer.zero_grad()
loss.backward()
grad_conv1 = model.features[0].weight.grad.norm().item()
grad_fc1 = model.classifier[1].weight.grad.norm().item()
optimizer.step()

model.eval()
with torch.no_grad():
    loss_after = loss_fn(model(x), y).item()
print(f"gradient norms: conv1 weight {grad_conv1:.3e}, first Linear weight {grad_fc1:.3e}")
print(f"loss after one step: {loss_after:.4f}  ({loss_after - loss_before:+.4f})")

# %% [markdown]
# ## Summary

# %%
results = {
    "fast": FAST, "num_classes": NUM_CLASSES, "shapes": shapes,
    "ours": ours_n, "library": lib_n, "same_state_dict": same_shapes, "output_diff": output_diff,
    "count_total": counted.total, "conv_params": conv_params, "fc_params": fc_params,
    "summary_224_params": stats_tv.total_params, "summary_224_mult_adds": stats_tv.total_mult_adds,
    "summary_224_out": stats_tv.rows[0].output_shape,
    "summary_227_params": stats_orig.total_params, "summary_227_out": stats_orig.rows[0].output_shape,
    "logits_shape": tuple(logits.shape), "softmax_sums": softmax_sums,
    "loss_before": loss_before, "loss_after": loss_after, "grad_conv1": grad_conv1, "grad_fc1": grad_fc1,
}
print(f"AlexNet: {results['ours']:,} parameters; loss {loss_before:.4f} -> {loss_after:.4f} after one step "
      f"(the lesson took {time.perf_counter() - lesson_start:.1f} s)")
