# %% [markdown]
# # Unit 02: convolution, by hand and with `F.conv2d`
#
# 합성곱을 손으로 계산해 봅시다. (Let's compute a convolution by hand.)
#
# A fully connected layer on a real photo needs one weight per input number (3 x 1,920 x 1,080 =
# 6,220,800 of them per unit) and does not know that neighbouring pixels belong together.
# A convolution slides one small kernel over the image instead. What deep-learning libraries call
# convolution is, written out, a cross-correlation:
#
#     [f * g](i, j) = sum over p, q of  f(p, q) g(i + p, j + q)
#
# i.e. at every position, the Frobenius inner product <A, B> = sum a_ij b_ij of the kernel with
# the window of the image under it. Positions are 0-based here, as in Python: "row 2, col 3" is
# the deck's 3rd row, 4th column.
#
# Run it: `python examples/02_convolution_by_hand.py` (or open `notebooks/02_convolution_by_hand.ipynb`).
# Tutorial: `docs/02_convolution.md`.

# %%
import sys

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, pyplot, show  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402

print(f"tinygrad_edu {torch.__version__}")

# %% [markdown]
# The deck's worked example: a 5x5 image, a 3x3 kernel, and the 5x5 feature map the deck prints
# for padding 1, stride 1. We will reproduce those 25 numbers.

# %%
IMAGE = [[2, 4, 9, 1, 4],
         [2, 1, 4, 4, 6],
         [1, 1, 2, 9, 2],
         [7, 3, 5, 1, 3],
         [2, 3, 4, 8, 5]]
KERNEL = [[1, 2, 3],
          [-4, 7, 4],
          [2, -5, 1]]
FEATURE_MAP = [[21, 59, 37, -19, 2],        # the answer printed in the deck
               [30, 51, 66, 20, 43],
               [-14, 31, 49, 101, -19],
               [59, 15, 53, -2, 21],
               [49, 57, 64, 76, 10]]


def fmt(matrix, width: int = 4) -> str:
    return "\n".join("  " + "".join(f"{int(v):>{width}d}" for v in row) for row in matrix)


print("image:")
print(fmt(IMAGE))
print("kernel:")
print(fmt(KERNEL))

# %% [markdown]
# Three small helpers, in plain Python: zero padding, the Frobenius inner product of two equally
# sized matrices, and the convolution itself as two loops over the output positions.

# %%
def pad_by_hand(image, p: int):
    """Surround a list-of-lists image with ``p`` rings of zeros."""
    w = len(image[0]) + 2 * p
    return [[0] * w for _ in range(p)] + [[0] * p + list(r) + [0] * p for r in image] + \
           [[0] * w for _ in range(p)]


def frobenius(a, b) -> float:
    """<A, B> = sum_ij a_ij * b_ij  for two equally sized matrices."""
    return sum(x * y for ra, rb in zip(a, b) for x, y in zip(ra, rb))


def conv2d_by_hand(image, kernel, padding: int = 0, stride: int = 1):
    """Slide ``kernel`` over ``image``: out[i][j] = <kernel, window at (i*stride, j*stride)>."""
    x = pad_by_hand(image, padding)
    fh, fw = len(kernel), len(kernel[0])
    oh = (len(x) - fh) // stride + 1
    ow = (len(x[0]) - fw) // stride + 1
    out = []
    for i in range(oh):
        row = []
        for j in range(ow):
            window = [r[j * stride:j * stride + fw] for r in x[i * stride:i * stride + fh]]
            row.append(frobenius(kernel, window))
        out.append(row)
    return out


print("pad_by_hand([[1, 2], [3, 4]], 1):")
print(fmt(pad_by_hand([[1, 2], [3, 4]], 1)))
print("frobenius([[1, 2], [3, 4]], [[1, 0], [0, 1]]) =", frobenius([[1, 2], [3, 4]], [[1, 0], [0, 1]]))

# %% [markdown]
# ## 0. Why not fully connected layers only?
#
# A fully connected layer sees an image as one long row of numbers. Shift the digit two pixels to
# the right and most of those numbers change, so to that layer it is a different input. A
# convolution uses the same kernel at every position, so its output simply shifts along.

# %%
banner("0. Why convolution: a shifted digit, seen by a fully connected layer and by a conv")
from tinygrad_edu.utils.datasets import load_digits  # noqa: E402

images, labels = load_digits(image_size=28)
digit = images[5:6]                                        # 1 x 1 x 28 x 28, a handwritten 5
shifted = torch.zeros(1, 1, 28, 28)
shifted[:, :, :, 2:] = digit[:, :, :, :-2]                 # the same 5, two pixels to the right
flat, flat_shifted = digit.reshape(-1), shifted.reshape(-1)
shift_changed = int(((flat - flat_shifted).abs() > 0.1).sum().item())
print(f"as the 784 inputs of a fully connected layer: {shift_changed} of the 784 values change by more "
      "than 0.1, so its weights see a different input")
edge = torch.tensor([[-1.0, 0.0, 1.0]] * 3).reshape(1, 1, 3, 3)   # a vertical-edge kernel
y, y_shifted = F.conv2d(digit, edge, padding=1), F.conv2d(shifted, edge, padding=1)
shift_conv_diff = (y_shifted[:, :, :, 3:-1] - y[:, :, :, 1:-3]).abs().max().item()
print(f"through a 3x3 convolution: conv(shifted) equals conv(original) shifted by 2 pixels "
      f"(max difference {shift_conv_diff:.1e} away from the border)")
print("and a fully connected layer on a 1920x1080 colour photo needs 3 x 1,920 x 1,080 = "
      f"{3 * 1920 * 1080:,} weights per unit (unit 04 counts them)")

# %% [markdown]
# ## 1. The deck's worked example, with loops
#
# First one output position, step by step: the 3x3 window of the padded image at (row 2, col 3)
# (0-based; the deck's 3rd row, 4th column), multiplied elementwise with the kernel and summed.

# %%
banner("1. The worked example: 5x5 image, 3x3 kernel, padding 1, stride 1")
padded = pad_by_hand(IMAGE, 1)
print("image with padding 1 (a ring of zeros), 7x7:")
print(fmt(padded))

i, j = 2, 3                                 # one position, 0-based
window = [r[j:j + 3] for r in padded[i:i + 3]]
print(f"\noutput position (row {i}, col {j}): the 3x3 window of the padded image starting there is")
print(fmt(window))
terms = [(KERNEL[p][q], window[p][q]) for p in range(3) for q in range(3)]
print("Frobenius inner product <kernel, window> = sum of elementwise products:")
print("  " + " + ".join(f"({k})*{g}" for k, g in terms))
print("  = " + " + ".join(f"({k * g})" for k, g in terms))
step_value = sum(k * g for k, g in terms)
print(f"  = {step_value}")

# %% [markdown]
# Now all 25 positions with the loops, and the same with the library's `F.conv2d`, which wants
# 4-D tensors: the image as N x C x H x W = 1 x 1 x 5 x 5, the kernel as FN x C x FH x FW.

# %%
feature_map_loops = conv2d_by_hand(IMAGE, KERNEL, padding=1)
print("all 25 positions with loops (feature map):")
print(fmt(feature_map_loops))
assert feature_map_loops == FEATURE_MAP, "the loops disagree with the deck"
print("matches the deck's feature map:", feature_map_loops == FEATURE_MAP)

x = torch.tensor(IMAGE, dtype=torch.float32).reshape(1, 1, 5, 5)     # N x C x H x W
w = torch.tensor(KERNEL, dtype=torch.float32).reshape(1, 1, 3, 3)    # FN x C x FH x FW
y = F.conv2d(x, w, padding=1)
feature_map_conv2d = [[int(round(v)) for v in row] for row in y[0, 0].tolist()]
print(f"\nF.conv2d(x, w, padding=1): input {tuple(x.shape)}, weight {tuple(w.shape)} -> output "
      f"{tuple(y.shape)}")
print(fmt(feature_map_conv2d))
assert feature_map_conv2d == feature_map_loops
print("F.conv2d equals the loops:", feature_map_conv2d == feature_map_loops)

# %% [markdown]
# A textbook ("true") convolution flips the kernel first. Deep learning uses the unflipped form;
# the flipped one gives different numbers:

# %%
flipped = [row[::-1] for row in KERNEL[::-1]]
true_conv = conv2d_by_hand(IMAGE, flipped, padding=1)
print(f"flipped kernel, first row: {true_conv[0]}   unflipped (the deck): {feature_map_loops[0]}")

# %% [markdown]
# The picture: the padded image with the window of position (2, 3), the kernel, and the
# feature map with that position's value.

# %%
def picture(feature_map, pos=(2, 3)):
    """The padded image with the window of one position, the kernel, and the feature map."""
    plt = pyplot()
    from matplotlib.patches import Rectangle

    padded = pad_by_hand(IMAGE, 1)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), gridspec_kw={"width_ratios": [7, 3, 5]})
    panels = [(padded, "image 5x5 with padding 1 (7x7)", "Greys", 0, 20),
              (KERNEL, "kernel 3x3", "coolwarm", -10, 10),
              (feature_map, "feature map 5x5", "coolwarm", -120, 120)]
    for ax, (mat, title, cmap, lo, hi) in zip(axes, panels):
        ax.imshow(mat, cmap=cmap, vmin=lo, vmax=hi)
        for r, row in enumerate(mat):
            for c, v in enumerate(row):
                ax.text(c, r, str(v), ha="center", va="center", fontsize=10)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    i, j = pos
    axes[0].add_patch(Rectangle((j - 0.5, i - 0.5), 3, 3, fill=False, lw=3, ec="tab:orange"))
    axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=3, ec="tab:orange"))
    fig.suptitle(f"<kernel, orange window> = {feature_map[i][j]} at output (row {i}, col {j}), 0-based", y=1.04)
    return show(fig, "02_worked_example.png")


worked_example_picture = picture(feature_map_loops)

# %% [markdown]
# ## 2. The output size: OW = (W + 2P - FW) / S + 1
#
# The deck draws three configurations. Its text does not give the input sizes; the drawings are
# the well-known animations of Dumoulin & Visin's "A guide to convolution arithmetic", which use a
# 4x4 input for the first and 5x5 inputs for the other two, so we use those, and also a 7x7 input.

# %%
banner("2. Output size OW = (W + 2P - FW) / S + 1")
CONFIGS = [  # (name, input W, filter FW, padding P, stride S)
    ("3x3 filter, pad 0, stride 1", 4, 3, 0, 1),
    ("4x4 filter, pad 2, stride 1", 5, 4, 2, 1),
    ("3x3 filter, pad 1, stride 2", 5, 3, 1, 2),
]
output_sizes = {}
for name, w_in, fw, p, s in CONFIGS:
    for size in (w_in, 7):
        by_formula = (size + 2 * p - fw) // s + 1
        helper = F.conv_output_size(size, fw, stride=s, padding=p)
        real = F.conv2d(torch.ones(1, 1, size, size), torch.ones(1, 1, fw, fw), stride=s, padding=p).shape
        print(f"{name}: W={size}:  ({size} + 2*{p} - {fw}) / {s} + 1 = {by_formula}   "
              f"F.conv_output_size -> {helper}   F.conv2d output {tuple(real[2:])}")
        assert by_formula == helper == real[2] == real[3]
        output_sizes[(name, size)] = by_formula

# %% [markdown]
# Padding 1 keeps a 3x3 convolution's output the size of its input; more padding gives a larger
# output, a larger stride a smaller one:

# %%
print("the worked example: (5 + 2*1 - 3) / 1 + 1 =", F.conv_output_size(5, 3, stride=1, padding=1))
for p in (0, 1, 2):
    print(f"  W=7, FW=3, S=1, P={p}: OW = {F.conv_output_size(7, 3, stride=1, padding=p)}")
for s in (1, 2, 3):
    print(f"  W=7, FW=3, P=0, S={s}: OW = {F.conv_output_size(7, 3, stride=s, padding=0)}")

# %% [markdown]
# ## 3. 1-D, 2-D and 3-D convolution: the same idea in more dimensions
#
#     [f * g](i)       = sum_p       f(p)       g(i + p)
#     [f * g](i, j)    = sum_{p,q}   f(p, q)    g(i + p, j + q)
#     [f * g](i, j, k) = sum_{p,q,r} f(p, q, r) g(i + p, j + q, k + r)
#
# 1-D first: a bump (one row of an image, say) and a difference kernel, which answers positive on
# the rising edge and negative on the falling one.

# %%
banner("3. 1-D, 2-D and 3-D convolution")
signal = [0, 0, 1, 3, 6, 6, 6, 3, 1, 0]
f1 = [-1, 0, 1]
conv1d_by_hand = [sum(f1[p] * signal[i + p] for p in range(3)) for i in range(len(signal) - 2)]
y1 = F.conv1d(torch.tensor(signal, dtype=torch.float32).reshape(1, 1, -1),
              torch.tensor(f1, dtype=torch.float32).reshape(1, 1, 3))
conv1d_lib = [int(round(v)) for v in y1.reshape(-1).tolist()]
print(f"signal {signal}, kernel {f1}  (N x C x L = {tuple(y1.shape)} out)")
print(f"by hand  {conv1d_by_hand}\nF.conv1d {conv1d_lib}")
assert conv1d_by_hand == conv1d_lib

# %% [markdown]
# 2-D without padding: the 5x5 image gives a 3x3 map, the middle of the padded result.

# %%
y2 = F.conv2d(torch.tensor(IMAGE, dtype=torch.float32).reshape(1, 1, 5, 5),
              torch.tensor(KERNEL, dtype=torch.float32).reshape(1, 1, 3, 3))
no_padding = [[int(round(v)) for v in r] for r in y2[0, 0].tolist()]
print(f"5x5 -> {tuple(y2.shape[2:])}:")
print(fmt(no_padding))
assert no_padding == [r[1:4] for r in FEATURE_MAP[1:4]]

# %% [markdown]
# 3-D: a 4x4x4 volume and a 2x2x2 kernel, by hand with three loops and with `F.conv3d`.

# %%
vol = [[[(i * 16 + j * 4 + k) % 7 for k in range(4)] for j in range(4)] for i in range(4)]  # 4x4x4
f3 = [[[1, 0], [0, 1]], [[0, -1], [-1, 0]]]                                                  # 2x2x2
conv3d_by_hand = [[[sum(f3[p][q][r] * vol[i + p][j + q][k + r]
                        for p in range(2) for q in range(2) for r in range(2))
                    for k in range(3)] for j in range(3)] for i in range(3)]
y3 = F.conv3d(torch.tensor(vol, dtype=torch.float32).reshape(1, 1, 4, 4, 4),
              torch.tensor(f3, dtype=torch.float32).reshape(1, 1, 2, 2, 2))
conv3d_lib = [[[int(round(v)) for v in row] for row in plane] for plane in y3[0, 0].tolist()]
print(f"4x4x4 volume, 2x2x2 kernel -> {tuple(y3.shape[2:])} (N x C x D x H x W = {tuple(y3.shape)})")
print(f"first plane: {conv3d_lib[0]}")
assert conv3d_by_hand == conv3d_lib
print("F.conv1d / F.conv2d / F.conv3d equal the loops:", conv3d_by_hand == conv3d_lib)

# %% [markdown]
# ## 4. Many channels, many filters, a batch
#
# A colour image is C x H x W. Each filter is C x FH x FW: it spans *all* input channels (its
# depth must equal the input's channel count) and produces *one* output map. FN filters give FN
# maps.

# %%
banner("4. Multi-channel input, FN filters, and a batch")
torch.manual_seed(0)
C, H, W, FN = 3, 5, 5, 2
x = torch.randint(0, 5, (1, C, H, W)).float()
w = torch.randint(-2, 3, (FN, C, 3, 3)).float()
y = F.conv2d(x, w, padding=1)
multi_channel_shape = tuple(y.shape)
print(f"input 1 x C x H x W = {tuple(x.shape)}, weight FN x C x FH x FW = {tuple(w.shape)} "
      f"-> output {multi_channel_shape}: one map per filter")

# %% [markdown]
# One output number is the inner product of a 3 x 3 x 3 filter with a 3 x 3 x 3 window, i.e. the
# sum over channels of the per-channel 2-D inner products. So a whole map is the sum of C
# single-channel convolutions.

# %%
i, j = 2, 2
window = x[0, :, i - 1:i + 2, j - 1:j + 2]                   # C x 3 x 3 (padding 1: shift by one)
per_channel = [(w[0, c] * window[c]).sum().item() for c in range(C)]
print(f"filter 0 at (row {i}, col {j}): per-channel inner products {per_channel} -> sum {sum(per_channel)} "
      f"= output {y[0, 0, i, j].item()}")
assert sum(per_channel) == y[0, 0, i, j].item()
channel_sum = sum(F.conv2d(x[:, c:c + 1], w[0:1, c:c + 1], padding=1) for c in range(C))
channel_sum_ok = bool((channel_sum == y[:, 0:1]).all().item())
print(f"map 0 = sum over the {C} channels of single-channel convolutions: {channel_sum_ok}")

# %% [markdown]
# A filter whose depth does not match the input's channels is refused, with a message that says so:

# %%
try:
    F.conv2d(x, torch.ones(FN, 2, 3, 3))                     # depth 2 does not match C = 3
    mismatch_error = None
except Exception as e:  # noqa: BLE001 (we print whatever the library says)
    mismatch_error = f"{type(e).__name__}: {e}"
print(f"a filter of depth 2 on a 3-channel input:\n  {mismatch_error}")

# %% [markdown]
# A batch of N images (N x C x H x W) gives N x FN x OH x OW, each image convolved on its own.

# %%
N, C2, H2, W2, FN2 = 4, 3, 32, 32, 6
xb, wb, bb = torch.randn(N, C2, H2, W2), torch.randn(FN2, C2, 5, 5), torch.randn(FN2)
yb = F.conv2d(xb, wb, bb, stride=1, padding=0)
batch_shape = tuple(yb.shape)
print(f"N x C x H x W = {tuple(xb.shape)} with {FN2} filters of 5x5 -> N x FN x OH x OW = {batch_shape}  "
      f"(OH = (32 + 0 - 5)/1 + 1 = {F.conv_output_size(H2, 5)})")
one = F.conv2d(xb[1:2], wb, bb)
batch_sample_ok = bool(((one - yb[1:2]).abs().max() < 1e-4).item())
print(f"image 1 convolved on its own equals row 1 of the batch result: {batch_sample_ok}")

# %% [markdown]
# ## Summary
#
# The key results in one dict (the tests check these numbers).

# %%
results = {
    "shift_changed_inputs": shift_changed,
    "shift_conv_difference": shift_conv_diff,
    "step_value": step_value,
    "feature_map_loops": feature_map_loops,
    "feature_map_conv2d": feature_map_conv2d,
    "output_sizes": output_sizes,
    "conv1d": conv1d_by_hand,
    "conv3d": conv3d_lib,
    "multi_channel_shape": multi_channel_shape,
    "channel_sum_ok": channel_sum_ok,
    "mismatch_error": mismatch_error,
    "batch_shape": batch_shape,
    "batch_sample_ok": batch_sample_ok,
    "pictures": [str(worked_example_picture)],
}
for key in ("step_value", "multi_channel_shape", "batch_shape", "channel_sum_ok", "batch_sample_ok"):
    print(f"{key:<20} {results[key]}")
