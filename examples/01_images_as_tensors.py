# %% [markdown]
# # Unit 01: images as tensors
#
# 이미지는 숫자의 행렬입니다. (An image is a matrix of numbers.)
#
# A grayscale image is a 2-D tensor (height x width) of pixel intensities: a 28x28 digit is
# 784 numbers. A colour image is three such matrices, red, green and blue, stacked into a 3-D tensor.
# Frameworks disagree on where the channel axis goes: PyTorch (and tinygrad_edu) use C x H x W,
# image files, PIL, matplotlib and Keras use H x W x C. Code has to convert between them.
# Positions (row, col) are 0-based, as in Python.
#
# Run it: `python examples/01_images_as_tensors.py` (pictures go to the current directory or to
# `$TINYGRAD_EDU_OUT`), or open `notebooks/01_images_as_tensors.ipynb`.
# Tutorial: `docs/01_images_as_tensors.md`.

# %%
import sys

sys.path[:0] = ["examples", "../examples"]   # find _common.py from the repository root or from notebooks/
from _common import banner, pyplot, show  # noqa: E402

import numpy as np  # noqa: E402  (used only to paint the example colour image)

import tinygrad_edu as torch  # noqa: E402
from tinygrad_edu.utils.datasets import load_digits  # noqa: E402
from tinygrad_edu.utils.image import chw_to_hwc, hwc_to_chw  # noqa: E402

print(f"tinygrad_edu {torch.__version__}")

# %% [markdown]
# ## 1. A grayscale digit is a 2-D tensor of 784 numbers
#
# The digits are scikit-learn's real handwritten digits (1,797 of them, shipped inside
# scikit-learn, so this runs offline). They are stored at 8x8 pixels with 17 grey levels; we
# upsample them to the MNIST-like 28x28 of the lecture. Honest note: an upsampled 8x8 digit is
# blurrier than a true 28x28 scan, but it is the same kind of object, a matrix of intensities.

# %%
banner("1. A grayscale image is a 2-D tensor")
index = 5
images8, labels = load_digits()                      # N x 1 x 8 x 8, values in [0, 1]
images28, _ = load_digits(image_size=28)             # the same digits, resized (bilinear)
digit = images28[index, 0]                           # one 28 x 28 grayscale image
label = int(labels[index].item())
print(f"{images8.shape[0]} digits; #{index} is a {label}, stored by scikit-learn as "
      f"{images8.shape[2]}x{images8.shape[3]} pixels, upsampled here to 28x28")
print(f"  shape  = {tuple(digit.shape)}   numel = {digit.numel()}  (28 x 28 = {28 * 28} pixels)")
print(f"  dtype  = {digit.dtype}   min = {digit.min().item():.3f}   max = {digit.max().item():.3f}")
print("  one row through the middle (row 14), 28 numbers:\n  "
      + " ".join(f"{v:.2f}" for v in digit[14].tolist()))

# %% [markdown]
# The same numbers as text: one character per pixel of every second row (a character is about
# twice as tall as it is wide), from ' ' for 0 to '@' for 1.

# %%
ASCII_RAMP = " .:-=+*#%@"  # dark to bright


def ascii_art(image) -> str:
    rows = []
    for row in image.tolist()[::2]:
        line = "".join(ASCII_RAMP[min(max(int(v * len(ASCII_RAMP)), 0), len(ASCII_RAMP) - 1)] for v in row)
        rows.append("  |" + line + "|")
    return "\n".join(rows)


print(ascii_art(digit))
print(f"flattened for a fully connected layer: shape {tuple(digit.reshape(-1).shape)}")

# %% [markdown]
# And as a picture:

# %%
plt = pyplot()
fig, ax = plt.subplots(figsize=(4, 4))
im = ax.imshow(digit.cpu().numpy(), cmap="gray", vmin=0.0, vmax=1.0)
fig.colorbar(im, ax=ax, fraction=0.046, label="intensity")
ax.set_title(f"a handwritten {label}: 28x28 = 784 values\n(scikit-learn 8x8 digit, upsampled)")
ax.set_xticks([0, 27])
ax.set_yticks([0, 27])
ax.set_xlabel("col")
ax.set_ylabel("row")
digit_picture = show(fig, "01_digit.png")

# %% [markdown]
# ## 2. A colour image is a 3-D tensor: C x H x W or H x W x C
#
# We paint a 24x32 picture (not square, so height and width cannot be confused): a blue-to-green
# gradient with a red square. We build it the way image files store pixels, H x W x C, then convert
# with `permute` (or the helpers `hwc_to_chw` / `chw_to_hwc`).

# %%
banner("2. A colour image is three matrices stacked: C x H x W vs H x W x C")
h, w = 24, 32
hwc = np.zeros((h, w, 3), dtype=np.float32)
hwc[:, :, 1] = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]        # green grows downwards
hwc[:, :, 2] = np.linspace(1.0, 0.0, w, dtype=np.float32)[None, :]        # blue fades to the right
top, left, side = 6, 18, 10
hwc[top:top + side, left:left + side, :] = (1.0, 0.0, 0.0)               # a red square
img_hwc = torch.from_numpy(hwc)
print(f"as stored in an image file (H x W x C): shape {tuple(img_hwc.shape)}")

img_chw = img_hwc.permute(2, 0, 1)           # PyTorch layout: move the channel axis to the front
print(f"permute(2, 0, 1)  -> C x H x W:          shape {tuple(img_chw.shape)}")
same_to_chw = bool((hwc_to_chw(img_hwc) == img_chw).all().item())
print(f"hwc_to_chw(img) gives the same tensor: {same_to_chw}")

back = img_chw.permute(1, 2, 0)              # and back: channel axis last again
same_back = bool((back == img_hwc).all().item()) and bool((chw_to_hwc(img_chw) == img_hwc).all().item())
print(f"permute(1, 2, 0) and chw_to_hwc(...) both give the original H x W x C back: {same_back}")

# %% [markdown]
# One pixel is three numbers (R, G, B): `hwc[row, col, :]` in one layout, `chw[:, row, col]` in
# the other. Each channel on its own is an H x W matrix.

# %%
r, c = top + 2, left + 2
print(f"pixel (row {r}, col {c}) inside the red square:  hwc[{r}, {c}, :] = {img_hwc[r, c, :].tolist()}"
      f"   chw[:, {r}, {c}] = {img_chw[:, r, c].tolist()}")
r, c = 20, 2
print(f"pixel (row {r}, col {c}) in the background:     hwc[{r}, {c}, :] = "
      f"{[round(v, 3) for v in img_hwc[r, c, :].tolist()]}   chw[:, {r}, {c}] = "
      f"{[round(v, 3) for v in img_chw[:, r, c].tolist()]}")
for name, ch in zip("RGB", img_chw):
    print(f"  channel {name}: a {tuple(ch.shape)} matrix, mean {ch.mean().item():.3f}")

# %% [markdown]
# A classic bug: `reshape` gives the right shape but keeps the memory order, so it scrambles the
# channels. Use `permute`.

# %%
wrong = img_hwc.reshape(3, h, w)
reshape_is_permute = bool((wrong == img_chw).all().item())
print(f"reshape(3, {h}, {w}) has the right shape {tuple(wrong.shape)}; the right values? {reshape_is_permute}")

# %% [markdown]
# The picture: the colour image, then each channel as a grey-scale matrix (white = 1, black = 0),
# with a colour bar. The red square is bright in R and dark in G and B.

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 3))
axes[0].imshow(img_hwc.cpu().numpy())                      # matplotlib wants H x W x C
axes[0].set_title(f"colour image\nH x W x C = {tuple(img_hwc.shape)}")
for ax, name, ch in zip(axes[1:], "RGB", img_chw):
    im = ax.imshow(ch.cpu().numpy(), cmap="gray", vmin=0.0, vmax=1.0)
    ax.set_title(f"channel {name}: {tuple(ch.shape)}")
fig.colorbar(im, ax=list(axes[1:]), fraction=0.02, label="channel value")
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
channels_picture = show(fig, "01_color_channels.png")

# %% [markdown]
# ## 3. A batch adds a fourth axis: N x C x H x W

# %%
banner("3. A batch of images is a 4-D tensor N x C x H x W")
gray_batch = images28[:8]                            # load_digits already gives N x 1 x H x W
print(f"8 digits as a batch:           N x C x H x W = {tuple(gray_batch.shape)}  "
      f"({gray_batch.numel()} numbers = 8 x 784)")
colour_batch = torch.stack([img_chw, 1.0 - img_chw])          # the image and its negative
print(f"2 colour images as a batch:    N x C x H x W = {tuple(colour_batch.shape)}")
print(f"the same batch channels-last:  N x H x W x C = {tuple(colour_batch.permute(0, 2, 3, 1).shape)}")

# %% [markdown]
# ## Summary
#
# The key results in one dict (the tests check these).

# %%
results = {
    "digit_shape": tuple(digit.shape),
    "digit_numel": digit.numel(),
    "digit_label": label,
    "chw_shape": tuple(img_chw.shape),
    "hwc_shape": tuple(img_hwc.shape),
    "hwc_to_chw_equal": same_to_chw,
    "round_trip_equal": same_back,
    "reshape_is_permute": reshape_is_permute,
    "gray_batch_shape": tuple(gray_batch.shape),
    "colour_batch_shape": tuple(colour_batch.shape),
    "pictures": [str(digit_picture), str(channels_picture)],
}
for key, value in results.items():
    print(f"{key:<20} {value}")


def main() -> dict:
    """The lesson's key results (the cells above have already run when this is called)."""
    return results
