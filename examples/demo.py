# %% [markdown]
# # tinygrad_edu in one minute
#
# `make demo` runs this script. Offline, on a CPU, it shows the three things the lecture is about,
# each with real numbers:
#
# 1. **AlexNet**: its structure (`summary`) and its 61,100,840 parameters, layer by layer, with the
#    lecture's formula filled in (`count_parameters`);
# 2. **a CNN that learns**: (conv -> ReLU -> pool) x 2 -> fully connected, trained on real
#    handwritten digits, tested on digits it never saw (`examples/06_train_cnn_digits.py`);
# 3. **vanishing gradients**: a 15-layer sigmoid network vs ReLU, measured with gradient hooks
#    (`examples/07_vanishing_gradients.py`).
#
# The pictures go to the current directory, or to `$TINYGRAD_EDU_OUT`. `TINYGRAD_EDU_FAST=1`
# trains a smaller network for fewer epochs (the tests use it).

# %%
import sys
import time
from pathlib import Path

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, fast_mode, out_dir, run_lesson  # noqa: E402

import tinygrad_edu as torch  # noqa: E402

FAST = fast_mode()
start = time.perf_counter()
timings = {}
print("tinygrad_edu: deep learning from scratch, with PyTorch's names "
      f"({'fast mode' if FAST else 'full mode'}, pictures go to {out_dir()})")

# %% [markdown]
# ## 1. AlexNet: the structure and the parameter count (assignments 1 and 2)

# %%
banner("Part 1/3. AlexNet (torchvision's layout): summary and parameters")
t = time.perf_counter()
torch.manual_seed(0)
model = torch.models.alexnet()
stats = torch.summary(model, input_size=(1, 3, 224, 224))
print()
print("Assignment 1, every layer with the lecture's formula ((kh x kw x in_ch) + 1) x out_ch:")
counted = torch.count_parameters(model)
fc = sum(r.count for r in counted.rows if r.class_name == "Linear")
print(f"The three fully connected layers hold {fc / counted.total:.0%} of the parameters; "
      f"the five conv layers do most of the {stats.total_mult_adds / 1e6:,.0f} million mult-adds.")
print("Layer-by-layer walk, the 2012 original and a training step: python examples/05_alexnet.py")
del model
timings["alexnet"] = time.perf_counter() - t

# %% [markdown]
# ## 2. Training a CNN on real handwritten digits
#
# `run_lesson` runs `examples/06_train_cnn_digits.py` from top to bottom and returns its `results`.

# %%
banner("Part 2/3. Training a CNN on real handwritten digits (examples/06_train_cnn_digits.py)")
t = time.perf_counter()
digits = run_lesson("06_train_cnn_digits")
timings["training"] = time.perf_counter() - t

# %% [markdown]
# ## 3. Vanishing gradients: sigmoid vs ReLU

# %%
banner("Part 3/3. Vanishing gradients: sigmoid vs ReLU (examples/07_vanishing_gradients.py)")
t = time.perf_counter()
vanishing = run_lesson("07_vanishing_gradients")
timings["vanishing"] = time.perf_counter() - t

# %% [markdown]
# ## What you saw

# %%
seconds = time.perf_counter() - start
pictures = digits["pictures"] + vanishing["pictures"]
sig, relu = vanishing["first_layer_norm"]["sigmoid + Xavier"], vanishing["first_layer_norm"]["relu + He"]
banner(f"Done in {seconds:.0f} s. What you saw")
print(f"* AlexNet: {counted.total:,} parameters, 58.6 M of them in the fully connected layers.")
print(f"* A {digits['num_parameters']:,}-parameter CNN read {digits['test_accuracy']:.1%} of "
      f"{sum(map(sum, digits['confusion']))} held-out handwritten digits correctly after "
      f"{digits['epochs']} epochs.")
print(f"* Through {vanishing['depth']} sigmoid layers the first layer's gradient was {relu / sig:.0e} times "
      f"smaller than through ReLU layers (sigmoid' <= 0.25, and 0.25^{vanishing['depth']} = "
      f"{0.25 ** vanishing['depth']:.0e}).")
notes = {"06_training_curves.png": "loss and accuracy per epoch, train vs held-out test",
         "07_vanishing_gradients.png": "gradient norm per layer, 5 settings (log scale); their training losses",
         "07_gradflow_sigmoid.png": "GradientFlow.plot of the 15-layer sigmoid network"}
print("\nPictures:")
for p in pictures:
    print(f"  {p}\n      {notes.get(Path(p).name, '')}")
print("\nWhat to try next:")
print("  * read docs/index.md: the reading path through the lecture's units, backprop internals,")
print("    vanishing gradients, training, the API reference, performance and the design")
print("  * python examples/01_images_as_tensors.py ... 08_backprop_internals.py: one lesson each,")
print("    or the same lessons as notebooks, with their outputs: notebooks/*.ipynb")
print("  * do the exercises: python -m tinygrad_edu.exercises list, then check 01 (exercises/README.md)")
print("  * build a tiny engine yourself in eight steps: docs/build/README.md (Korean: docs/ko/build/)")
print("  * in examples/06_train_cnn_digits.py, swap Adam for SGD(momentum=0.9), or drop a conv layer")
print("  * in examples/07_vanishing_gradients.py, try DEPTH = 30, or add nn.BatchNorm1d after each Linear")
print("  * take any PyTorch script and change one line: import tinygrad_edu as torch")
print(f"\n(timings on this machine: AlexNet {timings['alexnet']:.1f} s, training {timings['training']:.1f} s, "
      f"vanishing gradients {timings['vanishing']:.1f} s)")
results = {"fast": FAST, "seconds": seconds, "timings": timings, "pictures": pictures,
           "test_accuracy": digits["test_accuracy"], "alexnet_params": counted.total,
           "sigmoid_first_layer_norm": sig, "relu_first_layer_norm": relu}
